"""ONNX from TensorFlow 2.21 / Keras 3 with tf2onnx, run in ONNX Runtime."""

# --8<-- [start:setup]
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import keras
import numpy as np
import onnx
import onnxruntime as ort
import tensorflow as tf
import tf2onnx
from onnxruntime import quantization
from sklearn.datasets import load_digits  # bundled with scikit-learn: no download

# A small convolutional network with random weights, drawn in Keras's layout by both scripts.
rng = np.random.default_rng(0)
conv_kernel = rng.normal(scale=0.5, size=(3, 3, 1, 8)).astype("float32")  # (height, width, in, out)
conv_bias = rng.normal(scale=0.1, size=8).astype("float32")
dense_kernel = rng.normal(scale=0.5, size=(8, 10)).astype("float32")  # (in, out)
dense_bias = rng.normal(scale=0.1, size=10).astype("float32")

model = keras.Sequential(
    [
        keras.Input(shape=(8, 8, 1), name="images"),  # channels last: (batch, height, width, channels)
        keras.layers.Conv2D(8, 3, activation="relu"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(10),
    ]
)
model.set_weights([conv_kernel, conv_bias, dense_kernel, dense_bias])
images = (load_digits().images[:16] / 16.0).astype("float32")[..., None]  # (16, 8, 8, 1)
logits = model.predict(images, verbose=0)
print(images.shape, "->", logits.shape)
#> (16, 8, 8, 1) -> (16, 10)
scratch = tempfile.TemporaryDirectory()  # exported files go here, deleted at exit
workdir = Path(scratch.name)
# --8<-- [end:setup]

# --8<-- [start:export_to_onnx]
# tf2onnx converts a tf.function; the input signature names the input and leaves the batch open.
signature = [tf.TensorSpec((None, 8, 8, 1), tf.float32, name="images")]
serve = tf.function(lambda images: {"logits": model(images, training=False)})
onnx_model, _ = tf2onnx.convert.from_function(serve, input_signature=signature, opset=18)
onnx.save(onnx_model, workdir / "classifier.onnx")
print("tf2onnx", tf2onnx.__version__, "wrote opset", onnx_model.opset_import[0].version)
#> tf2onnx 1.17.0 wrote opset 18

# Its Keras entry point predates Keras 3 and fails on a Keras 3 model.
try:
    tf2onnx.convert.from_keras(model, input_signature=signature, opset=18)
except Exception as err:
    print("from_keras:", type(err).__name__, err)
    #> from_keras: KeyError 'keras_tensor_2'
# Keras 3's own ONNX export calls tf2onnx.convert.from_function on the TensorFlow backend,
# without an opset, so it gets tf2onnx's default opset.
model.export(workdir / "keras_export.onnx", format="onnx", verbose=False)
default_opset = onnx.load(workdir / "keras_export.onnx").opset_import[0].version
print("model.export wrote opset", default_opset, "| tf2onnx default:", tf2onnx.constants.PREFERRED_OPSET)
#> model.export wrote opset 15 | tf2onnx default: 15
# --8<-- [end:export_to_onnx]

# --8<-- [start:run_in_onnx_runtime]
# This CPU build of ONNX Runtime offers two of its execution providers; others need their own build.
print(ort.get_available_providers())
#> ['AzureExecutionProvider', 'CPUExecutionProvider']
session = ort.InferenceSession(workdir / "classifier.onnx", providers=["CPUExecutionProvider"])
print([(i.name, i.shape) for i in session.get_inputs()], [o.name for o in session.get_outputs()])
#> [('images', ['unk__13', 8, 8, 1])] ['logits']
onnx_logits = session.run(["logits"], {"images": images})[0]
print("max |difference| from Keras below 1e-5:", bool(np.abs(onnx_logits - logits).max() < 1e-5))
#> max |difference| from Keras below 1e-5: True
keras_session = ort.InferenceSession(workdir / "keras_export.onnx", providers=["CPUExecutionProvider"])
keras_input = keras_session.get_inputs()[0].name
keras_export_logits = keras_session.run(None, {keras_input: images})[0]
print("Keras export, max |difference| below 1e-5:", bool(np.abs(keras_export_logits - logits).max() < 1e-5))
#> Keras export, max |difference| below 1e-5: True
# --8<-- [end:run_in_onnx_runtime]

# --8<-- [start:from_a_saved_artifact]
# The documented SavedModel route is tf2onnx's command line, run here as a subprocess.
model.export(workdir / "saved_model", verbose=False)
command = [sys.executable, "-m", "tf2onnx.convert", "--saved-model", str(workdir / "saved_model")]
command += ["--output", str(workdir / "from_saved_model.onnx"), "--opset", "18"]
finished = subprocess.run(command, capture_output=True, text=True)
print("exit code", finished.returncode)
#> exit code 0
artifact_session = ort.InferenceSession(workdir / "from_saved_model.onnx", providers=["CPUExecutionProvider"])
print([i.name for i in artifact_session.get_inputs()], [o.name for o in artifact_session.get_outputs()])
#> ['images'] ['output_0']
artifact_logits = artifact_session.run(None, {"images": images})[0]
print("max |difference| from Keras below 1e-5:", bool(np.abs(artifact_logits - logits).max() < 1e-5))
#> max |difference| from Keras below 1e-5: True
# --8<-- [end:from_a_saved_artifact]

# --8<-- [start:inspect_the_onnx_graph]
# The ONNX file keeps TensorFlow's channels-last input; tf2onnx adds the transposes ONNX's
# channels-first Conv needs. inputs_as_nchw makes the file take PyTorch's layout instead.
print(Counter(node.op_type for node in onnx_model.graph.node))
#> Counter({'Reshape': 1, 'Conv': 1, 'Relu': 1, 'Transpose': 1, 'ReduceMean': 1, 'MatMul': 1, 'Add': 1})
nchw_model, _ = tf2onnx.convert.from_function(serve, signature, opset=18, inputs_as_nchw=["images"])
nchw_session = ort.InferenceSession(nchw_model.SerializeToString(), providers=["CPUExecutionProvider"])
print([(i.name, i.shape) for i in nchw_session.get_inputs()])
#> [('images', ['unk__40', 1, 8, 8])]
nchw_logits = nchw_session.run(None, {"images": images.transpose(0, 3, 1, 2)})[0]  # NHWC -> NCHW
print("max |difference| from Keras below 1e-5:", bool(np.abs(nchw_logits - logits).max() < 1e-5))
#> max |difference| from Keras below 1e-5: True
# --8<-- [end:inspect_the_onnx_graph]

# --8<-- [start:optimise_the_graph]
# tf2onnx runs its own graph optimiser during every conversion (the counts above are after it).
# ONNX Runtime optimises again when it loads a file; optimized_model_filepath saves the result.
for level in ["ORT_ENABLE_BASIC", "ORT_ENABLE_EXTENDED"]:
    options = ort.SessionOptions()
    options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, level)
    options.optimized_model_filepath = str(workdir / f"{level}.onnx")
    ort.InferenceSession(workdir / "classifier.onnx", options, providers=["CPUExecutionProvider"])
    print(level, dict(Counter(node.op_type for node in onnx.load(workdir / f"{level}.onnx").graph.node)))
    #> ORT_ENABLE_BASIC {'Reshape': 1, 'Conv': 1, 'Relu': 1, 'ReduceMean': 1, 'Gemm': 1}
    #> ORT_ENABLE_EXTENDED {'Reshape': 1, 'FusedConv': 1, 'ReduceMean': 1, 'Gemm': 1}
# --8<-- [end:optimise_the_graph]

# --8<-- [start:quantise_in_onnx_runtime]
digits = load_digits()
calibration_images = (digits.images[:1500] / 16.0).astype("float32")[..., None]
test_images = (digits.images[1500:] / 16.0).astype("float32")[..., None]  # 297 held-out digits


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
    #> classifier: 728 bytes of tensors, same class 1.000, max |diff| 0.000
    #>    dynamic: 314 bytes of tensors, same class 1.000, max |diff| 0.022
    #>     static: 526 bytes of tensors, same class 1.000, max |diff| 0.019
# --8<-- [end:quantise_in_onnx_runtime]
