"""Observability in TensorFlow 2.21: TensorBoard summaries and the TensorFlow profiler."""

# --8<-- [start:setup]
import collections
import glob
import os
import tempfile
import textwrap
from importlib import metadata

import keras
import numpy as np
import tensorflow as tf
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorflow.python.debug.lib import debug_events_reader
from tensorflow.tsl.profiler.protobuf import xplane_pb2

# The same data and starting weights as the PyTorch tab: a linear model, full-batch SGD.
rng = np.random.default_rng(0)
features = rng.normal(size=(32, 3)).astype(np.float32)
targets = (features @ np.array([[1.0], [-2.0], [0.5]]) + 0.3).astype(np.float32)
EPOCHS, LEARNING_RATE = 5, 0.1
logdir = tempfile.TemporaryDirectory()


def make_model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, name="dense")])
    model.set_weights([np.zeros((3, 1), np.float32), np.zeros(1, np.float32)])
    model.compile(optimizer=keras.optimizers.SGD(LEARNING_RATE), loss="mse")
    return model
# --8<-- [end:setup]


# --8<-- [start:log_training_metrics]
model = make_model()
tensorboard = keras.callbacks.TensorBoard(log_dir=os.path.join(logdir.name, "fit"), histogram_freq=1)
model.fit(features, targets, batch_size=32, epochs=EPOCHS, shuffle=False, verbose=0, callbacks=[tensorboard])
print(sorted(os.listdir(os.path.join(logdir.name, "fit"))))  # one subdirectory per run
#> ['train']
# --8<-- [end:log_training_metrics]


# --8<-- [start:log_custom_summaries]
writer = tf.summary.create_file_writer(os.path.join(logdir.name, "custom"))
with writer.as_default():  # any tf.summary call inside goes to this writer
    tf.summary.scalar("learning_rate", LEARNING_RATE, step=0)
    tf.summary.histogram("kernel", model.get_layer("dense").kernel, step=EPOCHS)
    tf.summary.text("note", "32 synthetic rows, full-batch SGD", step=0)
writer.flush()
event_file = os.path.basename(glob.glob(os.path.join(logdir.name, "custom", "*"))[0])
print(event_file.split(".")[:3])  # then a timestamp and the host name
#> ['events', 'out', 'tfevents']
# tf.summary's writers come from the separate tensorboard package, which TensorFlow does
# not install: `pip install tensorboard`, exactly as for PyTorch.
distribution = metadata.packages_distributions()["tensorflow"][0]  # tensorflow or tensorflow-cpu
requirements = metadata.requires(distribution)
print(distribution, "requires tensorboard:", any(r.startswith("tensorboard") for r in requirements))
#> tensorflow_cpu requires tensorboard: False
# --8<-- [end:log_custom_summaries]


# --8<-- [start:read_event_files]
run = EventAccumulator(os.path.join(logdir.name, "fit", "train"))
run.Reload()  # parse the event files written so far
print(textwrap.fill(", ".join(run.Tags()["tensors"]), width=100))  # TF2: all tensor summaries
#> keras, epoch_loss, epoch_learning_rate, sequential/dense/kernel/histogram,
#> sequential/dense/bias/histogram
logged_losses = np.array([float(tf.make_ndarray(e.tensor_proto)) for e in run.Tensors("epoch_loss")])
print([e.step for e in run.Tensors("epoch_loss")], logged_losses.round(4))
#> [0, 1, 2, 3, 4] [4.178  2.8963 2.0333 1.4434 1.0346]

custom = EventAccumulator(os.path.join(logdir.name, "custom"))
custom.Reload()
print(custom.Tags()["tensors"])
#> ['learning_rate', 'kernel', 'note']
histogram = tf.make_ndarray(custom.Tensors("kernel")[0].tensor_proto)  # rows: left, right, count
print("histogram buckets:", histogram.shape[0], "| values counted:", int(histogram[:, 2].sum()))
#> histogram buckets: 30 | values counted: 3
print(tf.make_ndarray(custom.Tensors("note")[0].tensor_proto).item().decode())
#> 32 synthetic rows, full-batch SGD
# --8<-- [end:read_event_files]


# --8<-- [start:profile_a_training_step]
profiled = make_model()
optimizer = keras.optimizers.SGD(LEARNING_RATE)


@tf.function
def train_step():
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(profiled(features) - targets))
    grads = tape.gradient(loss, profiled.trainable_weights)
    optimizer.apply_gradients(zip(grads, profiled.trainable_weights, strict=True))


train_step()  # trace and compile outside the profile
profile_dir = os.path.join(logdir.name, "profile")
tf.profiler.experimental.start(profile_dir)
for step in range(3):
    with tf.profiler.experimental.Trace("train", step_num=step):  # a named, numbered region
        train_step()
tf.profiler.experimental.stop()

# The profile is an XSpace protobuf, the file TensorBoard's profile plugin displays.
(trace_file,) = glob.glob(os.path.join(profile_dir, "**", "*.xplane.pb"), recursive=True)
space = xplane_pb2.XSpace.FromString(open(trace_file, "rb").read())
host = next(plane for plane in space.planes if plane.name == "/host:CPU")
names = {key: meta.name for key, meta in host.event_metadata.items()}
events = collections.Counter(names[e.metadata_id] for line in host.lines for e in line.events)
print("train regions:", events["train"])
#> train regions: 3
op_types = collections.Counter()
for name, count in events.items():
    if name.count(":") == 1 and " " not in name:  # TensorFlow ops: "op_name:OpType"
        op_types[name.split(":")[1]] += count
print(textwrap.fill(", ".join(f"{op}({n})" for op, n in sorted(op_types.items())), width=100))
#> AddV2(3), AssignSubVariableOp(6), AssignVariableOp(3), Mul(12), ReadVariableOp(15), Sub(3), Sum(3),
#> _MklMatMul(3), _MklNativeFusedMatMul(3)
matmuls_per_step = sum(n for op, n in op_types.items() if "MatMul" in op) / 3
print("matrix multiplications per step:", matmuls_per_step)
#> matrix multiplications per step: 2.0
# --8<-- [end:profile_a_training_step]


# --8<-- [start:profile_memory]
# A wider model, so that its activations stand out: 256 rows, 64 inputs, 256 hidden units.
rng = np.random.default_rng(1)
wide_x = rng.normal(size=(256, 64)).astype(np.float32)
wide_y = rng.normal(size=(256, 1)).astype(np.float32)
wide = keras.Sequential([
    keras.Input((64,)),
    keras.layers.Dense(256, activation="relu"),
    keras.layers.Dense(1),
])
wide_optimizer = keras.optimizers.SGD(0.01)


@tf.function
def wide_step():
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(wide(wide_x) - wide_y))
    grads = tape.gradient(loss, wide.trainable_weights)
    wide_optimizer.apply_gradients(zip(grads, wide.trainable_weights, strict=True))


wide_step()  # trace outside the profile
memory_dir = os.path.join(logdir.name, "memory")
tf.profiler.experimental.start(memory_dir)
wide_step()
tf.profiler.experimental.stop()

# The same XSpace file as above; allocations are events named MemoryAllocation, with stats.
# They come from oneDNN's allocator (mklcpu): on a CPU without AVX-512, where TensorFlow leaves
# oneDNN off, run the script with TF_ENABLE_ONEDNN_OPTS=1 to see them.
(trace_file,) = glob.glob(os.path.join(memory_dir, "**", "*.xplane.pb"), recursive=True)
space = xplane_pb2.XSpace.FromString(open(trace_file, "rb").read())
host = next(plane for plane in space.planes if plane.name == "/host:CPU")


def stat_value(stat):
    kind = stat.WhichOneof("value")  # strings are stored once and referenced
    value = getattr(stat, kind)
    return host.stat_metadata[value].name if kind == "ref_value" else value


allocation_events = [
    (line.timestamp_ns * 1000 + event.offset_ps, event)  # lines (threads) come in no fixed order
    for line in host.lines
    for event in line.events
    if host.event_metadata[event.metadata_id].name == "MemoryAllocation"
]
allocations = [
    {host.stat_metadata[s.metadata_id].name: stat_value(s) for s in event.stats}
    for _, event in sorted(allocation_events, key=lambda pair: pair[0])  # in time order
]
for a in allocations:
    print(f"{a['tf_op']:52} {a['shape']:10} {a['requested_bytes']:7} bytes  allocator {a['allocator_name']}")
    #> sequential_2_1/dense_1/Relu                          [256,256]   262144 bytes  allocator mklcpu
    #> gradient_tape/sequential_2_1/dense_1_2/MatMul/MatMul [256,256]   262144 bytes  allocator mklcpu
largest_allocation = max(a["requested_bytes"] for a in allocations)
print("peak bytes in use:", max(a["peak_bytes_in_use"] for a in allocations))
#> peak bytes in use: 524288
print(tf.config.experimental.get_memory_info("CPU:0"))  # the same allocator's counters
#> {'current': 0, 'peak': 524288}
# --8<-- [end:profile_memory]


# --8<-- [start:compiler_logs]
# Debugger V2 dumps every tf.function graph built and every op run, for TensorBoard's
# Debugger V2 dashboard. It instruments the whole process until disabled.
dump_dir = os.path.join(logdir.name, "debugger_v2")
tf.debugging.experimental.enable_dump_debug_info(dump_dir, tensor_debug_mode="CURT_HEALTH")


@tf.function
def scaled_relu(x):
    return tf.nn.relu(x) * 2


scaled_relu(tf.ones(3))
scaled_relu(tf.ones((3, 4)))  # a tensor of another rank: traces again
tf.debugging.experimental.disable_dump_debug_info()
print(sorted(name.rsplit(".", 1)[-1] for name in os.listdir(dump_dir)))
#> ['execution', 'graph_execution_traces', 'graphs', 'metadata', 'source_files', 'stack_frames']

# The reader TensorBoard's dashboard uses (a module of TensorFlow without a public API).
with debug_events_reader.DebugDataReader(dump_dir) as reader:
    reader.update()
    traced = [e.op_type for e in reader.executions() if e.op_type.startswith("__inference_scaled_relu")]
    op_types = sorted({digest.op_type for digest in reader.graph_op_digests()})
print("graphs traced and run:", len(traced), "| their ops:", op_types)
#> graphs traced and run: 2 | their ops: ['Const', 'Identity', 'Mul', 'NoOp', 'Placeholder', 'Relu']
compilations = len(traced)
# --8<-- [end:compiler_logs]
