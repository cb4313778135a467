"""Deprecated TensorFlow 2.21 / Keras 3.15 calls and their successors, run on one tiny model."""

# --8<-- [start:setup]
import inspect
import tempfile
import textwrap
import warnings
from pathlib import Path

import keras
import numpy as np
import onnxruntime as ort
import tensorflow as tf
import tf2onnx
from ai_edge_litert.interpreter import Interpreter  # LiteRT, the successor of TensorFlow Lite

# A tiny model, 4 features -> 8 ReLU units -> 3 logits, with weights drawn in NumPy by both scripts.
rng = np.random.default_rng(0)
hidden_kernel = rng.normal(size=(4, 8)).astype("float32")  # Keras layout: (in, out)
hidden_bias = rng.normal(size=8).astype("float32")
output_kernel = rng.normal(size=(8, 3)).astype("float32")
output_bias = rng.normal(size=3).astype("float32")
features = rng.normal(size=(5, 4)).astype("float32")

model = keras.Sequential(
    [
        keras.Input(shape=(4,), name="features"),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dense(3),
    ]
)
model.set_weights([hidden_kernel, hidden_bias, output_kernel, output_bias])
logits = model.predict(features, verbose=0)
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
# Keras 3 writes the .tflite file itself; the old and the new interpreter both run it.
model.export(workdir / "model.tflite", format="litert", verbose=False)
flatbuffer = (workdir / "model.tflite").read_bytes()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    old_interpreter = tf.lite.Interpreter(model_content=flatbuffer)  # deprecated
for warning in caught:
    print(tidy(warning.category.__name__, warning.message))
    #> UserWarning: Warning: tf.lite.Interpreter is deprecated and is scheduled for deletion in TF
    #>   2.20. Please use the LiteRT interpreter from the ai_edge_litert package. See the [migration
    #>   guide](https://ai.google.dev/edge/litert/migration) for details.
old_logits = old_interpreter.get_signature_runner()(features=features)["output_0"]
interpreter = Interpreter(model_content=flatbuffer)  # the successor: same file, same calls
litert_logits = interpreter.get_signature_runner()(features=features)["output_0"]
print("old and new interpreter agree exactly:", np.array_equal(old_logits, litert_logits))
#> old and new interpreter agree exactly: True
print("LiteRT matches Keras within 1e-5:", np.allclose(litert_logits, logits, rtol=1e-5, atol=1e-5))
#> LiteRT matches Keras within 1e-5: True
# --8<-- [end:on_device_runtime]

# --8<-- [start:export_a_pytorch_program]
# Keras 3.15 exports a PyTorch ExportedProgram (.pt2) with export_torch, reached through
# model.export(format="torch"); keras.export does not expose the function itself.
print("Keras", keras.__version__, "| keras.export.export_torch:", hasattr(keras.export, "export_torch"))
#> Keras 3.15.1 | keras.export.export_torch: False
from keras.src.export import export_torch  # noqa: E402 - private module, read for its signature only

print(inspect.signature(export_torch))
#> (model, filepath, input_signature=None, verbose=None, **kwargs)
# It applies to the PyTorch backend only; this script runs Keras on TensorFlow.
try:
    model.export(workdir / "model.pt2", format="torch")
except ValueError as err:
    print(tidy(type(err).__name__, err))
    #> ValueError: Torch export requires PyTorch backend.
# --8<-- [end:export_a_pytorch_program]

# --8<-- [start:onnx_export]
# tf2onnx's Keras entry point predates Keras 3 and fails on a Keras 3 model.
signature = [tf.TensorSpec((None, 4), tf.float32, name="features")]
try:
    tf2onnx.convert.from_keras(model, input_signature=signature)
except KeyError as err:
    print(tidy(f"tf2onnx {tf2onnx.__version__}, from_keras: {type(err).__name__}", err))
    #> tf2onnx 1.17.0, from_keras: KeyError: 'keras_tensor_1'
# The successor: Keras 3's own ONNX export (it calls tf2onnx.convert.from_function on this backend).
model.export(workdir / "model.onnx", format="onnx", verbose=False)
session = ort.InferenceSession(workdir / "model.onnx", providers=["CPUExecutionProvider"])
onnx_logits = session.run(None, {session.get_inputs()[0].name: features})[0]
print("ONNX Runtime matches Keras within 1e-5:", np.allclose(onnx_logits, logits, rtol=1e-5, atol=1e-5))
#> ONNX Runtime matches Keras within 1e-5: True
# --8<-- [end:onnx_export]
