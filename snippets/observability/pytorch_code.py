"""Observability in PyTorch 2.13: TensorBoard from torch.utils.tensorboard, and torch.profiler."""

# --8<-- [start:setup]
import collections
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import warnings
from importlib import metadata

import numpy as np
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from torch.profiler import ProfilerActivity, profile, record_function
from torch.utils.tensorboard import SummaryWriter  # needs the `tensorboard` package

# The same data and starting weights as the TensorFlow tab: a linear model, full-batch SGD.
rng = np.random.default_rng(0)
features = torch.from_numpy(rng.normal(size=(32, 3)).astype(np.float32))
targets = features @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.3
EPOCHS, LEARNING_RATE = 5, 0.1
logdir = tempfile.TemporaryDirectory()


def make_model():
    model = torch.nn.Linear(3, 1)
    torch.nn.init.zeros_(model.weight)
    torch.nn.init.zeros_(model.bias)
    return model, torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
# --8<-- [end:setup]


# --8<-- [start:log_training_metrics]
model, optimizer = make_model()
with SummaryWriter(os.path.join(logdir.name, "fit", "train")) as writer:  # one directory per run
    for epoch in range(EPOCHS):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(features), targets)
        loss.backward()
        optimizer.step()
        writer.add_scalar("epoch_loss", loss.item(), epoch)  # what Keras's callback logs
        writer.add_histogram("dense/kernel", model.weight, epoch)
print(sorted(os.listdir(os.path.join(logdir.name, "fit"))))
#> ['train']
# --8<-- [end:log_training_metrics]


# --8<-- [start:log_custom_summaries]
with SummaryWriter(os.path.join(logdir.name, "custom")) as writer:
    writer.add_scalar("learning_rate", LEARNING_RATE, 0)
    writer.add_histogram("kernel", model.weight, EPOCHS)
    writer.add_text("note", "32 synthetic rows, full-batch SGD", 0)
event_file = os.path.basename(glob.glob(os.path.join(logdir.name, "custom", "*"))[0])
print(event_file.split(".")[:3])  # then a timestamp, the host name and a process id
#> ['events', 'out', 'tfevents']
# The same file format as TensorFlow's. PyTorch does not install tensorboard either, and
# tensorboard does not require TensorFlow:
print("torch requires tensorboard:", any(r.startswith("tensorboard") for r in metadata.requires("torch")))
#> torch requires tensorboard: False
requirements = sorted(re.split("[<>=~ ;]", r)[0] for r in metadata.requires("tensorboard"))
print(textwrap.fill(", ".join(requirements), width=100))
#> absl-py, grpcio, markdown, numpy, packaging, pillow, protobuf, setuptools, tensorboard-data-server,
#> werkzeug
# add_graph records the graph with TorchScript's tracer, torch.jit.trace, which is deprecated:
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    with SummaryWriter(os.path.join(logdir.name, "graph")) as writer:
        writer.add_graph(model, features)
print(textwrap.fill(next(str(w.message) for w in caught if "jit.trace" in str(w.message)), width=100))
#> `torch.jit.trace` is deprecated. Please switch to `torch.compile` or `torch.export`.
# --8<-- [end:log_custom_summaries]


# --8<-- [start:read_event_files]
run = EventAccumulator(os.path.join(logdir.name, "fit", "train"))
run.Reload()  # parse the event files written so far
print(run.Tags()["scalars"], run.Tags()["histograms"])  # SummaryWriter writes classic scalars
#> ['epoch_loss'] ['dense/kernel']
logged_losses = np.array([e.value for e in run.Scalars("epoch_loss")])
print([e.step for e in run.Scalars("epoch_loss")], logged_losses.round(4))
#> [0, 1, 2, 3, 4] [4.178  2.8963 2.0333 1.4434 1.0346]

custom = EventAccumulator(os.path.join(logdir.name, "custom"))
custom.Reload()
print(custom.Tags()["scalars"], custom.Tags()["histograms"], custom.Tags()["tensors"])
#> ['learning_rate'] ['kernel'] ['note/text_summary']
histogram = custom.Histograms("kernel")[0].histogram_value
print("histogram buckets:", len(histogram.bucket), "| values counted:", int(histogram.num))
#> histogram buckets: 580 | values counted: 3
print(custom.Tensors("note/text_summary")[0].tensor_proto.string_val[0].decode())
#> 32 synthetic rows, full-batch SGD
# --8<-- [end:read_event_files]


# --8<-- [start:profile_a_training_step]
profiled, optimizer = make_model()


def train_step():
    optimizer.zero_grad()
    torch.nn.functional.mse_loss(profiled(features), targets).backward()
    optimizer.step()


train_step()  # warm up outside the profile
with profile(activities=[ProfilerActivity.CPU]) as prof:
    for _ in range(3):
        with record_function("train"):  # a named region, like tf.profiler's Trace
            train_step()

counts = {event.key: event.count for event in prof.key_averages()}  # aggregated by name
print("train regions:", counts["train"])
#> train regions: 3
aten_ops = sorted(f"{name}({n})" for name, n in counts.items() if name.startswith("aten::"))
print(textwrap.fill(", ".join(aten_ops), width=100))  # every ATen call, views included
#> aten::_to_copy(3), aten::add_(6), aten::addmm(3), aten::as_strided(18), aten::broadcast_tensors(3),
#> aten::copy_(6), aten::detach(6), aten::div_(3), aten::empty(6), aten::empty_like(6),
#> aten::empty_strided(6), aten::expand(3), aten::fill_(9), aten::linear(3), aten::mean(3),
#> aten::mm(3), aten::mse_loss(3), aten::mse_loss_backward(6), aten::ones_like(3), aten::resize_(3),
#> aten::resolve_conj(12), aten::sum(6), aten::t(12), aten::to(3), aten::transpose(12), aten::view(3),
#> aten::zero_(3), aten::zeros_like(3)
matmuls_per_step = sum(counts.get(op, 0) for op in ("aten::addmm", "aten::mm")) / 3
print("matrix multiplications per step:", matmuls_per_step)
#> matrix multiplications per step: 2.0
prof.export_chrome_trace(os.path.join(logdir.name, "trace.json"))  # for Perfetto or chrome://tracing
# --8<-- [end:profile_a_training_step]


# --8<-- [start:profile_memory]
# A wider model, so that its activations stand out: 256 rows, 64 inputs, 256 hidden units.
rng = np.random.default_rng(1)
wide_x = torch.from_numpy(rng.normal(size=(256, 64)).astype(np.float32))
wide_y = torch.from_numpy(rng.normal(size=(256, 1)).astype(np.float32))
wide = torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.ReLU(), torch.nn.Linear(256, 1))
wide_optimizer = torch.optim.SGD(wide.parameters(), lr=0.01)


def wide_step():
    wide_optimizer.zero_grad()
    torch.nn.functional.mse_loss(wide(wide_x), wide_y).backward()
    wide_optimizer.step()


wide_step()  # warm up outside the profile
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # about a block allocated before profiling started
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        wide_step()

# key_averages().table(sort_by="self_cpu_memory_usage") prints this with timings; here the
# memory columns only: bytes allocated by each op itself, summed over its calls.
by_memory = sorted(prof.key_averages(), key=lambda e: e.self_cpu_memory_usage, reverse=True)
for event in by_memory[:5]:
    print(f"{event.key:26} {event.self_cpu_memory_usage:7} bytes in {event.count} call(s)")
    #> aten::mm                    328704 bytes in 3 call(s)
    #> aten::addmm                 263168 bytes in 2 call(s)
    #> aten::clamp_min             262144 bytes in 1 call(s)
    #> aten::threshold_backward    262144 bytes in 1 call(s)
    #> aten::empty                   2048 bytes in 2 call(s)
largest_allocation = max(e.cpu_memory_usage for e in prof.events() if e.name.startswith("aten::"))
print("largest single op allocation:", largest_allocation, "bytes")
#> largest single op allocation: 262144 bytes
print("CUDA memory snapshots available:", torch.cuda.is_available())  # torch.cuda.memory: GPU only
#> CUDA memory snapshots available: False
# --8<-- [end:profile_memory]


# --8<-- [start:compiler_logs]
# TORCH_LOGS and TORCH_TRACE are read when torch is imported: set them for a fresh process.
program = """
import torch

@torch.compile(backend="eager")  # TorchDynamo only, no code generation: cheap
def scaled_relu(x):
    return torch.relu(x) * 2

scaled_relu(torch.ones(3))
scaled_relu(torch.ones(3, 4))  # a tensor of another rank: compiles again
"""
trace_dir = os.path.join(logdir.name, "torch_trace")
env = os.environ | {"TORCH_LOGS": "recompiles", "TORCH_TRACE": trace_dir}
run = subprocess.run([sys.executable, "-c", program], env=env, capture_output=True, text=True, check=True)
for line in run.stderr.splitlines():  # TORCH_LOGS writes to stderr, one logger per name
    if "[__recompiles]" in line:
        print(re.sub(r"\d+/\d+: ", "", line.split("[__recompiles] ")[1]))  # drop frame ids
        #> Recompiling function scaled_relu in <string>:4
        #>     triggered by the following guard failure(s):
        #>     - tensor 'x' rank mismatch. expected 1, actual 2

# TORCH_TRACE: one log file per process, a JSON record per line (payloads on tab-indented lines);
# this is what tlparse turns into an HTML report.
(trace_file,) = glob.glob(os.path.join(trace_dir, "*.log"))
kinds = collections.Counter(
    next(iter(json.loads(line[line.index("{") :])))
    for line in open(trace_file)
    if not line.startswith("\t")
)
for kind in ("dynamo_start", "dynamo_output_graph", "dynamo_cpp_guards_str", "compilation_metrics"):
    print(f"{kind:22} {kinds[kind]}")
    #> dynamo_start           2
    #> dynamo_output_graph    2
    #> dynamo_cpp_guards_str  2
    #> compilation_metrics    2
compilations = kinds["dynamo_start"]
# --8<-- [end:compiler_logs]
