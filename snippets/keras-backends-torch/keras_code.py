"""Keras on the PyTorch backend: native torch modules inside a Keras model, what
PyTorch tooling sees in a Keras model, the data fit() accepts, jit_compile, and
model.export. The tests run this file with KERAS_BACKEND=torch.
"""

# --8<-- [start:torch_module_wrapper]
import os

os.environ.setdefault("KERAS_BACKEND", "torch")  # TorchModuleWrapper needs it

import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

rng = np.random.default_rng(0)
x = rng.normal(size=(32, 4)).astype("float32")
y = (x[:, 0] + x[:, 1] > 0).astype("int64") + (x[:, 2] > 1).astype("int64")

keras.utils.set_random_seed(0)  # seeds Python, NumPy and torch
linear = torch.nn.Linear(4, 8)  # a native PyTorch module, PyTorch's own initialiser
hybrid = keras.Sequential(
    [
        keras.Input(shape=(4,)),
        keras.layers.TorchModuleWrapper(linear, output_shape=(None, 8)),
        keras.layers.ReLU(),
        keras.layers.Dense(3, name="logits"),
    ]
)
# Keras tracks the module's parameters as its own weights, in PyTorch's layout.
print([tuple(w.shape) for w in hybrid.trainable_weights])
#> [(8, 4), (8,), (8, 3), (3,)]
print(hybrid.trainable_weights[0].value is linear.weight)  # the same tensor
#> True
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
hybrid.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss=loss_fn)
before = linear.weight.detach().clone()
history = hybrid.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
print([round(v, 4) for v in history.history["loss"]])
#> [1.1057, 1.0134, 0.9471]
print(torch.equal(before, linear.weight.detach()))  # fit() trained the torch module
#> False
# --8<-- [end:torch_module_wrapper]


# --8<-- [start:what_pytorch_tooling_sees]
def build_model():
    return keras.Sequential(
        [
            keras.Input(shape=(4,)),
            keras.layers.Dense(8, activation="relu", name="hidden"),
            keras.layers.Dense(3, name="logits"),
        ],
        name="mlp",
    )


model = build_model()
start_weights = [
    rng.normal(0.0, 0.5, w.shape).astype("float32") for w in model.get_weights()
]
model.set_weights(start_weights)

# What works: parameters() for torch.optim, forward hooks, torch.func.
print(sum(p.numel() for p in model.parameters()), model.count_params())
#> 67 67
shapes_seen = []
hook = model.get_layer("hidden").register_forward_hook(
    lambda module, args, output: shapes_seen.append(tuple(output.shape))
)
logits = model(torch.from_numpy(x))
hook.remove()
print(shapes_seen)
#> [(32, 8)]
params = dict(model.named_parameters())
same = torch.func.functional_call(model, params, (torch.from_numpy(x),))
print(torch.equal(same, logits))
#> True
# One torch.optim step lands where Keras's own training step does.
torch_sgd = torch.optim.SGD(model.parameters(), lr=0.1)
torch_sgd.zero_grad()
loss_fn(torch.from_numpy(y), model(torch.from_numpy(x), training=True)).backward()
torch_sgd.step()
keras_step = build_model()
keras_step.set_weights(start_weights)
keras_step.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss=loss_fn)
keras_step.train_on_batch(x, y)
pairs = zip(model.get_weights(), keras_step.get_weights(), strict=True)
print(all(np.allclose(a, b, atol=1e-6) for a, b in pairs))
#> True
model.set_weights(start_weights)  # back to the start for what follows
logits = model(torch.from_numpy(x))

# What differs: names, layout, and the module tree.
print(*model.state_dict(), sep="\n")  # every weight under two names
#> _functional._torch_params.mlp/hidden/bias
#> _functional._torch_params.mlp/hidden/kernel
#> _functional._torch_params.mlp/logits/bias
#> _functional._torch_params.mlp/logits/kernel
#> _torch_params.mlp/hidden/bias
#> _torch_params.mlp/hidden/kernel
#> _torch_params.mlp/logits/bias
#> _torch_params.mlp/logits/kernel
print([name for name, _ in model.named_modules()])  # no "hidden", no "logits"
#> ['', '_functional', '_functional._torch_params', '_torch_params']
reference = torch.nn.Sequential(
    torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3)
)
print(list(reference.state_dict()))
#> ['0.weight', '0.bias', '2.weight', '2.bias']
try:
    reference.load_state_dict(model.state_dict())
except RuntimeError as err:
    print(str(err).splitlines()[1].strip())  # the first of its two complaints
    #> Missing key(s) in state_dict: "0.weight", "0.bias", "2.weight", "2.bias".

# A Dense kernel is (inputs, outputs); nn.Linear.weight is (outputs, inputs).
kernel = model.get_layer("hidden").kernel.value
print(tuple(kernel.shape), tuple(reference[0].weight.shape))
#> (4, 8) (8, 4)
keras_weights = model.get_weights()
mapped = {
    "0.weight": keras_weights[0].T,
    "0.bias": keras_weights[1],
    "2.weight": keras_weights[2].T,
    "2.bias": keras_weights[3],
}
reference.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in mapped.items()})
with torch.no_grad():
    print(torch.allclose(reference(torch.from_numpy(x)), logits, atol=1e-6))
    #> True
# --8<-- [end:what_pytorch_tooling_sees]

# --8<-- [start:fit_on_a_dataloader_and_tf_data]
import tensorflow as tf  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

# The same 32 examples in the same order, three ways.
loader = DataLoader(TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=8)
dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(8)
losses = {}
for name, data in [("NumPy", (x, y)), ("DataLoader", (loader,)), ("tf.data", (dataset,))]:
    model = build_model()
    model.set_weights(start_weights)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss=loss_fn)
    batching = {"batch_size": 8, "shuffle": False} if name == "NumPy" else {}
    history = model.fit(*data, epochs=3, verbose=0, **batching)
    losses[name] = [round(v, 4) for v in history.history["loss"]]
for name, values in losses.items():
    print(f"{name:>10}: {values}")
    #>      NumPy: [1.3487, 1.0397, 0.8641]
    #> DataLoader: [1.3487, 1.0397, 0.8641]
    #>    tf.data: [1.3487, 1.0397, 0.8641]
# --8<-- [end:fit_on_a_dataloader_and_tf_data]

# --8<-- [start:jit_compile_on_torch]
eager = build_model()
eager.compile(optimizer="sgd", loss=loss_fn)  # jit_compile="auto"
eager.make_train_function()
compiled = build_model()
compiled.compile(optimizer="sgd", loss=loss_fn, jit_compile=True)
compiled.make_train_function()
# torch.compile wraps a function and keeps the original as _torchdynamo_orig_callable.
for name, m in [("auto", eager), ("True", compiled)]:
    wrapped = hasattr(m.train_function, "_torchdynamo_orig_callable")
    print(f"jit_compile={name}: model.jit_compile={m.jit_compile}, torch.compile={wrapped}")
    #> jit_compile=auto: model.jit_compile=False, torch.compile=False
    #> jit_compile=True: model.jit_compile=True, torch.compile=True
# --8<-- [end:jit_compile_on_torch]

# --8<-- [start:export_from_torch]
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import onnxruntime  # noqa: E402

model = build_model()
model.set_weights(start_weights)
expected = model.predict(x, verbose=0)  # 32 rows
workdir = tempfile.TemporaryDirectory()  # removed when the script ends
out = Path(workdir.name)

# ONNX (through torch.onnx.export), run by ONNX Runtime.
model.export(out / "mlp.onnx", format="onnx", verbose=False)
session = onnxruntime.InferenceSession(out / "mlp.onnx")
(onnx_input,) = session.get_inputs()
print(onnx_input.shape)  # the batch dimension stays free
#> ['batch', 4]
onnx_logits = session.run(None, {onnx_input.name: x})[0]
print(np.allclose(onnx_logits, expected, rtol=1e-5, atol=1e-6))
#> True

# A torch.export ExportedProgram (.pt2). By default the batch size is fixed at 1.
model.export(out / "fixed.pt2", format="torch", verbose=False)
try:
    torch.export.load(out / "fixed.pt2").module()(torch.from_numpy(x))
except AssertionError as err:
    print(err)
    #> Guard failed: args_0.size()[0] == 1
batch = torch.export.Dim("batch", min=1, max=1024)
model.export(out / "mlp.pt2", format="torch", verbose=False, dynamic_shapes={0: batch})
program = torch.export.load(out / "mlp.pt2")
pt2_logits = program.module()(torch.from_numpy(x)).detach().numpy()
print(np.allclose(pt2_logits, expected, rtol=1e-5, atol=1e-6))
#> True

# A SavedModel from the torch backend goes through torch_xla's StableHLO export.
spec = [keras.InputSpec(shape=(32, 4), dtype="float32")]
try:
    model.export(out / "sm", format="tf_saved_model", input_signature=spec)
except ImportError as err:
    print(str(err).split(". ")[0])
    #> This requires the torch_xla module
try:
    model.export(out / "mlp.tflite", format="litert", verbose=False)
except ImportError as err:
    print(str(err).split(". ")[0])
    #> To export to LiteRT with the PyTorch backend, you must install the `litert-torch` package
try:  # a str path: this exporter calls filepath.endswith
    model.export(str(out / "mlp.xml"), format="openvino", verbose=False)
except ImportError as err:
    print(err)
    #> No module named 'openvino'
# --8<-- [end:export_from_torch]
