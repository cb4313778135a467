"""Deprecated and removed PyTorch 2.13 calls and their successors, run on one tiny model."""

# --8<-- [start:setup]
import importlib.util
import tempfile
import textwrap
import warnings
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch
from torch import nn

# A tiny model, 4 features -> 8 ReLU units -> 3 logits, with weights drawn in NumPy by both scripts.
rng = np.random.default_rng(0)
hidden_kernel = rng.normal(size=(4, 8)).astype("float32")  # Keras layout: (in, out)
hidden_bias = rng.normal(size=8).astype("float32")
output_kernel = rng.normal(size=(8, 3)).astype("float32")
output_bias = rng.normal(size=3).astype("float32")
features = torch.from_numpy(rng.normal(size=(5, 4)).astype("float32"))

model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)).eval()
model.load_state_dict(
    {
        "0.weight": torch.from_numpy(hidden_kernel.T.copy()),  # Linear stores (out, in)
        "0.bias": torch.from_numpy(hidden_bias),
        "2.weight": torch.from_numpy(output_kernel.T.copy()),
        "2.bias": torch.from_numpy(output_bias),
    }
)
with torch.no_grad():
    logits = model(features).numpy()
print(logits.round(4))
#> [[-5.9337  1.5631  0.4791]
#>  [-2.1298  2.9666  2.8017]
#>  [ 2.072   3.8545 -1.7412]
#>  [-5.4569  5.4162  0.4552]
#>  [ 0.1704  6.4826 -1.6743]]
scratch = tempfile.TemporaryDirectory()  # exported files go here, deleted at exit
workdir = Path(scratch.name)


def tidy(kind, message):
    """A warning or an error as one line of text: its class, then its message, wrapped to 96 columns."""
    return textwrap.fill(f"{kind}: {' '.join(str(message).split())}", width=96, subsequent_indent="  ")


# --8<-- [end:setup]

# --8<-- [start:on_device_runtime]
# Google's PyTorch-to-LiteRT converter: ai-edge-torch, renamed litert-torch. Neither is installed
# here (see the page), so this section can only say so.
for package in ["ai_edge_torch", "litert_torch"]:
    print(package, "installed:", importlib.util.find_spec(package) is not None)
    #> ai_edge_torch installed: False
    #> litert_torch installed: False
# --8<-- [end:on_device_runtime]

# --8<-- [start:export_a_pytorch_program]
# TorchScript still runs in PyTorch 2.13, and every call says it is deprecated.
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    scripted = torch.jit.script(model)
    torch.jit.save(scripted, workdir / "model_scripted.pt")
    scripted_logits = torch.jit.load(workdir / "model_scripted.pt")(features).detach().numpy()
for category, message in dict.fromkeys((w.category.__name__, str(w.message)) for w in caught):
    print(tidy(category, message))
    #> DeprecationWarning: `torch.jit.script` is deprecated. Please switch to `torch.compile` or
    #>   `torch.export`.
    #> DeprecationWarning: `torch.jit.save` is deprecated. Please switch to `torch.export`.
    #> DeprecationWarning: `torch.jit.load` is deprecated. Please switch to `torch.export`.
# The successor: torch.export captures the module as one graph of ATen operators, saved as .pt2.
batch = torch.export.Dim("batch")
exported = torch.export.export(model, (features,), dynamic_shapes=({0: batch},))
torch.export.save(exported, workdir / "model.pt2")
with torch.no_grad():
    program_logits = torch.export.load(workdir / "model.pt2").module()(features).numpy()
print("TorchScript and torch.export agree exactly:", np.array_equal(scripted_logits, program_logits))
#> TorchScript and torch.export agree exactly: True
# --8<-- [end:export_a_pytorch_program]

# --8<-- [start:onnx_export]
# torch.onnx.dynamo_export, the first torch.export-based ONNX exporter, is gone in PyTorch 2.13.
try:
    torch.onnx.dynamo_export(model, features)
except AttributeError as err:
    print(tidy(type(err).__name__, err))
    #> AttributeError: module 'torch.onnx' has no attribute 'dynamo_export'
# The successor: torch.onnx.export, whose dynamo=True (the torch.export-based path) is the default.
onnx_program = torch.onnx.export(
    model, (features,), input_names=["features"], dynamic_shapes=({0: batch},), dynamo=True, verbose=False
)
onnx_program.save(workdir / "model.onnx")
session = ort.InferenceSession(workdir / "model.onnx", providers=["CPUExecutionProvider"])
onnx_logits = session.run(None, {"features": features.numpy()})[0]
print("ONNX Runtime matches eager within 1e-5:", np.allclose(onnx_logits, logits, rtol=1e-5, atol=1e-5))
#> ONNX Runtime matches eager within 1e-5: True
# --8<-- [end:onnx_export]
