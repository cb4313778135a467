"""Mobile and edge with PyTorch 2.13: ExecuTorch export with XNNPACK, quantisation and its Python runtime."""

# --8<-- [start:setup]
import tempfile
import textwrap
import warnings
from pathlib import Path

import numpy as np
import torch
from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner
from executorch.exir import to_edge_transform_and_lower
from executorch.runtime import Runtime
from sklearn.datasets import load_digits  # bundled with scikit-learn: no download
from torch import nn

digits = load_digits()
features = (digits.data / 16.0).astype("float32")  # 1797 images of 8x8 pixels, flattened to 64
labels = digits.target
# The weights are computed in NumPy, identically in both scripts: a random ReLU layer, then an
# output layer fitted by least squares. No training loop, so both frameworks hold one model.
rng = np.random.default_rng(0)
hidden_kernel = rng.normal(scale=0.5, size=(64, 64)).astype("float32")
hidden_bias = rng.normal(scale=0.5, size=64).astype("float32")
hidden = np.maximum(features[:1500] @ hidden_kernel + hidden_bias, 0)
output_kernel = np.linalg.solve(hidden.T @ hidden + np.eye(64), hidden.T @ np.eye(10)[labels[:1500]])
output_kernel = output_kernel.astype("float32")

model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)).eval()
model.load_state_dict(
    {
        "0.weight": torch.from_numpy(hidden_kernel.T.copy()),  # Linear stores (out, in)
        "0.bias": torch.from_numpy(hidden_bias),
        "2.weight": torch.from_numpy(output_kernel.T.copy()),
        "2.bias": torch.zeros(10),
    }
)
test_images, test_labels = torch.from_numpy(features[1500:]), labels[1500:]
with torch.no_grad():
    logits = model(test_images).numpy()
print("eager test accuracy:", round(float((logits.argmax(axis=1) == test_labels).mean()), 3))
#> eager test accuracy: 0.879
scratch = tempfile.TemporaryDirectory()  # exported files go here, deleted at exit
workdir = Path(scratch.name)
# --8<-- [end:setup]

# --8<-- [start:convert]
# ExecuTorch starts from torch.export, lowers the graph to a backend (XNNPACK: optimised CPU kernels
# for Arm and x86) and serialises an ExecuTorch program, a .pte file.
batch = torch.export.Dim("batch", max=1024)  # delegates need an upper bound for dynamic sizes
exported = torch.export.export(model, (test_images[:2],), dynamic_shapes=({0: batch},))
lowered = to_edge_transform_and_lower(exported, partitioner=[XnnpackPartitioner()])
print([str(node.target) for node in lowered.exported_program().graph.nodes if node.op == "call_function"])
#> ['executorch_call_delegate', '<built-in function getitem>']
pte_model = lowered.to_executorch().buffer
(workdir / "classifier.pte").write_bytes(pte_model)
print("ExecuTorch program:", len(pte_model), "bytes")
#> ExecuTorch program: 22056 bytes
# --8<-- [end:convert]

# --8<-- [start:run_on_the_device_runtime]
# executorch.runtime wraps the same C++ runtime that runs the .pte file on a device.
program = Runtime.get().load_program(workdir / "classifier.pte")
print(program.method_names)
#> {'forward'}
forward = program.load_method("forward")
edge_logits = forward.execute([test_images])[0].numpy()
print("max |difference| from eager below 1e-5:", bool(np.abs(edge_logits - logits).max() < 1e-5))
#> max |difference| from eager below 1e-5: True
print("ExecuTorch test accuracy:", round(float((edge_logits.argmax(axis=1) == test_labels).mean()), 3))
#> ExecuTorch test accuracy: 0.879
print("batch of 1:", tuple(forward.execute([test_images[:1]])[0].shape))
#> batch of 1: (1, 10)
# --8<-- [end:run_on_the_device_runtime]

# --8<-- [start:quantise]
# int8 weights and activations for XNNPACK, with the PT2E flow: annotate, calibrate, convert, lower.
from executorch.backends.xnnpack.quantizer.xnnpack_quantizer import (  # noqa: E402
    XNNPACKQuantizer,
    get_symmetric_quantization_config,
)
from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e  # noqa: E402

quantizer = XNNPACKQuantizer().set_global(get_symmetric_quantization_config(is_per_channel=True))
prepared = prepare_pt2e(exported.module(), quantizer)
for start in range(0, 1500, 100):  # calibration: observe activation ranges on training images
    prepared(torch.from_numpy(features[start : start + 100]))
quantised = convert_pt2e(prepared)
quantised_program = torch.export.export(quantised, (test_images[:2],), dynamic_shapes=({0: batch},))
int8_lowered = to_edge_transform_and_lower(quantised_program, partitioner=[XnnpackPartitioner()])
int8_model = int8_lowered.to_executorch()
(workdir / "classifier_int8.pte").write_bytes(int8_model.buffer)

for name, path in [("float32", "classifier.pte"), ("int8", "classifier_int8.pte")]:
    method = Runtime.get().load_program(workdir / path).load_method("forward")
    quantised_logits = method.execute([test_images])[0]
    accuracy = (quantised_logits.argmax(dim=1).numpy() == test_labels).mean()
    agreement = (quantised_logits.argmax(dim=1).numpy() == logits.argmax(axis=1)).mean()
    size = (workdir / path).stat().st_size
    print(f"{name:>7}: {size:>6} bytes, accuracy {accuracy:.3f}, same class as eager {agreement:.3f}")
    #> float32:  22056 bytes, accuracy 0.879, same class as eager 1.000
    #>    int8:  10024 bytes, accuracy 0.879, same class as eager 0.993
# --8<-- [end:quantise]

# --8<-- [start:deprecated_runtime]
# PyTorch Mobile (TorchScript's Lite Interpreter) is deprecated in favour of ExecuTorch.
from torch.utils.mobile_optimizer import optimize_for_mobile  # noqa: E402

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    scripted = torch.jit.script(model)
    scripted._save_for_lite_interpreter(str(workdir / "classifier.ptl"))
messages = [(w.category.__name__, " ".join(str(w.message).split())) for w in caught]  # whitespace tidied
for category, message in dict.fromkeys(messages):  # each distinct warning once
    print(textwrap.fill(f"{category}: {message}", width=96, subsequent_indent="  "))
    #> DeprecationWarning: `torch.jit.script` is deprecated. Please switch to `torch.compile` or
    #>   `torch.export`.
    #> DeprecationWarning: Lite Interpreter is deprecated. Please consider switching to ExecuTorch.
    #>   https://docs.pytorch.org/executorch/stable/getting-started.html
# Its optimisation pass needs XNNPACK compiled into PyTorch, which the CPU wheel used here lacks.
try:
    optimize_for_mobile(scripted)
except RuntimeError as err:
    print(textwrap.fill("RuntimeError: " + str(err).split("PyTorch. ")[-1], width=96, subsequent_indent="  "))
    #> RuntimeError: Mobile optimization only available with XNNPACK at the moment. XNNPACK is not
    #>   enabled. Please build with USE_XNNPACK=1
# --8<-- [end:deprecated_runtime]
