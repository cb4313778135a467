"""Mixed precision in PyTorch 2.13: torch.autocast, bfloat16 on a CPU."""

# --8<-- [start:setup]
import numpy as np
import torch

# The same inputs and weights as the TensorFlow tab.
rng = np.random.default_rng(0)
x = torch.from_numpy(rng.normal(size=(5, 8)).astype(np.float32))
labels = torch.tensor([0, 1, 2, 3, 0])
kernel_1 = (rng.normal(size=(8, 16)) * 0.5).astype(np.float32)
kernel_2 = (rng.normal(size=(16, 4)) * 0.5).astype(np.float32)


def make_model():
    """Linear -> ReLU -> LayerNorm -> Linear; the softmax is applied by the caller."""
    model = torch.nn.Sequential()
    model.add_module("dense_1", torch.nn.Linear(8, 16))
    model.add_module("relu", torch.nn.ReLU())
    model.add_module("norm", torch.nn.LayerNorm(16, eps=1e-3))  # Keras's default epsilon
    model.add_module("dense_2", torch.nn.Linear(16, 4))
    with torch.no_grad():
        model.dense_1.weight.copy_(torch.from_numpy(kernel_1.T))
        model.dense_2.weight.copy_(torch.from_numpy(kernel_2.T))
        model.dense_1.bias.zero_()
        model.dense_2.bias.zero_()
    return model


model = make_model()
with torch.no_grad():
    float32_probs = torch.softmax(model(x), dim=-1).numpy()  # the full-precision reference
# --8<-- [end:setup]


# --8<-- [start:sixteen_bit_formats]
values = torch.tensor([1e-8, 70000.0, 1 / 3])
as_float16 = values.to(torch.float16).float().numpy()
as_bfloat16 = values.to(torch.bfloat16).float().numpy()
print("float16: ", as_float16)  # 1e-8 underflows to 0, 70000 overflows to inf
#> float16:  [0.                inf 0.33325195]
print("bfloat16:", as_bfloat16)  # float32's range, but only 8 bits of precision
#> bfloat16: [1.0011718e-08 7.0144000e+04 3.3398438e-01]
for dtype in (torch.float16, torch.bfloat16):
    info = torch.finfo(dtype)
    print(str(dtype).removeprefix("torch."), "max", info.max, "eps", info.eps)
    #> float16 max 65504.0 eps 0.0009765625
    #> bfloat16 max 3.3895313892515355e+38 eps 0.0078125
# --8<-- [end:sixteen_bit_formats]


# --8<-- [start:which_dtypes_each_layer_uses]
outputs = {}
for name, module in model.named_children():  # record each module's output dtype
    module.register_forward_hook(lambda mod, args, out, name=name: outputs.__setitem__(name, out.dtype))

with torch.autocast("cpu", dtype=torch.bfloat16):  # autocast's CPU default, named for clarity
    logits = model(x)
    probs = torch.softmax(logits.float(), dim=-1)  # keep the last step in float32
for name, module in model.named_children():
    variables = sorted({str(p.dtype) for p in module.parameters()}) or ["-"]
    print(f"{name:8} variables {variables[0]:13} output {outputs[name]}")
    #> dense_1  variables torch.float32 output torch.bfloat16
    #> relu     variables -             output torch.bfloat16
    #> norm     variables torch.float32 output torch.bfloat16
    #> dense_2  variables torch.float32 output torch.bfloat16
print(f"{'softmax':8} {'':23} output {probs.dtype}")
#> softmax                          output torch.float32
mixed_probs = probs.detach().numpy()
print("largest change from float32:", float(np.abs(mixed_probs - float32_probs).max()) < 0.01)
#> largest change from float32: True
# --8<-- [end:which_dtypes_each_layer_uses]


# --8<-- [start:loss_and_gradients]
with torch.autocast("cpu", dtype=torch.bfloat16):
    logits = model(x)
    loss = torch.nn.functional.nll_loss(torch.log_softmax(logits.float(), dim=-1), labels)
loss.backward()  # outside autocast, as the PyTorch docs recommend
mixed_loss = loss.item()
print("loss", loss.dtype, round(mixed_loss, 2))
#> loss torch.float32 1.78
print("gradients", sorted({str(p.grad.dtype) for p in model.parameters()}))
#> gradients ['torch.float32']
print("weights", sorted({str(p.dtype) for p in model.parameters()}))
#> weights ['torch.float32']
# --8<-- [end:loss_and_gradients]


# --8<-- [start:float16_and_loss_scaling]
scaler = torch.amp.GradScaler("cpu")  # for float16; bfloat16 needs none
print(type(scaler).__name__, scaler.get_scale())
#> GradScaler 65536.0
# In a loop: scaler.scale(loss).backward(); scaler.step(optimizer); scaler.update()

# Why: a gradient of 1e-8 is 0 in float16; multiplied by the loss scale first, it survives,
# and dividing by the scale in float32 recovers it.
scale = scaler.get_scale()
small = torch.tensor(1e-8)
print(small.to(torch.float16).item(), (small * scale).to(torch.float16).item())
#> 0.0 0.0006551742553710938
recovered_gradient = ((small * scale).to(torch.float16).float() / scale).item()
print(f"{recovered_gradient:.3e}")
#> 9.997e-09
# --8<-- [end:float16_and_loss_scaling]
