"""Mixed precision in TensorFlow 2.21 with Keras 3: dtype policies, bfloat16 on a CPU."""

# --8<-- [start:setup]
import keras
import ml_dtypes  # installed with TensorFlow: NumPy types for bfloat16 and friends
import numpy as np
import tensorflow as tf

# The same inputs and weights as the PyTorch tab.
rng = np.random.default_rng(0)
x = rng.normal(size=(5, 8)).astype(np.float32)
labels = np.array([0, 1, 2, 3, 0])
kernel_1 = (rng.normal(size=(8, 16)) * 0.5).astype(np.float32)
kernel_2 = (rng.normal(size=(16, 4)) * 0.5).astype(np.float32)


def make_model():
    """Dense -> ReLU -> LayerNorm -> Dense -> softmax, under the current dtype policy."""
    model = keras.Sequential([
        keras.Input((8,)),
        keras.layers.Dense(16, name="dense_1"),
        keras.layers.ReLU(name="relu"),
        keras.layers.LayerNormalization(name="norm"),  # epsilon=1e-3 by default
        keras.layers.Dense(4, name="dense_2"),
        keras.layers.Softmax(dtype="float32", name="softmax"),  # keep the last step in float32
    ])
    zeros, ones = np.zeros, np.ones
    model.set_weights([kernel_1, zeros(16), ones(16), zeros(16), kernel_2, zeros(4)])
    return model


float32_probs = make_model()(x).numpy()  # the full-precision reference
# --8<-- [end:setup]


# --8<-- [start:sixteen_bit_formats]
values = tf.constant([1e-8, 70000.0, 1 / 3])
as_float16 = tf.cast(tf.cast(values, tf.float16), tf.float32).numpy()
as_bfloat16 = tf.cast(tf.cast(values, tf.bfloat16), tf.float32).numpy()
print("float16: ", as_float16)  # 1e-8 underflows to 0, 70000 overflows to inf
#> float16:  [0.                inf 0.33325195]
print("bfloat16:", as_bfloat16)  # float32's range, but only 8 bits of precision
#> bfloat16: [1.0011718e-08 7.0144000e+04 3.3398438e-01]
for dtype in (tf.float16, tf.bfloat16):
    info = ml_dtypes.finfo(dtype.as_numpy_dtype)  # NumPy's finfo, extended to bfloat16
    print(dtype.name, "max", float(info.max), "eps", float(info.eps))
    #> float16 max 65504.0 eps 0.0009765625
    #> bfloat16 max 3.3895313892515355e+38 eps 0.0078125
# --8<-- [end:sixteen_bit_formats]


# --8<-- [start:which_dtypes_each_layer_uses]
keras.mixed_precision.set_dtype_policy("mixed_bfloat16")  # compute bfloat16, variables float32
model = make_model()
h = tf.constant(x)
for layer in model.layers:
    h = layer(h)
    variables = sorted({w.dtype for w in layer.weights}) or ["-"]
    print(f"{layer.name:8} compute {layer.compute_dtype:8} variables {variables[0]:8} output {h.dtype.name}")
    #> dense_1  compute bfloat16 variables float32  output bfloat16
    #> relu     compute bfloat16 variables -        output bfloat16
    #> norm     compute bfloat16 variables float32  output bfloat16
    #> dense_2  compute bfloat16 variables float32  output bfloat16
    #> softmax  compute float32  variables -        output float32
mixed_probs = h.numpy()
print("largest change from float32:", float(np.abs(mixed_probs - float32_probs).max()) < 0.01)
#> largest change from float32: True
# --8<-- [end:which_dtypes_each_layer_uses]


# --8<-- [start:loss_and_gradients]
with tf.GradientTape() as tape:
    loss = keras.losses.SparseCategoricalCrossentropy()(labels, model(x))
gradients = tape.gradient(loss, model.trainable_weights)
mixed_loss = float(loss)
print("loss", loss.dtype.name, round(mixed_loss, 2))
#> loss float32 1.78
print("gradients", sorted({g.dtype.name for g in gradients}))
#> gradients ['float32']
print("weights", sorted({w.dtype for w in model.trainable_weights}))
#> weights ['float32']
# --8<-- [end:loss_and_gradients]


# --8<-- [start:float16_and_loss_scaling]
keras.mixed_precision.set_dtype_policy("mixed_float16")
fp16_model = make_model()
fp16_model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
print(type(fp16_model.optimizer).__name__, fp16_model.optimizer.initial_scale)  # wrapped for you
#> LossScaleOptimizer 32768.0

# Why: a gradient of 1e-8 is 0 in float16; multiplied by the loss scale first, it survives,
# and dividing by the scale in float32 recovers it.
scale = fp16_model.optimizer.initial_scale
small = tf.constant(1e-8)
print(float(tf.cast(small, tf.float16)), float(tf.cast(small * scale, tf.float16)))
#> 0.0 0.0003275871276855469
recovered_gradient = float(tf.cast(tf.cast(small * scale, tf.float16), tf.float32) / scale)
print(f"{recovered_gradient:.3e}")
#> 9.997e-09
keras.mixed_precision.set_dtype_policy("float32")  # back to the default
# --8<-- [end:float16_and_loss_scaling]


# --8<-- [start:loss_scaling_in_a_custom_loop]
keras.mixed_precision.set_dtype_policy("mixed_float16")  # float16 compute; runs on a CPU too
fp16_model = make_model()
optimizer = keras.optimizers.LossScaleOptimizer(
    keras.optimizers.SGD(0.1),
    initial_scale=2.0**20,  # far too high on purpose: the first steps overflow
    dynamic_growth_steps=2,  # double after 2 good steps (default 2000)
)
loss_fn = keras.losses.SparseCategoricalCrossentropy()
optimizer.build(fp16_model.trainable_weights)


@tf.function
def train_step():
    with tf.GradientTape() as tape:
        loss = loss_fn(labels, fp16_model(x))
        scaled_loss = optimizer.scale_loss(loss)  # loss * current scale
    grads = tape.gradient(scaled_loss, fp16_model.trainable_weights)
    optimizer.apply(grads, fp16_model.trainable_weights)  # unscale; skip the step if not finite
    return tf.reduce_all([tf.reduce_all(tf.math.is_finite(g)) for g in grads])


scale_history = []
for step in range(8):
    scale_history.append(float(optimizer.dynamic_scale))
    finite = bool(train_step())
    print(f"step {step}: scale 2^{int(np.log2(scale_history[-1]))}, gradients finite: {finite}")
    #> step 0: scale 2^20, gradients finite: False
    #> step 1: scale 2^19, gradients finite: False
    #> step 2: scale 2^18, gradients finite: False
    #> step 3: scale 2^17, gradients finite: False
    #> step 4: scale 2^16, gradients finite: False
    #> step 5: scale 2^15, gradients finite: True
    #> step 6: scale 2^15, gradients finite: True
    #> step 7: scale 2^16, gradients finite: True
print("updates applied:", int(optimizer.iterations), "| scale now:", float(optimizer.dynamic_scale))
#> updates applied: 3 | scale now: 65536.0
trained_kernel = fp16_model.get_layer("dense_1").kernel.numpy()
keras.mixed_precision.set_dtype_policy("float32")
# --8<-- [end:loss_scaling_in_a_custom_loop]


# --8<-- [start:tf32_settings]
print("TF32 enabled:", tf.config.experimental.tensor_float_32_execution_enabled())
#> TF32 enabled: True
print("GPUs:", tf.config.list_physical_devices("GPU"))  # TF32 needs an NVIDIA Ampere or newer GPU
#> GPUs: []
a = tf.fill((2, 2), 1.0001)
tf32_product = tf.linalg.matmul(a, tf.ones((2, 2))).numpy()  # 2.0 if rounded to TF32
print(tf32_product[0])
#> [2.0002 2.0002]
tf.config.experimental.enable_tensor_float_32_execution(False)  # full float32 on every GPU too
print("TF32 enabled:", tf.config.experimental.tensor_float_32_execution_enabled())
#> TF32 enabled: False
# --8<-- [end:tf32_settings]
