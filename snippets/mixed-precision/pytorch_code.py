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


# --8<-- [start:loss_scaling_in_a_custom_loop]
fp16_model = make_model()
optimizer = torch.optim.SGD(fp16_model.parameters(), lr=0.1)
scaler = torch.amp.GradScaler(
    "cpu",  # GradScaler and float16 autocast both run on a CPU
    init_scale=2.0**20,  # far too high on purpose: the first steps overflow
    growth_interval=2,  # double after 2 good steps (default 2000)
)

scale_history = []
applied = 0
for step in range(8):
    scale_history.append(scaler.get_scale())
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        logits = fp16_model(x)
    loss = torch.nn.functional.cross_entropy(logits.float(), labels)
    scaler.scale(loss).backward()  # loss * current scale
    finite = all(bool(p.grad.isfinite().all()) for p in fp16_model.parameters())
    scaler.step(optimizer)  # unscale; skip optimizer.step() if not finite
    applied += finite
    scaler.update()  # halve after an overflow, double after growth_interval good steps
    print(f"step {step}: scale 2^{int(np.log2(scale_history[-1]))}, gradients finite: {finite}")
    #> step 0: scale 2^20, gradients finite: False
    #> step 1: scale 2^19, gradients finite: False
    #> step 2: scale 2^18, gradients finite: False
    #> step 3: scale 2^17, gradients finite: False
    #> step 4: scale 2^16, gradients finite: False
    #> step 5: scale 2^15, gradients finite: True
    #> step 6: scale 2^15, gradients finite: True
    #> step 7: scale 2^16, gradients finite: True
print("updates applied:", applied, "| scale now:", scaler.get_scale())
#> updates applied: 3 | scale now: 65536.0
trained_kernel = fp16_model.dense_1.weight.detach().numpy().T  # Keras's (in, out) layout
# --8<-- [end:loss_scaling_in_a_custom_loop]


# --8<-- [start:tf32_settings]
print("float32 matmul precision:", torch.get_float32_matmul_precision())  # highest = full float32
#> float32 matmul precision: highest
print("cuBLAS matmuls may use TF32:", torch.backends.cuda.matmul.allow_tf32)
#> cuBLAS matmuls may use TF32: False
print("cuDNN convolutions may use TF32:", torch.backends.cudnn.allow_tf32)
#> cuDNN convolutions may use TF32: True
print("CUDA available:", torch.cuda.is_available())  # TF32 needs an NVIDIA Ampere or newer GPU
#> CUDA available: False
a = torch.full((2, 2), 1.0001)
tf32_product = (a @ torch.ones(2, 2)).numpy()  # 2.0 if rounded to TF32
print(tf32_product[0])
#> [2.0002 2.0002]
torch.set_float32_matmul_precision("high")  # allow TF32 for float32 matmuls, as TensorFlow does
print(torch.get_float32_matmul_precision(), torch.backends.cuda.matmul.fp32_precision)
#> high tf32
torch.set_float32_matmul_precision("highest")
# --8<-- [end:tf32_settings]
