"""Choosing a device in PyTorch 2.13, run on a CPU-only machine."""

# --8<-- [start:setup]
import numpy as np
import torch

torch.manual_seed(0)
x_np = np.arange(6, dtype="float32").reshape(2, 3) / 6
w_np = np.linspace(-1.0, 1.0, 12, dtype="float32").reshape(3, 4)
# --8<-- [end:setup]

# --8<-- [start:list_devices]
# torch.accelerator is the device-agnostic API (CUDA, ROCm, MPS, XPU ...); the older
# per-backend checks still work. This wheel is the CPU-only build.
print("accelerator:", torch.accelerator.is_available(), torch.accelerator.current_accelerator())
#> accelerator: False None
print("CUDA:", torch.cuda.is_available(), "| MPS:", torch.backends.mps.is_available())
#> CUDA: False | MPS: False
print("built with CUDA:", torch.version.cuda, "| with ROCm:", torch.version.hip)
#> built with CUDA: None | with ROCm: None
# --8<-- [end:list_devices]

# --8<-- [start:choose_a_device]
# The usual idiom: use the accelerator if there is one, else the CPU.
if torch.accelerator.is_available():
    device = torch.accelerator.current_accelerator()
else:
    device = torch.device("cpu")
result = torch.from_numpy(x_np).to(device) @ torch.from_numpy(w_np).to(device)
print(device, "->", result.device)
#> cpu -> cpu
print(np.round(result.cpu().numpy(), 4))
#> [[ 0.1061  0.197   0.2879  0.3788]
#>  [-0.303   0.0606  0.4242  0.7879]]
# --8<-- [end:choose_a_device]

# --8<-- [start:ask_for_a_missing_gpu]
# There is no soft placement: asking for a device that is not there fails at once.
# (On a CUDA build without a GPU the error is a RuntimeError about the driver instead.)
try:
    torch.ones(2, 2, device="cuda") * 2
except (AssertionError, RuntimeError) as err:
    print(type(err).__name__, "-", err)
    #> AssertionError - Torch not compiled with CUDA enabled
# --8<-- [end:ask_for_a_missing_gpu]

# --8<-- [start:place_a_model]
# A module's parameters live where .to() puts them; inputs must be sent there too.
model = torch.nn.Linear(3, 4)
with torch.no_grad():
    model.weight.copy_(torch.from_numpy(w_np.T))
    model.bias.zero_()
model = model.to(device)
with torch.no_grad():
    model_output = model(torch.from_numpy(x_np).to(device))
print("weights on", next(model.parameters()).device)
#> weights on cpu
print(np.round(model_output.cpu().numpy(), 4))
#> [[ 0.1061  0.197   0.2879  0.3788]
#>  [-0.303   0.0606  0.4242  0.7879]]
# --8<-- [end:place_a_model]

# --8<-- [start:bfloat16_on_cpu]
# Mixed precision is not GPU-only: autocast to bfloat16 also runs on a CPU.
with torch.no_grad(), torch.autocast(device_type="cpu", dtype=torch.bfloat16):
    mixed_output = model(torch.from_numpy(x_np))
print("compute:", mixed_output.dtype, "| weights:", model.weight.dtype)
#> compute: torch.bfloat16 | weights: torch.float32
mixed_output = mixed_output.float()
# --8<-- [end:bfloat16_on_cpu]

# --8<-- [start:threads]
# On a CPU the knob that matters is the thread pool; PyTorch lets you change it at any time.
torch.set_num_threads(1)
print("intra-op threads:", torch.get_num_threads())
#> intra-op threads: 1
# --8<-- [end:threads]
