"""Keras on the JAX backend: what jit_compile means there, and model.export.
The tests run this file with KERAS_BACKEND=jax.
"""

# --8<-- [start:jit_compile_on_jax]
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402


def build_model():
    return keras.Sequential(
        [
            keras.Input(shape=(4,)),
            keras.layers.Dense(8, activation="relu", name="hidden"),
            keras.layers.Dense(3, name="logits"),
        ],
        name="mlp",
    )


model = build_model()
model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
print(model.jit_compile)  # "auto" resolves to jax.jit on the JAX backend, CPU too
#> True
# --8<-- [end:jit_compile_on_jax]

# --8<-- [start:export_from_jax]
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

rng = np.random.default_rng(0)
model.set_weights([rng.normal(0.0, 0.5, w.shape).astype("float32") for w in model.get_weights()])
x = rng.normal(size=(32, 4)).astype("float32")
expected = model.predict(x, verbose=0)
workdir = tempfile.TemporaryDirectory()  # removed when the script ends
out = Path(workdir.name)

# A SavedModel, through jax2tf, reloaded and run by TensorFlow.
model.export(out / "saved_model", format="tf_saved_model", verbose=False)
import tensorflow as tf  # noqa: E402

reloaded = tf.saved_model.load(str(out / "saved_model"))
print(sorted(reloaded.signatures))
#> ['serve', 'serving_default']
saved_model_logits = reloaded.serve(x).numpy()
print(np.allclose(saved_model_logits, expected, rtol=1e-5, atol=1e-6))
#> True

# The other formats: Keras refuses two, and ONNX needs the jax2onnx package.
for fmt, name in [("torch", "mlp.pt2"), ("litert", "mlp.tflite"), ("onnx", "mlp.onnx")]:
    try:
        model.export(out / name, format=fmt, verbose=False)
    except (ValueError, ImportError) as err:
        print(f"{fmt}: {type(err).__name__}: {str(err).strip()}")
        #> torch: ValueError: Torch export requires PyTorch backend.
        #> litert: ValueError: LiteRT export requires TensorFlow or PyTorch backend.
        #> onnx: ImportError: This requires the jax2onnx module. You can install it via `pip install jax2onnx`
# --8<-- [end:export_from_jax]
