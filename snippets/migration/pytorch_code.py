"""Migrating weights between PyTorch 2.13 and Keras 3 (TensorFlow 2.21 backend): the PyTorch side."""

# --8<-- [start:setup]
import math
import tempfile
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file  # safetensors: a framework-neutral weights file
from sklearn.datasets import load_digits  # bundled with scikit-learn: no download
from sklearn.preprocessing import StandardScaler
from torch import nn
from torch.nn import functional as F

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

# --8<-- [start:recurrent_layers]
# The Keras GRU's weights (the same seeded values, in Keras's layout), ported to nn.GRU.
rng = np.random.default_rng(3)
sequences = torch.from_numpy(rng.normal(size=(2, 5, 3)).astype("float32"))  # (batch, time, features)
gru_weights = [
    rng.normal(scale=0.5, size=(3, 3 * 4)),  # kernel (in, 3 * units): gate blocks z, r, h
    rng.normal(scale=0.5, size=(4, 3 * 4)),  # recurrent_kernel (units, 3 * units): z, r, h
    rng.normal(scale=0.5, size=(2, 3 * 4)),  # bias: row 0 for the input, row 1 for the recurrence
]
kernel, recurrent, bias = (torch.from_numpy(w.astype("float32")) for w in gru_weights)


def z_r_h_to_r_z_n(weights):  # Keras's gate blocks (z, r, h) to PyTorch's (r, z, n), on the last axis
    z, r, h = weights.chunk(3, dim=-1)
    return torch.cat([r, z, h], dim=-1)


gru = nn.GRU(3, 4, batch_first=True)
print("GRU:", {name: tuple(p.shape) for name, p in gru.named_parameters()})
#> GRU: {'weight_ih_l0': (12, 3), 'weight_hh_l0': (12, 4), 'bias_ih_l0': (12,), 'bias_hh_l0': (12,)}
gru.load_state_dict(
    {
        "weight_ih_l0": z_r_h_to_r_z_n(kernel).T,  # (3 * units, in)
        "weight_hh_l0": z_r_h_to_r_z_n(recurrent).T,
        "bias_ih_l0": z_r_h_to_r_z_n(bias[0]),  # Keras's input bias
        "bias_hh_l0": z_r_h_to_r_z_n(bias[1]),  # Keras's recurrent bias (reset_after=True)
    }
)
with torch.no_grad():
    gru_outputs = gru(sequences)[0].numpy()  # nn.GRU returns (outputs, last hidden state)
print(gru_outputs[0, -1].round(4))
#> [ 0.1076 -0.2143  0.8659 -0.1167]

# The silent mistake: transposed, but gate blocks left in Keras's order.
naive = nn.GRU(3, 4, batch_first=True)
naive.load_state_dict(
    {"weight_ih_l0": kernel.T, "weight_hh_l0": recurrent.T, "bias_ih_l0": bias[0], "bias_hh_l0": bias[1]}
)
with torch.no_grad():
    difference = np.abs(naive(sequences)[0].numpy() - gru_outputs).max()
print(f"gates in Keras's order: max |difference| {difference:.3f}")
#> gates in Keras's order: max |difference| 0.821

lstm_weights = [
    rng.normal(scale=0.5, size=(3, 4 * 4)),  # kernel (in, 4 * units): gate blocks i, f, c, o
    rng.normal(scale=0.5, size=(4, 4 * 4)),  # recurrent_kernel (units, 4 * units)
    rng.normal(scale=0.5, size=4 * 4),  # one bias
]
kernel, recurrent, bias = (torch.from_numpy(w.astype("float32")) for w in lstm_weights)
lstm = nn.LSTM(3, 4, batch_first=True)  # gate blocks i, f, g, o: g is Keras's c, same order
lstm.load_state_dict(
    {
        "weight_ih_l0": kernel.T,
        "weight_hh_l0": recurrent.T,
        "bias_ih_l0": bias,
        "bias_hh_l0": torch.zeros(4 * 4),  # PyTorch adds the two biases; Keras has their sum
    }
)
with torch.no_grad():
    lstm_outputs = lstm(sequences)[0].numpy()
print(lstm_outputs[0, -1].round(4))
#> [ 0.1691 -0.1965 -0.2396 -0.2336]
# --8<-- [end:recurrent_layers]

# --8<-- [start:multi_head_attention]
# nn.MultiheadAttention with the seeded weights the Keras tab ports.
rng = np.random.default_rng(4)
tokens = torch.from_numpy(rng.normal(size=(2, 5, 8)).astype("float32"))  # (batch, sequence, embedding)
torch_attention = {
    "in_proj_weight": rng.normal(scale=0.3, size=(3 * 8, 8)),  # rows: query, key, value; each (out, in)
    "in_proj_bias": rng.normal(scale=0.1, size=3 * 8),
    "out_proj.weight": rng.normal(scale=0.3, size=(8, 8)),
    "out_proj.bias": rng.normal(scale=0.1, size=8),
}
attention = nn.MultiheadAttention(8, num_heads=2, batch_first=True)  # batch_first=False by default
attention_state = {name: torch.from_numpy(w.astype("float32")) for name, w in torch_attention.items()}
attention.load_state_dict(attention_state)
print({name: tuple(p.shape) for name, p in attention.named_parameters()})
#> {'in_proj_weight': (24, 8), 'in_proj_bias': (24,), 'out_proj.weight': (8, 8), 'out_proj.bias': (8,)}
masked = torch.ones(5, 5, dtype=torch.bool).triu(1)  # PyTorch masks: True where a query may NOT attend
with torch.no_grad():  # (query, key, value); need_weights=False skips the averaged attention map
    attention_output = attention(tokens, tokens, tokens, attn_mask=masked, need_weights=False)[0].numpy()
print(attention_output[0, -1].round(4))
#> [ 0.2199 -0.0195 -0.0055 -0.5052  0.0066 -0.2034  0.4719 -0.2986]
# --8<-- [end:multi_head_attention]

# --8<-- [start:strided_same_padding]
# The same stride-2 3x3 convolution, weights from Keras layout (the same seeded values).
rng = np.random.default_rng(5)
conv_kernel = torch.from_numpy(rng.normal(scale=0.5, size=(3, 3, 1, 2)).astype("float32"))
weight = conv_kernel.permute(3, 2, 0, 1)  # (out, in, height, width)
try:
    nn.Conv2d(1, 2, 3, stride=2, padding="same")
except ValueError as error:
    print("ValueError:", error)
    #> ValueError: padding='same' is not supported for strided convolutions


def same_pads(x, kernel_size, stride):  # TensorFlow's "same": an odd pixel of padding goes after
    pads = []
    for size in reversed(x.shape[2:]):  # F.pad lists the last axis first: (left, right, top, bottom)
        total = max((math.ceil(size / stride) - 1) * stride + kernel_size - size, 0)
        pads += [total // 2, total - total // 2]
    return pads


print("8x8 input, F.pad:", same_pads(torch_images, 3, 2))
#> 8x8 input, F.pad: [0, 1, 0, 1]
print("7x7 input, F.pad:", same_pads(torch_images[:, :, :7, :7], 3, 2))
#> 7x7 input, F.pad: [1, 1, 1, 1]
conv = nn.Conv2d(1, 2, 3, stride=2, bias=False)  # padding=0, after an explicit F.pad
conv.load_state_dict({"weight": weight})
symmetric = nn.Conv2d(1, 2, 3, stride=2, padding=1, bias=False)  # one pixel on every side
symmetric.load_state_dict({"weight": weight})
with torch.no_grad():
    same_padded = conv(F.pad(torch_images, same_pads(torch_images, 3, 2)))
    symmetric_padded = symmetric(torch_images)
print(tuple(same_padded.shape), tuple(symmetric_padded.shape))
#> (16, 2, 4, 4) (16, 2, 4, 4)
same_padded = same_padded.permute(0, 2, 3, 1).numpy()  # to Keras's layout, to compare with the Keras tab
symmetric_padded = symmetric_padded.permute(0, 2, 3, 1).numpy()
# --8<-- [end:strided_same_padding]


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

# --8<-- [start:porting_a_training_recipe]
adamw_defaults = torch.optim.AdamW([torch.zeros(1, requires_grad=True)]).defaults
print("AdamW: weight_decay", adamw_defaults["weight_decay"], "eps", adamw_defaults["eps"])
#> AdamW: weight_decay 0.01 eps 1e-08
weight = torch.ones(1, requires_grad=True)
adam = torch.optim.Adam([weight], lr=0.1, weight_decay=0.01)  # decoupled_weight_decay=False by default
weight.grad = torch.zeros(1)  # a zero loss gradient: only the weight decay acts
adam.step()  # Adam's weight_decay is L2: 0.01 * weight is added to the gradient, then normalised
print(f"Adam(weight_decay=0.01), one step, zero gradient: weight moved by {1 - weight.item():.4f}")
#> Adam(weight_decay=0.01), one step, zero gradient: weight moved by 0.1000
linear = nn.Linear(64, 10)  # bias drawn from U(-1/sqrt(fan_in), 1/sqrt(fan_in)) by reset_parameters()
linear_bias, bound = linear.bias.detach(), 1 / math.sqrt(64)
print("Linear bias: all non-zero", bool(linear_bias.ne(0).all()),
      "| within 1/sqrt(64):", bool(linear_bias.abs().max() <= bound))  # fmt: skip
#> Linear bias: all non-zero True | within 1/sqrt(64): True

# The recipe as PyTorch code writes it: AdamW(lr=1e-3, weight_decay=0.05), no decay on biases.
rng = np.random.default_rng(6)
start = [rng.normal(scale=0.1, size=(64, 10)), rng.normal(scale=0.1, size=10)]  # Keras layout (in, out)
inputs = StandardScaler().fit_transform(images.reshape(16, 64).numpy())  # standardised, as a recipe would
inputs, labels = torch.from_numpy(inputs.astype("float32")), torch.from_numpy(load_digits().target[:16])
classifier = nn.Linear(64, 10)
kernel, bias = (torch.from_numpy(w.astype("float32")) for w in start)
classifier.load_state_dict({"weight": kernel.T, "bias": bias})  # nn.Linear stores (out, in)
groups = [
    {"params": [classifier.weight], "weight_decay": 0.05},
    {"params": [classifier.bias], "weight_decay": 0.0},
]
optimizer = torch.optim.AdamW(groups, lr=1e-3)
for _ in range(5):  # 5 full-batch steps
    optimizer.zero_grad()
    F.cross_entropy(classifier(inputs), labels).backward()
    optimizer.step()
recipe_kernel = classifier.weight.detach().T.numpy()  # back to (in, out) to compare with Keras
recipe_bias = classifier.bias.detach().numpy()
print(recipe_kernel[20, :5].round(4))
#> [-0.143   0.0568 -0.0573  0.0911 -0.1421]
default_decay = adamw_defaults["weight_decay"]
print(f"weight left by decay alone, 10,000 steps at lr 1e-3: {(1 - 1e-3 * default_decay) ** 10_000:.3f}",
      f"(PyTorch default), {(1 - 1e-3 * 0.05) ** 10_000:.3f} (this recipe)")  # fmt: skip
#> weight left by decay alone, 10,000 steps at lr 1e-3: 0.905 (PyTorch default), 0.607 (this recipe)
# --8<-- [end:porting_a_training_recipe]
