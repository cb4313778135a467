"""Preparing a PyTorch 2.13 model for the browser: one self-contained ONNX file for ONNX Runtime Web."""

# --8<-- [start:setup]
import tempfile
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch
from sklearn.datasets import load_digits  # bundled with scikit-learn: no download
from torch import nn

digits = load_digits()
features = (digits.data / 16.0).astype("float32")  # 1797 images of 8x8 pixels, flattened to 64
labels = digits.target
# The weights are computed in NumPy, identically in both scripts: a random ReLU layer, then an
# output layer fitted by least squares. No training loop, so both frameworks hold one model.
rng = np.random.default_rng(0)
hidden_kernel = rng.normal(scale=0.5, size=(64, 64)).astype("float32")
hidden_bias = rng.normal(scale=0.5, size=64).astype("float32")
hidden = np.maximum(features[:1500] @ hidden_kernel + hidden_bias, 0)
output_kernel = np.linalg.solve(hidden.T @ hidden + np.eye(64), hidden.T @ np.eye(10)[labels[:1500]])
output_kernel = output_kernel.astype("float32")

model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)).eval()
model.load_state_dict(
    {
        "0.weight": torch.from_numpy(hidden_kernel.T.copy()),  # Linear stores (out, in)
        "0.bias": torch.from_numpy(hidden_bias),
        "2.weight": torch.from_numpy(output_kernel.T.copy()),
        "2.bias": torch.zeros(10),
    }
)
test_images, test_labels = torch.from_numpy(features[1500:]), labels[1500:]
with torch.no_grad():
    logits = model(test_images).numpy()
print("test accuracy:", round(float((logits.argmax(axis=1) == test_labels).mean()), 3))
#> test accuracy: 0.879
scratch = tempfile.TemporaryDirectory()  # exported files go here, deleted at exit
workdir = Path(scratch.name)
# --8<-- [end:setup]

# --8<-- [start:export_for_the_browser]
# ONNX is the route from PyTorch to the browser that needs no extra package (ONNX Runtime Web).
export_options = dict(
    input_names=["pixels"],
    output_names=["logits"],
    dynamic_shapes=({0: torch.export.Dim("batch")},),
    verbose=False,
)
# By default, writing to a path puts the weights in a separate .data file next to the graph ...
torch.onnx.export(model, (test_images[:2],), workdir / "default.onnx", **export_options)
# ... external_data=False keeps one self-contained file, which a page fetches in one request.
torch.onnx.export(
    model, (test_images[:2],), workdir / "classifier.onnx", external_data=False, **export_options
)
print(sorted(path.name for path in workdir.iterdir()))
#> ['classifier.onnx', 'default.onnx', 'default.onnx.data']
# The graph files' sizes depend on where the script runs (each node records its Python stack
# trace, file paths included); the weights file holds only the weights.
weights_bytes = (workdir / "default.onnx.data").stat().st_size
print(f"weights file {weights_bytes / 1000:.0f} kB")
#> weights file 19 kB
print("the self-contained file is larger:", (workdir / "classifier.onnx").stat().st_size > weights_bytes)
#> the self-contained file is larger: True
# --8<-- [end:export_for_the_browser]

# --8<-- [start:check_what_the_page_needs]
# A web page must build its input tensor with exactly this name, element type and shape.
session = ort.InferenceSession(workdir / "classifier.onnx", providers=["CPUExecutionProvider"])
for tensor in session.get_inputs() + session.get_outputs():
    print(tensor.name, tensor.type, tensor.shape)
    #> pixels tensor(float) ['batch', 64]
    #> logits tensor(float) ['batch', 10]
# ONNX Runtime Web compiles this same engine to WebAssembly; here its native build runs the file.
browser_logits = session.run(None, {"pixels": test_images.numpy()})[0]
print("max |difference| from eager below 1e-5:", bool(np.abs(browser_logits - logits).max() < 1e-5))
#> max |difference| from eager below 1e-5: True
# --8<-- [end:check_what_the_page_needs]
