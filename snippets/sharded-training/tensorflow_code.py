"""Sharded training on the Keras/TensorFlow side: Keras 3's distribution API (on its JAX backend,
the one backend that implements it) and tf.train.Checkpoint under a tf.distribute strategy."""

# --8<-- [start:setup]
import os

# Keras's distribution API is implemented for the JAX backend only, so Keras runs on JAX here
# (setdefault keeps a backend already set in the shell).
os.environ.setdefault("KERAS_BACKEND", "jax")

import tempfile  # noqa: E402

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

jax.config.update("jax_num_cpu_devices", 2)  # JAX sees the CPU as one device unless told otherwise
# TensorFlow's own strategies (the checkpoint sections) get two logical CPUs, as on the
# data-parallel page.
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
print(keras.config.backend(), jax.devices())
#> jax [CpuDevice(id=0), CpuDevice(id=1)]

# The same data and starting weights as the PyTorch tab: a 4 -> 8 -> 1 network, 8 examples.
rng = np.random.default_rng(0)
features = rng.normal(size=(8, 4)).astype(np.float32)
targets = rng.normal(size=(8, 1)).astype(np.float32)
kernel1, kernel2 = rng.normal(size=(4, 8)).astype(np.float32), rng.normal(size=(8, 1)).astype(np.float32)
bias1, bias2 = rng.normal(size=8).astype(np.float32), np.zeros(1, np.float32)
LEARNING_RATE = 0.1


def make_model():
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(8, activation="tanh", name="hidden")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1, name="output")(hidden))
    model.set_weights([kernel1, bias1, kernel2, bias2])
    model.compile(optimizer=keras.optimizers.SGD(LEARNING_RATE), loss="mse")
    return model


def flat_weights(arrays):  # kernel1, bias1, kernel2, bias2
    return np.concatenate([np.asarray(a).ravel() for a in arrays])
# --8<-- [end:setup]


# --8<-- [start:single_process_reference]
# One device, the whole batch of 8, one SGD step: what the sharded step must reproduce.
model = make_model()
model.fit(features, targets, batch_size=8, epochs=1, shuffle=False, verbose=0)
reference_weights = flat_weights(model.get_weights())
print(reference_weights[:4].round(4), "...", reference_weights[-2:].round(4))
#> [-1.2393  1.5264  1.3522  0.7829] ... [ 1.604  -0.4406]
# --8<-- [end:single_process_reference]


# --8<-- [start:sharded_parameters]
devices = keras.distribution.list_devices()  # ['cpu:0', 'cpu:1']
mesh = keras.distribution.DeviceMesh(shape=(2,), axis_names=["batch"], devices=devices)
# A LayoutMap maps variable paths (regular expressions) to how each axis is split over the
# mesh; None keeps an axis whole. Splitting the weights over the same axis as the batch is
# the FSDP pattern: XLA gathers each weight where it is needed.
layout_map = keras.distribution.LayoutMap(mesh)
layout_map["hidden/kernel"] = (None, "batch")  # (4, 8): each device keeps 4 of the 8 units
layout_map["hidden/bias"] = ("batch",)
layout_map["output/kernel"] = ("batch", None)  # (8, 1): cannot split the 1, so split the 8
sharded = keras.distribution.ModelParallel(layout_map=layout_map, batch_dim_name="batch")
with sharded.scope():  # or keras.distribution.set_distribution(sharded) for the whole program
    sharded_model = make_model()

for weight in sharded_model.weights:
    array = weight.value  # a jax.Array that knows its sharding
    local = [tuple(shard.data.shape) for shard in array.addressable_shards]
    print(f"{weight.path:14} global {array.shape!s:7} per device {local} {array.sharding.spec}")
    #> hidden/kernel  global (4, 8)  per device [(4, 4), (4, 4)] P(None, 'batch')
    #> hidden/bias    global (8,)    per device [(4,), (4,)] P('batch',)
    #> output/kernel  global (8, 1)  per device [(4, 1), (4, 1)] P('batch', None)
    #> output/bias    global (1,)    per device [(1,), (1,)] P(None,)
# --8<-- [end:sharded_parameters]


# --8<-- [start:one_sharded_step]
with sharded.scope():
    # fit splits each batch over the "batch" axis: 4 examples per device.
    sharded_model.fit(features, targets, batch_size=8, epochs=1, shuffle=False, verbose=0)
sharded_step_weights = flat_weights(sharded_model.get_weights())  # gathered to the host
print(sharded_step_weights[:4].round(4), "...", sharded_step_weights[-2:].round(4))
#> [-1.2393  1.5264  1.3522  0.7829] ... [ 1.604  -0.4406]
print("still sharded:", sharded_model.weights[0].value.sharding.spec)
#> still sharded: P(None, 'batch')
difference = float(np.abs(sharded_step_weights - reference_weights).max())
print("max difference from single device < 1e-6:", difference < 1e-6)
#> max difference from single device < 1e-6: True
# --8<-- [end:one_sharded_step]


# --8<-- [start:dtensor]
matrix = np.arange(12.0, dtype=np.float32).reshape(4, 3)
rows_split = keras.distribution.TensorLayout(("batch", None), mesh)
distributed = keras.distribution.distribute_tensor(matrix, rows_split)  # a sharded jax.Array
for shard in distributed.addressable_shards:
    print(shard.device, "holds", shard.data.tolist())
    #> cpu:0 holds [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    #> cpu:1 holds [[6.0, 7.0, 8.0], [9.0, 10.0, 11.0]]
# One program over the global array; XLA inserts the all-reduce the cross-row sum needs.
sums = jax.jit(lambda x: x.sum(axis=0))(distributed)
print("sums", sums.sharding.spec, np.asarray(sums))
#> sums P() [18. 22. 26.]
column_sums = np.asarray(sums)
# --8<-- [end:dtensor]


# --8<-- [start:distributed_checkpoints]
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
with strategy.scope():  # one copy of each variable per device, kept in sync
    mirrored = [tf.Variable(w) for w in sharded_model.get_weights()]
print(type(mirrored[0]).__name__, "with", len(mirrored[0].values), "copies")
#> MirroredVariable with 2 copies
checkpoint_dir = tempfile.mkdtemp()
path = tf.train.Checkpoint(weights=mirrored).write(os.path.join(checkpoint_dir, "mirrored"))
print(sorted(os.listdir(checkpoint_dir)))  # one copy of each variable is written
#> ['mirrored.data-00000-of-00001', 'mirrored.index']

# Restore on one device, with no strategy: the checkpoint does not record the strategy.
single = [tf.Variable(tf.zeros_like(w)) for w in mirrored]
tf.train.Checkpoint(weights=single).read(path).assert_consumed()
restored_weights = flat_weights([v.numpy() for v in single])
print("restored == trained on two devices:", np.array_equal(restored_weights, sharded_step_weights))
#> restored == trained on two devices: True

# Keras's own format from the sharded model: save_weights gathers every shard into one file.
sharded_model.save_weights(os.path.join(checkpoint_dir, "sharded.weights.h5"))
plain = make_model()  # no distribution: one device
plain.load_weights(os.path.join(checkpoint_dir, "sharded.weights.h5"))
print("Keras file, loaded unsharded:", np.array_equal(flat_weights(plain.get_weights()), restored_weights))
#> Keras file, loaded unsharded: True
# --8<-- [end:distributed_checkpoints]


# --8<-- [start:asynchronous_saving]
checkpoint = tf.train.Checkpoint(weights=mirrored)
# enable_async replaces the deprecated experimental_enable_async_checkpoint.
async_options = tf.train.CheckpointOptions(enable_async=True)
saved_path = checkpoint.save(os.path.join(checkpoint_dir, "async"), options=async_options)
for variable in mirrored:  # training goes on meanwhile: change every weight
    variable.assign(variable * 0.5)
checkpoint.sync()  # wait for the background write
fresh = [tf.Variable(tf.zeros_like(w)) for w in mirrored]
tf.train.Checkpoint(weights=fresh).restore(saved_path).assert_consumed()
async_saved_weights = flat_weights([v.numpy() for v in fresh])
print("weights at the save, not after the change:", np.array_equal(async_saved_weights, sharded_step_weights))
#> weights at the save, not after the change: True
# --8<-- [end:asynchronous_saving]


# --8<-- [start:compiled_data_parallel]
data_parallel = keras.distribution.DataParallel(devices=devices)  # weights replicated, batch split
with data_parallel.scope():
    replicated_model = make_model()
    replicated_model.fit(features, targets, batch_size=8, epochs=1, shuffle=False, verbose=0)
print("compiled with XLA:", replicated_model.jit_compile)
#> compiled with XLA: True
compiled_data_parallel_weights = flat_weights(replicated_model.get_weights())
difference = float(np.abs(compiled_data_parallel_weights - reference_weights).max())
print("max difference from single device < 1e-6:", difference < 1e-6)
#> max difference from single device < 1e-6: True
# --8<-- [end:compiled_data_parallel]
