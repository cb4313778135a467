"""Model building in TensorFlow 2.21 with Keras 3: Sequential, functional, subclassed, custom layers."""

# --8<-- [start:setup]
import math

import keras
import numpy as np
import tensorflow as tf
from keras import layers
from sklearn.datasets import load_digits  # bundled with scikit-learn: no download

keras.utils.set_random_seed(0)  # seeds Python, NumPy and the backend in one call
print(keras.backend.backend())
#> tensorflow
batch = np.random.default_rng(0).normal(size=(8, 64)).astype("float32")  # 8 samples, 64 features
# --8<-- [end:setup]

# --8<-- [start:sequential_model]
sequential = keras.Sequential(
    [
        keras.Input(shape=(64,)),  # the input size is declared once ...
        layers.Dense(32, activation="relu"),  # ... and every layer infers its own
        layers.Dense(10),
    ]
)
sequential.summary(line_length=64, print_fn=print)
#> Model: "sequential"
#> ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┓
#> ┃ Layer (type)              ┃ Output Shape        ┃    Param # ┃
#> ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━┩
#> │ dense (Dense)             │ (None, 32)          │      2,080 │
#> ├───────────────────────────┼─────────────────────┼────────────┤
#> │ dense_1 (Dense)           │ (None, 10)          │        330 │
#> └───────────────────────────┴─────────────────────┴────────────┘
#>  Total params: 2,410 (9.41 KB)
#>  Trainable params: 2,410 (9.41 KB)
#>  Non-trainable params: 0 (0.00 B)
#>
sequential_params = sequential.count_params()
print(sequential_params, tuple(sequential(batch).shape))
#> 2410 (8, 10)
# --8<-- [end:sequential_model]

# --8<-- [start:functional_model]
# The functional API wires layers into a graph: here a skip connection that Sequential cannot express.
inputs = keras.Input(shape=(64,))
hidden = layers.Dense(32, activation="relu", name="hidden")(inputs)
block = layers.Dense(32, activation="relu", name="block")(hidden)
merged = layers.Add(name="add")([hidden, block])
outputs = layers.Dense(10, name="logits")(merged)
functional = keras.Model(inputs, outputs)
print([layer.name for layer in functional.layers])  # the graph exists before any data flows
#> ['input_layer_1', 'hidden', 'block', 'add', 'logits']
functional_params = functional.count_params()
print(functional_params, functional.output_shape)
#> 3466 (None, 10)
# --8<-- [end:functional_model]


# --8<-- [start:subclassed_model]
class MLP(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = layers.Dense(32, activation="relu")  # no input size: Keras infers it
        self.out = layers.Dense(10)

    def call(self, x):
        return self.out(self.hidden(x))


subclassed = MLP()
print("weights before the first call:", len(subclassed.weights))
#> weights before the first call: 0
result = subclassed(batch)  # the first call builds every layer from the input's shape
print("weights after:", len(subclassed.weights), [tuple(w.shape) for w in subclassed.weights])
#> weights after: 4 [(64, 32), (32,), (32, 10), (10,)]
subclassed_params = subclassed.count_params()
print(subclassed_params, tuple(result.shape))
#> 2410 (8, 10)
# --8<-- [end:subclassed_model]

# --8<-- [start:custom_layer]
w_values = (np.arange(6, dtype="float32").reshape(3, 2) - 2.5) / 10  # fixed weights, shared by both files
b_values = np.array([0.5, -0.5], dtype="float32")
x_small = np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 1.0]], dtype="float32")


# The article's TensorFlow sample runs as written; it is a function, not a layer: the
# caller owns w and b, so nothing tracks, saves or trains them.
@tf.function
def layer(x, w, b):
    return tf.matmul(x, w) + b


print(layer(x_small, w_values, b_values).numpy().round(3))
#> [[ 0.6  0.2]
#>  [ 0.9 -0.1]]


# A Keras layer owns its weights: add_weight creates them, build() sizes them from the input.
class Linear(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(
            shape=(input_shape[-1], self.units), initializer="glorot_uniform", name="w"
        )
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")

    def call(self, x):
        return keras.ops.matmul(x, self.w) + self.b


custom = Linear(2)
custom.build(x_small.shape)
custom.set_weights([w_values, b_values])
print([w.path for w in custom.trainable_weights])
#> ['linear/w', 'linear/b']
custom_layer_output = custom(x_small)
print(custom_layer_output.numpy().round(3))
#> [[ 0.6  0.2]
#>  [ 0.9 -0.1]]
# --8<-- [end:custom_layer]

# --8<-- [start:weight_initialisation]
fan_in, fan_out = 512, 256
dense = layers.Dense(fan_out)  # defaults: kernel_initializer="glorot_uniform", bias_initializer="zeros"
dense.build((None, fan_in))
kernel, bias = dense.kernel.numpy(), dense.bias.numpy()
glorot_bound = math.sqrt(6 / (fan_in + fan_out))
print(f"max |w| {np.abs(kernel).max():.4f}  glorot bound sqrt(6/(in+out)) {glorot_bound:.4f}")
#> max |w| 0.0884  glorot bound sqrt(6/(in+out)) 0.0884
glorot_std = kernel.std()
print(f"std {glorot_std:.4f}  expected bound/sqrt(3) {glorot_bound / math.sqrt(3):.4f}")
#> std 0.0509  expected bound/sqrt(3) 0.0510
print("bias all zeros:", bool((bias == 0).all()))
#> bias all zeros: True

# PyTorch's nn.Linear default, rebuilt from Keras initializers:
torch_bound = 1 / math.sqrt(fan_in)
torch_like = layers.Dense(
    fan_out,
    kernel_initializer=keras.initializers.VarianceScaling(1 / 3, mode="fan_in", distribution="uniform"),
    bias_initializer=keras.initializers.RandomUniform(-torch_bound, torch_bound),
)
torch_like.build((None, fan_in))
torch_default_std = torch_like.kernel.numpy().std()
print(f"max |w| {np.abs(torch_like.kernel.numpy()).max():.4f}  bound 1/sqrt(in) {torch_bound:.4f}")
#> max |w| 0.0442  bound 1/sqrt(in) 0.0442
print(f"std {torch_default_std:.4f}  expected {torch_bound / math.sqrt(3):.4f}")
#> std 0.0255  expected 0.0255
# --8<-- [end:weight_initialisation]

# --8<-- [start:copy_weights_across]
images = (load_digits().images[:16] / 16.0).astype("float32")  # 16 digits, 8x8 pixels
convnet = keras.Sequential(
    [
        keras.Input(shape=(8, 8, 1)),  # Keras: channels last (N, H, W, C)
        layers.Conv2D(4, 3, activation="relu"),
        layers.Flatten(),
        layers.Dense(10),
    ]
)
# Framework-neutral weights, as np.savez would store model.get_weights(): Keras layout.
rng = np.random.default_rng(42)
shared = [rng.normal(scale=0.3, size=w.shape).astype("float32") for w in convnet.get_weights()]
convnet.set_weights(shared)
print([w.shape for w in shared])  # conv kernel (kh, kw, in, out); dense kernel (in, out)
#> [(3, 3, 1, 4), (4,), (144, 10), (10,)]
copied_output = convnet(images[..., None]).numpy()
print(copied_output[0].round(3))
#> [ 0.285  0.026 -2.355 -0.663 -1.911 -0.172  0.827 -0.038  1.07  -1.358]
print(copied_output.argmax(axis=1))
#> [8 8 7 8 8 6 8 7 8 7 8 6 8 6 8 8]
# --8<-- [end:copy_weights_across]
