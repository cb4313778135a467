"""The TensorFlow code samples of the articles on claims.md, run with only the changes needed offline.

Each section says what was changed. Outputs come from TensorFlow 2.21 with Keras 3.
"""

# --8<-- [start:setup]
import warnings

import keras
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

keras.utils.set_random_seed(0)
tf.config.experimental.enable_op_determinism()
# The bundled 8x8 digits (pixel values 0..16) stand in for the MNIST download.
digits = load_digits()
x_train, x_test, y_train, y_test = train_test_split(
    digits.images, digits.target, test_size=0.25, random_state=0
)
test_labels = y_test
print(x_train.shape, x_test.shape)
#> (1347, 8, 8) (450, 8, 8)
# --8<-- [end:setup]


# --8<-- [start:layer_as_published]
# The undated blog post's TensorFlow half, verbatim: a tf.function that takes its weights as
# arguments.
@tf.function
def layer(x, w, b):
    return tf.matmul(x, w) + b


x = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
w = tf.constant([[0.5, -0.5], [0.25, 0.0], [-1.0, 1.0]])
b = tf.constant([0.1, -0.1])
print(layer(x, w, b).numpy())
#> [[-1.9   2.4 ]
#>  [-2.65  3.9 ]]
# --8<-- [end:layer_as_published]


# --8<-- [start:layer_with_parameters]
# What the PyTorch half of the sample needs, written for TensorFlow: a module that owns
# its weights as variables, with a traced __call__.
class Layer(tf.Module):
    def __init__(self, w, b):
        super().__init__()
        self.w = tf.Variable(w, name="w")
        self.b = tf.Variable(b, name="b")

    @tf.function
    def __call__(self, x):
        return tf.matmul(x, self.w) + self.b


layer_output = Layer(w, b)(x)
print(layer_output.numpy())
#> [[-1.9   2.4 ]
#>  [-2.65  3.9 ]]
print([v.name for v in Layer(w, b).trainable_variables])  # sorted by attribute name
#> ['b:0', 'w:0']
# --8<-- [end:layer_with_parameters]

# --8<-- [start:mnist_text_as_checked]
# The February 2025 post's TensorFlow sample as the copy we checked reads (typographic quotes).
PUBLISHED = """import tensorflow as tf
from tensorflow.keras import layers, models
(x_train, y_train), (x_test, y_test) = tf.keras.datasets.mnist.load_data()
x_train, x_test = x_train / 255.0, x_test / 255.0
model = models.Sequential([
layers.Flatten(input_shape=(28, 28)),
layers.Dense(128, activation=’relu’),
layers.Dropout(0.2),
layers.Dense(10, activation=’softmax’)
])
model.compile(optimizer=’adam’, loss=’sparse_categorical_crossentropy’, metrics=[‘accuracy’])
model.fit(x_train, y_train, epochs=5)
test_loss, test_acc = model.evaluate(x_test, y_test)
print(f’Test Accuracy: {test_acc}’)
"""
try:
    compile(PUBLISHED, "article_tensorflow.py", "exec")
except SyntaxError as err:
    print(f"line {err.lineno}: {type(err).__name__}: {err.msg}")
    #> line 7: SyntaxError: invalid character '’' (U+2019)
straight = PUBLISHED.translate(str.maketrans("‘’", "''"))
compile(straight, "article_tensorflow.py", "exec")
print("with straight quotes it compiles")
#> with straight quotes it compiles
# --8<-- [end:mnist_text_as_checked]

# --8<-- [start:mnist_model]
# Changes: digits instead of MNIST (8x8 images scaled by 16, not 28x28 by 255), straight
# quotes, epochs=2 instead of 5, verbose=0 (the progress bars show timings that change on
# every run). The rest is the article's code.
from tensorflow.keras import layers, models  # noqa: E402

x_train, x_test = x_train / 16.0, x_test / 16.0
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    model = models.Sequential([
        layers.Flatten(input_shape=(8, 8)),
        layers.Dense(128, activation='relu'),
        layers.Dropout(0.2),
        layers.Dense(10, activation='softmax')
    ])
for warning in caught:  # what Keras 3 says about the input_shape argument
    print(warning.category.__name__, "-", str(warning.message).split(". ")[0])
    #> UserWarning - Do not pass an `input_shape`/`input_dim` argument to a layer
model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
model.fit(x_train, y_train, epochs=2, verbose=0)
test_loss, test_acc = model.evaluate(x_test, y_test, verbose=0)
print(f'Test Accuracy: {test_acc}')
#> Test Accuracy: 0.846666693687439
# --8<-- [end:mnist_model]

# --8<-- [start:loss_functions]
# The sample pairs a softmax output with sparse_categorical_crossentropy (from_logits=False);
# the same loss on the raw logits (from_logits=True) gives the same number.
logits = np.array([[2.0, -1.0, 0.5], [0.1, 0.2, 3.0], [-2.0, 1.5, 0.0]], dtype="float32")
targets = np.array([0, 2, 1])
on_probabilities = keras.losses.SparseCategoricalCrossentropy()(targets, tf.nn.softmax(logits))
mean_loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(targets, logits)
print(round(float(on_probabilities), 5), round(float(mean_loss), 5))
#> 0.19224 0.19224
# --8<-- [end:loss_functions]
