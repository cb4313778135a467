"""Execution model in PyTorch 2.13: eager by default, compilers on request."""

# --8<-- [start:setup]
import logging
import re

import torch

torch.manual_seed(0)
x = torch.tensor([1.0, 2.0, 3.0])
# --8<-- [end:setup]

# --8<-- [start:eager_by_default]
# Each operation runs as soon as it is called and returns a concrete tensor.
print(torch.compiler.is_compiling())
#> False
y = x * 2 + 1
print(y.numpy())
#> [3. 5. 7.]
# A Python `if` on a tensor's value just works in eager mode.
if y.sum() > 10:
    print("sum is", float(y.sum()))
    #> sum is 15.0
# --8<-- [end:eager_by_default]


# --8<-- [start:compile_a_function]
def scaled_softplus(v):
    return torch.nn.functional.softplus(v) * 3.0


compiled_fn = torch.compile(scaled_softplus)  # captured and compiled on first call
eager_result = scaled_softplus(x)
compiled_result = compiled_fn(x)
print(type(compiled_fn).__name__)
#> function
print(compiled_result.numpy())
#> [3.939785  6.380784  9.1457615]
print(torch.allclose(eager_result, compiled_result))
#> True
# --8<-- [end:compile_a_function]


# --8<-- [start:python_side_effects]
graphs = []


def counting_backend(gm, example_inputs):
    # A torch.compile backend receives each captured FX graph; count them.
    graphs.append(gm)
    return gm.forward


calls = 0


@torch.compile(backend=counting_backend)
def double(v):
    global calls
    calls += 1  # Python state: read as a constant while tracing, guarded, written back
    print("print runs on every call:", v)  # cannot be traced: a graph break, run by Python
    #> print runs on every call: tensor([1., 2., 3.])
    #> print runs on every call: tensor([1., 2., 3.])
    #> print runs on every call: tensor([1., 2., 3.])
    return v * 2  # after the break: captured in a graph


for _ in range(3):
    double(x)
print("graphs captured:", len(graphs), "| the Python counter saw", calls, "calls")
#> graphs captured: 1 | the Python counter saw 3 calls
# The price: a guard on the counter's value fails on every call, so each call compiled again.
from torch._dynamo.eval_frame import _debug_get_cache_entry_list  # noqa: E402  (a debugging helper)

versions = _debug_get_cache_entry_list(double.__wrapped__.__code__)  # one per compilation
value_guards = [re.search(r"G\['calls'\] == \d+", str(version.guard_manager)) for version in versions]
print(len(versions), "compiled versions, guarded by", [m[0] if m else None for m in value_guards])
#> 3 compiled versions, guarded by ["G['calls'] == 2", "G['calls'] == 1", "G['calls'] == 0"]

# State that changes on every call belongs in a tensor, like TensorFlow's tf.Variable.
tensor_calls = torch.zeros((), dtype=torch.int64)


@torch.compile(backend=counting_backend)
def double_counted(v):
    tensor_calls.add_(1)  # an in-place tensor op: in the graph, run on every call
    return v * 2


for _ in range(3):
    double_counted(x)
versions = _debug_get_cache_entry_list(double_counted.__wrapped__.__code__)
print("the tensor counter saw", int(tensor_calls), "calls;", len(versions), "compiled version")
#> the tensor counter saw 3 calls; 1 compiled version
# --8<-- [end:python_side_effects]


# --8<-- [start:retracing]
graphs.clear()
add_one = torch.compile(lambda v: v + 1, backend=counting_backend)
add_one(torch.tensor([1.0, 2.0]))
add_one(torch.tensor([3.0, 4.0]))  # same shape and dtype: guards pass, graph reused
add_one(torch.tensor([1.0, 2.0, 3.0]))  # new shape: recompiled, now with a dynamic size
add_one(torch.tensor([1.0, 2.0, 3.0, 4.0]))  # reuses the dynamic-shape graph
print("graphs:", len(graphs))
#> graphs: 2
print(graphs[-1].code.strip().splitlines()[0])  # the dynamic graph takes the size as input
#> def forward(self, s33 : torch.SymInt, L_v_ : torch.Tensor):

# Dynamic from the first call: dynamic=True, or mark one dimension of one input.
graphs.clear()
add_one_dynamic = torch.compile(lambda v: v + 1, backend=counting_backend, dynamic=True)
for n in (2, 3, 4):
    add_one_dynamic(torch.ones(n))
marked = torch.compile(lambda v: v + 1, backend=counting_backend)
for n in (2, 3, 4):
    v = torch.ones(n)
    torch._dynamo.mark_dynamic(v, 0)  # dimension 0 of this tensor may vary
    marked(v)
print("graphs:", len(graphs))  # one per function
#> graphs: 2


# A Python int is specialised: baked into the graph as a constant, then made dynamic.
def add_n(v, n):
    return v + n


graphs.clear()
add_n_compiled = torch.compile(add_n, backend=counting_backend)
for n in (1, 2, 3, 4):
    add_n_compiled(torch.ones(2), n)
for graph in graphs:
    print(graph.code.strip().splitlines()[0])
    #> def forward(self, L_v_ : torch.Tensor):
    #> def forward(self, L_v_ : torch.Tensor, L_n_ : torch.SymInt):

# After 8 graphs for one function (the recompile limit), new inputs run eagerly instead.
recompile_warnings = logging.Handler()  # collects what TorchDynamo logs (to stderr by default)
recompile_warnings.emit = lambda record: warned.append(record.getMessage())
warned = []
logging.getLogger("torch._dynamo").addHandler(recompile_warnings)
graphs.clear()
static_double = torch.compile(lambda v: v * 2, backend=counting_backend, dynamic=False)
sums = [static_double(torch.ones(n)).sum().item() for n in range(1, 13)]  # 12 shapes
print("graphs:", len(graphs), "for 12 shapes; results still right:", sums == [2.0 * n for n in range(1, 13)])
#> graphs: 8 for 12 shapes; results still right: True
message = warned[0].splitlines()
print(message[0])
#> torch._dynamo hit config.recompile_limit (8)
print("last reason:", message[2].split(": ", 2)[-1])  # the guard that failed
#> last reason: tensor 'v' size mismatch at index 0. expected 8, actual 9
logging.getLogger("torch._dynamo").removeHandler(recompile_warnings)
# --8<-- [end:retracing]

# --8<-- [start:inspect_the_graph]
class ScaledSoftplus(torch.nn.Module):
    def forward(self, v):
        return scaled_softplus(v)


program = torch.export.export(ScaledSoftplus(), (x,))
print([str(node.target) for node in program.graph.nodes if node.op == "call_function"])
#> ['aten.softplus.default', 'aten.mul.Tensor']
graph_result = program.module()(x)
print(graph_result.numpy())
#> [3.939785  6.380784  9.1457615]
# --8<-- [end:inspect_the_graph]


# --8<-- [start:data_dependent_control_flow]
def clip_positive_sum(v):
    if v.sum() > 0:  # depends on a tensor's value: TorchDynamo breaks the graph here
        return v
    return -v


graphs.clear()
clip_compiled = torch.compile(clip_positive_sum, backend=counting_backend)
print(clip_compiled(x).numpy(), clip_compiled(-x).numpy())
#> [1. 2. 3.] [1. 2. 3.]
print("graphs:", len(graphs))  # one up to the `if`, then one for the branch that had ops
#> graphs: 2


class ClipPositiveSum(torch.nn.Module):
    def forward(self, v):
        return clip_positive_sum(v)


try:  # torch.export needs one whole graph, so it cannot fall back to Python
    torch.export.export(ClipPositiveSum(), (x,))
except Exception as err:
    print(type(err).__name__)
    #> GuardOnDataDependentSymNode


class ClipWithCond(torch.nn.Module):
    def forward(self, v):  # torch.cond puts both branches in the graph, like tf.cond
        return torch.cond(v.sum() > 0, lambda v: v.clone(), lambda v: -v, (v,))


exported = torch.export.export(ClipWithCond(), (x,)).module()
print(exported(x).numpy(), exported(-x).numpy())
#> [1. 2. 3.] [1. 2. 3.]
# --8<-- [end:data_dependent_control_flow]

# --8<-- [start:compiler]
from torch._inductor.utils import run_and_get_code  # noqa: E402  (a helper from Inductor's tests)

# Inductor (the default backend) generates C++/OpenMP kernels on CPU, Triton on GPU.
# fullgraph=True turns any graph break into an error instead of a silent fallback.
inductor_fn = torch.compile(scaled_softplus, backend="inductor", fullgraph=True)
result_and_code = run_and_get_code(inductor_fn, x)  # runs it; returns (result, [its code])
compiler_result = result_and_code[0]
print(compiler_result.numpy())
#> [3.939785  6.380784  9.1457615]
kernel = result_and_code[1][0]  # the Python module Inductor wrote, with the C++ kernel in a string
print([line.split(" = ")[0] for line in kernel.splitlines() if "async_compile.cpp" in line])
#> ['cpp_fused_mul_softplus_0']
# The C++ differs by CPU (vectorised with AVX2 or AVX-512, or scalar); the math it calls does not:
print(sorted(set(re.findall(r"\b(exp|log1p)\(", kernel))))  # softplus, fused with the multiply
#> ['exp', 'log1p']
# --8<-- [end:compiler]
