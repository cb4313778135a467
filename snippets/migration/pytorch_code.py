"""Migrating weights between PyTorch 2.13 and Keras 3 (TensorFlow 2.21 backend): the PyTorch side."""

# --8<-- [start:setup]
import tempfile
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file  # safetensors: a framework-neutral weights file
from sklearn.datasets import load_digits  # bundled with scikit-learn: no download
from torch import nn

images = torch.from_numpy((load_digits().images[:16] / 16.0).astype("float32"))  # 16 digits, (16, 8, 8)
torch_images = images[:, None]  # PyTorch is channels first: (batch, channels, height, width)
print("channels_first", tuple(torch_images.shape))
#> channels_first (16, 1, 8, 8)


class ConvNet(nn.Module):
    def __init__(self, eps=1e-5, momentum=0.1):  # PyTorch's BatchNorm2d defaults
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.bn = nn.BatchNorm2d(4, eps=eps, momentum=momentum)
        self.fc = nn.Linear(4 * 6 * 6, 10)

    def forward(self, x):
        return self.fc(torch.flatten(torch.relu(self.bn(self.conv(x))), 1))  # flattens (C, H, W)


scratch = tempfile.TemporaryDirectory()  # weight files go here, deleted at exit
workdir = Path(scratch.name)
# --8<-- [end:setup]

# --8<-- [start:pytorch_to_keras]
# The PyTorch model and its checkpoint (the same seeded values the Keras tab ports).
rng = np.random.default_rng(1)
torch_state = {
    "conv.weight": rng.normal(scale=0.1, size=(4, 1, 3, 3)),  # (out, in, height, width)
    "conv.bias": rng.normal(scale=0.1, size=4),
    "bn.weight": rng.uniform(0.5, 1.5, size=4),  # gamma
    "bn.bias": rng.normal(scale=0.1, size=4),  # beta
    "bn.running_mean": rng.normal(scale=0.1, size=4),
    "bn.running_var": rng.uniform(0.002, 0.03, size=4),  # as small as this conv's outputs vary
    "fc.weight": rng.normal(scale=0.1, size=(10, 4 * 6 * 6)),  # (out, in), in ordered (C, H, W)
    "fc.bias": rng.normal(scale=0.1, size=10),
}
model = ConvNet().eval()
state = {name: torch.from_numpy(value.astype("float32")) for name, value in torch_state.items()}
model.load_state_dict(state)  # strict: every name and shape must match
print("PyTorch-only entries:", [name for name in model.state_dict() if name not in state])
#> PyTorch-only entries: ['bn.num_batches_tracked']
save_file(model.state_dict(), workdir / "torch.safetensors")  # the file a Keras user would receive
with torch.no_grad():
    ported_from_pytorch = model(torch_images).numpy()
print(ported_from_pytorch[0].round(3))
#> [ 0.328 -1.123  2.804  0.986 -2.529 -0.213 -1.075  0.31  -0.823 -1.398]
# --8<-- [end:pytorch_to_keras]

# --8<-- [start:keras_to_pytorch]
# The Keras weights (the same seeded values, in model.get_weights() order and layout).
rng = np.random.default_rng(2)
keras_weights = [
    rng.normal(scale=0.1, size=(3, 3, 1, 4)),  # conv kernel (height, width, in, out)
    rng.normal(scale=0.1, size=4),  # conv bias
    rng.uniform(0.5, 1.5, size=4),  # gamma
    rng.normal(scale=0.1, size=4),  # beta
    rng.normal(scale=0.1, size=4),  # moving mean
    rng.uniform(0.002, 0.03, size=4),  # moving variance
    rng.normal(scale=0.1, size=(6 * 6 * 4, 10)),  # dense kernel (in, out), in ordered (H, W, C)
    rng.normal(scale=0.1, size=10),  # dense bias
]
kernel, bias, gamma, beta, moving_mean, moving_variance, dense, dense_bias = (
    torch.from_numpy(w.astype("float32")) for w in keras_weights
)
port = ConvNet(eps=1e-3, momentum=0.01).eval()  # Keras's epsilon=1e-3 and momentum=0.99, PyTorch's way
port.load_state_dict(
    {
        "conv.weight": kernel.permute(3, 2, 0, 1),  # -> (out, in, height, width)
        "conv.bias": bias,
        "bn.weight": gamma,
        "bn.bias": beta,
        "bn.running_mean": moving_mean,
        "bn.running_var": moving_variance,
        # rows from (H, W, C) to (C, H, W) order, then transpose to (out, in)
        "fc.weight": dense.reshape(6, 6, 4, 10).permute(2, 0, 1, 3).reshape(4 * 6 * 6, 10).T,
        "fc.bias": dense_bias,
    }
)
with torch.no_grad():
    ported_from_keras = port(torch_images).numpy()
print(ported_from_keras[0].round(3))
#> [-3.798 -1.108 -0.885 -1.435  1.965 -1.025 -1.753 -2.43   0.279 -0.246]
# --8<-- [end:keras_to_pytorch]

# --8<-- [start:fine_tune_after_porting]
# One training-mode batch through the PyTorch model (momentum 0.1 = Keras's 0.9).
model.train()
model(torch_images)
updated_moving_mean = model.bn.running_mean.numpy()
print("moving mean:", updated_moving_mean.round(4))
#> moving mean: [ 0.0565  0.0629  0.0163 -0.0573]
print("moving variance:", model.bn.running_var.numpy().round(6))
#> moving variance: [0.023134 0.006722 0.006541 0.025222]
# --8<-- [end:fine_tune_after_porting]

# --8<-- [start:defaults_that_differ]
print("BatchNorm2d: eps", nn.BatchNorm2d(4).eps, "momentum", nn.BatchNorm2d(4).momentum)
#> BatchNorm2d: eps 1e-05 momentum 0.1
print("LayerNorm: eps", nn.LayerNorm(4).eps)
#> LayerNorm: eps 1e-05
print("Conv2d: padding", nn.Conv2d(1, 4, 3).padding, "| layout channels_first")
#> Conv2d: padding (0, 0) | layout channels_first
linear = nn.Linear(64, 64)  # kaiming_uniform_(a=sqrt(5)): uniform within +-1/sqrt(fan_in)
print("Linear weights within 1/sqrt(fan_in):", bool(linear.weight.abs().max() <= 64**-0.5))
#> Linear weights within 1/sqrt(fan_in): True
print("Adam: eps", torch.optim.Adam(linear.parameters()).defaults["eps"])
#> Adam: eps 1e-08
scores, target = torch.tensor([[2.0, -1.0, 0.5]]), torch.tensor([0])
applies_softmax = torch.isclose(nn.CrossEntropyLoss()(scores, target), -torch.log_softmax(scores, 1)[0, 0])
print("CrossEntropyLoss takes logits (applies log_softmax itself):", bool(applies_softmax))
#> CrossEntropyLoss takes logits (applies log_softmax itself): True
print("Dropout(0.2): drops a fraction", nn.Dropout(0.2).p)
#> Dropout(0.2): drops a fraction 0.2
# --8<-- [end:defaults_that_differ]
