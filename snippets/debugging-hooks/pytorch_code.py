"""Debugging inside a PyTorch 2.13 model: forward and backward hooks, gradcheck, and device errors."""

# --8<-- [start:setup]
import collections

import torch
from torch.autograd.gradcheck import GradcheckError

torch.manual_seed(0)
x = torch.arange(8, dtype=torch.float32).reshape(4, 2) / 8 - 0.25  # 4 samples, 2 features
targets = torch.ones(4, 1)
model = torch.nn.Sequential(
    collections.OrderedDict(
        hidden=torch.nn.Linear(2, 3),
        relu=torch.nn.ReLU(),
        out=torch.nn.Linear(3, 1),
    )
)
with torch.no_grad():  # the same weights as the TensorFlow tab (outputs x inputs here)
    model.hidden.weight.copy_(torch.tensor([[0.5, 1.0], [-1.0, 0.5], [0.25, -0.75]]))
    model.hidden.bias.copy_(torch.tensor([0.1, 0.0, -0.1]))
    model.out.weight.copy_(torch.tensor([[1.0, -0.5, 2.0]]))
    model.out.bias.fill_(0.2)
# --8<-- [end:setup]

# --8<-- [start:intermediate_outputs]
captured = {}


def save_output(name):
    def hook(module, inputs, output):  # runs after module.forward, on every call
        captured[name] = output.detach()

    return hook


handle = model.relu.register_forward_hook(save_output("hidden"))
output = model(x)
handle.remove()  # hooks stay until removed
hidden_output = captured["hidden"]
print(hidden_output)
#> tensor([[0.0000, 0.1875, 0.0000],
#>         [0.2250, 0.0625, 0.0000],
#>         [0.6000, 0.0000, 0.0000],
#>         [0.9750, 0.0000, 0.0000]])
# --8<-- [end:intermediate_outputs]

# --8<-- [start:intermediate_gradients]
gradients = {}


def save_gradient(name):
    def hook(module, grad_input, grad_output):  # runs when the module's gradients are computed
        gradients[name] = grad_output[0].detach()  # d loss / d module output

    return hook


handle = model.relu.register_full_backward_hook(save_gradient("hidden"))
loss = torch.nn.functional.mse_loss(model(x), targets)
loss.backward()
handle.remove()
hidden_gradient = gradients["hidden"]
print(hidden_gradient)
#> tensor([[-0.4469,  0.2234, -0.8938],
#>         [-0.3031,  0.1516, -0.6062],
#>         [-0.1000,  0.0500, -0.2000],
#>         [ 0.0875, -0.0438,  0.1750]])
# --8<-- [end:intermediate_gradients]


# --8<-- [start:gradient_checks]
class Cube(torch.autograd.Function):
    @staticmethod
    def forward(v):
        return v**3

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    @staticmethod
    def backward(ctx, grad_output):
        (v,) = ctx.saved_tensors
        return grad_output * 3 * v  # a bug: the derivative of v**3 is 3 * v**2


points = torch.tensor([0.5, 2.0], dtype=torch.float64, requires_grad=True)  # float64, as gradcheck wants
analytical_jacobian = torch.autograd.functional.jacobian(Cube.apply, points)  # from backward()
print(analytical_jacobian)
#> tensor([[1.5000, 0.0000],
#>         [0.0000, 6.0000]], dtype=torch.float64)
# gradcheck compares backward() with finite differences itself, and says where they differ.
print(torch.autograd.gradcheck(Cube.apply, points, raise_exception=False))
#> False
try:
    torch.autograd.gradcheck(Cube.apply, points)
except GradcheckError as err:
    print(str(err).strip())
    #> Jacobian mismatch for output 0 with respect to input 0,
    #> numerical:tensor([[ 0.7500,  0.0000],
    #>         [ 0.0000, 12.0000]], dtype=torch.float64)
    #> analytical:tensor([[1.5000, 0.0000],
    #>         [0.0000, 6.0000]], dtype=torch.float64)
# --8<-- [end:gradient_checks]

# --8<-- [start:device_errors]
# A token id outside the vocabulary: on the CPU the lookup raises at once, at this line.
embedding = torch.nn.Embedding(num_embeddings=4, embedding_dim=2)
try:
    embedding(torch.tensor([1, 5]))
except Exception as err:
    print(type(err).__name__)
    #> IndexError
    print(str(err).strip())
    #> index out of range in self
# --8<-- [end:device_errors]
