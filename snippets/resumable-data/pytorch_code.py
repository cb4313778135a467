"""Resumable data loading in PyTorch 2.13: torchdata's StatefulDataLoader, stopped mid-epoch."""

# --8<-- [start:setup]
import os
import tempfile

import numpy as np
import torch
from torch.utils.data import Dataset
from torchdata.stateful_dataloader import StatefulDataLoader

# Twelve examples; each is (id, value). The same numbers as the TensorFlow tab.
values = np.linspace(0.0, 1.0, 12, dtype=np.float32)
order = np.random.default_rng(0).permutation(12)  # one fixed reading order, shared by both tabs


class Examples(Dataset):
    def __len__(self):
        return len(values)

    def __getitem__(self, i):
        return i, values[i] * 2.0  # the "preprocessing"


def ids(batches):
    return [batch[0].tolist() for batch in batches]
# --8<-- [end:setup]


# --8<-- [start:resume_mid_epoch]
def make_loader():
    # A drop-in replacement for DataLoader, with state_dict() and load_state_dict().
    return StatefulDataLoader(Examples(), batch_size=3, sampler=order.tolist(), num_workers=2)


loader = make_loader()
batches = iter(loader)
seen = [next(batches), next(batches)]  # two of the four batches, then "the job stops"
path = os.path.join(tempfile.mkdtemp(), "checkpoint.pt")
torch.save({"step": 2, "data": loader.state_dict()}, path)  # beside the model's state
uninterrupted = list(batches)  # what the job would have read next
del batches, loader

# A new process would do this: a fresh loader, its state restored, iteration continued.
loader = make_loader()
loader.load_state_dict(torch.load(path, weights_only=True)["data"])
resumed = list(loader)
print("seen:", ids(seen), "resumed:", ids(resumed))
#> seen: [[9, 2, 7], [4, 5, 11]] resumed: [[0, 3, 6], [10, 8, 1]]
print("same remaining batches:", ids(resumed) == ids(uninterrupted))
#> same remaining batches: True
remaining_ids = np.array(ids(resumed))
remaining_values = np.stack([batch[1].numpy() for batch in resumed])
# --8<-- [end:resume_mid_epoch]


# --8<-- [start:shuffled_across_epochs]
def make_shuffling_loader():
    # shuffle=True draws each epoch's permutation from `generator`; its state is saved too.
    generator = torch.Generator().manual_seed(0)
    return StatefulDataLoader(Examples(), batch_size=3, shuffle=True, generator=generator, num_workers=2)


loader = make_shuffling_loader()
read, state = [], None
for epoch in range(2):
    for step, batch in enumerate(loader):
        read.append(batch[0].tolist())
        if epoch == 1 and step == 0:
            state = loader.state_dict()  # one batch into the second epoch
print("epoch 1:", read[:4])
#> epoch 1: [[3, 9, 8], [0, 2, 1], [5, 4, 11], [7, 10, 6]]
print("epoch 2:", read[4:])
#> epoch 2: [[11, 2, 10], [5, 7, 3], [4, 8, 9], [1, 0, 6]]

loader = make_shuffling_loader()
loader.load_state_dict(state)
resumed = [batch[0].tolist() for batch in loader]  # the rest of the second epoch
print("resumed:", resumed, resumed == read[5:])
#> resumed: [[5, 7, 3], [4, 8, 9], [1, 0, 6]] True
print(sorted(state))
#> ['_iterator_finished', '_snapshot', '_steps_since_snapshot']
# --8<-- [end:shuffled_across_epochs]


# --8<-- [start:what_the_state_costs]
# The state holds counters and the sampler's random-generator state, not buffered examples:
# a resumed map-style loader regenerates the same permutation and skips what was read.
generator = torch.Generator().manual_seed(0)
big = StatefulDataLoader(range(100_000), batch_size=10, shuffle=True, generator=generator)
iterator = iter(big)
next(iterator)
path = os.path.join(tempfile.mkdtemp(), "state.pt")
torch.save(big.state_dict(), path)
print(f"{os.path.getsize(path) // 1024} KiB for a 100,000-example shuffled loader")
#> 6 KiB for a 100,000-example shuffled loader
# --8<-- [end:what_the_state_costs]
