"""Checkpoints and resuming in TensorFlow 2.21 with Keras 3: tf.train.Checkpoint, .keras files."""

# --8<-- [start:setup]
import os
import tempfile
import zipfile

import keras
import numpy as np
import safetensors.tensorflow
import tensorflow as tf

# The same data, starting weights and batch order as the PyTorch tab.
rng = np.random.default_rng(0)
features = rng.normal(size=(32, 4)).astype(np.float32)
targets = np.sin(features).sum(axis=1, keepdims=True).astype(np.float32)
kernel_1 = (rng.normal(size=(4, 8)) * 0.5).astype(np.float32)
kernel_2 = (rng.normal(size=(8, 1)) * 0.5).astype(np.float32)
BATCH, STEPS, INTERRUPT_AT = 8, 10, 5
tmp = tempfile.TemporaryDirectory()


def batch_for(step):
    """The batch order is a function of the step, so resuming needs only the step number."""
    epoch, i = divmod(step, len(features) // BATCH)
    order = np.random.default_rng([0, epoch]).permutation(len(features))  # reshuffled each epoch
    rows = order[i * BATCH : (i + 1) * BATCH]
    return features[rows], targets[rows]


def make_model_and_optimizer():
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(8, activation="tanh", name="hidden"),
            keras.layers.Dense(1, name="output"),
        ],
        name="mlp",
    )
    model.set_weights([kernel_1, np.zeros(8, np.float32), kernel_2, np.zeros(1, np.float32)])
    return model, keras.optimizers.Adam(learning_rate=0.01, epsilon=1e-7)


def train(model, optimizer, start, stop):
    for step in range(start, stop):
        x, y = batch_for(step)
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - y))
        grads = tape.gradient(loss, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights, strict=True))


def flat_weights(model):
    return np.concatenate([w.ravel() for w in model.get_weights()])
# --8<-- [end:setup]


# --8<-- [start:uninterrupted_run]
model, optimizer = make_model_and_optimizer()
train(model, optimizer, 0, STEPS)
uninterrupted_weights = flat_weights(model)
print(uninterrupted_weights[:4].round(4))
#> [-0.1982 -0.597  -0.6034  0.0529]
# --8<-- [end:uninterrupted_run]


# --8<-- [start:save_checkpoints]
model, optimizer = make_model_and_optimizer()
step = tf.Variable(0, dtype=tf.int64)  # saved with the model, so a restart knows where it was
checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer, step=step)
manager = tf.train.CheckpointManager(checkpoint, os.path.join(tmp.name, "ckpts"), max_to_keep=2)
for s in range(INTERRUPT_AT):
    train(model, optimizer, s, s + 1)
    step.assign(s + 1)
    manager.save(checkpoint_number=s + 1)  # keeps the newest two, deletes older ones
print([os.path.basename(path) for path in manager.checkpoints])
#> ['ckpt-4', 'ckpt-5']
print(sorted(os.listdir(os.path.join(tmp.name, "ckpts"))))
#> ['checkpoint', 'ckpt-4.data-00000-of-00001', 'ckpt-4.index', 'ckpt-5.data-00000-of-00001', 'ckpt-5.index']
# What is inside: every variable once, keyed by a path from the checkpoint's root object
# (the model's weights appear under the optimizer, which also tracks them).
for name, shape in tf.train.list_variables(manager.latest_checkpoint):
    print(name.removesuffix("/.ATTRIBUTES/VARIABLE_VALUE"), shape)
    #> _CHECKPOINTABLE_OBJECT_GRAPH []
    #> optimizer/_iterations []
    #> optimizer/_learning_rate []
    #> optimizer/_trainable_variables/0 [4, 8]
    #> optimizer/_trainable_variables/1 [8]
    #> optimizer/_trainable_variables/2 [8, 1]
    #> optimizer/_trainable_variables/3 [1]
    #> optimizer/_variables/2 [4, 8]
    #> optimizer/_variables/3 [4, 8]
    #> optimizer/_variables/4 [8]
    #> optimizer/_variables/5 [8]
    #> optimizer/_variables/6 [8, 1]
    #> optimizer/_variables/7 [8, 1]
    #> optimizer/_variables/8 [1]
    #> optimizer/_variables/9 [1]
    #> save_counter []
    #> step []
# --8<-- [end:save_checkpoints]


# --8<-- [start:resume_from_latest]
# A new process would start here: fresh objects, then restore into them.
model, optimizer = make_model_and_optimizer()
step = tf.Variable(0, dtype=tf.int64)
checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer, step=step)
status = checkpoint.restore(tf.train.latest_checkpoint(os.path.join(tmp.name, "ckpts")))
status.assert_existing_objects_matched()  # fails loudly if the structure does not match
print("resuming at step", int(step), "| optimizer iterations", int(optimizer.iterations))
#> resuming at step 5 | optimizer iterations 5
# Adam's moment estimates do not exist until the first update; TensorFlow restores them
# then ("deferred restoration"), which is why they are not checked above.
train(model, optimizer, int(step), STEPS)
resumed_weights = flat_weights(model)
print("identical to the uninterrupted run:", np.array_equal(resumed_weights, uninterrupted_weights))
#> identical to the uninterrupted run: True
# --8<-- [end:resume_from_latest]


# --8<-- [start:without_optimizer_state]
model, optimizer = make_model_and_optimizer()
tf.train.Checkpoint(model=model).restore(manager.latest_checkpoint).expect_partial()
train(model, optimizer, INTERRUPT_AT, STEPS)  # a fresh Adam: zero moments, step count 0
fresh_optimizer_weights = flat_weights(model)
print("identical:", np.array_equal(fresh_optimizer_weights, uninterrupted_weights))
#> identical: False
print("largest difference:", round(float(np.abs(fresh_optimizer_weights - uninterrupted_weights).max()), 4))
#> largest difference: 0.0398
# --8<-- [end:without_optimizer_state]


# --8<-- [start:whole_model_file]
model, optimizer = make_model_and_optimizer()
model.compile(optimizer=optimizer, loss="mse")
model.fit(features, targets, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
path = os.path.join(tmp.name, "model.keras")
model.save(path)  # architecture (JSON), weights and optimizer state in one zip file
print(zipfile.ZipFile(path).namelist())
#> ['metadata.json', 'config.json', 'model.weights.h5']
reloaded = keras.models.load_model(path)  # no Python class needed for built-in layers
print(type(reloaded.optimizer).__name__, "iterations", int(reloaded.optimizer.iterations))
#> Adam iterations 4
print("same weights:", np.array_equal(flat_weights(reloaded), flat_weights(model)))
#> same weights: True
# --8<-- [end:whole_model_file]


# --8<-- [start:safetensors_files]
# safetensors stores named tensors and nothing else: no code runs when a file is loaded.
path = os.path.join(tmp.name, "weights.safetensors")
safetensors.tensorflow.save_file({w.path: w.value for w in model.weights}, path)
loaded = safetensors.tensorflow.load_file(path)
print(sorted(loaded))
#> ['mlp/hidden/bias', 'mlp/hidden/kernel', 'mlp/output/bias', 'mlp/output/kernel']
new_model, _ = make_model_and_optimizer()
for w in new_model.weights:
    w.assign(loaded[w.path])  # keyed by name, e.g. "mlp/hidden/kernel"
reloaded_weights = flat_weights(new_model)
print("same weights:", np.array_equal(reloaded_weights, flat_weights(model)))
#> same weights: True
# --8<-- [end:safetensors_files]
