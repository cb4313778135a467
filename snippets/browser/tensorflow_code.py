"""Preparing a Keras 3 model (TensorFlow 2.21 backend) for the browser: ONNX and LiteRT files."""

# --8<-- [start:setup]
import tempfile
from pathlib import Path

import keras
import numpy as np
import onnxruntime as ort
from ai_edge_litert.interpreter import Interpreter
from sklearn.datasets import load_digits  # bundled with scikit-learn: no download

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

model = keras.Sequential(
    [
        keras.Input(shape=(64,), name="pixels"),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10),
    ]
)
model.set_weights([hidden_kernel, hidden_bias, output_kernel, np.zeros(10, "float32")])
test_images, test_labels = features[1500:], labels[1500:]
logits = model.predict(test_images, verbose=0)
print("test accuracy:", round(float((logits.argmax(axis=1) == test_labels).mean()), 3))
#> test accuracy: 0.879
scratch = tempfile.TemporaryDirectory()  # exported files go here, deleted at exit
workdir = Path(scratch.name)
# --8<-- [end:setup]

# --8<-- [start:export_for_the_browser]
# Keras 3 exports the two formats today's browser runtimes load: ONNX for ONNX Runtime Web and
# .tflite for LiteRT.js. (TensorFlow.js's own format needs the tensorflowjs converter: see the page.)
model.export(workdir / "classifier.onnx", format="onnx", verbose=False)
model.export(workdir / "classifier.tflite", format="litert", verbose=False)
for path in sorted(workdir.iterdir()):
    print(f"{path.name:18} {path.stat().st_size:>6} bytes")
    #> classifier.onnx     20038 bytes
    #> classifier.tflite   20640 bytes
# --8<-- [end:export_for_the_browser]

# --8<-- [start:check_what_the_page_needs]
# A web page must build its input tensor with exactly this name, element type and shape.
session = ort.InferenceSession(workdir / "classifier.onnx", providers=["CPUExecutionProvider"])
for tensor in session.get_inputs() + session.get_outputs():
    print(tensor.name, tensor.type, tensor.shape)
    #> pixels tensor(float) ['unk__6', 64]
    #> Identity:0 tensor(float) ['unk__7', 10]
# ONNX Runtime Web compiles this same engine to WebAssembly; here its native build runs the file.
browser_logits = session.run(None, {"pixels": test_images})[0]
print("max |difference| from Keras below 1e-5:", bool(np.abs(browser_logits - logits).max() < 1e-5))
#> max |difference| from Keras below 1e-5: True
run = Interpreter(model_path=str(workdir / "classifier.tflite")).get_signature_runner()
litert_logits = run(pixels=test_images)["output_0"]
print("LiteRT file, max |difference| below 1e-5:", bool(np.abs(litert_logits - logits).max() < 1e-5))
#> LiteRT file, max |difference| below 1e-5: True
# --8<-- [end:check_what_the_page_needs]
