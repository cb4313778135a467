"""Choosing a device in TensorFlow 2.21 (Keras 3), run on a CPU-only machine."""

# --8<-- [start:setup]
import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras
import numpy as np
import tensorflow as tf

keras.utils.set_random_seed(0)
x_np = np.arange(6, dtype="float32").reshape(2, 3) / 6
w_np = np.linspace(-1.0, 1.0, 12, dtype="float32").reshape(3, 4)
# --8<-- [end:setup]

# --8<-- [start:list_devices]
# Every device TensorFlow can use in this process, and whether this build has CUDA in it.
print([device.device_type for device in tf.config.list_physical_devices()])
#> ['CPU']
print("GPUs:", tf.config.list_physical_devices("GPU"))
#> GPUs: []
print("built with CUDA:", tf.test.is_built_with_cuda())
#> built with CUDA: False
# --8<-- [end:list_devices]

# --8<-- [start:choose_a_device]
# The usual idiom: use the first GPU if there is one, else the CPU.
device = "/GPU:0" if tf.config.list_physical_devices("GPU") else "/CPU:0"
with tf.device(device):
    result = tf.matmul(tf.constant(x_np), tf.constant(w_np))
print(device, "->", result.device.rsplit("/", 1)[-1])
#> /CPU:0 -> device:CPU:0
print(np.round(result.numpy(), 4))
#> [[ 0.1061  0.197   0.2879  0.3788]
#>  [-0.303   0.0606  0.4242  0.7879]]
# --8<-- [end:choose_a_device]

# --8<-- [start:ask_for_a_missing_gpu]
# Soft placement is on by default: an op pinned to a GPU that is not there runs on the CPU,
# silently. Turn it off to get an error instead.
print("soft placement:", tf.config.get_soft_device_placement())
#> soft placement: True
with tf.device("/GPU:0"):
    placed = tf.ones([2, 2]) * 2
print("asked for /GPU:0, ran on", placed.device.rsplit("/", 1)[-1])
#> asked for /GPU:0, ran on device:CPU:0
tf.config.set_soft_device_placement(False)
try:
    with tf.device("/GPU:0"):
        tf.ones([2, 2]) * 2
except tf.errors.InvalidArgumentError as err:
    print(type(err).__name__, "-", str(err).split("'. ")[-1].split(". All")[0])
    #> InvalidArgumentError - enable_soft_placement=0. Supported device types [CPU]
tf.config.set_soft_device_placement(True)
# --8<-- [end:ask_for_a_missing_gpu]

# --8<-- [start:place_a_model]
# Keras creates a model's variables on the device in scope when it builds them.
with tf.device(device):
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(4)])
    model.layers[0].set_weights([w_np, np.zeros(4, dtype="float32")])
    model_output = model(x_np)
print("weights on", model.layers[0].kernel.value.device.rsplit("/", 1)[-1])
#> weights on device:CPU:0
print(np.round(np.asarray(model_output), 4))
#> [[ 0.1061  0.197   0.2879  0.3788]
#>  [-0.303   0.0606  0.4242  0.7879]]
# --8<-- [end:place_a_model]

# --8<-- [start:bfloat16_on_cpu]
# Mixed precision is not GPU-only: bfloat16 compute also runs on a CPU.
keras.mixed_precision.set_global_policy("mixed_bfloat16")
mixed = keras.layers.Dense(4)
mixed.build((None, 3))
mixed.set_weights([w_np, np.zeros(4, dtype="float32")])
mixed_output = mixed(x_np)
print("compute:", mixed_output.dtype, "| weights:", mixed.kernel.dtype)
#> compute: <dtype: 'bfloat16'> | weights: float32
mixed_output = tf.cast(mixed_output, tf.float32)
keras.mixed_precision.set_global_policy("float32")
# --8<-- [end:bfloat16_on_cpu]

# --8<-- [start:threads]
# On a CPU the knob that matters is the thread pool. 0 means "TensorFlow decides", and the
# setting is fixed once the runtime has started (it has: this script already ran ops).
print("intra-op threads:", tf.config.threading.get_intra_op_parallelism_threads())
#> intra-op threads: 0
try:
    tf.config.threading.set_intra_op_parallelism_threads(1)
except RuntimeError as err:
    print("RuntimeError -", err)
    #> RuntimeError - Intra op parallelism cannot be modified after initialization.
# --8<-- [end:threads]
