"""Distributed data-parallel training in PyTorch 2.13: DDP over gloo, two processes, one CPU."""

# --8<-- [start:setup]
import contextlib
import datetime
import os
import socket
import time

import numpy as np
import torch
import torch._dynamo  # noqa: F401  DDP imports it on first use; importing it before forking saves each worker ~4 s
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.distributed.launcher.api import LaunchConfig, elastic_launch
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

# The same data and starting weights as the TensorFlow tab: 16 examples, a linear model.
rng = np.random.default_rng(0)
features = rng.normal(size=(16, 3)).astype(np.float32)
targets = (features @ np.array([[1.0], [-2.0], [0.5]]) + 0.3).astype(np.float32)
initial_kernel = rng.normal(size=(3, 1)).astype(np.float32)
GLOBAL_BATCH, LEARNING_RATE, EPOCHS = 8, 0.1, 3


def make_model():
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    with torch.no_grad():
        model.weight.copy_(torch.from_numpy(initial_kernel.T))
        model.bias.zero_()
    return model


def flat_weights(model):
    return np.concatenate([model.weight.detach().numpy().ravel(), model.bias.detach().numpy()])


def flat_grads(model):
    return np.concatenate([model.weight.grad.numpy().ravel(), model.bias.grad.numpy()])
# --8<-- [end:setup]


# --8<-- [start:single_process_reference]
# One process, full global batches: the result distributed training must reproduce.
model = make_model()
optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
dataset = TensorDataset(torch.from_numpy(features), torch.from_numpy(targets))
for _ in range(EPOCHS):
    for x, y in DataLoader(dataset, batch_size=GLOBAL_BATCH):
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()
reference_weights = flat_weights(model)
print(reference_weights.round(4))
#> [ 0.9878 -0.3054  0.3736  0.2641]
# --8<-- [end:single_process_reference]


# --8<-- [start:two_replicas]
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def process_group(rank, world_size):
    # gloo: PyTorch's CPU backend (nccl is the GPU one); every wait is bounded by `timeout`.
    dist.init_process_group(
        "gloo", rank=rank, world_size=world_size, timeout=datetime.timedelta(seconds=30)
    )
    try:
        yield
    finally:
        dist.destroy_process_group()


def _run_and_report(rank, fn, world_size, results):
    results.put((rank, fn(rank, world_size)))


def launch(fn, world_size=2, seconds=60):
    """Run fn(rank, world_size) in world_size processes; return what each returned, by rank."""
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(free_port()))
    results = mp.get_context("fork").SimpleQueue()
    # "fork" lets workers be functions of this script; it is safe only while this process has
    # not initialised CUDA (forked workers cannot use it). With "spawn" (the default of
    # mp.spawn and torchrun, and the only choice on Windows) put the launch under
    # `if __name__ == "__main__":`, because every worker re-imports the script.
    context = mp.start_processes(
        _run_and_report, args=(fn, world_size, results), nprocs=world_size,
        start_method="fork", join=False,
    )
    deadline = time.monotonic() + seconds
    try:
        while not context.join(timeout=1):  # raises if a worker failed
            if time.monotonic() > deadline:
                raise TimeoutError(f"workers still running after {seconds} s")
    finally:
        for process in context.processes:  # never leave a worker behind
            if process.is_alive():
                process.kill()
    gathered = sorted(results.get() for _ in range(world_size))
    return [value for _, value in gathered]


def hello(rank, world_size):
    with process_group(rank, world_size):
        total = torch.tensor([float(rank)])
        dist.all_reduce(total)  # sum over processes: 0 + 1
        return dist.get_backend(), dist.get_world_size(), total.item()


# Only this (main) process prints; the workers return what they saw through a queue.
for rank, seen in enumerate(launch(hello)):
    print("rank", rank, "(backend, world size, all_reduce(rank)):", seen)
    #> rank 0 (backend, world size, all_reduce(rank)): ('gloo', 2, 1.0)
    #> rank 1 (backend, world size, all_reduce(rank)): ('gloo', 2, 1.0)
# --8<-- [end:two_replicas]


# --8<-- [start:gradients_are_averaged]
def first_step_gradients(rank, world_size):
    with process_group(rank, world_size):
        ddp_model = DDP(make_model())
        half = GLOBAL_BATCH // world_size  # this rank's share of the first global batch
        x = torch.from_numpy(features[rank * half : (rank + 1) * half])
        y = torch.from_numpy(targets[rank * half : (rank + 1) * half])
        with ddp_model.no_sync():  # backward without communication: this rank's own gradient
            torch.nn.functional.mse_loss(ddp_model(x), y).backward()
        local = flat_grads(ddp_model.module)
        ddp_model.zero_grad()
        torch.nn.functional.mse_loss(ddp_model(x), y).backward()  # DDP all-reduces, averaging
        synced = flat_grads(ddp_model.module)
        del ddp_model  # free DDP before its process group: see "Shutting down cleanly"
    return local, synced


per_rank = launch(first_step_gradients)
for rank, (local, synced) in enumerate(per_rank):
    print(f"rank {rank} gradient {local.round(4)}  after DDP {synced.round(4)}")
    #> rank 0 gradient [ 4.5882  3.538  -2.075  -1.0865]  after DDP [ 4.2165  3.4335 -0.2246 -1.3715]
    #> rank 1 gradient [ 3.8447  3.329   1.6258 -1.6566]  after DDP [ 4.2165  3.4335 -0.2246 -1.3715]
synced_gradient = per_rank[0][1]
print("mean of the ranks' gradients:", np.allclose(synced_gradient, (per_rank[0][0] + per_rank[1][0]) / 2))
#> mean of the ranks' gradients: True

full_batch = make_model()  # the single-process gradient on the whole first global batch
x, y = torch.from_numpy(features[:GLOBAL_BATCH]), torch.from_numpy(targets[:GLOBAL_BATCH])
torch.nn.functional.mse_loss(full_batch(x), y).backward()
print("equal to the full-batch gradient:", np.allclose(synced_gradient, flat_grads(full_batch)))
#> equal to the full-batch gradient: True
# --8<-- [end:gradients_are_averaged]


# --8<-- [start:same_weights_as_single_process]
def train(rank, world_size):
    with process_group(rank, world_size):
        ddp_model = DDP(make_model())  # also broadcasts rank 0's weights to every rank
        optimizer = torch.optim.SGD(ddp_model.parameters(), lr=LEARNING_RATE)
        # Each rank reads its share of every global batch (indices rank, rank + world_size, ...).
        sampler = DistributedSampler(dataset, shuffle=False)
        loader = DataLoader(dataset, batch_size=GLOBAL_BATCH // world_size, sampler=sampler)
        for epoch in range(EPOCHS):
            sampler.set_epoch(epoch)  # with shuffle=True: a new permutation, the same on all ranks
            for x, y in loader:
                optimizer.zero_grad()
                torch.nn.functional.mse_loss(ddp_model(x), y).backward()
                optimizer.step()
        weights = flat_weights(ddp_model.module)
        del ddp_model, optimizer  # free DDP before its process group: see "Shutting down cleanly"
    return weights


rank0_weights, rank1_weights = launch(train)
distributed_weights = rank0_weights
print(distributed_weights.round(4))
#> [ 0.9878 -0.3054  0.3736  0.2641]
print("ranks agree:", np.array_equal(rank0_weights, rank1_weights))
#> ranks agree: True
difference = float(np.abs(distributed_weights - reference_weights).max())
print("max difference from single process < 1e-6:", difference < 1e-6)
#> max difference from single process < 1e-6: True
# --8<-- [end:same_weights_as_single_process]


# --8<-- [start:multi_worker]
def train_from_environment():
    # torchrun's agent sets RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT for each worker.
    return train(int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]))


# What `torchrun --nnodes=1 --nproc-per-node=2` runs; on N machines, nnodes=N and a shared
# rendezvous endpoint are the only changes.
config = LaunchConfig(
    min_nodes=1, max_nodes=1, nproc_per_node=2, run_id="demo",
    rdzv_backend="c10d", rdzv_endpoint=f"127.0.0.1:{free_port()}", rdzv_configs={"timeout": 30},
    max_restarts=0, monitor_interval=0.1, start_method="fork",
)
by_rank = elastic_launch(config, train_from_environment)()  # {rank: return value}
multi_worker_weights = by_rank[0]
print(sorted(by_rank), multi_worker_weights.round(4))
#> [0, 1] [ 0.9878 -0.3054  0.3736  0.2641]
print("workers agree:", np.array_equal(by_rank[0], by_rank[1]))
#> workers agree: True
difference = float(np.abs(multi_worker_weights - reference_weights).max())
print("max difference from single process < 1e-6:", difference < 1e-6)
#> max difference from single process < 1e-6: True
# --8<-- [end:multi_worker]
