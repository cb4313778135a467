"""Compiling in TensorFlow 2.21: a whole training step, retracing, and what replaces graph breaks."""

# --8<-- [start:setup]
import logging
import re

import keras
import numpy as np
import tensorflow as tf

tf.random.set_seed(0)
rng = np.random.default_rng(0)  # the same data and starting weights as the PyTorch tab
features = rng.standard_normal((8, 4)).astype("float32")
targets = rng.standard_normal((8, 1)).astype("float32")
initial_kernel = (rng.standard_normal((4, 1)) * 0.5).astype("float32")
# --8<-- [end:setup]


# --8<-- [start:compile_a_training_step]
def make_model():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.set_weights([initial_kernel, np.zeros(1, "float32")])
    return model


def make_train_step(model, jit_compile):
    optimizer = keras.optimizers.SGD(learning_rate=0.1)
    loss_fn = keras.losses.MeanSquaredError()

    @tf.function(jit_compile=jit_compile)
    def train_step(x, y):  # forward, backward and update: the whole step, one graph
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
        return loss

    return train_step


model = make_model()
train_step = make_train_step(model, jit_compile=False)
for _ in range(5):
    loss = train_step(features, targets)
print("traces:", train_step.experimental_get_tracing_count())
#> traces: 1
graph = train_step.get_concrete_function(features, targets).graph
op_types = [op.type for op in graph.get_operations()]
# The forward and gradient MatMuls, and the SGD update of the kernel and the bias, in one graph:
print({op: op_types.count(op) for op in ("MatMul", "AssignSubVariableOp")})
#> {'MatMul': 2, 'AssignSubVariableOp': 2}
trained_kernel = model.get_weights()[0].ravel()
print(trained_kernel.round(5))  # 5 decimals: the last float32 digits differ between CPUs
#> [-0.42109  0.54255  0.16318 -0.09438]

# The same step compiled by XLA, Keras's fit() with jit_compile=True, and eagerly: the same weights.
xla_model = make_model()
xla_step = make_train_step(xla_model, jit_compile=True)
for _ in range(5):
    xla_step(features, targets)
fit_model = make_model()
fit_model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse", jit_compile=True)
fit_model.fit(features, targets, batch_size=8, epochs=5, shuffle=False, verbose=0)  # 5 steps
eager_model = make_model()
eager_step = make_train_step(eager_model, jit_compile=False).python_function  # the same Python, eagerly
for _ in range(5):
    eager_step(features, targets)
others = {"XLA": xla_model, "fit, jit_compile=True": fit_model, "eager": eager_model}
kernels = {name: other.get_weights()[0].ravel() for name, other in others.items()}
print({name: bool(np.abs(kernel - trained_kernel).max() < 1e-6) for name, kernel in kernels.items()})
#> {'XLA': True, 'fit, jit_compile=True': True, 'eager': True}
# --8<-- [end:compile_a_training_step]


# --8<-- [start:graph_breaks_and_recompiles]
# tf.function has no graph breaks: Python that needs a value fails while tracing.
@tf.function
def scale_to_unit_max(v):
    largest = tf.reduce_max(tf.abs(v)).numpy()  # no concrete value exists while tracing
    return v / largest


try:
    scale_to_unit_max(tf.constant([1.0, -4.0, 2.0]))
except AttributeError as err:
    print(str(err).strip().splitlines()[-1].strip())
    #> AttributeError: 'SymbolicTensor' object has no attribute 'numpy'


@tf.function
def scale_to_unit_max(v):  # the graph way: keep the value a tensor
    return v / tf.reduce_max(tf.abs(v))


print(scale_to_unit_max(tf.constant([1.0, -4.0, 2.0])).numpy())
#> [ 0.25 -1.    0.5 ]

# Retracing: each new Python number (or shape) is a new trace; TensorFlow warns after 5 in a row.
warned = []
collector = logging.Handler()
collector.emit = lambda record: warned.append(record.getMessage())
logging.getLogger("tensorflow").addHandler(collector)


@tf.function
def scale(v, factor):
    return v * factor


for factor in (1.0, 2.0, 3.0, 4.0, 5.0):
    scale(tf.constant([1.0, 2.0]), factor)  # a Python float is a constant of the trace
logging.getLogger("tensorflow").removeHandler(collector)
print("traces:", scale.experimental_get_tracing_count())
#> traces: 5
print(re.sub(r" at 0x\w+", "", warned[0].split(". ")[0]))
#> 5 out of the last 5 calls to <function scale> triggered tf.function retracing
for factor in (1.0, 2.0, 3.0, 4.0, 5.0):
    scale(tf.constant([1.0, 2.0]), tf.constant(factor))  # a tensor: one more trace, then reused
print("traces:", scale.experimental_get_tracing_count())
#> traces: 6
# --8<-- [end:graph_breaks_and_recompiles]
