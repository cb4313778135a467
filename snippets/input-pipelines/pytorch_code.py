"""Input pipelines in PyTorch 2.13: Dataset and DataLoader reading CSV files the script writes itself."""

# --8<-- [start:setup]
import os
import tempfile
import warnings

import numpy as np
import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader, Dataset, IterableDataset, get_worker_info

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


def parse(line):  # one CSV line -> (id, features, label)
    ident, x1, x2, label = line.split(",")
    return int(ident), torch.tensor([float(x1), float(x2)]), int(label)
# --8<-- [end:setup]


# --8<-- [start:read_map_batch]
class CsvRows(Dataset):
    """A map-style dataset: it has a length and returns row k on request."""

    def __init__(self, paths):
        self.lines = [line for path in paths for line in open(path).read().splitlines()[1:]]

    def __len__(self):
        return len(self.lines)

    def __getitem__(self, k):
        return parse(self.lines[k])


rows = CsvRows(files)
loader = DataLoader(rows, batch_size=4)  # the default collate_fn stacks each field
ids, features, labels = next(iter(loader))
first_batch = features.numpy()
print(ids.numpy(), labels.numpy())
#> [0 1 2 3] [0 1 2 0]
print(first_batch)
#> [[ 0.126 -0.132]
#>  [ 0.64   0.105]
#>  [-0.536  0.362]
#>  [ 1.304  0.947]]
print("batches per epoch:", len(loader))
#> batches per epoch: 6
# --8<-- [end:read_map_batch]


# --8<-- [start:shuffle]
# shuffle=True draws a full random permutation of the indices every epoch (no buffer).
generator = torch.Generator().manual_seed(0)
numbers = list(range(12))
print("full", [int(i) for i in DataLoader(numbers, batch_size=None, shuffle=True, generator=generator)])
#> full [5, 4, 0, 9, 7, 8, 1, 10, 3, 11, 6, 2]

# The same order in both frameworks: draw the permutation yourself and pass it as the sampler.
permutation = np.random.default_rng(0).permutation(24)
by_index = DataLoader(rows, batch_size=None, sampler=permutation.tolist())
shuffled_ids = np.array([ident for ident, _, _ in by_index])
print(shuffled_ids)
#> [18  4 21 10 11  2 22  6 23  3 20  8  0 16 12 19 13  7  5 17 14  9  1 15]
# --8<-- [end:shuffle]


# --8<-- [start:parallel_map]
# num_workers=2 runs __getitem__ in two worker processes; batches still arrive in order.
parallel = DataLoader(rows, batch_size=4, num_workers=2)
same = all(torch.equal(a[1], b[1]) for a, b in zip(parallel, loader, strict=True))
print("same batches as the single-process loader:", same)
#> same batches as the single-process loader: True
epoch_checksum = float(sum(float(x.sum()) for _, x, _ in parallel))
print(round(epoch_checksum, 3))
#> 3.332

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    batch = next(iter(DataLoader(rows, batch_size=4, pin_memory=True)))
print("pinned:", batch[1].is_pinned())  # pinning needs an accelerator, and the loader says so:
#> pinned: False
print(caught[0].message)
#> 'pin_memory' argument is set as true but no accelerator is found, then device pinned memory won't be used.
# The copy pinning is for: from page-locked memory, non_blocking=True lets the copy to the GPU
# run while the GPU computes; without it the loop waits for the copy. Here it is a no-op.
device = torch.accelerator.current_accelerator() or torch.device("cpu")  # None here: no GPU
features = batch[1].to(device, non_blocking=True)
print(features.device)
#> cpu
# --8<-- [end:parallel_map]


# --8<-- [start:cache_and_prefetch]
class CachedRows(CsvRows):
    """Parses each row once per process and keeps it; reports whether row k was parsed now."""

    def __init__(self, paths):
        super().__init__(paths)
        self.cache = {}

    def __getitem__(self, k):
        parsed_now = k not in self.cache
        if parsed_now:
            self.cache[k] = parse(self.lines[k])
        return (*self.cache[k], parsed_now)


# Each worker process holds its own copy of the dataset, so its own cache. By default workers
# end with the epoch and their caches with them; persistent_workers=True keeps them alive.
# With shuffle=True a worker gets different rows each epoch, so it misses its own cache.
# (prefetch_factor=2, the default: each worker loads two batches ahead.)
for persistent, shuffle in ((False, False), (True, False), (True, True)):
    loader = DataLoader(
        CachedRows(files), batch_size=4, shuffle=shuffle, generator=torch.Generator().manual_seed(0),
        num_workers=2, persistent_workers=persistent, prefetch_factor=2,
    )
    parsed_per_epoch = [sum(int(b[3].sum()) for b in loader) for _ in range(2)]
    print(f"persistent_workers={persistent}, shuffle={shuffle}: rows parsed per epoch", parsed_per_epoch)
    #> persistent_workers=False, shuffle=False: rows parsed per epoch [24, 24]
    #> persistent_workers=True, shuffle=False: rows parsed per epoch [24, 0]
    #> persistent_workers=True, shuffle=True: rows parsed per epoch [24, 16]
# --8<-- [end:cache_and_prefetch]


# --8<-- [start:interleave_files]
class CsvFiles(IterableDataset):
    """An iterable dataset: streams rows; each worker reads its own share of the files."""

    def __init__(self, paths):
        self.paths = paths

    def __iter__(self):
        worker = get_worker_info()  # None in the main process
        mine = self.paths[worker.id :: worker.num_workers] if worker else self.paths
        for path in mine:
            for line in open(path).read().splitlines()[1:]:
                yield parse(line)


# With two workers the loader takes one item from each worker in turn: worker 0 reads
# files 0 and 2, worker 1 files 1 and 3, so lines from two files alternate.
streamed = DataLoader(CsvFiles(files), batch_size=None, num_workers=2)
interleaved_ids = np.array([ident for ident, _, _ in streamed])
print(interleaved_ids)
#> [ 0  6  1  7  2  8  3  9  4 10  5 11 12 18 13 19 14 20 15 21 16 22 17 23]
# --8<-- [end:interleave_files]


# --8<-- [start:variable_length_batches]
sequences = [[1, 2], [3, 4, 5], [6], [7, 8, 9, 10]]


def pad_collate(batch):  # a collate_fn decides how samples become a batch
    return pad_sequence([torch.tensor(s, dtype=torch.int32) for s in batch], batch_first=True)


padded = next(iter(DataLoader(sequences, batch_size=4, collate_fn=pad_collate))).numpy()
print(padded)
#> [[ 1  2  0  0]
#>  [ 3  4  5  0]
#>  [ 6  0  0  0]
#>  [ 7  8  9 10]]
# --8<-- [end:variable_length_batches]
