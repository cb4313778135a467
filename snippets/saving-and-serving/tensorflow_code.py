"""Saving and serving in TensorFlow 2.21 with Keras 3: .keras files, SavedModel, TF Serving requests."""

# --8<-- [start:setup]
import collections
import json
import tempfile
import textwrap
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
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
scratch = tempfile.TemporaryDirectory()  # every file below goes here, deleted at exit
workdir = Path(scratch.name)
# --8<-- [end:setup]

# --8<-- [start:save_and_reload]
# A .keras file holds the architecture, the weights and the compile state, in one zip.
model.save(workdir / "classifier.keras")
reloaded = keras.models.load_model(workdir / "classifier.keras")
reloaded_logits = reloaded.predict(test_images, verbose=0)
print("identical outputs:", np.array_equal(reloaded_logits, logits))
#> identical outputs: True
# Weights only: load them into a model built by the same code.
model.save_weights(workdir / "classifier.weights.h5")
rebuilt = keras.Sequential([keras.Input(shape=(64,)), keras.layers.Dense(64, "relu"), keras.layers.Dense(10)])
rebuilt.load_weights(workdir / "classifier.weights.h5")
print("identical outputs:", np.array_equal(rebuilt.predict(test_images, verbose=0), logits))
#> identical outputs: True
# --8<-- [end:save_and_reload]

# --8<-- [start:export_for_serving]
# A SavedModel is a TensorFlow graph plus variables: no Keras and no model code needed to run it.
# TF Serving reads <model name>/<version number>/, so export into classifier/1.
model.export(workdir / "classifier" / "1", verbose=False)
print(sorted(path.name for path in (workdir / "classifier" / "1").iterdir()))
#> ['assets', 'fingerprint.pb', 'saved_model.pb', 'variables']
served = tf.saved_model.load(str(workdir / "classifier" / "1"))  # plain TensorFlow
exported_logits = served.serve(test_images).numpy()
print("max |difference| from Keras below 1e-5:", bool(np.abs(exported_logits - logits).max() < 1e-5))
#> max |difference| from Keras below 1e-5: True
one, seven = served.serve(test_images[:1]), served.serve(test_images[:7])
print("batch of 1:", tuple(one.shape), "| batch of 7:", tuple(seven.shape))
#> batch of 1: (1, 10) | batch of 7: (7, 10)
# --8<-- [end:export_for_serving]

# --8<-- [start:compile_ahead_of_time]
# A SavedModel stays a graph: its signature is a function of TensorFlow ops that the TensorFlow
# runtime executes with its own kernels, from Python or C++ (tensorflow::LoadSavedModel); no
# library is compiled for this model. A server calls the signature by its input and output names.
signature = served.signatures["serving_default"]
(input_name,) = signature.structured_input_signature[1]
(output_name,) = signature.structured_outputs
print("serving_default:", input_name, "->", output_name)
#> serving_default: pixels -> output_0
(body,) = signature.graph.as_graph_def().library.function  # the model's forward pass
print(sorted(collections.Counter(node.op for node in body.node_def).items()))
#> [('BiasAdd', 2), ('Identity', 1), ('MatMul', 2), ('NoOp', 1), ('ReadVariableOp', 4), ('Relu', 1)]
compiled_logits = signature(**{input_name: tf.constant(test_images)})[output_name].numpy()
print("max |difference| from Keras below 1e-5:", bool(np.abs(compiled_logits - logits).max() < 1e-5))
#> max |difference| from Keras below 1e-5: True
# --8<-- [end:compile_ahead_of_time]

# --8<-- [start:several_endpoints]
# ExportArchive writes one SavedModel with as many named endpoints (signatures) as you add.
pixels = tf.TensorSpec(shape=(None, 64), dtype=tf.float32, name="pixels")
archive = keras.export.ExportArchive()
archive.track(model)
archive.add_endpoint("serving_default", lambda pixels: model(pixels, training=False), [pixels])
archive.add_endpoint("probabilities", lambda pixels: tf.nn.softmax(model(pixels, training=False)), [pixels])
archive.write_out(str(workdir / "classifier" / "2"), verbose=False)  # version 2 of the same model

version_2 = tf.saved_model.load(str(workdir / "classifier" / "2"))
print(sorted(version_2.signatures))
#> ['probabilities', 'serving_default']
endpoint_probabilities = version_2.signatures["probabilities"](pixels=test_images[:3])["output_0"].numpy()
print(endpoint_probabilities.round(3).max(axis=1), endpoint_probabilities.sum(axis=1).round(4))
#> [0.138 0.183 0.214] [1. 1. 1.]
# --8<-- [end:several_endpoints]

# --8<-- [start:serving_request]
# What a TF Serving client sends: names come from the signature, so read them from the SavedModel.
signature = version_2.signatures["serving_default"]
input_name = next(iter(signature.structured_input_signature[1]))
output_name = next(iter(signature.structured_outputs))
print("input:", input_name, signature.structured_input_signature[1][input_name].shape, "output:", output_name)
#> input: pixels (None, 64) output: output_0
print("POST http://localhost:8501/v1/models/classifier/versions/2:predict")
#> POST http://localhost:8501/v1/models/classifier/versions/2:predict
body = json.dumps({"signature_name": "serving_default", "instances": test_images[:3].tolist()})
print(body[:76] + " ...")
#> {"signature_name": "serving_default", "instances": [[0.0, 0.0, 0.0, 0.1875,  ...

# No server runs here. This is what the server does with that body: the row-format
# "instances" become one batch fed to the signature's input, and the response is "predictions".
request = json.loads(body)
batch = tf.constant(request["instances"], dtype=tf.float32)
outputs = version_2.signatures[request["signature_name"]](**{input_name: batch})[output_name]
response = {"predictions": outputs.numpy().round(4).tolist()}
served_predictions = np.argmax(response["predictions"], axis=1)
print("predicted digits:", served_predictions, "true digits:", test_labels[:3])
#> predicted digits: [2 7 4] true digits: [1 7 4]
# --8<-- [end:serving_request]

# --8<-- [start:legacy_formats]
# Keras 3 no longer writes or reads a SavedModel through save() and load_model().
try:
    model.save(workdir / "my_model")  # TF 2.15 and earlier wrote a SavedModel directory here
except ValueError as err:
    print(textwrap.fill("ValueError: " + str(err).replace(str(workdir), "..."), 96, subsequent_indent="  "))
    #> ValueError: Invalid filepath extension for saving. Please add either a `.keras` extension for
    #>   the native Keras format (recommended) or a `.h5` extension. Use `model.export(filepath)` if
    #>   you want to export a SavedModel for use with TFLite/TFServing/etc. Received:
    #>   filepath=.../my_model.
try:
    keras.models.load_model(workdir / "classifier" / "1")
except ValueError as err:
    print(textwrap.fill("ValueError: " + str(err).replace(str(workdir), "..."), 96, subsequent_indent="  "))
    #> ValueError: File format not supported: filepath=.../classifier/1. Keras 3 only supports V3
    #>   `.keras` files, legacy H5 format files (`.h5` extension). Note that the legacy SavedModel
    #>   format is not supported by `load_model()` in Keras 3. In order to reload a TensorFlow
    #>   SavedModel as an inference-only layer in Keras 3, use
    #>   `keras.layers.TFSMLayer(.../classifier/1, call_endpoint='serving_default')` (note that your
    #>   `call_endpoint` might have a different name).
# An exported SavedModel comes back into Keras as an inference-only layer.
layer = keras.layers.TFSMLayer(workdir / "classifier" / "1", call_endpoint="serve")
print("max |difference| below 1e-5:", bool(np.abs(layer(test_images) - logits).max() < 1e-5))
#> max |difference| below 1e-5: True
# --8<-- [end:legacy_formats]
