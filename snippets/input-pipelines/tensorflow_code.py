"""Input pipelines in TensorFlow 2.21: tf.data reading CSV files the script writes itself."""

# --8<-- [start:setup]
import os
import tempfile

import numpy as np
import tensorflow as tf

# Four CSV shards of six rows each (id, two features, a label), in a temporary directory.
tmp = tempfile.TemporaryDirectory()
rng = np.random.default_rng(0)
files = []
for shard in range(4):
    path = os.path.join(tmp.name, f"part-{shard}.csv")
    rows = [f"{i},{rng.normal():.3f},{rng.normal():.3f},{i % 3}" for i in range(shard * 6, shard * 6 + 6)]
    with open(path, "w") as f:
        f.write("id,x1,x2,label\n" + "\n".join(rows) + "\n")
    files.append(path)


def parse(line):  # one CSV line -> (id, features, label), as tensors
    ident, x1, x2, label = tf.io.decode_csv(line, record_defaults=[0, 0.0, 0.0, 0])
    return ident, tf.stack([x1, x2]), label
# --8<-- [end:setup]


# --8<-- [start:read_map_batch]
lines = tf.data.Dataset.from_tensor_slices(files).flat_map(
    lambda path: tf.data.TextLineDataset(path).skip(1)  # each file's lines, minus its header
)
dataset = lines.map(parse).batch(4)
ids, features, labels = next(iter(dataset))
first_batch = features.numpy()
print(ids.numpy(), labels.numpy())
#> [0 1 2 3] [0 1 2 0]
print(first_batch)
#> [[ 0.126 -0.132]
#>  [ 0.64   0.105]
#>  [-0.536  0.362]
#>  [ 1.304  0.947]]
print("batches per epoch:", len(list(dataset)))
#> batches per epoch: 6
# --8<-- [end:read_map_batch]


# --8<-- [start:shuffle]
# shuffle(buffer_size) keeps a buffer and draws at random from it: a small buffer only
# shuffles locally, and buffer_size=1 does not shuffle at all.
numbers = tf.data.Dataset.range(12)
for buffer_size in (1, 4, 12):
    print(buffer_size, [int(i) for i in numbers.shuffle(buffer_size, seed=0)])
    #> 1 [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    #> 4 [0, 3, 2, 6, 5, 1, 9, 7, 10, 4, 8, 11]
    #> 12 [0, 2, 10, 5, 9, 8, 4, 7, 1, 6, 3, 11]

# The same order in both frameworks: draw the permutation yourself, read rows by index.
all_lines = tf.constant([line for path in files for line in open(path).read().splitlines()[1:]])
permutation = np.random.default_rng(0).permutation(24)
by_index = tf.data.Dataset.from_tensor_slices(permutation).map(lambda k: parse(all_lines[k]))
shuffled_ids = np.array([int(ident) for ident, _, _ in by_index])
print(shuffled_ids)
#> [18  4 21 10 11  2 22  6 23  3 20  8  0 16 12 19 13  7  5 17 14  9  1 15]
# --8<-- [end:shuffle]


# --8<-- [start:parallel_map]
# num_parallel_calls runs `parse` on several threads; AUTOTUNE picks how many at run time.
# Output order is kept unless you opt out (options.deterministic = False).
parallel = lines.map(parse, num_parallel_calls=tf.data.AUTOTUNE).batch(4)
same = all(np.array_equal(a[1], b[1]) for a, b in zip(parallel, dataset, strict=True))
print("same batches as the sequential map:", same)
#> same batches as the sequential map: True
epoch_checksum = float(sum(float(tf.reduce_sum(x)) for _, x, _ in parallel))
print(round(epoch_checksum, 3))
#> 3.332
# --8<-- [end:parallel_map]


# --8<-- [start:cache_and_prefetch]
parsed_rows = []


def note_parse(ident):  # a Python side effect, to count how often rows are parsed
    parsed_rows.append(int(ident))
    return ident


counted = lines.map(parse).map(lambda i, x, y: (tf.py_function(note_parse, [i], tf.int32), x, y))
pipeline = counted.cache().shuffle(24, seed=0).batch(4).prefetch(tf.data.AUTOTUNE)
parsed_per_epoch = []
for _ in range(2):
    before = len(parsed_rows)
    for _batch in pipeline:
        pass
    parsed_per_epoch.append(len(parsed_rows) - before)
print("rows parsed per epoch:", parsed_per_epoch)  # epoch 2 reads the cache
#> rows parsed per epoch: [24, 0]
# --8<-- [end:cache_and_prefetch]


# --8<-- [start:interleave_files]
# Read two files at a time, alternating one line from each (cycle_length=2, block_length=1).
interleaved = tf.data.Dataset.from_tensor_slices(files).interleave(
    lambda path: tf.data.TextLineDataset(path).skip(1),
    cycle_length=2, block_length=1, num_parallel_calls=tf.data.AUTOTUNE,
)
interleaved_ids = np.array([int(ident) for ident, _, _ in interleaved.map(parse)])
print(interleaved_ids)
#> [ 0  6  1  7  2  8  3  9  4 10  5 11 12 18 13 19 14 20 15 21 16 22 17 23]
# --8<-- [end:interleave_files]


# --8<-- [start:variable_length_batches]
sequences = [[1, 2], [3, 4, 5], [6], [7, 8, 9, 10]]
ragged = tf.data.Dataset.from_generator(
    lambda: iter(sequences), output_signature=tf.TensorSpec([None], tf.int32)
)
padded = next(iter(ragged.padded_batch(4))).numpy()  # pads with 0 to the longest in the batch
print(padded)
#> [[ 1  2  0  0]
#>  [ 3  4  5  0]
#>  [ 6  0  0  0]
#>  [ 7  8  9 10]]
# --8<-- [end:variable_length_batches]
