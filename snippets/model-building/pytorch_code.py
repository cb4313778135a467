"""Model building in PyTorch 2.13: nn.Sequential, nn.Module, custom modules, initialisation."""

# --8<-- [start:setup]
import math

import numpy as np
import torch
from sklearn.datasets import load_digits  # bundled with scikit-learn: no download
from torch import nn

torch.manual_seed(0)
batch = torch.from_numpy(np.random.default_rng(0).normal(size=(8, 64)).astype("float32"))
# --8<-- [end:setup]

# --8<-- [start:sequential_model]
sequential = nn.Sequential(
    nn.Linear(64, 32),  # every layer is told its input size
    nn.ReLU(),  # activations are modules of their own
    nn.Linear(32, 10),
)
print(sequential)  # PyTorch has no summary(); the repr lists the modules
#> Sequential(
#>   (0): Linear(in_features=64, out_features=32, bias=True)
#>   (1): ReLU()
#>   (2): Linear(in_features=32, out_features=10, bias=True)
#> )
sequential_params = sum(p.numel() for p in sequential.parameters())
print([sum(p.numel() for p in module.parameters()) for module in sequential])
#> [2080, 0, 330]
print(sequential_params, tuple(sequential(batch).shape))
#> 2410 (8, 10)
# --8<-- [end:sequential_model]


# --8<-- [start:functional_model]
# No graph-of-layers API: a skip connection is written in forward(), as plain Python.
class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(64, 32)
        self.block = nn.Linear(32, 32)
        self.logits = nn.Linear(32, 10)

    def forward(self, x):
        hidden = torch.relu(self.hidden(x))
        return self.logits(hidden + torch.relu(self.block(hidden)))


functional = Residual()
traced = torch.fx.symbolic_trace(functional)  # torch.fx recovers the graph from forward()
print([node.name for node in traced.graph.nodes])
#> ['x', 'hidden', 'relu', 'block', 'relu_1', 'add', 'logits', 'output']
functional_params = sum(p.numel() for p in functional.parameters())
print(functional_params, tuple(traced(batch).shape))
#> 3466 (8, 10)
# --8<-- [end:functional_model]


# --8<-- [start:subclassed_model]
class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(64, 32)  # in_features is required: weights exist at once
        self.out = nn.Linear(32, 10)

    def forward(self, x):
        return self.out(torch.relu(self.hidden(x)))


subclassed = MLP()
print("parameters before the first call:", [tuple(p.shape) for p in subclassed.parameters()])
#> parameters before the first call: [(32, 64), (32,), (10, 32), (10,)]
result = subclassed(batch)
subclassed_params = sum(p.numel() for p in subclassed.parameters())
print(subclassed_params, tuple(result.shape))
#> 2410 (8, 10)

# The Keras-like behaviour exists too: a lazy module sizes itself on the first call.
lazy = nn.LazyLinear(32)
before = type(lazy.weight).__name__
lazy(batch)
print(before, "->", type(lazy.weight).__name__, tuple(lazy.weight.shape))
#> UninitializedParameter -> Parameter (32, 64)
# --8<-- [end:subclassed_model]

# --8<-- [start:custom_layer]
w_values = (np.arange(6, dtype="float32").reshape(3, 2) - 2.5) / 10  # fixed weights, shared by both files
b_values = np.array([0.5, -0.5], dtype="float32")
x_small = torch.tensor([[1.0, 2.0, 3.0], [-1.0, 0.0, 1.0]])


class Layer(torch.nn.Module):  # the article's sample, verbatim
    def forward(self, x):
        return torch.matmul(x, self.w) + self.b


article_layer = Layer()  # builds fine: nn.Module.__init__ is inherited
try:
    article_layer(x_small)
except AttributeError as err:
    print("AttributeError:", err)
    #> AttributeError: 'Layer' object has no attribute 'w'


class LayerWithoutSuper(nn.Module):  # defining __init__ without calling super().__init__()
    def __init__(self):
        self.w = nn.Parameter(torch.from_numpy(w_values))


try:
    LayerWithoutSuper()
except AttributeError as err:
    print("AttributeError:", err)
    #> AttributeError: cannot assign parameters before Module.__init__() call


class Linear(nn.Module):  # the fixed version
    def __init__(self, in_features, units):
        super().__init__()
        self.w = nn.Parameter(torch.empty(in_features, units))  # nn.Parameter: registered
        self.b = nn.Parameter(torch.zeros(units))
        nn.init.xavier_uniform_(self.w)

    def forward(self, x):
        return torch.matmul(x, self.w) + self.b


custom = Linear(3, 2)
custom.load_state_dict({"w": torch.from_numpy(w_values), "b": torch.from_numpy(b_values)})
print([name for name, _ in custom.named_parameters()])
#> ['w', 'b']
custom_layer_output = custom(x_small)
print(custom_layer_output.detach().numpy().round(3))
#> [[ 0.6  0.2]
#>  [ 0.9 -0.1]]
# --8<-- [end:custom_layer]

# --8<-- [start:weight_initialisation]
fan_in, fan_out = 512, 256
linear = nn.Linear(fan_in, fan_out)  # default: kaiming_uniform_(weight, a=sqrt(5)), uniform bias
weight, bias = linear.weight.detach(), linear.bias.detach()
torch_bound = 1 / math.sqrt(fan_in)  # kaiming_uniform with a=sqrt(5) reduces to 1/sqrt(fan_in)
print(f"max |w| {weight.abs().max():.4f}  bound 1/sqrt(in) {torch_bound:.4f}")
#> max |w| 0.0442  bound 1/sqrt(in) 0.0442
torch_default_std = weight.std().item()
print(f"std {torch_default_std:.4f}  expected {torch_bound / math.sqrt(3):.4f}")
#> std 0.0255  expected 0.0255
print(f"bias max |b| {bias.abs().max():.4f}  (uniform, same bound; not zeros)")
#> bias max |b| 0.0441  (uniform, same bound; not zeros)

# Keras's Dense default, rebuilt with torch.nn.init:
glorot_bound = math.sqrt(6 / (fan_in + fan_out))
nn.init.xavier_uniform_(linear.weight)
nn.init.zeros_(linear.bias)
glorot_std = linear.weight.detach().std().item()
print(f"max |w| {linear.weight.detach().abs().max():.4f}  glorot bound {glorot_bound:.4f}")
#> max |w| 0.0884  glorot bound 0.0884
print(f"std {glorot_std:.4f}  expected {glorot_bound / math.sqrt(3):.4f}")
#> std 0.0511  expected 0.0510
# --8<-- [end:weight_initialisation]

# --8<-- [start:copy_weights_across]
images = torch.from_numpy((load_digits().images[:16] / 16.0).astype("float32"))
convnet = nn.Sequential(
    nn.Conv2d(1, 4, 3),  # PyTorch: channels first (N, C, H, W)
    nn.ReLU(),
    nn.Flatten(),
    nn.Linear(4 * 6 * 6, 10),
)
print([tuple(t.shape) for t in convnet.state_dict().values()])
#> [(4, 1, 3, 3), (4,), (10, 144), (10,)]
# The same framework-neutral weights the TensorFlow file loads, in Keras layout.
rng = np.random.default_rng(42)
keras_shapes = [(3, 3, 1, 4), (4,), (144, 10), (10,)]
conv_k, conv_b, dense_k, dense_b = [rng.normal(scale=0.3, size=s).astype("float32") for s in keras_shapes]


def load(dense_kernel):
    convnet.load_state_dict(
        {
            "0.weight": torch.from_numpy(conv_k.transpose(3, 2, 0, 1).copy()),  # -> (out, in, kh, kw)
            "0.bias": torch.from_numpy(conv_b),
            "3.weight": torch.from_numpy(dense_kernel.T.copy()),  # Linear stores (out, in)
            "3.bias": torch.from_numpy(dense_b),
        }
    )


with torch.no_grad():
    load(dense_k)  # shapes fit, but Flatten order differs: Keras (H, W, C), PyTorch (C, H, W)
    naive = convnet(images[:, None]).numpy()
    # Reorder the dense kernel's rows from (H, W, C) to (C, H, W) before transposing.
    load(dense_k.reshape(6, 6, 4, 10).transpose(2, 0, 1, 3).reshape(144, 10))
    copied_output = convnet(images[:, None]).numpy()
print(f"naive copy: max |difference| {np.abs(naive - copied_output).max():.3f}")
#> naive copy: max |difference| 7.399
print(copied_output[0].round(3))
#> [ 0.285  0.026 -2.355 -0.663 -1.911 -0.172  0.827 -0.038  1.07  -1.358]
print(copied_output.argmax(axis=1))
#> [8 8 7 8 8 6 8 7 8 7 8 6 8 6 8 8]
# --8<-- [end:copy_weights_across]
