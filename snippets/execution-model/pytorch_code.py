"""Execution model in PyTorch 2.13: eager by default, compilers on request."""

# --8<-- [start:setup]
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
calls = 0


@torch.compile
def double(v):
    global calls
    calls += 1  # plain Python state: TorchDynamo keeps this behaviour
    print("print runs on every call:", v)  # a graph break: runs in Python
    #> print runs on every call: tensor([1., 2., 3.])
    #> print runs on every call: tensor([1., 2., 3.])
    #> print runs on every call: tensor([1., 2., 3.])
    return v * 2


for _ in range(3):
    double(x)
print("the Python counter saw", calls, "calls")
#> the Python counter saw 3 calls
# --8<-- [end:python_side_effects]


# --8<-- [start:retracing]
graphs = []


def counting_backend(gm, example_inputs):
    # A torch.compile backend receives each captured FX graph; count them.
    graphs.append(gm)
    return gm.forward


add_one = torch.compile(lambda v: v + 1, backend=counting_backend)
add_one(torch.tensor([1.0, 2.0]))
add_one(torch.tensor([3.0, 4.0]))  # same shape and dtype: graph reused
add_one(torch.tensor([1.0, 2.0, 3.0]))  # new shape: recompiled, now with a dynamic size
add_one(torch.tensor([1.0, 2.0, 3.0, 4.0]))  # reuses the dynamic-shape graph
print("graphs:", len(graphs))
#> graphs: 2
print(graphs[-1].code.strip().splitlines()[0])  # the dynamic graph takes the size as input
#> def forward(self, s33 : torch.SymInt, L_v_ : torch.Tensor):
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
# Inductor (the default backend) generates C++/OpenMP kernels on CPU, Triton on GPU.
# fullgraph=True turns any graph break into an error instead of a silent fallback.
inductor_fn = torch.compile(scaled_softplus, backend="inductor", fullgraph=True)
compiler_result = inductor_fn(x)
print(compiler_result.numpy())
#> [3.939785  6.380784  9.1457615]
print("inductor" in torch._dynamo.list_backends())
#> True
# --8<-- [end:compiler]
