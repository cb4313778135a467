"""Distributed data-parallel training in TensorFlow 2.21: tf.distribute strategies on one CPU."""

# --8<-- [start:setup]
import inspect
import json
import os
import socket
import subprocess
import sys
import tempfile

import keras
import numpy as np
import tensorflow as tf

# Split the one physical CPU into two logical devices, before TensorFlow initialises them.
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

# The same data and starting weights as the PyTorch tab: 16 examples, a linear model.
rng = np.random.default_rng(0)
features = rng.normal(size=(16, 3)).astype(np.float32)
targets = (features @ np.array([[1.0], [-2.0], [0.5]]) + 0.3).astype(np.float32)
initial_kernel = rng.normal(size=(3, 1)).astype(np.float32)
GLOBAL_BATCH, LEARNING_RATE, EPOCHS = 8, 0.1, 3


def make_model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.set_weights([initial_kernel, np.zeros(1, np.float32)])
    model.compile(optimizer=keras.optimizers.SGD(LEARNING_RATE), loss="mse")
    return model


def flat_weights(model):
    return np.concatenate([w.ravel() for w in model.get_weights()])
# --8<-- [end:setup]


# --8<-- [start:single_process_reference]
# One device, full global batches: the result distributed training must reproduce.
model = make_model()
model.fit(features, targets, batch_size=GLOBAL_BATCH, epochs=EPOCHS, shuffle=False, verbose=0)
reference_weights = flat_weights(model)
print(reference_weights.round(4))
#> [ 0.9878 -0.3054  0.3736  0.2641]
# --8<-- [end:single_process_reference]


# --8<-- [start:two_replicas]
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])  # one process, two replicas
print(strategy.num_replicas_in_sync, strategy.extended.worker_devices)
#> 2 ('/job:localhost/replica:0/task:0/device:CPU:0', '/job:localhost/replica:0/task:0/device:CPU:1')


def replica_id():
    return tf.cast(tf.distribute.get_replica_context().replica_id_in_sync_group, tf.float32)


@tf.function
def sum_of_replica_ids():
    # strategy.run calls the function once per replica; reduce sums the per-replica values.
    return strategy.reduce("SUM", strategy.run(replica_id), axis=None)


print("sum of replica ids:", float(sum_of_replica_ids()))
#> sum of replica ids: 1.0
# --8<-- [end:two_replicas]


# --8<-- [start:gradients_are_averaged]
with strategy.scope():  # variables created here are mirrored: one copy per replica
    mirrored_model = make_model()


@tf.function
def replica_gradients(x, y):
    with tf.GradientTape() as tape:
        per_example = tf.reduce_mean(tf.square(mirrored_model(x) - y), axis=1)
        # Divide by the GLOBAL batch size, not this replica's: the sum over replicas is the mean.
        loss = tf.nn.compute_average_loss(per_example, global_batch_size=GLOBAL_BATCH)
    return tf.concat([tf.reshape(g, [-1]) for g in tape.gradient(loss, mirrored_model.weights)], 0)


first_batch = tf.data.Dataset.from_tensor_slices((features, targets)).batch(GLOBAL_BATCH).take(1)
x, y = next(iter(strategy.experimental_distribute_dataset(first_batch)))  # split in two
per_replica = strategy.run(replica_gradients, args=(x, y))
for replica, local in enumerate(strategy.experimental_local_results(per_replica)):
    print(f"replica {replica} gradient {local.numpy().round(4)}")
    #> replica 0 gradient [ 2.2941  1.769  -1.0375 -0.5432]
    #> replica 1 gradient [ 1.9224  1.6645  0.8129 -0.8283]
# What the optimizer applies: the per-replica gradients all-reduced with SUM.
synced_gradient = strategy.reduce("SUM", per_replica, axis=None).numpy()
print("all-reduced:", synced_gradient.round(4))
#> all-reduced: [ 4.2165  3.4335 -0.2246 -1.3715]

full_batch = make_model()  # the single-device gradient on the whole first global batch
with tf.GradientTape() as tape:
    loss = keras.losses.MeanSquaredError()(targets[:GLOBAL_BATCH], full_batch(features[:GLOBAL_BATCH]))
full_gradient = np.concatenate([g.numpy().ravel() for g in tape.gradient(loss, full_batch.weights)])
print("equal to the full-batch gradient:", np.allclose(synced_gradient, full_gradient))
#> equal to the full-batch gradient: True
# --8<-- [end:gradients_are_averaged]


# --8<-- [start:same_weights_as_single_process]
with strategy.scope():  # the only change from the single-device code
    mirrored_model = make_model()
mirrored_model.fit(features, targets, batch_size=GLOBAL_BATCH, epochs=EPOCHS, shuffle=False, verbose=0)
distributed_weights = flat_weights(mirrored_model)
print(distributed_weights.round(4))
#> [ 0.9878 -0.3054  0.3736  0.2641]
difference = float(np.abs(distributed_weights - reference_weights).max())
print("max difference from single device < 1e-6:", difference < 1e-6)
#> max difference from single device < 1e-6: True
# --8<-- [end:same_weights_as_single_process]


# --8<-- [start:multi_worker]
def worker_main(data_file, result_file):
    """Runs in each worker process; TF_CONFIG says which worker it is and where the others are."""
    import json

    import keras
    import numpy as np
    import tensorflow as tf

    data = np.load(data_file)
    batch = int(data["batch"])
    strategy = tf.distribute.MultiWorkerMirroredStrategy()  # reads TF_CONFIG
    with strategy.scope():
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        model.set_weights([data["initial_kernel"], np.zeros(1, np.float32)])
        model.compile(optimizer=keras.optimizers.SGD(float(data["lr"])), loss="mse")
    dataset = tf.data.Dataset.from_tensor_slices((data["features"], data["targets"])).batch(batch)
    report = {}
    try:  # the path the TensorFlow multi-worker tutorial takes
        model.fit(dataset, epochs=int(data["epochs"]), verbose=0)
    except ValueError as err:
        report["fit"] = f"{type(err).__name__}: {str(err).splitlines()[0]}"

    @tf.function
    def train_step(x, y):
        def replica_step(x, y):
            with tf.GradientTape() as tape:
                per_example = tf.reduce_mean(tf.square(model(x) - y), axis=1)
                loss = tf.nn.compute_average_loss(per_example, global_batch_size=batch)
            grads = tape.gradient(loss, model.trainable_weights)
            model.optimizer.apply_gradients(zip(grads, model.trainable_weights, strict=True))

        strategy.run(replica_step, args=(x, y))

    for _ in range(int(data["epochs"])):
        for x, y in strategy.experimental_distribute_dataset(dataset):  # each worker: its half
            train_step(x, y)
    report["weights"] = np.concatenate([w.ravel() for w in model.get_weights()]).tolist()
    with open(result_file, "w") as f:
        json.dump(report, f)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


with tempfile.TemporaryDirectory() as tmp:
    data_file = os.path.join(tmp, "data.npz")
    np.savez(data_file, features=features, targets=targets, initial_kernel=initial_kernel,
             lr=LEARNING_RATE, batch=GLOBAL_BATCH, epochs=EPOCHS)
    cluster = {"worker": [f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"]}
    result_files = [os.path.join(tmp, f"worker{index}.json") for index in range(2)]
    workers = []
    try:
        for index in range(2):  # two worker processes on this machine, talking over gRPC
            tf_config = {"cluster": cluster, "task": {"type": "worker", "index": index}}
            code = inspect.getsource(worker_main) + f"worker_main({data_file!r}, {result_files[index]!r})"
            workers.append(subprocess.Popen(
                [sys.executable, "-c", code], env={**os.environ, "TF_CONFIG": json.dumps(tf_config)},
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            ))
        for worker in workers:
            _, stderr = worker.communicate(timeout=90)
            if worker.returncode != 0:
                raise RuntimeError(f"worker failed:\n{stderr[-3000:]}")
    finally:
        for worker in workers:  # never leave a worker behind, even on failure
            worker.kill()
            worker.wait()
    reports = []
    for result_file in result_files:
        with open(result_file) as f:
            reports.append(json.load(f))

print("model.fit:", reports[0].get("fit", "trained"))
#> model.fit: ValueError: Attempt to convert a value (PerReplica:{
multi_worker_weights = np.array(reports[0]["weights"], np.float32)
print(multi_worker_weights.round(4))
#> [ 0.9878 -0.3054  0.3736  0.2641]
print("workers agree:", reports[0]["weights"] == reports[1]["weights"])
#> workers agree: True
difference = float(np.abs(multi_worker_weights - reference_weights).max())
print("max difference from single device < 1e-6:", difference < 1e-6)
#> max difference from single device < 1e-6: True
# --8<-- [end:multi_worker]
