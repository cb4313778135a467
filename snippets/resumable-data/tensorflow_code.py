"""Resumable data loading in TensorFlow 2.21: a tf.data iterator saved in a tf.train.Checkpoint."""

# --8<-- [start:setup]
import os
import tempfile

import numpy as np
import tensorflow as tf

# Twelve examples; each is (id, value). The same numbers as the PyTorch tab.
values = np.linspace(0.0, 1.0, 12, dtype=np.float32)
order = np.random.default_rng(0).permutation(12)  # one fixed reading order, shared by both tabs


def preprocess(i):
    return i, tf.gather(values, i) * 2.0  # the "preprocessing"


def ids(batches):
    return [batch[0].numpy().tolist() for batch in batches]
# --8<-- [end:setup]


# --8<-- [start:resume_mid_epoch]
def make_dataset():
    return (
        tf.data.Dataset.from_tensor_slices(order)
        .map(preprocess, num_parallel_calls=tf.data.AUTOTUNE)
        .batch(3)
        .prefetch(tf.data.AUTOTUNE)
    )


batches = iter(make_dataset())
seen = [next(batches), next(batches)]  # two of the four batches, then "the job stops"
step = tf.Variable(2)
# The iterator is a trackable object: it goes into the checkpoint beside the model's variables.
path = tf.train.Checkpoint(step=step, iterator=batches).write(os.path.join(tempfile.mkdtemp(), "ckpt"))
uninterrupted = list(batches)  # what the job would have read next

# A new process would do this: a fresh iterator, its state restored, iteration continued.
batches = iter(make_dataset())
tf.train.Checkpoint(step=step, iterator=batches).read(path).assert_consumed()
resumed = list(batches)
print("seen:", ids(seen), "resumed:", ids(resumed))
#> seen: [[9, 2, 7], [4, 5, 11]] resumed: [[0, 3, 6], [10, 8, 1]]
print("same remaining batches:", ids(resumed) == ids(uninterrupted))
#> same remaining batches: True
remaining_ids = np.array(ids(resumed))
remaining_values = np.stack([batch[1].numpy() for batch in resumed])
# --8<-- [end:resume_mid_epoch]


# --8<-- [start:shuffled_across_epochs]
# shuffle draws a new order each epoch (reshuffle_each_iteration=True), from the op-level seed;
# repeat(2) runs two epochs. The shuffle buffer and the random state are part of the iterator.
dataset = tf.data.Dataset.range(12).shuffle(12, seed=0).batch(3).repeat(2)
batches = iter(dataset)
read, checkpoint = [], tf.train.Checkpoint(iterator=batches)
for step, batch in enumerate(batches):
    read.append(batch.numpy().tolist())
    if step == 4:  # one batch into the second epoch
        path = checkpoint.write(os.path.join(tempfile.mkdtemp(), "ckpt"))
print("epoch 1:", read[:4])
#> epoch 1: [[0, 2, 10], [5, 9, 8], [4, 7, 1], [6, 3, 11]]
print("epoch 2:", read[4:])
#> epoch 2: [[3, 10, 6], [11, 0, 5], [8, 4, 7], [2, 1, 9]]

batches = iter(dataset)
tf.train.Checkpoint(iterator=batches).read(path).assert_consumed()
resumed = [batch.numpy().tolist() for batch in batches]  # the rest of the second epoch
print("resumed:", resumed, resumed == read[5:])
#> resumed: [[11, 0, 5], [8, 4, 7], [2, 1, 9]] True
print([name for name, _ in tf.train.list_variables(path)])
#> ['_CHECKPOINTABLE_OBJECT_GRAPH', 'iterator/.ATTRIBUTES/ITERATOR_STATE']
# --8<-- [end:shuffled_across_epochs]


# --8<-- [start:what_the_state_costs]
# The iterator state holds the buffered elements themselves: here 1,000 shuffled numbers.
big = iter(tf.data.Dataset.range(100_000).shuffle(1_000, seed=0).batch(10))
next(big)
path = tf.train.Checkpoint(iterator=big).write(os.path.join(tempfile.mkdtemp(), "ckpt"))
print(f"{os.path.getsize(path + '.data-00000-of-00001') // 1024} KiB for a 1,000-element shuffle buffer")
#> 193 KiB for a 1,000-element shuffle buffer


# A pipeline that never reorders elements can save positions in its source instead of the
# elements in its buffers: symbolic checkpointing (its documentation: "not supported for
# transformations that can reorder elements", such as shuffle). How many elements prefetch
# holds when the checkpoint is written varies, so sizes are compared, not printed.
def double(i):
    return i * 2


mapped = tf.data.Dataset.range(100_000).map(double, num_parallel_calls=4).batch(10).prefetch(50)
options = tf.data.Options()
options.experimental_symbolic_checkpoint = True
sizes = {}
for name, dataset in [("explicit", mapped), ("symbolic", mapped.with_options(options))]:
    iterator = iter(dataset)
    next(iterator)
    path = tf.train.Checkpoint(iterator=iterator).write(os.path.join(tempfile.mkdtemp(), "ckpt"))
    sizes[name] = os.path.getsize(path + ".data-00000-of-00001")
print("symbolic under 1 KiB:", sizes["symbolic"] < 1024)
#> symbolic under 1 KiB: True
print("symbolic smaller than explicit:", sizes["symbolic"] < sizes["explicit"])
#> symbolic smaller than explicit: True
resumed = iter(mapped.with_options(options))  # the last checkpoint written was the symbolic one
tf.train.Checkpoint(iterator=resumed).read(path).assert_consumed()
print("resumes at the next batch:", next(resumed).numpy().tolist() == next(iterator).numpy().tolist())
#> resumes at the next batch: True
# --8<-- [end:what_the_state_costs]
