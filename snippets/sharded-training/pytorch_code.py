"""Sharded training in PyTorch 2.13: FSDP2, DTensor and distributed checkpoints over gloo."""

# --8<-- [start:setup]
import contextlib
import datetime
import os
import socket
import tempfile
import time

import numpy as np
import torch
import torch._dynamo  # noqa: F401  DDP and torch.compile import it; importing it before forking saves each worker ~4 s
import torch.distributed as dist
import torch.distributed.checkpoint as dcp
import torch.multiprocessing as mp
from torch.distributed.checkpoint.state_dict import get_model_state_dict
from torch.distributed.device_mesh import init_device_mesh
from torch.distributed.fsdp import fully_shard
from torch.distributed.tensor import Replicate, Shard, distribute_tensor
from torch.nn.parallel import DistributedDataParallel as DDP

# The same data and starting weights as the TensorFlow tab: a 4 -> 8 -> 1 network, 8 examples.
rng = np.random.default_rng(0)
features = rng.normal(size=(8, 4)).astype(np.float32)
targets = rng.normal(size=(8, 1)).astype(np.float32)
kernel1, kernel2 = rng.normal(size=(4, 8)).astype(np.float32), rng.normal(size=(8, 1)).astype(np.float32)
bias1, bias2 = rng.normal(size=8).astype(np.float32), np.zeros(1, np.float32)
LEARNING_RATE, WORLD_SIZE = 0.1, 2


def make_model():
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    with torch.no_grad():  # torch stores Linear weights as (out, in): the transposed kernels
        for layer, kernel, bias in ((model[0], kernel1, bias1), (model[2], kernel2, bias2)):
            layer.weight.copy_(torch.from_numpy(kernel.T))
            layer.bias.copy_(torch.from_numpy(bias))
    return model


def flat_weights(state):  # in the order of the TensorFlow tab: kernel1, bias1, kernel2, bias2
    parts = [state["0.weight"].T, state["0.bias"], state["2.weight"].T, state["2.bias"]]
    return np.concatenate([np.asarray(p).ravel() for p in parts])


def sgd_step(model, optimizer, x, y):
    optimizer.zero_grad()
    torch.nn.functional.mse_loss(model(torch.from_numpy(x)), torch.from_numpy(y)).backward()
    optimizer.step()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def process_group(rank, world_size):
    dist.init_process_group(
        "gloo", rank=rank, world_size=world_size, timeout=datetime.timedelta(seconds=30)
    )
    try:
        yield init_device_mesh("cpu", (world_size,))  # a 1-D mesh of the two processes
    finally:
        dist.destroy_process_group()


def _run_and_report(rank, fn, world_size, results):
    results.put((rank, fn(rank, world_size)))


def launch(fn, world_size=WORLD_SIZE, seconds=60):
    """Run fn(rank, world_size) in forked processes (see the data-parallel page); results by rank."""
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(free_port()))
    results = mp.get_context("fork").SimpleQueue()
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
        for process in context.processes:
            if process.is_alive():
                process.kill()
    return [value for _, value in sorted(results.get() for _ in range(world_size))]
# --8<-- [end:setup]


# --8<-- [start:single_process_reference]
# One process, the whole batch of 8, one SGD step: what the sharded step must reproduce.
model = make_model()
sgd_step(model, torch.optim.SGD(model.parameters(), lr=LEARNING_RATE), features, targets)
reference_weights = flat_weights(model.state_dict())
print(reference_weights[:4].round(4), "...", reference_weights[-2:].round(4))
#> [-1.2393  1.5264  1.3522  0.7829] ... [ 1.604  -0.4406]
# --8<-- [end:single_process_reference]


# --8<-- [start:sharded_parameters]
def shard_shapes(rank, world_size):
    with process_group(rank, world_size) as mesh:
        model = make_model()
        fully_shard(model[0], mesh=mesh)  # each Linear its own unit: gathered just before use
        fully_shard(model[2], mesh=mesh)
        fully_shard(model, mesh=mesh)  # the root: whatever parameters are left
        # Every parameter is now a DTensor: the global shape, and this rank's piece of it.
        return {
            name: (tuple(p.shape), tuple(p.to_local().shape), p.placements)
            for name, p in model.named_parameters()
        }


for rank, shapes in enumerate(launch(shard_shapes)):
    for name, (global_shape, local_shape, placements) in shapes.items():
        print(f"rank {rank} {name:8} global {global_shape!s:7} local {local_shape!s:7} {placements}")
        #> rank 0 0.weight global (8, 4)  local (4, 4)  (Shard(dim=0),)
        #> rank 0 0.bias   global (8,)    local (4,)    (Shard(dim=0),)
        #> rank 0 2.weight global (1, 8)  local (1, 8)  (Shard(dim=0),)
        #> rank 0 2.bias   global (1,)    local (1,)    (Shard(dim=0),)
        #> rank 1 0.weight global (8, 4)  local (4, 4)  (Shard(dim=0),)
        #> rank 1 0.bias   global (8,)    local (4,)    (Shard(dim=0),)
        #> rank 1 2.weight global (1, 8)  local (0, 8)  (Shard(dim=0),)
        #> rank 1 2.bias   global (1,)    local (0,)    (Shard(dim=0),)
# --8<-- [end:sharded_parameters]


# --8<-- [start:one_sharded_step]
def sharded_step(rank, world_size):
    with process_group(rank, world_size) as mesh:
        model = make_model()
        for module in (model[0], model[2], model):
            fully_shard(module, mesh=mesh)
        optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)  # on the local shards
        half = len(features) // world_size  # each rank trains on its half of the batch
        rows = slice(rank * half, (rank + 1) * half)
        sgd_step(model, optimizer, features[rows], targets[rows])
        # full_tensor() all-gathers a sharded parameter; every rank gets the whole value.
        full = {name: p.full_tensor().detach().numpy() for name, p in model.named_parameters()}
        dcp.save(get_model_state_dict(model), checkpoint_id=CHECKPOINT)  # used further down
    return flat_weights(full)


CHECKPOINT = os.path.join(tempfile.mkdtemp(), "sharded-step")
rank0_weights, rank1_weights = launch(sharded_step)
sharded_step_weights = rank0_weights
print(sharded_step_weights[:4].round(4), "...", sharded_step_weights[-2:].round(4))
#> [-1.2393  1.5264  1.3522  0.7829] ... [ 1.604  -0.4406]
print("ranks agree:", np.array_equal(rank0_weights, rank1_weights))
#> ranks agree: True
difference = float(np.abs(sharded_step_weights - reference_weights).max())
print("max difference from single process < 1e-6:", difference < 1e-6)
#> max difference from single process < 1e-6: True
# --8<-- [end:one_sharded_step]


# --8<-- [start:dtensor]
def dtensor_demo(rank, world_size):
    with process_group(rank, world_size) as mesh:
        matrix = torch.arange(12.0).reshape(4, 3)  # every rank passes the same full tensor
        sharded = distribute_tensor(matrix, mesh, [Shard(0)])  # rank r keeps rows 2r, 2r+1
        # Operators run on the local shards; a sum across the sharded rows leaves each rank a
        # partial sum (placement Partial), reduced only when asked (full_tensor: an all-reduce).
        column_sums = sharded.sum(dim=0)
        gathered = sharded.redistribute(mesh, [Replicate()])  # an all-gather: every rank has all
        return (
            sharded.to_local().tolist(), column_sums.placements,
            column_sums.full_tensor().numpy(), tuple(gathered.to_local().shape),
        )


for rank, (local_rows, placements, sums, gathered_shape) in enumerate(launch(dtensor_demo)):
    print(f"rank {rank} holds {local_rows}")
    #> rank 0 holds [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    #> rank 1 holds [[6.0, 7.0, 8.0], [9.0, 10.0, 11.0]]
    print(f"  sums {placements} -> {sums}; replicated local shape {gathered_shape}")
    #>   sums (Partial(sum),) -> [18. 22. 26.]; replicated local shape (4, 3)
    #>   sums (Partial(sum),) -> [18. 22. 26.]; replicated local shape (4, 3)
column_sums = sums
# --8<-- [end:dtensor]


# --8<-- [start:distributed_checkpoints]
# Each rank wrote its own shards (sharded_step above): one file per rank plus the metadata.
print(sorted(os.listdir(CHECKPOINT)))
#> ['.metadata', '__0_0.distcp', '__1_0.distcp']

# Load on ONE process, with no process group, into a plain (unsharded) model: DCP reads the
# shards each parameter needs, whatever the number of ranks that saved them.
single = make_model()
state = single.state_dict()  # load in place into these tensors
with torch.no_grad():
    for tensor in state.values():
        tensor.zero_()
dcp.load(state, checkpoint_id=CHECKPOINT, no_dist=True)
single.load_state_dict(state)
restored_weights = flat_weights(single.state_dict())
print("restored == trained on two ranks:", np.array_equal(restored_weights, sharded_step_weights))
#> restored == trained on two ranks: True
# --8<-- [end:distributed_checkpoints]


# --8<-- [start:asynchronous_saving]
def save_then_keep_training(rank, world_size):
    with process_group(rank, world_size) as mesh:
        model = make_model()
        for module in (model[0], model[2], model):
            fully_shard(module, mesh=mesh)
        optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
        half = len(features) // world_size
        rows = slice(rank * half, (rank + 1) * half)
        sgd_step(model, optimizer, features[rows], targets[rows])
        # async_save copies the state to CPU memory ("staging"), then writes it in a thread. That
        # thread talks to the other ranks too: give it its own process group, or its collectives
        # collide with training's (with gloo here, both ranks hung until the 30 s timeout).
        checkpoint_group = dist.new_group(backend="gloo")
        future = dcp.async_save(
            get_model_state_dict(model), checkpoint_id=ASYNC_CHECKPOINT, process_group=checkpoint_group
        )
        sgd_step(model, optimizer, features[rows], targets[rows])  # training goes on meanwhile
        future.result()  # wait before the next save, and before exiting
        return type(future).__name__


ASYNC_CHECKPOINT = os.path.join(tempfile.mkdtemp(), "async")
print(launch(save_then_keep_training))
#> ['Future', 'Future']
state = make_model().state_dict()
dcp.load(state, checkpoint_id=ASYNC_CHECKPOINT, no_dist=True)
async_saved_weights = flat_weights(state)
print("weights at the save, not the later step:", np.array_equal(async_saved_weights, sharded_step_weights))
#> weights at the save, not the later step: True
# --8<-- [end:asynchronous_saving]


# --8<-- [start:compiled_data_parallel]
def compiled_ddp_step(rank, world_size):
    with process_group(rank, world_size):
        ddp_model = DDP(make_model())
        # Compile the DDP-wrapped model. aot_eager traces forward and backward graphs without
        # generating code (cheap on CPU); the default, Inductor, also generates kernels.
        compiled = torch.compile(ddp_model, backend="aot_eager")
        optimizer = torch.optim.SGD(ddp_model.parameters(), lr=LEARNING_RATE)
        half = len(features) // world_size
        rows = slice(rank * half, (rank + 1) * half)
        sgd_step(compiled, optimizer, features[rows], targets[rows])
        weights = flat_weights(ddp_model.module.state_dict())
        del compiled, ddp_model, optimizer  # free DDP before its process group
    return weights


print("TorchDynamo splits the graph for DDP (optimize_ddp):", torch._dynamo.config.optimize_ddp)
#> TorchDynamo splits the graph for DDP (optimize_ddp): True
rank0_weights, rank1_weights = launch(compiled_ddp_step)
compiled_data_parallel_weights = rank0_weights
print("ranks agree:", np.array_equal(rank0_weights, rank1_weights))
#> ranks agree: True
difference = float(np.abs(compiled_data_parallel_weights - reference_weights).max())
print("max difference from single process < 1e-6:", difference < 1e-6)
#> max difference from single process < 1e-6: True
# --8<-- [end:compiled_data_parallel]


# --8<-- [start:start_methods]
print("start methods here:", mp.get_all_start_methods())
#> start methods here: ['fork', 'spawn', 'forkserver']
print("Python's default on this platform:", mp.get_start_method())
#> Python's default on this platform: fork
print("CUDA initialised in this process:", torch.cuda.is_initialized())
#> CUDA initialised in this process: False
# --8<-- [end:start_methods]
