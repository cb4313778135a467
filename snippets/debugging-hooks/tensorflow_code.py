"""Debugging inside a Keras 3 model on TensorFlow 2.21: intermediate outputs and gradients,
gradient checks, and device errors."""

# --8<-- [start:setup]
import re

import keras
import numpy as np
import tensorflow as tf

keras.utils.set_random_seed(0)
x = np.arange(8, dtype="float32").reshape(4, 2) / 8 - 0.25  # 4 samples, 2 features
targets = np.ones((4, 1), "float32")
inputs = keras.Input((2,))
hidden = keras.layers.Dense(3, activation="relu", name="hidden")(inputs)
model = keras.Model(inputs, keras.layers.Dense(1, name="out")(hidden))  # the functional API
# The same weights as the PyTorch tab (Keras stores a kernel as inputs x outputs).
model.get_layer("hidden").set_weights(
    [np.array([[0.5, -1.0, 0.25], [1.0, 0.5, -0.75]], "float32"), np.array([0.1, 0.0, -0.1], "float32")]
)
model.get_layer("out").set_weights([np.array([[1.0], [-0.5], [2.0]], "float32"), np.array([0.2], "float32")])
# --8<-- [end:setup]

# --8<-- [start:intermediate_outputs]
# Keras has no hooks. A functional model's layers are a graph, so a second model over the same
# layers (and the same weights) returns any intermediate output.
inspector = keras.Model(model.input, [model.get_layer("hidden").output, model.output])
hidden_output, output = inspector(x)
hidden_output = hidden_output.numpy()
print(hidden_output.round(4))
#> [[0.     0.1875 0.    ]
#>  [0.225  0.0625 0.    ]
#>  [0.6    0.     0.    ]
#>  [0.975  0.     0.    ]]
print(np.array_equal(output.numpy(), model(x).numpy()))  # the model itself is unchanged
#> True
# --8<-- [end:intermediate_outputs]

# --8<-- [start:intermediate_gradients]
# The gradient of the loss with respect to an intermediate tensor: keep the tensor, ask the tape.
with tf.GradientTape() as tape:
    hidden, prediction = inspector(x)
    loss = keras.losses.MeanSquaredError()(targets, prediction)
hidden_gradient = tape.gradient(loss, hidden).numpy()  # d loss / d hidden output
print(hidden_gradient.round(4))
#> [[-0.4469  0.2234 -0.8938]
#>  [-0.3031  0.1516 -0.6062]
#>  [-0.1     0.05   -0.2   ]
#>  [ 0.0875 -0.0438  0.175 ]]
# --8<-- [end:intermediate_gradients]


# --8<-- [start:gradient_checks]
@tf.custom_gradient
def cube(v):
    def grad(upstream):
        return upstream * 3 * v  # a bug: the derivative of v**3 is 3 * v**2

    return v**3, grad


points = tf.constant([0.5, 2.0], tf.float64)  # finite differences want float64
# compute_gradient returns both Jacobians: from grad(), and from finite differences.
theoretical, numerical = tf.test.compute_gradient(cube, [points])
analytical_jacobian = theoretical[0]
print(analytical_jacobian)
#> [[1.5 0. ]
#>  [0.  6. ]]
print(numerical[0].round(4))
#> [[ 0.75  0.  ]
#>  [ 0.   12.  ]]
# Comparing them is up to you (tf.test.TestCase.assertAllClose in a test suite).
print(np.allclose(theoretical[0], numerical[0], rtol=1e-3, atol=1e-5))
#> False
# --8<-- [end:gradient_checks]

# --8<-- [start:device_errors]
# A token id outside the vocabulary: on the CPU the lookup raises at once, at this line.
embedding = keras.layers.Embedding(input_dim=4, output_dim=2)
try:
    embedding(np.array([1, 5]))
except Exception as err:
    print(type(err).__name__)
    #> InvalidArgumentError
    message = re.sub(r"\x1b\[[0-9;]*m", "", str(err))  # drop the bold-text escape codes
    print(message.splitlines()[0])
    #> Exception encountered when calling Embedding.call().
    # The kernel's line starts with a {{function_node ...}} tag that depends on the build.
    kernel_line = next(line for line in message.splitlines() if "indices[" in line)
    print(re.sub(r"^\{\{function_node [^}]*\}\} ", "", kernel_line))
    #> indices[1] = 5 is not in [0, 4) [Op:GatherV2]
# --8<-- [end:device_errors]
