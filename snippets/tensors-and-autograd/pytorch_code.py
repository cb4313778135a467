"""Tensors and automatic differentiation in PyTorch 2.13."""

# --8<-- [start:setup]
import numpy as np
import torch

torch.manual_seed(0)
points = [0.5, 1.0, 1.5, 2.0]  # the inputs every gradient below is taken at
# --8<-- [end:setup]

# --8<-- [start:dtypes]
print(torch.tensor([1.0, 2.0]).dtype, torch.tensor([1, 2]).dtype)  # from Python numbers
#> torch.float32 torch.int64
print(torch.tensor(np.array([1.0, 2.0])).dtype, torch.tensor(np.array([1, 2])).dtype)  # from NumPy
#> torch.float64 torch.int64
promoted = torch.tensor([1.5]) + torch.tensor([1])  # float + int promotes to float, as in NumPy
print(promoted.dtype, promoted.numpy())
#> torch.float32 [2.5]
try:
    torch.nn.Linear(3, 2)(torch.from_numpy(np.ones((1, 3))))  # a float64 batch from NumPy
except RuntimeError as err:
    print("RuntimeError:", err)  # no implicit cast to the layer's float32: call .float() first
    #> RuntimeError: mat1 and mat2 must have the same dtype, but got Double and Float
# --8<-- [end:dtypes]

# --8<-- [start:devices]
print(torch.cuda.is_available(), torch.accelerator.is_available())  # no GPU on this machine
#> False False
on_default = torch.tensor([1.0, 2.0]) * 2  # always the CPU unless you say otherwise
print(on_default.device)
#> cpu
# The accelerator the build supports, if one is also present at run time; else the CPU.
# Without check_available=True, a CUDA build reports cuda even on a machine with no GPU.
device = torch.accelerator.current_accelerator(check_available=True) or torch.device("cpu")
print(torch.accelerator.current_accelerator(), device)  # this build has no accelerator at all
#> None cpu
on_chosen = (torch.tensor([1.0, 2.0]) * 2).to(device)  # tensors (and modules) are moved explicitly
print(on_chosen.device, torch.device("cuda:0"))  # naming a device is not using it
#> cpu cuda:0
try:
    torch.ones(1, device="cuda")
except (AssertionError, RuntimeError) as err:
    print(type(err).__name__ + ":", err)
    #> AssertionError: Torch not compiled with CUDA enabled
# --8<-- [end:devices]

# --8<-- [start:numpy_interop]
array = np.array([1.0, 2.0, 3.0], dtype=np.float32)
shared = torch.from_numpy(array)  # zero-copy: the tensor uses the array's memory
copied = torch.tensor(array)  # torch.tensor always copies
array[0] = 100.0
print(shared.numpy(), copied.numpy())
#> [100.   2.   3.] [1. 2. 3.]
back = shared.numpy()  # zero-copy the other way too
back[1] = -1.0
print(shared.numpy(), array)  # all three names see the change
#> [100.  -1.   3.] [100.  -1.   3.]
weights = torch.ones(2, requires_grad=True)
try:
    weights.numpy()
except RuntimeError as err:
    print("RuntimeError:", err)
    #> RuntimeError: Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.
# --8<-- [end:numpy_interop]

# --8<-- [start:mutability]
tensor = torch.tensor([1.0, 2.0, 3.0])
tensor[0] = 5.0  # tensors are mutable: item assignment works
tensor.add_(1.0)  # a trailing underscore marks an in-place operation
mutated = tensor.numpy()
print(mutated)
#> [6. 3. 4.]
# Autograd guards the values it saved for backward against in-place changes.
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x.exp()  # exp saves its output for the backward pass
y.add_(1.0)
try:
    y.sum().backward()
except RuntimeError as err:
    print("RuntimeError:")
    #> RuntimeError:
    print(str(err).split(":")[0])
    #> one of the variables needed for gradient computation has been modified by an inplace operation
# --8<-- [end:mutability]

# --8<-- [start:gradients]
x = torch.tensor(points, requires_grad=True)  # recorded from creation: no tape, no watch()
y = (x**3 * torch.sin(x)).sum()
y.backward()  # fills x.grad
gradient = x.grad.clone()
print(gradient.numpy().round(4))
#> [0.4693 3.0647 6.9718 7.5824]
analytic_gradient = 3 * x**2 * torch.sin(x) + x**3 * torch.cos(x)
print("equals 3x^2 sin x + x^3 cos x:", torch.allclose(gradient, analytic_gradient, rtol=1e-5, atol=1e-6))
#> equals 3x^2 sin x + x^3 cos x: True
(x**3 * torch.sin(x)).sum().backward()  # a second backward ADDS to x.grad
print("x.grad is now", (x.grad / gradient).numpy(), "times the gradient")
#> x.grad is now [2. 2. 2. 2.] times the gradient
x.grad = None  # what optimizer.zero_grad() does
returned = torch.autograd.grad((x**3 * torch.sin(x)).sum(), x)[0]  # returned, not accumulated
print(torch.equal(returned, gradient), x.grad)
#> True None
# --8<-- [end:gradients]

# --8<-- [start:python_control_flow]
def doubled_until_ten(v):
    steps = 0
    while v.sum() < 10.0:  # a Python loop on a tensor's value
        v = v * 2.0
        steps += 1
    return v.sum(), steps


control_flow_gradient = []
for scale in (1.0, 0.1):
    start = (torch.tensor(points) * scale).requires_grad_()
    total, steps = doubled_until_ten(start)  # autograd records the ops that actually ran
    control_flow_gradient.append(torch.autograd.grad(total, start)[0].numpy())
    print(f"scale {scale}: {steps} doublings, gradient {control_flow_gradient[-1]}")
    #> scale 1.0: 1 doublings, gradient [2. 2. 2. 2.]
    #> scale 0.1: 5 doublings, gradient [32. 32. 32. 32.]
# --8<-- [end:python_control_flow]

# --8<-- [start:vector_targets]
per_element = x**3 * torch.sin(x)  # a vector, not a scalar
try:
    per_element.backward()
except RuntimeError as err:
    print("RuntimeError:", err)
    #> RuntimeError: grad can be implicitly created only for scalar outputs
ones = torch.ones_like(per_element)
vector_target_gradient = torch.autograd.grad(per_element, x, grad_outputs=ones)[0]
print(vector_target_gradient.numpy().round(4))  # ones as grad_outputs = gradient of the sum
#> [0.4693 3.0647 6.9718 7.5824]
# --8<-- [end:vector_targets]

# --8<-- [start:higher_order_gradients]
y = (x**3 * torch.sin(x)).sum()
first = torch.autograd.grad(y, x, create_graph=True)[0]  # keep the graph of the gradient itself
second_derivative = torch.autograd.grad(first.sum(), x)[0]
print(second_derivative.numpy().round(4))
#> [ 2.6947  7.4492  6.5659 -6.3503]
analytic_second = 6 * x * torch.sin(x) + 6 * x**2 * torch.cos(x) - x**3 * torch.sin(x)
print(
    "equals 6x sin x + 6x^2 cos x - x^3 sin x:",
    torch.allclose(second_derivative, analytic_second, atol=1e-5),
)
#> equals 6x sin x + 6x^2 cos x - x^3 sin x: True
# --8<-- [end:higher_order_gradients]

# --8<-- [start:jacobians]
inputs = torch.tensor(points)  # torch.func transforms functions: no requires_grad needed
jacobian = torch.func.jacrev(torch.softmax)(inputs, 0)  # d softmax_i / d x_j, shape (4, 4)
print(jacobian.numpy().round(4))
#> [[ 0.0912 -0.017  -0.028  -0.0462]
#>  [-0.017   0.1394 -0.0462 -0.0762]
#>  [-0.028  -0.0462  0.1998 -0.1256]
#>  [-0.0462 -0.0762 -0.1256  0.248 ]]
probabilities = torch.softmax(inputs, 0)
analytic_jacobian = torch.diag(probabilities) - torch.outer(probabilities, probabilities)
print("equals diag(s) - s s^T:", torch.allclose(jacobian, analytic_jacobian, rtol=1e-5, atol=1e-7))
#> equals diag(s) - s s^T: True
older_api = torch.autograd.functional.jacobian(lambda v: torch.softmax(v, 0), inputs)
print("torch.autograd.functional.jacobian agrees:", torch.allclose(older_api, jacobian))
#> torch.autograd.functional.jacobian agrees: True

batch = (torch.arange(12, dtype=torch.float32) / 6.0).reshape(3, 4)  # 3 independent rows
batch_jacobian = torch.func.vmap(torch.func.jacrev(lambda row: torch.softmax(row, 0)))(batch)
print(tuple(batch_jacobian.shape))  # one (4, 4) Jacobian per row
#> (3, 4, 4)
# --8<-- [end:jacobians]
