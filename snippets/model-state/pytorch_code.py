"""Model state in PyTorch 2.13: train()/eval(), buffers, containers, sharing, functional_call, state_dict."""

# --8<-- [start:setup]
import pickle
import tempfile
from pathlib import Path

import numpy as np
import torch
from torch import nn

torch.manual_seed(0)
x = torch.from_numpy(np.random.default_rng(0).normal(size=(6, 4)).astype("float32"))  # 6 samples, 4 features
ones = torch.ones(2, 8)
# --8<-- [end:setup]

# --8<-- [start:training_flag]
model = nn.Sequential(nn.Dropout(0.5))
print(model.training)  # a new module starts in training mode
#> True
dropped = model(ones).numpy()  # so a plain call drops: zeros half, scales the rest by 1 / (1 - 0.5)
print(dropped)
#> [[0. 0. 2. 0. 0. 0. 2. 2.]
#>  [0. 2. 2. 2. 2. 0. 2. 2.]]
dropout_values = np.unique(dropped)
with torch.no_grad():  # no_grad turns off gradient tracking, not training mode
    print("still dropping under no_grad:", bool(model(ones).eq(0).any()))
    #> still dropping under no_grad: True
model.eval()  # sets .training = False on the module and every submodule
print([module.training for module in model.modules()])
#> [False, False]
print(model(ones).numpy())
#> [[1. 1. 1. 1. 1. 1. 1. 1.]
#>  [1. 1. 1. 1. 1. 1. 1. 1.]]
model.train()  # back to training mode: a training loop calls train() and eval() itself

norm = nn.BatchNorm1d(4)  # momentum=0.1 (Keras 0.9) and eps=1e-5 by default
batch_normalised = norm(x).detach().numpy()  # training mode: batch statistics, and an update
print(batch_normalised[0].round(4))
#> [ 1.0328 -0.1238  0.7606 -0.3139]
moving_mean = norm.running_mean.numpy()
print(moving_mean.round(4))
#> [-0.0685 -0.0034 -0.003   0.0293]
norm.eval()  # inference: the running statistics
print(norm(x).detach().numpy()[0].round(4))
#> [ 0.1968 -0.1303  0.6456  0.0779]

frozen = nn.BatchNorm1d(4)
frozen.requires_grad_(False)  # freezes gamma and beta, but the layer is still in training mode:
frozen_output = frozen(x)  # batch statistics are used and the running mean still moves
print(frozen_output.numpy()[0].round(4), frozen.running_mean.numpy().round(4))
#> [ 1.0328 -0.1238  0.7606 -0.3139] [-0.0685 -0.0034 -0.003   0.0293]
# --8<-- [end:training_flag]


# --8<-- [start:non_trainable_state]
class Standardise(nn.Module):
    """Scales its input after subtracting a running mean, which it updates while training."""

    def __init__(self, n):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(n))
        self.register_buffer("running_mean", torch.zeros(n))  # state, not a parameter
        self.register_buffer("steps", torch.tensor(0))
        self.register_buffer("positions", torch.arange(n, dtype=torch.float32), persistent=False)  # not saved
        self.plain = torch.arange(n, dtype=torch.float32)  # a plain tensor attribute: not tracked at all

    def forward(self, inputs):
        if self.training:
            with torch.no_grad():
                self.running_mean.mul_(0.9).add_(0.1 * inputs.mean(dim=0))
                self.steps += 1
        return (inputs - self.running_mean) * self.scale


standardise = Standardise(4)
standardise(x)
print([name for name, _ in standardise.named_parameters()])
#> ['scale']
print([name for name, _ in standardise.named_buffers()])
#> ['running_mean', 'steps', 'positions']
print(list(standardise.state_dict()))
#> ['scale', 'running_mean', 'steps']
running_mean = standardise.running_mean.numpy()
print(running_mean.round(4), standardise.steps.item())
#> [-0.0685 -0.0034 -0.003   0.0293] 1
standardise.double()  # .to(), .double(), .cuda() convert parameters and buffers, persistent or not
print(standardise.scale.dtype, standardise.positions.dtype, standardise.plain.dtype)
#> torch.float64 torch.float64 torch.float32

dense = nn.Linear(4, 3)
dense.requires_grad_(False)  # freezing: still parameters, still in state_dict, no gradients
print(len(list(dense.parameters())), sum(p.requires_grad for p in dense.parameters()))
#> 2 0
# --8<-- [end:non_trainable_state]


# --8<-- [start:containers]
class PlainTower(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = [nn.Linear(4, 4) for _ in range(3)]  # a plain list: NOT registered
        self.heads = {"score": nn.Linear(4, 1), "label": nn.Linear(4, 3)}  # a plain dict: NOT registered

    def forward(self, inputs):
        for block in self.blocks:
            inputs = block(inputs)
        return {name: head(inputs) for name, head in self.heads.items()}


class Tower(PlainTower):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList(self.blocks)  # registered: parameters(), state_dict(), .to(), train()
        self.heads = nn.ModuleDict(self.heads)


plain = PlainTower()
print(sorted(plain(x)), sum(p.numel() for p in plain.parameters()), len(plain.state_dict()))  # runs, owns 0
#> ['label', 'score'] 0 0
tower = Tower()
print(sorted(tower(x)), type(tower.blocks).__name__, type(tower.heads).__name__)
#> ['label', 'score'] ModuleList ModuleDict
tracked_params = sum(p.numel() for p in tower.parameters())
print(len(tower.state_dict()), tracked_params)
#> 10 80
print(list(tower.state_dict())[:2])
#> ['blocks.0.weight', 'blocks.0.bias']
# --8<-- [end:containers]

# --8<-- [start:weight_sharing]
shared_w = np.linspace(-1, 1, 16, dtype="float32").reshape(4, 4)  # (in, out), as in the Keras tab
shared_b = np.linspace(0, 0.3, 4, dtype="float32")


class Siamese(nn.Module):
    def __init__(self):
        super().__init__()
        self.shared = nn.Linear(4, 4)

    def forward(self, left, right):
        return self.shared(left) + self.shared(right)  # one module, called twice


siamese = Siamese()
with torch.no_grad():
    siamese.shared.weight.copy_(torch.from_numpy(shared_w.T))  # nn.Linear stores (out, in)
    siamese.shared.bias.copy_(torch.from_numpy(shared_b))
sharing_params = sum(p.numel() for p in siamese.parameters())
print(sharing_params, len(list(siamese.parameters())))
#> 20 2
siamese(x[:3], x[3:]).sum().backward()
shared_kernel_grad = siamese.shared.weight.grad.numpy().T  # back to (in, out) for comparison
shared_bias_grad = siamese.shared.bias.grad.numpy()
print(shared_kernel_grad[:, 0].round(4), np.allclose(shared_kernel_grad[:, 0], x.sum(dim=0).numpy()))
#> [-4.1115 -0.2046 -0.1783  1.7551] True
print(shared_bias_grad)  # 3 samples x 2 uses
#> [6. 6. 6. 6.]
# --8<-- [end:weight_sharing]

# --8<-- [start:stateless_calls]
net = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
print([name for name, _ in net.named_parameters()])
#> ['0.weight', '0.bias', '1.weight', '1.bias']
print([name for name, _ in net.named_buffers()])
#> ['1.running_mean', '1.running_var', '1.num_batches_tracked']
substitute = {  # new values for the parameters, by name (Keras's kernel is the transposed weight)
    "0.weight": torch.from_numpy(np.linspace(-1, 1, 12, dtype="float32").reshape(4, 3).T.copy()),
    "0.bias": torch.from_numpy(np.linspace(0, 0.2, 3, dtype="float32")),
    "1.weight": torch.from_numpy(np.linspace(0.5, 1.5, 3, dtype="float32")),
    "1.bias": torch.from_numpy(np.linspace(-0.1, 0.1, 3, dtype="float32")),
}
state = {name: buffer.clone() for name, buffer in net.named_buffers()}
stateless_output = torch.func.functional_call(net, {**substitute, **state}, (x,))
print(stateless_output.detach().numpy()[0].round(4))
#> [-0.6394 -0.9863 -0.7082]
print(net[1].running_mean.numpy(), "<- the module's own buffers: untouched")
#> [0. 0. 0.] <- the module's own buffers: untouched
stateless_moving_mean = state["1.running_mean"].numpy()
print(stateless_moving_mean.round(4), "<- the tensor you passed: updated in place")
#> [0.0884 0.0901 0.0918] <- the tensor you passed: updated in place
# --8<-- [end:stateless_calls]


# --8<-- [start:custom_layer_serialisation]
class Affine(nn.Module):
    def __init__(self, in_features, units, slope=1.0):
        super().__init__()
        self.slope = slope
        self.dense = nn.Linear(in_features, units)

    def forward(self, inputs):
        return self.slope * self.dense(inputs)


config = {"in_features": 4, "units": 2, "slope": 0.5}  # the convention: keep the constructor arguments
affine = Affine(**config)
with torch.no_grad():
    affine.dense.weight.copy_(torch.from_numpy(np.linspace(-1, 1, 8, dtype="float32").reshape(4, 2).T))
    affine.dense.bias.zero_()
with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / "affine.pt"
    torch.save({"config": config, "state_dict": affine.state_dict()}, path)
    checkpoint = torch.load(path, weights_only=True)  # plain containers and tensors only
    restored = Affine(**checkpoint["config"])  # your code rebuilds the module ...
    restored.load_state_dict(checkpoint["state_dict"])  # ... and loads the tensors into it
    print(checkpoint["config"], list(checkpoint["state_dict"]))
    #> {'in_features': 4, 'units': 2, 'slope': 0.5} ['dense.weight', 'dense.bias']
    torch.save(affine, Path(tmp) / "whole.pt")  # pickles the object: the class is stored by name only
    try:
        torch.load(Path(tmp) / "whole.pt")  # weights_only=True is the default since 2.6
    except pickle.UnpicklingError as err:
        print(type(err).__name__)
        #> UnpicklingError
with torch.no_grad():
    restored_output = restored(x).numpy()
    print(restored_output[0].round(4), np.array_equal(restored_output, affine(x).numpy()))
    #> [0.0487 0.1542] True
# --8<-- [end:custom_layer_serialisation]
