"""Mobile and edge with TensorFlow 2.21: LiteRT conversion, quantisation and the ai_edge_litert runtime."""

# --8<-- [start:setup]
import tempfile
import textwrap
import warnings
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from ai_edge_litert.compiled_model import CompiledModel
from ai_edge_litert.interpreter import Interpreter  # LiteRT, the successor of TensorFlow Lite
from ai_edge_quantizer import quantizer, recipe  # Google's AI Edge Quantizer, for .tflite files
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
print("Keras test accuracy:", round(float((logits.argmax(axis=1) == test_labels).mean()), 3))
#> Keras test accuracy: 0.879
scratch = tempfile.TemporaryDirectory()  # exported files go here, deleted at exit
workdir = Path(scratch.name)
# --8<-- [end:setup]

# --8<-- [start:convert]
# from_keras_model() exports the model through Keras, which prints the endpoints it wrote (with
# object ids that change on every run); with interactive logging off, Keras logs them instead.
keras.utils.disable_interactive_logging()
# The converter still lives in TensorFlow as tf.lite.TFLiteConverter; it writes a .tflite flatbuffer.
tflite_model = tf.lite.TFLiteConverter.from_keras_model(model).convert()
print("from a Keras model:", len(tflite_model), "bytes")
#> from a Keras model: 20632 bytes
model.export(workdir / "saved_model", verbose=False)
from_saved_model = tf.lite.TFLiteConverter.from_saved_model(str(workdir / "saved_model")).convert()
print("from a SavedModel:", len(from_saved_model), "bytes")
#> from a SavedModel: 20632 bytes


def run_tflite(flatbuffer, images):
    interpreter = Interpreter(model_content=flatbuffer)
    pixels, output = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    interpreter.resize_tensor_input(pixels["index"], images.shape)
    interpreter.allocate_tensors()
    if pixels["dtype"] == np.int8:  # a model quantised with int8 inputs takes scaled integers
        scale, zero_point = pixels["quantization"]
        images = np.clip(np.round(images / scale) + zero_point, -128, 127).astype(np.int8)
    interpreter.set_tensor(pixels["index"], images)
    interpreter.invoke()
    result = interpreter.get_tensor(output["index"])
    if output["dtype"] == np.int8:
        scale, zero_point = output["quantization"]
        result = (result.astype("float32") - zero_point) * scale
    return result


# From concrete functions: a function traced from the live Keras 3 model converts without error,
# but its weights stay resource variables that nothing initialises on the device ...
traced = tf.function(lambda pixels: model(pixels), input_signature=[tf.TensorSpec([None, 64], tf.float32)])
converter = tf.lite.TFLiteConverter.from_concrete_functions([traced.get_concrete_function()], model)
traced_model = converter.convert()
ops = {op["op_name"] for op in Interpreter(model_content=traced_model)._get_ops_details()}  # private helper
print("variable ops left in the file:", sorted(ops & {"VAR_HANDLE", "READ_VARIABLE"}))
#> variable ops left in the file: ['READ_VARIABLE', 'VAR_HANDLE']
broken = run_tflite(traced_model, test_images)
print("traced from the Keras model, matches Keras:", np.allclose(broken, logits, atol=1e-4))
#> traced from the Keras model, matches Keras: False
# ... while the concrete function of a reloaded SavedModel converts correctly.
reloaded = tf.saved_model.load(str(workdir / "saved_model"))
signature = reloaded.signatures["serving_default"]
converter = tf.lite.TFLiteConverter.from_concrete_functions([signature], reloaded)
fixed = run_tflite(converter.convert(), test_images)
print("signature of a reloaded SavedModel, matches Keras:", np.allclose(fixed, logits, atol=1e-4))
#> signature of a reloaded SavedModel, matches Keras: True
# --8<-- [end:convert]

# --8<-- [start:run_on_the_device_runtime]
# The ai_edge_litert interpreter is the Python build of the runtime that ships on Android and iOS.
interpreter = Interpreter(model_content=tflite_model)
print(interpreter.get_signature_list())
#> {'serving_default': {'inputs': ['pixels'], 'outputs': ['output_0']}}
run = interpreter.get_signature_runner("serving_default")
edge_logits = run(pixels=test_images)["output_0"]  # the signature runner resizes the batch itself
print("max |difference| from Keras below 1e-5:", bool(np.abs(edge_logits - logits).max() < 1e-5))
#> max |difference| from Keras below 1e-5: True
print("LiteRT test accuracy:", round(float((edge_logits.argmax(axis=1) == test_labels).mean()), 3))
#> LiteRT test accuracy: 0.879

# LiteRT's newer CompiledModel API: compiled once for an accelerator (CPU here, the default),
# fed through TensorBuffers instead of tensor indices.
compiled = CompiledModel.from_buffer(tflite_model)
compiled.resize_input_tensor_by_name("serving_default", "pixels", test_images.shape)
inputs, outputs = compiled.create_input_buffers(0), compiled.create_output_buffers(0)
inputs[0].write(test_images)
compiled.run_by_index(0, inputs, outputs)
compiled_logits = outputs[0].read(test_images.shape[0] * 10, np.float32).reshape(-1, 10)
print("CompiledModel, max |difference| below 1e-5:", bool(np.abs(compiled_logits - logits).max() < 1e-5))
#> CompiledModel, max |difference| below 1e-5: True
print("every op on the accelerator:", compiled.is_fully_accelerated())
#> every op on the accelerator: True
# --8<-- [end:run_on_the_device_runtime]

# --8<-- [start:quantise]
# Dynamic-range quantisation: weights stored as int8, no calibration data needed.
converter = tf.lite.TFLiteConverter.from_keras_model(model)
converter.optimizations = [tf.lite.Optimize.DEFAULT]
dynamic_range = converter.convert()


# Full integer quantisation: activations too, calibrated on a representative dataset.
def representative_data():
    for start in range(0, 1500, 100):
        yield [features[start : start + 100]]


converter = tf.lite.TFLiteConverter.from_keras_model(model)
converter.optimizations = [tf.lite.Optimize.DEFAULT]
converter.representative_dataset = representative_data
converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
full_int8 = converter.convert()

# The AI Edge Quantizer works on the .tflite file itself, with recipes per op or per layer.
dynamic_quantizer = quantizer.Quantizer(tflite_model, recipe.dynamic_wi8_afp32())
aeq_dynamic = bytes(dynamic_quantizer.quantize(enable_progress_report=False).quantized_model)
static_quantizer = quantizer.Quantizer(tflite_model, recipe.static_wi8_ai8())
calibration_batches = [{"pixels": batch} for (batch,) in representative_data()]  # same as the converter's
calibration = static_quantizer.calibrate({"serving_default": calibration_batches})
aeq_static = bytes(static_quantizer.quantize(calibration, enable_progress_report=False).quantized_model)

converted = [("float32", tflite_model), ("dynamic range", dynamic_range), ("int8", full_int8)]
for name, flatbuffer in converted + [("AEQ dynamic", aeq_dynamic), ("AEQ int8", aeq_static)]:
    quantised_logits = run_tflite(flatbuffer, test_images)
    accuracy = (quantised_logits.argmax(axis=1) == test_labels).mean()
    agreement = (quantised_logits.argmax(axis=1) == logits.argmax(axis=1)).mean()
    print(f"{name:>13}: {len(flatbuffer):>6} bytes, accuracy {accuracy:.3f}, same class {agreement:.3f}")
    #>       float32:  20632 bytes, accuracy 0.879, same class 1.000
    #> dynamic range:   9168 bytes, accuracy 0.875, same class 0.997
    #>          int8:   8624 bytes, accuracy 0.872, same class 0.993
    #>   AEQ dynamic:   7360 bytes, accuracy 0.875, same class 0.993
    #>      AEQ int8:   8232 bytes, accuracy 0.872, same class 0.987
# --8<-- [end:quantise]

# --8<-- [start:deprecated_runtime]
# tf.lite.Interpreter still ships with TensorFlow 2.21, but warns when it is created.
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    old_interpreter = tf.lite.Interpreter(model_content=tflite_model)
for warning in caught:
    message = " ".join(str(warning.message).split())  # the message spans several indented lines
    print(textwrap.fill(f"{warning.category.__name__}: {message}", width=96, subsequent_indent="  "))
    #> UserWarning: Warning: tf.lite.Interpreter is deprecated and is scheduled for deletion in TF
    #>   2.20. Please use the LiteRT interpreter from the ai_edge_litert package. See the [migration
    #>   guide](https://ai.google.dev/edge/litert/migration) for details.
old_interpreter.allocate_tensors()
old_interpreter.set_tensor(old_interpreter.get_input_details()[0]["index"], test_images[:1])
old_interpreter.invoke()
same = np.allclose(old_interpreter.get_tensor(old_interpreter.get_output_details()[0]["index"]), logits[:1])
print("still runs, matches Keras:", same)
#> still runs, matches Keras: True
# --8<-- [end:deprecated_runtime]
