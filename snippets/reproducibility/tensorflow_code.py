"""Reproducibility in TensorFlow 2.21 with Keras 3: seeds, generators, op determinism, tf.data order."""

# --8<-- [start:setup]
import random

import keras
import numpy as np
import tensorflow as tf

# --8<-- [end:setup]


# --8<-- [start:global_seed]
keras.utils.set_random_seed(0)  # Python's random, NumPy's global generator, TensorFlow's seed
first = tf.random.uniform([3])
second = tf.random.uniform([3])  # the next numbers of the sequence, not the same ones again
keras.utils.set_random_seed(0)
again = tf.random.uniform([3])
print(first.numpy().round(4), second.numpy().round(4))
#> [0.292  0.2066 0.5354] [0.5554 0.2213 0.8649]
print("reseeded, same numbers:", np.array_equal(first, again))
#> reseeded, same numbers: True

# What the call covers: Python's and NumPy's global generators too.
keras.utils.set_random_seed(0)
drawn = [random.random(), np.random.rand()]
random.seed(0)
np.random.seed(0)
print("Python and NumPy seeded too:", drawn == [random.random(), np.random.rand()])
#> Python and NumPy seeded too: True

# tf.random.set_seed alone seeds TensorFlow's ops and nothing else.
python_state, numpy_state = random.getstate(), np.random.get_state()[1].copy()
tf.random.set_seed(0)
print("Python untouched:", random.getstate() == python_state)
#> Python untouched: True
print("NumPy untouched:", np.array_equal(np.random.get_state()[1], numpy_state))
#> NumPy untouched: True
# --8<-- [end:global_seed]


# --8<-- [start:explicit_generator]
gen = tf.random.Generator.from_seed(0)  # its own state, in a tf.Variable
a = gen.uniform([3])
keras.utils.set_random_seed(123)  # resetting the global seed does not touch it,
tf.random.uniform([5])  # nor do draws from the global sequence
b = gen.uniform([3])
replay = tf.random.Generator.from_seed(0)
print("explicit generator unaffected:", np.array_equal(a, replay.uniform([3])))
#> explicit generator unaffected: True
print("and continues where it was:", np.array_equal(b, replay.uniform([3])))
#> and continues where it was: True

saved = gen.state.numpy()  # save the state, draw, restore, draw again
x = gen.normal([2])
gen.reset(saved)
print("restored state, same draw:", np.array_equal(x, gen.normal([2])))
#> restored state, same draw: True
print("algorithm:", tf.random.Algorithm(gen.algorithm).name)
#> algorithm: PHILOX
# --8<-- [end:explicit_generator]


# --8<-- [start:dropout_masks]
ones = tf.ones([2, 8])


def dropout_mask(seed):
    keras.utils.set_random_seed(seed)
    layer = keras.layers.Dropout(0.5)
    return layer(ones, training=True).numpy()


mask_1 = dropout_mask(0)
mask_2 = dropout_mask(0)
print(mask_1)
#> [[2. 0. 2. 0. 0. 0. 0. 2.]
#>  [2. 0. 2. 2. 2. 0. 0. 2.]]
print("same seed, same mask:", np.array_equal(mask_1, mask_2))
#> same seed, same mask: True

# Each call advances the layer's own seed generator: a new mask every step.
layer = keras.layers.Dropout(0.5, seed=7)  # a per-layer seed works too
step_1, step_2 = layer(ones, training=True), layer(ones, training=True)
print("next call, new mask:", not np.array_equal(step_1, step_2))
#> next call, new mask: True

# A Keras layer without a seed takes one from Python's random module, not from
# tf.random.set_seed: the same TensorFlow seed is not enough.
random.seed(1)
tf.random.set_seed(0)
mask_a = keras.layers.Dropout(0.5)(ones, training=True)
random.seed(2)
tf.random.set_seed(0)
mask_b = keras.layers.Dropout(0.5)(ones, training=True)
print("tf.random.set_seed alone, same mask:", np.array_equal(mask_a, mask_b))
#> tf.random.set_seed alone, same mask: False
# --8<-- [end:dropout_masks]


# --8<-- [start:data_order]
def two_epochs(global_seed, shuffle_seed, reshuffle):
    tf.random.set_seed(global_seed)
    ds = tf.data.Dataset.range(8).shuffle(
        8, seed=shuffle_seed, reshuffle_each_iteration=reshuffle
    )
    return [[int(i) for i in ds] for _ in range(2)]


print(two_epochs(0, 42, reshuffle=True))  # a new order each epoch
#> [[3, 4, 0, 6, 7, 1, 5, 2], [1, 7, 5, 3, 4, 2, 0, 6]]
print("rebuilt pipeline, same orders:", two_epochs(0, 42, True) == two_epochs(0, 42, True))
#> rebuilt pipeline, same orders: True
print(two_epochs(0, 42, reshuffle=False))  # one order, kept for every epoch
#> [[3, 6, 7, 4, 5, 0, 2, 1], [3, 6, 7, 4, 5, 0, 2, 1]]
# The order depends on the global seed as well as on shuffle(seed=...).
print("other global seed, same orders:", two_epochs(1, 42, True) == two_epochs(0, 42, True))
#> other global seed, same orders: False
# --8<-- [end:data_order]


# --8<-- [start:op_determinism]
tf.config.experimental.enable_op_determinism()  # for the rest of the program

# A random op with no seed anywhere now raises instead of drawing an unrepeatable value.
tf.random.set_seed(None)  # as in a program that never set one
try:
    tf.random.uniform([2])
except RuntimeError as error:
    print(str(error).split(". ")[0])
    #> Random ops require a seed to be set when determinism is enabled

# So does the global tf.random.Generator until you give it a seeded one.
try:
    tf.random.get_global_generator()
except RuntimeError as error:
    print(str(error).split(", unless")[0])
    #> "get_global_generator" cannot be called if determinism is enabled
tf.random.set_global_generator(tf.random.Generator.from_seed(0))
print(tf.random.get_global_generator().uniform([2]).numpy().round(4))
#> [0.3118 0.8263]

# Unweighted bincount raises UnimplementedError on a GPU under determinism; on the CPU it runs.
ids = tf.constant([0, 1, 1, 3])
counts = tf.math.bincount(ids).numpy()
weighted_counts = tf.math.bincount(ids, weights=tf.constant([0.5, 0.25, 0.25, 1.0])).numpy()
print(counts, weighted_counts)
#> [1 2 0 1] [0.5 0.5 0.  1. ]
keras.utils.set_random_seed(0)  # seeds again for the sections below
# --8<-- [end:op_determinism]


# --8<-- [start:across_frameworks]
keras.utils.set_random_seed(0)
print("seed 0, TensorFlow:", tf.random.uniform([3]).numpy().round(4))
#> seed 0, TensorFlow: [0.292  0.2066 0.5354]

# Numbers made once with NumPy and given to both frameworks are the same numbers.
rng = np.random.default_rng(0)
inputs = rng.normal(size=(4, 3)).astype(np.float32)
kernel = rng.normal(size=(3, 2)).astype(np.float32)  # Keras stores (inputs, outputs)
dense = keras.layers.Dense(2, activation="tanh")
dense.build((None, 3))
dense.set_weights([kernel, np.zeros(2, np.float32)])
shared_output = dense(inputs).numpy()
print(shared_output.round(4))
#> [[-0.4433 -0.1326]
#>  [ 0.2229  0.2495]
#>  [-0.9991 -0.6389]
#>  [ 0.9988  0.617 ]]
# --8<-- [end:across_frameworks]


# --8<-- [start:run_twice]
features = np.random.default_rng(1).normal(size=(64, 4)).astype(np.float32)
targets = np.sin(features).sum(axis=1, keepdims=True)


def train(seed):
    keras.utils.set_random_seed(seed)  # initial weights, dropout masks and data order
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(1),
        ]
    )
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    data = tf.data.Dataset.from_tensor_slices((features, targets))
    data = data.shuffle(64, seed=seed).batch(16)
    history = model.fit(data, epochs=3, verbose=0)
    return history.history["loss"], model.get_weights()


losses_1, weights_1 = train(seed=0)
losses_2, weights_2 = train(seed=0)
print([round(loss, 4) for loss in losses_1])
#> [2.1756, 1.363, 0.9527]
print("run twice, identical weights:", all(map(np.array_equal, weights_1, weights_2)))
#> run twice, identical weights: True
# --8<-- [end:run_twice]
