"""Reproducibility in PyTorch 2.13: seeds, generators, deterministic algorithms, DataLoader order."""

# --8<-- [start:setup]
import random

import numpy as np
import torch
from torch.utils.data import DataLoader

# --8<-- [end:setup]


# --8<-- [start:global_seed]
torch.manual_seed(0)  # the default generator of the CPU and of every GPU
first = torch.rand(3)
second = torch.rand(3)  # the next numbers of the sequence, not the same ones again
torch.manual_seed(0)
again = torch.rand(3)
print(first.numpy().round(4), second.numpy().round(4))
#> [0.4963 0.7682 0.0885] [0.132  0.3074 0.6341]
print("reseeded, same numbers:", torch.equal(first, again))
#> reseeded, same numbers: True

# What the call covers: PyTorch's generators only. Seed Python and NumPy yourself.
python_state, numpy_state = random.getstate(), np.random.get_state()[1].copy()
torch.manual_seed(0)
print("Python untouched:", random.getstate() == python_state)
#> Python untouched: True
print("NumPy untouched:", np.array_equal(np.random.get_state()[1], numpy_state))
#> NumPy untouched: True
random.seed(0)
np.random.seed(0)
# --8<-- [end:global_seed]


# --8<-- [start:explicit_generator]
gen = torch.Generator().manual_seed(0)  # its own state, passed to each call
a = torch.rand(3, generator=gen)
torch.manual_seed(123)  # resetting the global seed does not touch it,
torch.rand(5)  # nor do draws from the global sequence
b = torch.rand(3, generator=gen)
replay = torch.Generator().manual_seed(0)
print("explicit generator unaffected:", torch.equal(a, torch.rand(3, generator=replay)))
#> explicit generator unaffected: True
print("and continues where it was:", torch.equal(b, torch.rand(3, generator=replay)))
#> and continues where it was: True

saved = gen.get_state()  # save the state, draw, restore, draw again
x = torch.randn(2, generator=gen)
gen.set_state(saved)
print("restored state, same draw:", torch.equal(x, torch.randn(2, generator=gen)))
#> restored state, same draw: True
print("state:", saved.dtype, tuple(saved.shape))
#> state: torch.uint8 (5056,)
# --8<-- [end:explicit_generator]


# --8<-- [start:dropout_masks]
ones = torch.ones(2, 8)


def dropout_mask(seed):
    torch.manual_seed(seed)
    layer = torch.nn.Dropout(0.5)  # a new module is in training mode
    return layer(ones)


mask_1 = dropout_mask(0)
mask_2 = dropout_mask(0)
print(mask_1)
#> tensor([[0., 0., 2., 0., 0., 0., 2., 2.],
#>         [0., 2., 2., 2., 2., 0., 2., 2.]])
print("same seed, same mask:", torch.equal(mask_1, mask_2))
#> same seed, same mask: True

# Each call draws from the global generator: a new mask every step.
layer = torch.nn.Dropout(0.5)
step_1, step_2 = layer(ones), layer(ones)
print("next call, new mask:", not torch.equal(step_1, step_2))
#> next call, new mask: True

# Dropout takes no generator: any other draw in between shifts every later mask.
torch.manual_seed(0)
torch.nn.Linear(4, 4)  # initialising a layer draws from the same generator
print("a layer created in between, same mask:", torch.equal(layer(ones), mask_1))
#> a layer created in between, same mask: False
torch.manual_seed(0)
with torch.random.fork_rng():  # draws inside leave the global state as it was
    torch.nn.Linear(4, 4)
print("created inside fork_rng, same mask:", torch.equal(layer(ones), mask_1))
#> created inside fork_rng, same mask: True
# --8<-- [end:dropout_masks]


# --8<-- [start:data_order]
data = torch.arange(8)


def two_epochs(loader_seed, shuffle=True):
    gen = torch.Generator().manual_seed(loader_seed)
    loader = DataLoader(data, batch_size=4, shuffle=shuffle, generator=gen)
    return [torch.cat(list(loader)).tolist() for _ in range(2)]


print(two_epochs(42))  # a new order each epoch
#> [[4, 6, 2, 3, 0, 7, 1, 5], [7, 4, 3, 1, 5, 0, 2, 6]]
print("rebuilt loader, same orders:", two_epochs(42) == two_epochs(42))
#> rebuilt loader, same orders: True
# One order, kept for every epoch: draw the permutation once and pass it as the sampler.
order = torch.randperm(8, generator=torch.Generator().manual_seed(42)).tolist()
fixed = DataLoader(data, batch_size=4, sampler=order)
print([torch.cat(list(fixed)).tolist() for _ in range(2)])
#> [[6, 3, 0, 7, 2, 1, 4, 5], [6, 3, 0, 7, 2, 1, 4, 5]]
# With its own generator, the order does not depend on the global seed.
torch.manual_seed(1)
under_seed_1 = two_epochs(42)
torch.manual_seed(0)
print("other global seed, same orders:", under_seed_1 == two_epochs(42))
#> other global seed, same orders: True

# Without one, the order comes from the global generator: a layer created first moves it.
def one_epoch_without_generator():
    return torch.cat(list(DataLoader(data, batch_size=4, shuffle=True))).tolist()


torch.manual_seed(0)
plain = one_epoch_without_generator()
torch.manual_seed(0)
torch.nn.Linear(4, 4)
print("no generator, a layer created first, same order:", plain == one_epoch_without_generator())
#> no generator, a layer created first, same order: False
# --8<-- [end:data_order]


# --8<-- [start:op_determinism]
torch.use_deterministic_algorithms(True)  # until you turn it off again
print(torch.are_deterministic_algorithms_enabled())
#> True

# An op with no deterministic implementation raises, on the CPU as well.
try:
    torch.zeros(4).put_(torch.tensor([0, 2]), torch.tensor([1.0, 2.0]))
except RuntimeError as error:
    print(str(error).split(",")[0])
    #> put_ does not have a deterministic implementation

# Weighted bincount raises on a CUDA tensor under determinism; on the CPU it runs.
ids = torch.tensor([0, 1, 1, 3])
counts = torch.bincount(ids).numpy()
weighted_counts = torch.bincount(ids, weights=torch.tensor([0.5, 0.25, 0.25, 1.0])).numpy()
print(counts, weighted_counts)
#> [1 2 0 1] [0.5 0.5 0.  1. ]

# Uninitialised memory is filled (NaN for floats) so that it cannot differ run to run.
print(torch.empty(3))
#> tensor([nan, nan, nan])
# --8<-- [end:op_determinism]


# --8<-- [start:across_frameworks]
torch.manual_seed(0)
print("seed 0, PyTorch:", torch.rand(3).numpy().round(4))
#> seed 0, PyTorch: [0.4963 0.7682 0.0885]

# Numbers made once with NumPy and given to both frameworks are the same numbers.
rng = np.random.default_rng(0)
inputs = rng.normal(size=(4, 3)).astype(np.float32)
kernel = rng.normal(size=(3, 2)).astype(np.float32)  # Keras's layout: (inputs, outputs)
dense = torch.nn.Linear(3, 2)
with torch.no_grad():
    dense.weight.copy_(torch.from_numpy(kernel.T))  # nn.Linear stores (outputs, inputs)
    dense.bias.zero_()
    shared_output = torch.tanh(dense(torch.from_numpy(inputs))).numpy()
print(shared_output.round(4))
#> [[-0.4433 -0.1326]
#>  [ 0.2229  0.2495]
#>  [-0.9991 -0.6389]
#>  [ 0.9988  0.617 ]]
# --8<-- [end:across_frameworks]


# --8<-- [start:run_twice]
features = np.random.default_rng(1).normal(size=(64, 4)).astype(np.float32)
targets = np.sin(features).sum(axis=1, keepdims=True)
dataset = torch.utils.data.TensorDataset(torch.from_numpy(features), torch.from_numpy(targets))


def train(seed):
    torch.manual_seed(seed)  # initial weights and dropout masks
    model = torch.nn.Sequential(
        torch.nn.Linear(4, 16),
        torch.nn.ReLU(),
        torch.nn.Dropout(0.2),
        torch.nn.Linear(16, 1),
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    order = torch.Generator().manual_seed(seed)  # data order
    loader = DataLoader(dataset, batch_size=16, shuffle=True, generator=order)
    losses = []
    for _ in range(3):
        total = 0.0
        for x, y in loader:
            optimizer.zero_grad()
            loss = torch.nn.functional.mse_loss(model(x), y)
            loss.backward()
            optimizer.step()
            total += loss.item()
        losses.append(total / len(loader))
    return losses, [p.detach().clone() for p in model.parameters()]


losses_1, weights_1 = train(seed=0)
losses_2, weights_2 = train(seed=0)
print([round(loss, 4) for loss in losses_1])
#> [0.9408, 0.5984, 0.5021]
print("run twice, identical weights:", all(map(torch.equal, weights_1, weights_2)))
#> run twice, identical weights: True
# --8<-- [end:run_twice]
