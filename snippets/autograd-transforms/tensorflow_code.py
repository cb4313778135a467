"""Custom gradients, stopping gradients, forward mode, vectorized_map and DLPack in TensorFlow 2.21."""

# --8<-- [start:setup]
import keras
import numpy as np
import tensorflow as tf

tf.random.set_seed(0)
np.set_printoptions(suppress=True)  # fixed-point output, no 1e-03 notation
points = [-5.0, 0.0, 5.0, 100.0]  # 100 overflows exp() in float32
# --8<-- [end:setup]


# --8<-- [start:custom_gradients]
def softplus_naive(x):
    # log(1 + e^x), switching to x where e^x would overflow: the forward value is fine ...
    return tf.where(x < 20.0, tf.math.log1p(tf.exp(x)), x)


x = tf.constant(points)
with tf.GradientTape() as tape:
    tape.watch(x)
    naive_value = softplus_naive(x)
print(naive_value.numpy().round(4))
#> [  0.0067   0.6931   5.0067 100.    ]
naive_gradient = tape.gradient(naive_value, x)
print(naive_gradient.numpy().round(4))  # ... but 0 * inf from the branch not taken is nan
#> [0.0067 0.5    0.9933    nan]


@tf.custom_gradient
def softplus(x):
    def grad(upstream):
        return upstream * tf.sigmoid(x)  # d/dx log(1 + e^x), stable everywhere

    return tf.where(x < 20.0, tf.math.log1p(tf.exp(x)), x), grad


with tf.GradientTape() as tape:
    tape.watch(x)
    custom_value = softplus(x)
custom_gradient = tape.gradient(custom_value, x)
print(custom_value.numpy().round(4), custom_gradient.numpy().round(4))
#> [  0.0067   0.6931   5.0067 100.    ] [0.0067 0.5    0.9933 1.    ]
# compute_gradient returns the Jacobian from grad() and one from finite differences, in float64
theoretical, numerical = tf.test.compute_gradient(softplus, [tf.constant(points[:3], tf.float64)])
print(np.allclose(theoretical[0], numerical[0]))
#> True
# --8<-- [end:custom_gradients]

# --8<-- [start:stopping_gradients]
x = tf.constant(points[:3])
with tf.GradientTape() as tape:
    tape.watch(x)
    y = x * tf.stop_gradient(x)  # the second factor is a constant to the tape
stopped_gradient = tape.gradient(y, x)
print(stopped_gradient.numpy())  # x, not 2x
#> [-5.  0.  5.]

weight, bias = tf.Variable(2.0), tf.Variable(1.0)
with tf.GradientTape(watch_accessed_variables=False) as tape:  # record only what is watched
    tape.watch(weight)
    loss = weight * 3.0 + bias
print([None if g is None else float(g) for g in tape.gradient(loss, [weight, bias])])
#> [3.0, None]

with tf.GradientTape() as tape:
    squared = weight * weight
    with tape.stop_recording():  # computed, but not recorded
        scaled = weight * 10.0
    total = squared + scaled
print(tape.gradient(total, weight).numpy())  # 2w = 4, the scaled term contributes nothing
#> 4.0

# Outside a tape nothing is recorded, so there is no no_grad or inference_mode switch to turn on;
# nor a version counter: a tf.Tensor cannot change, and a tf.Variable changes only by assign.
# --8<-- [end:stopping_gradients]


# --8<-- [start:forward_mode]
def f(v):
    return v**3 * tf.sin(v)


primal = tf.constant([0.5, 1.0, 1.5, 2.0])
tangent = tf.constant([1.0, 0.0, -1.0, 2.0])  # the direction to differentiate along
with tf.autodiff.ForwardAccumulator(primals=primal, tangents=tangent) as accumulator:
    value = f(primal)
jvp = accumulator.jvp(value)  # computed alongside the forward pass, no tape
print(jvp.numpy().round(4))
#> [ 0.4693  0.     -6.9718 15.1648]
with tf.GradientTape() as tape:  # the same product from reverse mode: Jacobian times tangent
    tape.watch(primal)
    value = f(primal)
print(np.allclose(tf.linalg.matvec(tape.jacobian(value, primal), tangent), jvp))
#> True
# --8<-- [end:forward_mode]


# --8<-- [start:vectorisation]
def row_norm(row):  # written for one vector
    return tf.sqrt(tf.reduce_sum(row**2))


batch = tf.reshape(tf.range(12, dtype=tf.float32), (4, 3))
row_norms = tf.vectorized_map(row_norm, batch)  # mapped over the first axis, in one batched call
print(row_norms.numpy().round(4))
#> [ 2.2361  7.0711 12.2066 17.3781]

# Per-sample gradients of a linear model's squared error, the same data and weights in both tabs
rng = np.random.default_rng(0)
inputs = rng.standard_normal((5, 3), dtype=np.float32)
targets = rng.standard_normal(5, dtype=np.float32)
model = keras.layers.Dense(1)
model.build((None, 3))
model.set_weights([rng.standard_normal((3, 1), dtype=np.float32), np.array([0.5], np.float32)])

with tf.GradientTape() as tape:
    losses = (tf.squeeze(model(inputs), 1) - targets) ** 2  # one loss per sample, not their mean
kernel_jacobian, bias_jacobian = tape.jacobian(losses, model.trainable_variables)
print(kernel_jacobian.shape, bias_jacobian.shape)  # the kernel is (3, 1): one per sample
#> (5, 3, 1) (5, 1)
per_sample_weight_gradients = tf.reshape(kernel_jacobian, (5, 3))


def sample_gradient(sample_and_target):
    sample, target = sample_and_target
    with tf.GradientTape() as tape:
        loss = (tf.squeeze(model(sample[None])) - target) ** 2
    return tape.gradient(loss, model.trainable_variables)


mapped_kernel, mapped_bias = tf.vectorized_map(sample_gradient, (inputs, targets))
print(np.allclose(tf.reshape(mapped_kernel, (5, 3)), per_sample_weight_gradients))
#> True
residuals = tf.squeeze(model(inputs), 1) - targets
print(np.allclose(per_sample_weight_gradients, 2 * residuals[:, None] * inputs, atol=1e-6))
#> True
# --8<-- [end:vectorisation]

# --8<-- [start:views_and_in_place]
base = tf.range(6.0)
matrix = tf.reshape(base, (2, 3))
transposed = tf.transpose(matrix)  # tf.Tensor exposes no strides and no views
try:
    transposed[0, 1] = 100.0
except TypeError as err:
    print("TypeError:", err)
    #> TypeError: 'tensorflow.python.framework.ops.EagerTensor' object does not support item assignment


def buffer(tensor):  # the read-only, zero-copy NumPy view of a tensor on the CPU
    return np.asarray(memoryview(tensor))


# Internally, reshape reuses the buffer and transpose copies it; with nothing able to write
# to either, the difference can be seen only through such a view.
print(np.shares_memory(buffer(base), buffer(matrix)), np.shares_memory(buffer(base), buffer(transposed)))
#> True False

variable = tf.Variable(base)  # mutable state is a tf.Variable
before = variable.value()  # a tensor holding the current value
variable[3].assign(100.0)  # changes the variable ...
written = variable.numpy()
print(written, before.numpy())  # ... and not the tensor read before it
#> [  0.   1.   2. 100.   4.   5.] [0. 1. 2. 3. 4. 5.]
# --8<-- [end:views_and_in_place]

# --8<-- [start:broadcasting]
column = tf.constant([[1.0], [2.0], [3.0]])  # (3, 1)
row = tf.constant([10.0, 20.0, 30.0, 40.0])  # (4,), treated as (1, 4)
broadcast_sum = column + row
print(tuple(broadcast_sum.shape), broadcast_sum[2].numpy())
#> (3, 4) [13. 23. 33. 43.]
try:
    tf.ones(3) + tf.ones(4)  # trailing sizes 3 and 4: neither is 1
except tf.errors.InvalidArgumentError as err:
    print("InvalidArgumentError:", err.message.split("}} ")[1].split(" [Op")[0])
    #> InvalidArgumentError: Incompatible shapes: [3] vs. [4]
# --8<-- [end:broadcasting]

# --8<-- [start:dlpack]
import torch  # noqa: E402  (only this section needs both frameworks)

source = torch.arange(4, dtype=torch.float32)
try:
    tf.experimental.dlpack.from_dlpack(source)  # TensorFlow 2.21 takes a capsule, not the tensor
except TypeError as err:
    print("TypeError:", str(err).split(". ")[0])
    #> TypeError: TFE_FromDlpackCapsule(): incompatible function arguments
in_tensorflow = tf.experimental.dlpack.from_dlpack(source.__dlpack__())
source[0] = 100.0  # mutate on the PyTorch side ...
exchanged = in_tensorflow.numpy()
print(exchanged)  # ... and the TensorFlow tensor sees it: zero-copy
#> [100.   1.   2.   3.]

constant = tf.constant([1.0, 2.0, 3.0])
in_torch = torch.from_dlpack(constant)  # a tf.Tensor has __dlpack__; to_dlpack(constant) works too
in_torch[0] = -1.0
print(constant.numpy())  # the "immutable" TensorFlow tensor changed
#> [-1.  2.  3.]
print(np.from_dlpack(constant).flags.writeable)  # NumPy is more careful: a read-only view
#> False

transposed = torch.arange(6.0).reshape(2, 3).t()  # a view with swapped strides
try:
    tf.experimental.dlpack.from_dlpack(transposed.__dlpack__())
except tf.errors.InvalidArgumentError as err:
    print("InvalidArgumentError:", err.message)
    #> InvalidArgumentError: Invalid strides array from DLPack
print(tf.experimental.dlpack.from_dlpack(transposed.contiguous().__dlpack__()).numpy())  # a copy first
#> [[0. 3.]
#>  [1. 4.]
#>  [2. 5.]]
# --8<-- [end:dlpack]
