"""Compiling in PyTorch 2.13: a whole training step, graph breaks and recompiles, modes."""

# --8<-- [start:setup]
import logging
import re
import warnings

import numpy as np
import torch
from functorch.compile import make_boxed_func
from torch._dynamo.backends.common import aot_autograd

torch.manual_seed(0)
rng = np.random.default_rng(0)  # the same data and starting weights as the TensorFlow tab
features = rng.standard_normal((8, 4)).astype("float32")
targets = rng.standard_normal((8, 1)).astype("float32")
initial_kernel = (rng.standard_normal((4, 1)) * 0.5).astype("float32")
X, Y = torch.from_numpy(features), torch.from_numpy(targets)
# --8<-- [end:setup]


# --8<-- [start:compile_a_training_step]
def make_model():
    model = torch.nn.Linear(4, 1)
    with torch.no_grad():  # nn.Linear stores its weight as (out, in): the Keras kernel transposed
        model.weight.copy_(torch.from_numpy(initial_kernel.T))
        model.bias.zero_()
    return model


model = make_model()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)


def train_step(x, y):  # forward, backward and update: the whole step
    optimizer.zero_grad()
    loss = torch.nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
    return loss


# A backend that counts what it receives: the graphs TorchDynamo captures, and the forward and
# backward graphs AOTAutograd derives from them (then run as they are, like backend="aot_eager").
dynamo_graphs, forward_graphs, backward_graphs = [], [], []


def keep(graphs):
    return lambda gm, example_inputs: graphs.append(gm) or make_boxed_func(gm.forward)


counting_aot = aot_autograd(fw_compiler=keep(forward_graphs), bw_compiler=keep(backward_graphs))


def counting_backend(gm, example_inputs):
    dynamo_graphs.append(gm)
    return counting_aot(gm, example_inputs)


compiled_step = torch.compile(train_step, backend=counting_backend)
for _ in range(5):
    loss = compiled_step(X, Y)
print(loss.grad_fn.name())  # the backward of the loss is AOTAutograd's compiled backward
#> CompiledFunctionBackward
print("TorchDynamo graphs:", len(dynamo_graphs))
#> TorchDynamo graphs: 2
print("AOTAutograd forward graphs:", len(forward_graphs), "| backward graphs:", len(backward_graphs))
#> AOTAutograd forward graphs: 2 | backward graphs: 1
for graph in dynamo_graphs:  # the forward and loss; then the SGD update, once `backward()` has run
    calls = [node for node in graph.graph.nodes if node.op in ("call_function", "call_method")]
    print([str(node.target).split(" at ")[0] for node in calls])
    #> ['<built-in function linear>', '<function mse_loss']
    #> ['add_', 'add_']
print([str(node.target) for node in backward_graphs[0].graph.nodes if node.op == "call_function"][:3])
#> ['aten.mse_loss_backward.default', 'aten.t.default', 'aten.mm.default']
trained_kernel = model.weight.detach().numpy().T.ravel().copy()
print(trained_kernel)
#> [-0.42109057  0.5425523   0.1631814  -0.09438014]

# The same five steps with backend="aot_eager" (AOTAutograd, no code generation), then eagerly.
model = make_model()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
aot_eager_step = torch.compile(train_step, backend="aot_eager")
for _ in range(5):
    aot_eager_step(X, Y)
aot_eager_kernel = model.weight.detach().numpy().T.ravel().copy()
model = make_model()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for _ in range(5):
    train_step(X, Y)
eager_kernel = model.weight.detach().numpy().T.ravel().copy()
same_as_eager = bool(np.abs(eager_kernel - trained_kernel).max() < 1e-6)
print({"aot_eager": np.array_equal(aot_eager_kernel, trained_kernel), "eager": same_as_eager})
#> {'aot_eager': True, 'eager': True}
# --8<-- [end:compile_a_training_step]


# --8<-- [start:graph_breaks_and_recompiles]
# torch._dynamo.explain runs the function once under TorchDynamo and reports what it captured.
model = make_model()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
explanation = torch._dynamo.explain(train_step)(X, Y)
print("graphs:", explanation.graph_count, "| graph breaks:", explanation.graph_break_count)
#> graphs: 2 | graph breaks: 1
print(explanation.break_reasons[0].reason.splitlines()[0])
#> Unsupported Tensor.backward() call


def scale_to_unit_max(v):
    largest = v.abs().max().item()  # a Python float: TorchDynamo does not capture .item() by default
    return v / largest


# The same switches as TORCH_LOGS=graph_breaks,recompiles in the environment; records collected here.
records = []
collector = logging.Handler()
collector.emit = records.append
logging.getLogger("torch._dynamo").addHandler(collector)
torch._logging.set_logs(graph_breaks=True, recompiles=True)
scale_compiled = torch.compile(scale_to_unit_max, backend="eager")
scale_compiled(torch.tensor([1.0, -4.0, 2.0]))
scale_compiled(torch.tensor([[1.0, -4.0], [2.0, 8.0]]))  # a new rank: the guards fail, it compiles again
torch._logging.set_logs()  # back to the defaults
logging.getLogger("torch._dynamo").removeHandler(collector)
logged = [record for record in records if record.name.endswith(("__graph_breaks", "__recompiles"))]
for record in logged:  # in the order they were logged
    lines = record.getMessage().splitlines()
    if record.name.endswith("__graph_breaks"):
        entry = "graph break: " + next(line for line in lines if line.startswith("Unsupported"))
    else:  # a recompile: the function, then each guard that failed
        function = re.sub(r"_at_\d+$", "", lines[0].split()[2])  # without its line number
        guards = [re.sub(r"^- \d+/\d+: ", "", line.strip()) for line in lines[2:]]  # without frame ids
        entry = f"recompiled {function}: " + "; ".join(guards)
    print(entry)
    #> graph break: Unsupported Tensor.item() call with capture_scalar_outputs=False
    #> recompiled scale_to_unit_max: tensor 'v' rank mismatch. expected 1, actual 2
    #> graph break: Unsupported Tensor.item() call with capture_scalar_outputs=False
    #> recompiled torch_dynamo_resume_in_scale_to_unit_max: tensor 'v' rank mismatch. expected 1, actual 2

# The hint names the fix: capture .item() as a symbolic value, and the function is one graph.
with torch._dynamo.config.patch(capture_scalar_outputs=True):
    explanation = torch._dynamo.explain(scale_to_unit_max)(torch.tensor([1.0, -4.0, 2.0]))
print("graphs:", explanation.graph_count, "| graph breaks:", explanation.graph_break_count)
#> graphs: 1 | graph breaks: 0
# --8<-- [end:graph_breaks_and_recompiles]


# --8<-- [start:compile_modes]
# Each mode is a set of Inductor options; torch._inductor.list_mode_options shows which.
for mode in ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs"):
    print(f"{mode}: {torch._inductor.list_mode_options(mode)}")
    #> default: {}
    #> reduce-overhead: {'triton.cudagraphs': True}
    #> max-autotune: {'max_autotune': True, 'triton.cudagraphs': True, 'coordinate_descent_tuning': True}
    #> max-autotune-no-cudagraphs: {'max_autotune': True, 'coordinate_descent_tuning': True}
# --8<-- [end:compile_modes]


# --8<-- [start:torchscript_to_export]
class ScaleToUnitMax(torch.nn.Module):
    def forward(self, v):
        return v / v.abs().max()


with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    scripted = torch.jit.script(ScaleToUnitMax())
    traced = torch.jit.trace(ScaleToUnitMax(), torch.ones(3))
messages = sorted({str(w.message) for w in caught})
for message in messages:
    print(message.split(" Please")[0])
    #> `torch.jit.script` is deprecated.
    #> `torch.jit.trace_method` is deprecated.
    #> `torch.jit.trace` is deprecated.
print({w.category.__name__ for w in caught}, "| each one ends:", messages[0].split(". ", 1)[1])
#> {'DeprecationWarning'} | each one ends: Please switch to `torch.compile` or `torch.export`.
exported = torch.export.export(ScaleToUnitMax(), (torch.ones(3),))  # the replacement: one whole ATen graph
print([str(node.target) for node in exported.graph.nodes if node.op == "call_function"])
#> ['aten.abs.default', 'aten.max.default', 'aten.div.Tensor']
v = torch.tensor([1.0, -4.0, 2.0])
print(exported.module()(v).numpy(), torch.equal(exported.module()(v), scripted(v)))
#> [ 0.25 -1.    0.5 ] True
# --8<-- [end:torchscript_to_export]
