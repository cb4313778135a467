"""Migrating weights between PyTorch 2.13 and Keras 3 (TensorFlow 2.21 backend): the Keras side."""

# --8<-- [start:setup]
import tempfile
from pathlib import Path

import keras
import numpy as np
from safetensors.numpy import load_file, save_file  # safetensors: a framework-neutral weights file
from sklearn.datasets import load_digits  # bundled with scikit-learn: no download

images = (load_digits().images[:16] / 16.0).astype("float32")  # 16 digits, (16, 8, 8)
keras_images = images[..., None]  # Keras is channels last: (batch, height, width, channels)
print(keras.config.image_data_format(), keras_images.shape)
#> channels_last (16, 8, 8, 1)


def convnet(epsilon=1e-3, momentum=0.99):  # Keras's BatchNormalization defaults
    return keras.Sequential(
        [
            keras.Input(shape=(8, 8, 1)),
            keras.layers.Conv2D(4, 3),
            keras.layers.BatchNormalization(epsilon=epsilon, momentum=momentum),
            keras.layers.ReLU(),
            keras.layers.Flatten(),  # flattens (height, width, channels)
            keras.layers.Dense(10),
        ]
    )


scratch = tempfile.TemporaryDirectory()  # weight files go here, deleted at exit
workdir = Path(scratch.name)
# --8<-- [end:setup]

# --8<-- [start:pytorch_to_keras]
# A PyTorch checkpoint as safetensors stores it: the state_dict's names, shapes and layouts.
# (Drawn from a seed here; the PyTorch tab loads the same tensors into its nn.Module.)
rng = np.random.default_rng(1)
torch_state = {
    "conv.weight": rng.normal(scale=0.1, size=(4, 1, 3, 3)),  # (out, in, height, width)
    "conv.bias": rng.normal(scale=0.1, size=4),
    "bn.weight": rng.uniform(0.5, 1.5, size=4),  # gamma
    "bn.bias": rng.normal(scale=0.1, size=4),  # beta
    "bn.running_mean": rng.normal(scale=0.1, size=4),
    "bn.running_var": rng.uniform(0.002, 0.03, size=4),  # as small as this conv's outputs vary
    "fc.weight": rng.normal(scale=0.1, size=(10, 4 * 6 * 6)),  # (out, in), in ordered (C, H, W)
    "fc.bias": rng.normal(scale=0.1, size=10),
}
checkpoint = {name: array.astype("float32") for name, array in torch_state.items()}
save_file(checkpoint, workdir / "torch.safetensors")
state = load_file(workdir / "torch.safetensors")  # NumPy arrays: no PyTorch needed to read it


def keras_weights_from_torch(state):
    dense = state["fc.weight"].reshape(10, 4, 6, 6)  # (out, C, H, W)
    return [
        state["conv.weight"].transpose(2, 3, 1, 0),  # -> (height, width, in, out)
        state["conv.bias"],
        state["bn.weight"],
        state["bn.bias"],
        state["bn.running_mean"],
        state["bn.running_var"],
        dense.transpose(2, 3, 1, 0).reshape(6 * 6 * 4, 10),  # rows to (H, W, C) order, then (in, out)
        state["fc.bias"],
    ]


ported = convnet(epsilon=1e-5, momentum=0.9)  # PyTorch's eps=1e-5 and momentum=0.1, in Keras terms
ported.set_weights(keras_weights_from_torch(state))
ported_from_pytorch = ported.predict(keras_images, verbose=0)
print(ported_from_pytorch[0].round(3))
#> [ 0.328 -1.123  2.804  0.986 -2.529 -0.213 -1.075  0.31  -0.823 -1.398]

# The two mistakes a port makes silently: Keras's epsilon default, and the flatten order.
keras_epsilon = convnet()  # epsilon=1e-3
keras_epsilon.set_weights(keras_weights_from_torch(state))
difference = np.abs(keras_epsilon.predict(keras_images, verbose=0) - ported_from_pytorch).max()
print(f"with Keras's default epsilon: max |difference| {difference:.3f}")
#> with Keras's default epsilon: max |difference| 0.109
naive = keras_weights_from_torch(state)
naive[6] = state["fc.weight"].T  # transposed, but rows left in PyTorch's (C, H, W) order
keras_epsilon.set_weights(naive)
keras_epsilon.layers[1].epsilon = 1e-5
difference = np.abs(keras_epsilon.predict(keras_images, verbose=0) - ported_from_pytorch).max()
print(f"without reordering the flattened features: max |difference| {difference:.3f}")
#> without reordering the flattened features: max |difference| 3.154
# --8<-- [end:pytorch_to_keras]

# --8<-- [start:keras_to_pytorch]
# Keras weights in the order and layout model.get_weights() returns them (drawn from a seed here).
original = convnet()  # Keras defaults: epsilon=1e-3, momentum=0.99
rng = np.random.default_rng(2)
keras_weights = [
    rng.normal(scale=0.1, size=(3, 3, 1, 4)),  # conv kernel (height, width, in, out)
    rng.normal(scale=0.1, size=4),  # conv bias
    rng.uniform(0.5, 1.5, size=4),  # gamma
    rng.normal(scale=0.1, size=4),  # beta
    rng.normal(scale=0.1, size=4),  # moving mean
    rng.uniform(0.002, 0.03, size=4),  # moving variance
    rng.normal(scale=0.1, size=(6 * 6 * 4, 10)),  # dense kernel (in, out), in ordered (H, W, C)
    rng.normal(scale=0.1, size=10),  # dense bias
]
original.set_weights([w.astype("float32") for w in keras_weights])
print([w.name for w in original.weights])
#> ['kernel', 'bias', 'gamma', 'beta', 'moving_mean', 'moving_variance', 'kernel', 'bias']
original.save_weights(workdir / "keras.weights.h5")  # what a Keras user would hand over
ported_from_keras = original.predict(keras_images, verbose=0)
print(ported_from_keras[0].round(3))
#> [-3.798 -1.108 -0.885 -1.435  1.965 -1.025 -1.753 -2.43   0.279 -0.246]
# --8<-- [end:keras_to_pytorch]

# --8<-- [start:fine_tune_after_porting]
# One training-mode batch through the model ported from PyTorch (momentum 0.9 = PyTorch's 0.1).
ported(keras_images, training=True)
updated_moving_mean = ported.layers[1].moving_mean.numpy()
print("moving mean:", updated_moving_mean.round(4))
#> moving mean: [ 0.0565  0.0629  0.0163 -0.0573]
print("moving variance:", ported.layers[1].moving_variance.numpy().round(6))
#> moving variance: [0.023132 0.006722 0.006536 0.025219]
# --8<-- [end:fine_tune_after_porting]

# --8<-- [start:defaults_that_differ]
print("BatchNormalization: epsilon", keras.layers.BatchNormalization().epsilon,
      "momentum", keras.layers.BatchNormalization().momentum)  # fmt: skip
#> BatchNormalization: epsilon 0.001 momentum 0.99
print("LayerNormalization: epsilon", keras.layers.LayerNormalization().epsilon)
#> LayerNormalization: epsilon 0.001
print("Conv2D: padding", keras.layers.Conv2D(4, 3).padding, "| layout", keras.config.image_data_format())
#> Conv2D: padding valid | layout channels_last
print("Dense kernel initializer:", type(keras.layers.Dense(4).kernel_initializer).__name__)
#> Dense kernel initializer: GlorotUniform
print("Adam: epsilon", keras.optimizers.Adam().epsilon)
#> Adam: epsilon 1e-07
print("SparseCategoricalCrossentropy from_logits:", keras.losses.SparseCategoricalCrossentropy().from_logits)
#> SparseCategoricalCrossentropy from_logits: False
print("Dropout(0.2): drops a fraction", keras.layers.Dropout(0.2).rate)
#> Dropout(0.2): drops a fraction 0.2
# --8<-- [end:defaults_that_differ]
