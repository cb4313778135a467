"""Tensors and automatic differentiation in TensorFlow 2.21."""

# --8<-- [start:setup]
import keras
import numpy as np
import tensorflow as tf

tf.random.set_seed(0)
points = [0.5, 1.0, 1.5, 2.0]  # the inputs every gradient below is taken at
# --8<-- [end:setup]

# --8<-- [start:dtypes]
print(tf.constant([1.0, 2.0]).dtype.name, tf.constant([1, 2]).dtype.name)  # from Python numbers
#> float32 int32
print(tf.constant(np.array([1.0, 2.0])).dtype.name, tf.constant(np.array([1, 2])).dtype.name)  # NumPy
#> float64 int64
try:
    tf.constant([1.0]) + tf.constant([1])  # no implicit type promotion
except tf.errors.InvalidArgumentError as err:
    print("InvalidArgumentError:")
    #> InvalidArgumentError:
    print(err.message.split(" [Op")[0])
    #> cannot compute AddV2 as input #1(zero-based) was expected to be a float tensor but is a int32 tensor
promoted = tf.constant([1.5]) + tf.cast(tf.constant([1]), tf.float32)  # cast explicitly
print(promoted.dtype.name, promoted.numpy())
#> float32 [2.5]
layer_output = keras.layers.Dense(2)(np.ones((1, 3)))  # a float64 batch from NumPy ...
print(layer_output.dtype.name)  # ... is cast to the layer's float32 on the way in
#> float32
# --8<-- [end:dtypes]

# --8<-- [start:devices]
print([device.device_type for device in tf.config.list_physical_devices()])
#> ['CPU']
on_default = tf.constant([1.0, 2.0]) * 2  # placed automatically (a GPU first, when there is one)
print(on_default.device)
#> /job:localhost/replica:0/task:0/device:CPU:0
with tf.device("/CPU:0"):  # explicit placement is a scope around the ops
    on_cpu = tf.constant([1.0, 2.0]) * 2
print(on_cpu.device)
#> /job:localhost/replica:0/task:0/device:CPU:0
# --8<-- [end:devices]

# --8<-- [start:numpy_interop]
array = np.array([1.0, 2.0, 3.0], dtype=np.float32)
tensor = tf.constant(array)  # a copy: TensorFlow owns its buffer
array[0] = 100.0
print(tensor.numpy())  # unchanged by the mutation
#> [1. 2. 3.]
copy = tensor.numpy()  # also a copy, documented as such
copy[1] = -1.0
print(tensor.numpy())  # unchanged again
#> [1. 2. 3.]
view = np.asarray(memoryview(tensor))  # the zero-copy way out: read-only
again = np.asarray(memoryview(tensor))
print("shared:", np.shares_memory(view, again), "writeable:", view.flags.writeable)
#> shared: True writeable: False
# --8<-- [end:numpy_interop]

# --8<-- [start:mutability]
constant = tf.constant([1.0, 2.0, 3.0])
try:
    constant[0] = 5.0  # a tf.Tensor is immutable
except TypeError as err:
    print("TypeError:", err)
    #> TypeError: 'tensorflow.python.framework.ops.EagerTensor' object does not support item assignment
print(tf.tensor_scatter_nd_update(constant, [[0]], [5.0]).numpy(), constant.numpy())  # a new tensor
#> [5. 2. 3.] [1. 2. 3.]
variable = tf.Variable([1.0, 2.0, 3.0])  # mutable state lives in a tf.Variable
variable[0].assign(5.0)
variable.assign_add([1.0, 1.0, 1.0])
mutated = variable.numpy()
print(mutated)
#> [6. 3. 4.]
# --8<-- [end:mutability]

# --8<-- [start:gradients]
x = tf.constant(points)
with tf.GradientTape() as tape:
    y = tf.reduce_sum(x**3 * tf.sin(x))
print(tape.gradient(y, x))  # a constant is not watched: no gradient
#> None
with tf.GradientTape() as tape:
    tape.watch(x)  # watch it explicitly (tf.Variable is watched automatically)
    y = tf.reduce_sum(x**3 * tf.sin(x))
gradient = tape.gradient(y, x)
print(gradient.numpy().round(4))
#> [0.4693 3.0647 6.9718 7.5824]
analytic_gradient = 3 * x**2 * tf.sin(x) + x**3 * tf.cos(x)
print("equals 3x^2 sin x + x^3 cos x:", np.allclose(gradient, analytic_gradient, rtol=1e-5, atol=1e-6))
#> equals 3x^2 sin x + x^3 cos x: True
try:
    tape.gradient(y, x)  # the tape is released after one gradient() call
except RuntimeError as err:
    print("RuntimeError:")
    #> RuntimeError:
    print(err)
    #> A non-persistent GradientTape can only be used to compute one set of gradients (or jacobians)
# --8<-- [end:gradients]

# --8<-- [start:python_control_flow]
def doubled_until_ten(v):
    steps = 0
    while tf.reduce_sum(v) < 10.0:  # a Python loop on a tensor's value
        v = v * 2.0
        steps += 1
    return tf.reduce_sum(v), steps


control_flow_gradient = []
for scale in (1.0, 0.1):
    start = tf.constant(points) * scale
    with tf.GradientTape() as tape:
        tape.watch(start)
        total, steps = doubled_until_ten(start)  # the tape records the ops that actually ran
    control_flow_gradient.append(tape.gradient(total, start).numpy())
    print(f"scale {scale}: {steps} doublings, gradient {control_flow_gradient[-1]}")
    #> scale 1.0: 1 doublings, gradient [2. 2. 2. 2.]
    #> scale 0.1: 5 doublings, gradient [32. 32. 32. 32.]
# --8<-- [end:python_control_flow]

# --8<-- [start:vector_targets]
with tf.GradientTape() as tape:
    tape.watch(x)
    per_element = x**3 * tf.sin(x)  # a vector, not a scalar
vector_target_gradient = tape.gradient(per_element, x)  # silently the gradient of the sum
print(vector_target_gradient.numpy().round(4))
#> [0.4693 3.0647 6.9718 7.5824]
# --8<-- [end:vector_targets]

# --8<-- [start:higher_order_gradients]
with tf.GradientTape() as outer:
    outer.watch(x)
    with tf.GradientTape() as inner:
        inner.watch(x)
        y = tf.reduce_sum(x**3 * tf.sin(x))
    first = inner.gradient(y, x)  # computed inside `outer`, so it is recorded
second_derivative = outer.gradient(first, x)
print(second_derivative.numpy().round(4))
#> [ 2.6947  7.4492  6.5659 -6.3503]
analytic_second = 6 * x * tf.sin(x) + 6 * x**2 * tf.cos(x) - x**3 * tf.sin(x)
print("equals 6x sin x + 6x^2 cos x - x^3 sin x:", np.allclose(second_derivative, analytic_second, atol=1e-5))
#> equals 6x sin x + 6x^2 cos x - x^3 sin x: True
# --8<-- [end:higher_order_gradients]

# --8<-- [start:jacobians]
with tf.GradientTape() as tape:
    tape.watch(x)
    probabilities = tf.nn.softmax(x)
jacobian = tape.jacobian(probabilities, x)  # d softmax_i / d x_j, shape (4, 4)
print(jacobian.numpy().round(4))
#> [[ 0.0912 -0.017  -0.028  -0.0462]
#>  [-0.017   0.1394 -0.0462 -0.0762]
#>  [-0.028  -0.0462  0.1998 -0.1256]
#>  [-0.0462 -0.0762 -0.1256  0.248 ]]
analytic_jacobian = tf.linalg.diag(probabilities) - tf.tensordot(probabilities, probabilities, axes=0)
print("equals diag(s) - s s^T:", np.allclose(jacobian, analytic_jacobian, rtol=1e-5, atol=1e-7))
#> equals diag(s) - s s^T: True

batch = tf.reshape(tf.range(12, dtype=tf.float32) / 6.0, (3, 4))  # 3 independent rows
with tf.GradientTape() as tape:
    tape.watch(batch)
    batch_probabilities = tf.nn.softmax(batch)
batch_jacobian = tape.batch_jacobian(batch_probabilities, batch)  # one (4, 4) Jacobian per row
print(batch_jacobian.shape)
#> (3, 4, 4)
# --8<-- [end:jacobians]
