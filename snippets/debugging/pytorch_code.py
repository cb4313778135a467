"""Debugging in PyTorch 2.13: print, breakpoints, torch.compile, NaNs and error messages."""

# --8<-- [start:setup]
import collections
import os
import sys
import textwrap
import warnings

import torch

torch.manual_seed(0)
x = torch.arange(8, dtype=torch.float32).reshape(4, 2) / 8  # 4 samples, 2 features
targets = torch.zeros(4, 1)
this_file = os.path.basename(__file__)  # error messages below name this file; paths are shortened
# --8<-- [end:setup]


# --8<-- [start:print_and_breakpoint_in_eager_code]
class Tiny(torch.nn.Module):
    def __init__(self, name):
        super().__init__()
        self.name = name
        self.dense = torch.nn.Linear(2, 1)
        with torch.no_grad():  # the same weights as the TensorFlow tab
            self.dense.weight.copy_(torch.tensor([[0.5, -1.0]]))
            self.dense.bias.fill_(0.1)

    def forward(self, inputs):
        print(self.name, "got", inputs)
        #> eager_call got tensor([[0.0000, 0.1250],
        #>         [0.2500, 0.3750]])
        # breakpoint()  # uncomment: pdb stops here, and `p inputs` shows the values
        return self.dense(inputs)


print(torch.compiler.is_compiling())
#> False
eager_output = Tiny("eager_call")(x[:2]).detach().numpy()  # Python runs line by line
print([round(float(value), 4) for value in eager_output.ravel()])
#> [-0.025, -0.15]
# --8<-- [end:print_and_breakpoint_in_eager_code]


# --8<-- [start:print_during_training]
class Traced(Tiny):
    def forward(self, inputs):
        print(self.name, "got", inputs)
        #> compiled_loop got tensor([[0.0000, 0.1250],
        #>         [0.2500, 0.3750]])
        #> compiled_loop got tensor([[0.5000, 0.6250],
        #>         [0.7500, 0.8750]])
        #> compiled_loop got tensor([[0.0000, 0.1250],
        #>         [0.2500, 0.3750]])
        #> compiled_loop got tensor([[0.5000, 0.6250],
        #>         [0.7500, 0.8750]])
        #> eager_loop got tensor([[0.0000, 0.1250],
        #>         [0.2500, 0.3750]])
        #> eager_loop got tensor([[0.5000, 0.6250],
        #>         [0.7500, 0.8750]])
        return self.dense(inputs)


def train(model, epochs):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    for _ in range(epochs):
        for inputs, labels in zip(x.split(2), targets.split(2), strict=True):  # 2 steps an epoch
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(inputs), labels).backward()
            optimizer.step()


# Compiled, as fit() compiles by default: print is a graph break and still runs every step.
train(torch.compile(Traced("compiled_loop"), backend="eager"), epochs=2)  # 4 steps
train(Traced("eager_loop"), epochs=1)  # 2 steps
# --8<-- [end:print_during_training]

# --8<-- [start:print_inside_compiled_code]
# backend="eager" skips Inductor's code generation (seconds per function); what happens
# to print is decided by TorchDynamo's capture, before any backend runs.
@torch.compile(backend="eager")
def double(v):
    print("Python print:", v)  # a graph break: runs in Python on every call
    #> Python print: tensor([1., 2.])
    #> Python print: tensor([3., 4.])
    #> Python print: tensor([5., 6.])
    return v * 2


for value in ([1.0, 2.0], [3.0, 4.0], [5.0, 6.0]):
    compiled_result = double(torch.tensor(value))
print(compiled_result.numpy())
#> [10. 12.]
# --8<-- [end:print_inside_compiled_code]

# --8<-- [start:breakpoint_inside_compiled_code]
# So that the script runs unattended, breakpoint() calls this recorder instead of pdb.
# Delete the next line to get the real debugger.
sys.breakpointhook = lambda: stops.append(sys._getframe(1).f_locals["v"])
stops = []


@torch.compile(backend="eager")
def add_one(v):
    breakpoint()  # a graph break too: pdb would open on every call
    return v + 1


for value in ([1.0, 2.0], [3.0, 4.0], [5.0, 6.0]):
    add_one(torch.tensor(value))
print(len(stops), "stops for 3 calls, the last at", stops[-1])
#> 3 stops for 3 calls, the last at tensor([5., 6.])
# --8<-- [end:breakpoint_inside_compiled_code]


# --8<-- [start:run_compiled_code_eagerly]
@torch.compile(backend="eager", fullgraph=True)  # fullgraph: a graph break is an error
def add_two(v):
    print("Python print:", v)
    #> Python print: tensor([3., 4.])
    return v + 2


try:
    add_two(torch.tensor([1.0, 2.0]))
except Exception as err:
    print(type(err).__name__)
    #> Unsupported
    lines = str(err).splitlines()
    print(lines[0])
    #> Failed to trace builtin operator
    print(textwrap.fill(lines[1].strip(), width=100))  # which call could not be traced
    #> Explanation: Dynamo does not know how to trace builtin operator `print` with argument types ['str',
    #> 'Tensor'] (has_kwargs False)
with torch.compiler.set_stance("force_eager"):  # compiled functions run as plain Python
    eager_result = add_two(torch.tensor([3.0, 4.0]))
print(eager_result.numpy())
#> [5. 6.]
# --8<-- [end:run_compiled_code_eagerly]

# --8<-- [start:nan_hunting]
v = torch.tensor([4.0, -1.0], requires_grad=True)
nan_result = torch.sqrt(v)
print(nan_result.detach().numpy())  # NaN, silently
#> [ 2. nan]
nan_result.sum().backward()
sqrt_gradient = v.grad.numpy()
print(sqrt_gradient)  # NaN again, silently
#> [0.25  nan]
v.grad = None
with warnings.catch_warnings(record=True) as caught:  # anomaly mode reports through warnings
    warnings.simplefilter("always")
    try:
        with torch.autograd.detect_anomaly():  # checks every backward function's output
            root = torch.sqrt(v)
            root.sum().backward()
    except Exception as err:
        print(type(err).__name__)
        #> RuntimeError
        print(str(err).splitlines()[0])
        #> Function 'SqrtBackward0' returned nan values in its 0th output.
for warning in caught:  # the second warning points at the forward call that made the NaN
    lines = str(warning.message).splitlines()
    print(textwrap.fill(lines[0], width=100))  # long lines wrapped to fit the page
    #> Anomaly Detection has been enabled. This mode will increase the runtime and should only be enabled
    #> for debugging.
    #> Error detected in SqrtBackward0. Traceback of forward call that caused the error:
    frames = [i for i, line in enumerate(lines) if this_file in line]
    if frames:
        print("   ", lines[frames[-1] + 1].strip())  # the source line after our file's frame
        #>     root = torch.sqrt(v)
v.grad = None


# Anomaly mode checks only the backward pass. To stop at the forward module that makes a NaN,
# check each module's output with a forward hook.
class Root(torch.nn.Module):
    def forward(self, inputs):
        return torch.sqrt(inputs)


def check_finite(name):
    def hook(module, inputs, output):
        if not torch.isfinite(output).all():
            raise RuntimeError(f"non-finite output from {name!r} ({type(module).__name__})")

    return hook


model = torch.nn.Sequential(collections.OrderedDict(identity=torch.nn.Identity(), root=Root()))
for name, module in model.named_modules():
    if name:  # every submodule, skipping the container itself
        module.register_forward_hook(check_finite(name))
try:
    model(v)
except RuntimeError as err:
    print(err)
    #> non-finite output from 'root' (Root)
# --8<-- [end:nan_hunting]

# --8<-- [start:shape_mismatch_errors]
model = torch.nn.Sequential(torch.nn.Linear(2, 1))
try:
    model(torch.ones(2, 3))  # the model expects 2 features, not 3
except Exception as err:
    print(type(err).__name__)
    #> RuntimeError
    print(str(err).strip())
    #> mat1 and mat2 shapes cannot be multiplied (2x3 and 2x1)
try:
    torch.matmul(torch.ones(2, 3), torch.ones(2, 1))
except Exception as err:
    print(type(err).__name__)
    #> RuntimeError
    print(str(err).strip())
    #> mat1 and mat2 shapes cannot be multiplied (2x3 and 2x1)
# --8<-- [end:shape_mismatch_errors]


# --8<-- [start:errors_inside_compiled_code]
@torch.compile(backend="eager")
def project(v, weights):
    scaled = v * 2
    return torch.matmul(scaled, weights)


try:
    project(torch.ones(2, 3), torch.ones(2, 1))
except Exception as err:
    print(type(err).__name__)
    #> TorchRuntimeError
    lines = str(err).replace(__file__, this_file).splitlines()
    print(lines[0])
    #> RuntimeError when making fake tensor call
    start = lines.index("from user code:")
    print("\n".join(lines[start : start + 3]))  # where, in our code
    #> from user code:
    #>    File "pytorch_code.py", line 224, in project
    #>     return torch.matmul(scaled, weights)
    cause = next(line for line in lines if "got RuntimeError" in line)
    print(textwrap.fill("..." + cause.split(": got ")[-1], width=100))  # what, trimmed
    #> ...RuntimeError('a and b must have same reduction dim, but got [2, 3] X [2, 1].')
# --8<-- [end:errors_inside_compiled_code]
