"""TensorFlow 2 / Keras 3 implementations of the workloads in bench/workloads.py.

Models are built from Keras layers, as a TensorFlow user would; the training step is the
custom-loop one (GradientTape + optimizer.apply) so that it matches PyTorch's step line for line.
Modes: "eager" calls the Python function, "tf_function" wraps it in tf.function (a traced
graph), "tf_function_xla" in tf.function(jit_compile=True) (compiled by XLA). In every compiled
training mode the whole step is compiled: forward, loss, gradients and the SGD update.
"keras_fit" (training only) is what most Keras users write: model.compile() with its defaults
(jit_compile="auto", which Keras 3 resolves to False on a machine without a GPU) and model.fit().
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from bench import workloads as W  # noqa: E402

FRAMEWORK = "tensorflow"


def configure_threads(intra: int, inter: int) -> dict:
    """Set TensorFlow's thread pools (must run before the first op) and read them back."""
    tf.config.threading.set_intra_op_parallelism_threads(intra)
    tf.config.threading.set_inter_op_parallelism_threads(inter)
    return {
        "intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
        "inter_op": tf.config.threading.get_inter_op_parallelism_threads(),
    }


def versions() -> dict:
    return {"tensorflow": tf.__version__, "keras": keras.__version__}


def _compile(fn, mode: str):
    if mode == "eager":
        return fn
    if mode == "tf_function":
        return tf.function(fn)
    if mode == "tf_function_xla":
        return tf.function(fn, jit_compile=True)
    raise ValueError(f"unknown TensorFlow mode {mode!r}")


class Runnable:
    """step() runs one iteration; sync() waits for its result and returns it as NumPy.

    steps_per_call: how many iterations one step() call makes (Keras fit() trains several
    batches per call; the worker divides the time by it).
    """

    steps_per_call = 1

    def step(self, check: bool = False):
        raise NotImplementedError

    def sync(self, out):
        return np.asarray(out.numpy())

    def state(self) -> dict[str, np.ndarray]:
        return {}


class Matmul(Runnable):
    def __init__(self, case, mode, weights, inputs, **_):
        self.a, self.b = tf.constant(inputs["a"]), tf.constant(inputs["b"])
        if case.workload == "matmul_bf16":
            self.a, self.b = tf.cast(self.a, tf.bfloat16), tf.cast(self.b, tf.bfloat16)
        self.fn = _compile(lambda a, b: tf.matmul(a, b), mode)

    def step(self, check=False):
        return self.fn(self.a, self.b)

    def sync(self, out):
        return np.asarray(tf.cast(out, tf.float32).numpy())


class Train(Runnable):
    """Forward, loss, gradients and a plain SGD update of a Keras model."""

    def __init__(self, case, mode, weights, inputs, **_):
        self.model = build_model(case)
        load_weights(self.model, case, weights)
        self.names = sorted(weights)
        self.x, self.y = tf.constant(inputs["x"]), tf.constant(inputs["y"])
        self.loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        self.optimizer = keras.optimizers.SGD(learning_rate=W.LEARNING_RATE)
        self.optimizer.build(self.model.trainable_variables)
        self.fn = _compile(self.train_step, mode)

    def train_step(self, x, y):
        with tf.GradientTape() as tape:
            loss = self.loss_fn(y, self.model(x, training=True))
        variables = self.model.trainable_variables
        grads = tape.gradient(loss, variables)
        self.optimizer.apply(grads, variables)
        return loss

    def step(self, check=False):
        return self.fn(self.x, self.y)

    def state(self):
        """Weights after the steps, keyed and laid out as in workloads.make_weights."""
        out = {}
        for name in self.names:
            layer, attr = name.split("/")
            out[name] = np.asarray(getattr(self.model.get_layer(layer), attr).numpy())
        return out


class Fit(Train):
    """model.compile() with default jit_compile, then model.fit(): one call trains FIT_STEPS batches
    (the same batch repeated, in order), one epoch, no callbacks printed. Correctness calls train
    one batch each and return that batch's loss, as the other modes do."""

    def __init__(self, case, mode, weights, inputs, **_):
        self.model = build_model(case)
        load_weights(self.model, case, weights)
        self.names = sorted(weights)
        self.model.compile(
            optimizer=keras.optimizers.SGD(learning_rate=W.LEARNING_RATE),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        )
        self.jit_compile = self.model.jit_compile  # what "auto" resolved to, recorded
        self.batch = case.params["batch"]
        self.x1, self.y1 = inputs["x"], inputs["y"]
        self.steps_per_call = W.FIT_STEPS
        self.x = np.concatenate([inputs["x"]] * W.FIT_STEPS)
        self.y = np.concatenate([inputs["y"]] * W.FIT_STEPS)

    def step(self, check=False):
        x, y = (self.x1, self.y1) if check else (self.x, self.y)
        history = self.model.fit(x, y, batch_size=self.batch, epochs=1, shuffle=False, verbose=0)
        return np.float64(history.history["loss"][-1])

    def sync(self, out):
        return np.asarray(out)

    def notes(self) -> dict:
        return {"jit_compile": bool(self.model.jit_compile)}


class EncoderLayer(keras.layers.Layer):
    """Post-norm Transformer encoder layer, the layout of torch.nn.TransformerEncoderLayer."""

    def __init__(self, d_model, heads, ff, **kwargs):
        super().__init__(**kwargs)
        self.attention = keras.layers.MultiHeadAttention(heads, key_dim=d_model // heads, name="mha")
        self.norm1 = keras.layers.LayerNormalization(epsilon=W.LAYER_NORM_EPSILON, name="norm1")
        self.ff1 = keras.layers.Dense(ff, activation="relu", name="ff1")
        self.ff2 = keras.layers.Dense(d_model, name="ff2")
        self.norm2 = keras.layers.LayerNormalization(epsilon=W.LAYER_NORM_EPSILON, name="norm2")

    def call(self, x):
        x = self.norm1(x + self.attention(x, x))
        return self.norm2(x + self.ff2(self.ff1(x)))


class Forward(Runnable):
    def __init__(self, case, mode, weights, inputs, **_):
        self.model = build_model(case)
        load_weights(self.model, case, weights)
        self.x = tf.constant(inputs["x"])
        self.fn = _compile(lambda x: self.model(x, training=False), mode)

    def step(self, check=False):
        return self.fn(self.x)


class Pipeline(Runnable):
    """One epoch of tf.data over in-memory arrays: shuffle, normalise, flatten, batch, prefetch.

    per_sample: from_tensor_slices, shuffle all samples, map the transform per sample, batch.
    vectorized: shuffle the indices, batch them, then one map gathers and transforms each batch
    (the same work as the DataLoader whose __getitem__ receives a batch of indices).
    tf.data's own thread pool is bounded to the benchmark's thread count
    (options.threading.private_threadpool_size, and autotune's cpu_budget).
    """

    def __init__(self, case, mode, weights, inputs, threads=1, **_):
        p = case.params
        n = p["samples"]
        if mode == "per_sample":
            data = tf.data.Dataset.from_tensor_slices((inputs["images"], inputs["labels"]))
            data = data.shuffle(n, seed=0, reshuffle_each_iteration=True)
            data = data.map(_normalise_sample, num_parallel_calls=tf.data.AUTOTUNE).batch(p["batch"])
        elif mode == "vectorized":
            images, labels = tf.constant(inputs["images"]), tf.constant(inputs["labels"])

            def gather(indices):
                return _normalise_batch(tf.gather(images, indices), tf.gather(labels, indices))

            data = tf.data.Dataset.range(n).shuffle(n, seed=0, reshuffle_each_iteration=True)
            data = data.batch(p["batch"]).map(gather, num_parallel_calls=tf.data.AUTOTUNE)
        else:
            raise ValueError(f"unknown pipeline mode {mode!r}")
        options = tf.data.Options()
        options.threading.private_threadpool_size = threads
        options.autotune.cpu_budget = threads
        self.data = data.prefetch(tf.data.AUTOTUNE).with_options(options)

    def step(self, check=False):
        totals = np.zeros(4)
        last = None
        for x, y in self.data:
            last = x
            if check:
                totals += W.pipeline_checksum(x.numpy(), y.numpy())
        return totals if check else last

    def sync(self, out):
        return out if isinstance(out, np.ndarray) else np.asarray(out.numpy())


def _normalise_sample(image, label):
    x = (tf.cast(image, tf.float32) / 255.0 - W.PIPELINE_MEAN) / W.PIPELINE_STD
    return tf.reshape(x, [-1]), label


def _normalise_batch(images, labels):
    x = (tf.cast(images, tf.float32) / 255.0 - W.PIPELINE_MEAN) / W.PIPELINE_STD
    return tf.reshape(x, [tf.shape(x)[0], -1]), labels


def build_model(case) -> keras.Model:
    p = case.params
    layers = keras.layers
    if case.workload == "mlp_train":
        return keras.Sequential(
            [
                keras.Input((p["features"],)),
                layers.Dense(p["width"], activation="relu", name="dense0"),
                layers.Dense(p["width"], activation="relu", name="dense1"),
                layers.Dense(p["classes"], name="dense2"),
            ]
        )
    if case.workload == "cnn_train":
        return keras.Sequential(
            [
                keras.Input((p["size"], p["size"], 1)),  # NHWC, Keras' default on CPU
                layers.Conv2D(p["channels1"], 3, activation="relu", name="conv1"),
                layers.MaxPooling2D(2),
                layers.Conv2D(p["channels2"], 3, activation="relu", name="conv2"),
                layers.GlobalAveragePooling2D(),
                layers.Dense(p["classes"], name="dense"),
            ]
        )
    if case.workload == "transformer_forward":
        return keras.Sequential(
            [keras.Input((p["seq"], p["d_model"]))]
            + [EncoderLayer(p["d_model"], p["heads"], p["ff"], name=f"layer{i}") for i in range(p["layers"])]
        )
    raise ValueError(f"no model for {case.workload!r}")


def load_weights(model: keras.Model, case, weights: dict[str, np.ndarray]) -> None:
    """Copy the shared NumPy weights in; Keras uses the same (in, out) / HWIO layout."""
    if case.workload in W.TRAINING:
        for name, value in weights.items():
            layer, attr = name.split("/")
            _assign(getattr(model.get_layer(layer), attr), value)
        return
    d, h = case.params["d_model"], case.params["heads"]
    for i in range(case.params["layers"]):
        pre, layer = f"layer{i}/", model.get_layer(f"layer{i}")
        mha = layer.attention
        for name, dense in (("q", mha.query_dense), ("k", mha.key_dense), ("v", mha.value_dense)):
            _assign(dense.kernel, weights[pre + f"w{name}"].reshape(d, h, d // h))
            _assign(dense.bias, weights[pre + f"b{name}"].reshape(h, d // h))
        _assign(mha.output_dense.kernel, weights[pre + "wo"].reshape(h, d // h, d))
        _assign(mha.output_dense.bias, weights[pre + "bo"])
        _assign(layer.ff1.kernel, weights[pre + "w1"])
        _assign(layer.ff1.bias, weights[pre + "b1"])
        _assign(layer.ff2.kernel, weights[pre + "w2"])
        _assign(layer.ff2.bias, weights[pre + "b2"])
        for norm in ("norm1", "norm2"):
            _assign(getattr(layer, norm).gamma, weights[pre + f"{norm}/gamma"])
            _assign(getattr(layer, norm).beta, weights[pre + f"{norm}/beta"])


def _assign(variable, value: np.ndarray) -> None:
    if tuple(variable.shape) != value.shape:
        raise ValueError(f"{variable.path}: shape {tuple(variable.shape)} != weights {value.shape}")
    variable.assign(value)


RUNNABLES = {
    "matmul": Matmul,
    "matmul_bf16": Matmul,
    "mlp_train": Train,
    "cnn_train": Train,
    "transformer_forward": Forward,
    "data_pipeline": Pipeline,
}


def build(case, mode: str, weights, inputs, threads: int = 1, **_) -> Runnable:
    if mode not in W.modes_for(case.workload, FRAMEWORK):
        raise ValueError(f"{case.workload}: unknown TensorFlow mode {mode!r}")
    if mode == W.KERAS_FIT:
        return Fit(case, mode, weights, inputs)
    return RUNNABLES[case.workload](case, mode, weights, inputs, threads=threads)
