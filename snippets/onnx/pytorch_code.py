"""ONNX from PyTorch 2.13 with the torch.export-based exporter, run in ONNX Runtime."""

# --8<-- [start:setup]
import tempfile
import textwrap
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnxruntime import quantization
from sklearn.datasets import load_digits  # bundled with scikit-learn: no download
from torch import nn

# A small convolutional network with random weights, drawn in Keras's layout by both scripts.
rng = np.random.default_rng(0)
conv_kernel = rng.normal(scale=0.5, size=(3, 3, 1, 8)).astype("float32")  # (height, width, in, out)
conv_bias = rng.normal(scale=0.1, size=8).astype("float32")
dense_kernel = rng.normal(scale=0.5, size=(8, 10)).astype("float32")  # (in, out)
dense_bias = rng.normal(scale=0.1, size=10).astype("float32")

model = nn.Sequential(
    nn.Conv2d(1, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10)
).eval()
model.load_state_dict(
    {
        "0.weight": torch.from_numpy(conv_kernel.transpose(3, 2, 0, 1).copy()),  # (out, in, height, width)
        "0.bias": torch.from_numpy(conv_bias),
        "4.weight": torch.from_numpy(dense_kernel.T.copy()),  # (out, in)
        "4.bias": torch.from_numpy(dense_bias),
    }
)
images = torch.from_numpy((load_digits().images[:16] / 16.0).astype("float32"))[:, None]  # (16, 1, 8, 8)
with torch.no_grad():
    logits = model(images).numpy()
print(tuple(images.shape), "->", logits.shape)
#> (16, 1, 8, 8) -> (16, 10)
scratch = tempfile.TemporaryDirectory()  # exported files go here, deleted at exit
workdir = Path(scratch.name)
# --8<-- [end:setup]

# --8<-- [start:export_to_onnx]
# Since PyTorch 2.9 torch.onnx.export captures the model with torch.export (dynamo=True is the
# default) and translates the ATen graph with ONNX Script. Dim makes the batch size dynamic.
onnx_program = torch.onnx.export(
    model,
    (images,),
    input_names=["images"],
    output_names=["logits"],
    dynamic_shapes=({0: torch.export.Dim("batch")},),
    verbose=False,
)
onnx_program.save(workdir / "classifier.onnx")
print(type(onnx_program).__name__, "with opset", onnx_program.model_proto.opset_import[0].version)
#> ONNXProgram with opset 20

# The TorchScript-based exporter is still reachable with dynamo=False, and says it is deprecated.
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    torch.onnx.export(model, (images,), workdir / "legacy.onnx", dynamo=False)
message = str(caught[0].message).split(" Learn more")[0]
print(textwrap.fill(f"{caught[0].category.__name__}: {message}", width=96, subsequent_indent="  "))
#> DeprecationWarning: You are using the legacy TorchScript-based ONNX export. Starting in PyTorch
#>   2.9, the new torch.export-based ONNX exporter has become the default.
# --8<-- [end:export_to_onnx]

# --8<-- [start:run_in_onnx_runtime]
# This CPU build of ONNX Runtime offers two of its execution providers; others need their own build.
print(ort.get_available_providers())
#> ['AzureExecutionProvider', 'CPUExecutionProvider']
session = ort.InferenceSession(workdir / "classifier.onnx", providers=["CPUExecutionProvider"])
print([(i.name, i.shape) for i in session.get_inputs()], [o.name for o in session.get_outputs()])
#> [('images', ['batch', 1, 8, 8])] ['logits']
onnx_logits = session.run(["logits"], {"images": images.numpy()})[0]
print("max |difference| from eager below 1e-5:", bool(np.abs(onnx_logits - logits).max() < 1e-5))
#> max |difference| from eager below 1e-5: True
# --8<-- [end:run_in_onnx_runtime]

# --8<-- [start:from_a_saved_artifact]
# torch.onnx.export also accepts an ExportedProgram, for example one reloaded from a .pt2 file.
exported = torch.export.export(model, (images,), dynamic_shapes=({0: torch.export.Dim("batch")},))
torch.export.save(exported, workdir / "classifier.pt2")
reloaded = torch.export.load(workdir / "classifier.pt2")
torch.onnx.export(reloaded, verbose=False).save(workdir / "from_pt2.onnx")
artifact_session = ort.InferenceSession(workdir / "from_pt2.onnx", providers=["CPUExecutionProvider"])
print([i.name for i in artifact_session.get_inputs()], [o.name for o in artifact_session.get_outputs()])
#> ['input'] ['linear']
artifact_logits = artifact_session.run(None, {"input": images.numpy()})[0]
print("max |difference| from eager below 1e-5:", bool(np.abs(artifact_logits - logits).max() < 1e-5))
#> max |difference| from eager below 1e-5: True
# --8<-- [end:from_a_saved_artifact]

# --8<-- [start:inspect_the_onnx_graph]
# PyTorch's layout is ONNX's layout (channels first), so the graph needs no transposes.
print(Counter(node.op_type for node in onnx_program.model_proto.graph.node))
#> Counter({'Conv': 1, 'Relu': 1, 'ReduceMean': 1, 'Reshape': 1, 'Gemm': 1})
print([(i.name, i.shape) for i in session.get_inputs()])
#> [('images', ['batch', 1, 8, 8])]
nchw_logits = session.run(None, {"images": images.numpy()})[0]
print("max |difference| from eager below 1e-5:", bool(np.abs(nchw_logits - logits).max() < 1e-5))
#> max |difference| from eager below 1e-5: True
# --8<-- [end:inspect_the_onnx_graph]

# --8<-- [start:optimise_the_graph]
# The exporter optimises the captured graph by default (optimize=True); without it, the graph
# keeps the shape arithmetic torch.export recorded, until ONNXProgram.optimize() folds it.
unoptimised = torch.onnx.export(
    model, (images,), input_names=["images"], output_names=["logits"],
    dynamic_shapes=({0: torch.export.Dim("batch")},), optimize=False, verbose=False,
)  # fmt: skip
nodes = unoptimised.model_proto.graph.node
print("as captured:", len(nodes), "nodes:", " ".join(sorted({node.op_type for node in nodes})))
#> as captured: 14 nodes: Concat Constant Conv Gemm ReduceMean Relu Reshape Shape Squeeze
unoptimised.optimize()
nodes = unoptimised.model_proto.graph.node
print("optimised:", len(nodes), "nodes:", " ".join(sorted({node.op_type for node in nodes})))
#> optimised: 5 nodes: Conv Gemm ReduceMean Relu Reshape
# ONNX Runtime optimises again when it loads a file; optimized_model_filepath saves the result.
for level in ["ORT_ENABLE_BASIC", "ORT_ENABLE_EXTENDED"]:
    options = ort.SessionOptions()
    options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, level)
    options.optimized_model_filepath = str(workdir / f"{level}.onnx")
    ort.InferenceSession(workdir / "classifier.onnx", options, providers=["CPUExecutionProvider"])
    print(level, dict(Counter(node.op_type for node in onnx.load(workdir / f"{level}.onnx").graph.node)))
    #> ORT_ENABLE_BASIC {'Conv': 1, 'Relu': 1, 'ReduceMean': 1, 'Reshape': 1, 'Gemm': 1}
    #> ORT_ENABLE_EXTENDED {'FusedConv': 1, 'ReduceMean': 1, 'Reshape': 1, 'Gemm': 1}
# --8<-- [end:optimise_the_graph]

# --8<-- [start:quantise_in_onnx_runtime]
digits = load_digits()
calibration_images = (digits.images[:1500] / 16.0).astype("float32")[:, None]
test_images = (digits.images[1500:] / 16.0).astype("float32")[:, None]  # 297 held-out digits


class DigitsReader(quantization.CalibrationDataReader):  # feeds calibration batches to quantize_static
    def __init__(self):
        self.batches = iter([{"images": calibration_images[i : i + 100]} for i in range(0, 1500, 100)])

    def get_next(self):
        return next(self.batches, None)


prepared, dynamic, static = workdir / "prepared.onnx", workdir / "dynamic.onnx", workdir / "static.onnx"
# Shape inference first. ONNX's own suffices for a conv net; the symbolic one is for transformers.
quantization.quant_pre_process(workdir / "classifier.onnx", prepared, skip_symbolic_shape=True)
# Dynamic: int8 weights, activations quantised on the fly. Static: int8 weights and activations,
# with ranges calibrated on the training images, written as QuantizeLinear/DequantizeLinear pairs.
quantization.quantize_dynamic(prepared, dynamic, weight_type=quantization.QuantType.QInt8)
qdq = quantization.QuantFormat.QDQ
# reduce_range: 7-bit weights, as ONNX Runtime's guide advises for x86 CPUs without AVX-512 VNNI,
# whose int8 kernels can saturate; with it the result does not depend on the CPU.
quantization.quantize_static(
    prepared, static, DigitsReader(), quant_format=qdq, per_channel=True, reduce_range=True
)
float_logits = session.run(None, {"images": test_images})[0]
for name in ["classifier", "dynamic", "static"]:
    quantised = ort.InferenceSession(workdir / f"{name}.onnx", providers=["CPUExecutionProvider"])
    quantised_logits = quantised.run(None, {"images": test_images})[0]
    same_class = (quantised_logits.argmax(axis=1) == float_logits.argmax(axis=1)).mean()
    weights = onnx.load(workdir / f"{name}.onnx").graph.initializer  # stored tensors: weights, scales
    stored = sum(onnx.numpy_helper.to_array(tensor).nbytes for tensor in weights)
    largest = np.abs(quantised_logits - float_logits).max()
    print(f"{name:>10}: {stored} bytes of tensors, same class {same_class:.3f}, max |diff| {largest:.3f}")
    #> classifier: 712 bytes of tensors, same class 1.000, max |diff| 0.000
    #>    dynamic: 298 bytes of tensors, same class 1.000, max |diff| 0.022
    #>     static: 510 bytes of tensors, same class 1.000, max |diff| 0.019
# --8<-- [end:quantise_in_onnx_runtime]
