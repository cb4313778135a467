"""Keras 3 as a bridge: one model, run on the TensorFlow and the PyTorch backends.

The tests run this file twice, with KERAS_BACKEND=tensorflow and with
KERAS_BACKEND=torch, and both runs must print exactly the #> lines below.
"""

# --8<-- [start:choose_the_backend]
import os

# Keras reads KERAS_BACKEND once, when it is first imported: set it before
# `import keras` (or in the shell: KERAS_BACKEND=torch python keras_code.py).
# setdefault keeps a value already set, so one set in the shell wins.
os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # noqa: E402
import numpy as np  # noqa: E402

print(keras.config.backend() == os.environ["KERAS_BACKEND"])
#> True
# --8<-- [end:choose_the_backend]


# --8<-- [start:build_the_model]
def build_model():
    return keras.Sequential(
        [
            keras.Input(shape=(4,)),
            keras.layers.Dense(8, activation="relu", name="hidden"),
            keras.layers.Dense(3, name="logits"),  # one score per class
        ],
        name="mlp",
    )


model = build_model()
print([tuple(w.shape) for w in model.get_weights()], model.count_params())
#> [(4, 8), (8,), (8, 3), (3,)] 67
# --8<-- [end:build_the_model]

# --8<-- [start:set_weights_from_numpy]
# NumPy's generator is the same on every backend; Keras initialisers are not.
rng = np.random.default_rng(0)
start_weights = [
    rng.normal(0.0, 0.5, w.shape).astype("float32") for w in model.get_weights()
]
model.set_weights(start_weights)
x = rng.normal(size=(32, 4)).astype("float32")
y = (x[:, 0] + x[:, 1] > 0).astype("int64") + (x[:, 2] > 1).astype("int64")
print(np.bincount(y))
#> [13 16  3]
# --8<-- [end:set_weights_from_numpy]

# --8<-- [start:predict]
logits = model.predict(x[:3], verbose=0)  # a NumPy array on every backend
print(type(logits).__name__)
#> ndarray
print(logits.round(4))
#> [[-1.4012  0.3261  0.5156]
#>  [-0.4502  0.677   1.0963]
#>  [ 0.6003  0.899  -0.0394]]
# --8<-- [end:predict]

# --8<-- [start:loss]
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
loss = loss_fn(y, model(x))  # model(x) returns the backend's own tensor type
print(round(float(keras.ops.convert_to_numpy(loss)), 4))
#> 1.2508
# --8<-- [end:loss]

# --8<-- [start:gradient_step]
# Keras 3 has no backend-neutral gradient of a loss (keras.ops.jvp is forward
# mode only): use the backend's own tf.GradientTape or loss.backward().
def gradients(model, x, y):
    if keras.config.backend() == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        return tape.gradient(loss, model.trainable_weights)
    model.zero_grad()  # the model is a torch.nn.Module here
    loss = loss_fn(y, model(x, training=True))
    loss.backward()
    return [w.value.grad for w in model.trainable_weights]


grads = gradients(model, x, y)
grad_norms = [np.linalg.norm(keras.ops.convert_to_numpy(g)) for g in grads]
print([round(float(n), 4) for n in grad_norms])
#> [0.5175, 0.2682, 0.4136, 0.3028]
optimizer = keras.optimizers.SGD(learning_rate=0.1)
optimizer.apply(grads, model.trainable_weights)  # backend-neutral
print(round(float(keras.ops.convert_to_numpy(loss_fn(y, model(x)))), 4))
#> 1.1925

# The same step through the built-in training step gives the same weights.
same_step = build_model()
same_step.set_weights(start_weights)
same_step.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss=loss_fn)
same_step.train_on_batch(x, y)
pairs = zip(model.get_weights(), same_step.get_weights(), strict=True)
print(all(np.allclose(a, b, atol=1e-6) for a, b in pairs))
#> True
# --8<-- [end:gradient_step]

# --8<-- [start:short_fit]
model = build_model()
model.set_weights(start_weights)
model.compile(
    optimizer=keras.optimizers.SGD(learning_rate=0.1),
    loss=loss_fn,
    metrics=["accuracy"],
)
history = model.fit(x, y, batch_size=8, epochs=5, shuffle=False, verbose=0)
print([round(v, 4) for v in history.history["loss"]])
#> [1.2038, 1.0237, 0.8968, 0.8139, 0.7464]
print([round(v, 4) for v in history.history["accuracy"]])
#> [0.4062, 0.5312, 0.6562, 0.6562, 0.7188]
fitted_logits = model.predict(x, verbose=0)
# --8<-- [end:short_fit]

# --8<-- [start:switch_backend_in_one_process]
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

this_backend = keras.config.backend()
other_backend = {"tensorflow": "torch", "torch": "tensorflow"}[this_backend]
workdir = tempfile.TemporaryDirectory()  # removed when the script ends
weights_file = Path(workdir.name) / "fitted.weights.h5"
model.save_weights(weights_file)  # the model fitted above
keras.utils.set_random_seed(0)
# Keras's own initialiser, seeded: the first layer's kernel
seeded_kernels = {this_backend: build_model().get_weights()[0]}
models = {this_backend: model}

# One process normally keeps one backend. set_backend reloads Keras on another;
# its documentation warns against using objects created before the switch.
keras.config.set_backend(other_backend)
import keras  # noqa: E402  re-import: build_model() now builds on the other backend

print(keras.config.backend() == other_backend)
#> True
models[other_backend] = build_model()
keras.utils.set_random_seed(0)
seeded_kernels[other_backend] = build_model().get_weights()[0]
# --8<-- [end:switch_backend_in_one_process]

# --8<-- [start:weights_move_between_backends]
models[other_backend].load_weights(weights_file)  # saved by the other backend
moved_logits = models[other_backend].predict(x, verbose=0)
print(np.allclose(moved_logits, fitted_logits, atol=1e-5))
#> True
# --8<-- [end:weights_move_between_backends]

# --8<-- [start:seeded_initial_weights_differ]
# Same seed, same layer, different numbers: each backend has its own generator.
print(np.allclose(seeded_kernels["tensorflow"], seeded_kernels["torch"]))
#> False
print(seeded_kernels["tensorflow"].shape == seeded_kernels["torch"].shape)
#> True
# --8<-- [end:seeded_initial_weights_differ]

# --8<-- [start:a_torch_module_on_torch]
import torch  # noqa: E402

print({name: isinstance(m, torch.nn.Module) for name, m in sorted(models.items())})
#> {'tensorflow': False, 'torch': True}
torch_model = models["torch"]
# What a torch.optim optimizer would be given:
print([tuple(p.shape) for p in torch_model.parameters()])
#> [(8,), (4, 8), (3,), (8, 3)]
print(*list(torch_model.state_dict())[:2], sep="\n")
#> _functional._torch_params.mlp/hidden/bias
#> _functional._torch_params.mlp/hidden/kernel
# --8<-- [end:a_torch_module_on_torch]

# --8<-- [start:tf_keras_is_keras_3]
import tensorflow as tf  # noqa: E402

# In TensorFlow 2.16+, tf.keras is the standalone Keras 3 package.
print(tf.keras.version(), tf.keras.Sequential.__module__)
#> 3.15.1 keras.src.models.sequential
print(hasattr(tf, "estimator"))  # removed in TensorFlow 2.16
#> False
# --8<-- [end:tf_keras_is_keras_3]
