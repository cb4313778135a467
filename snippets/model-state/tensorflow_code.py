"""Model state in TensorFlow 2.21 with Keras 3: training flag, non-trainable weights, tracking, configs."""

# --8<-- [start:setup]
import re
import tempfile
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from keras import layers

keras.utils.set_random_seed(0)  # seeds Python, NumPy and the backend in one call
x = np.random.default_rng(0).normal(size=(6, 4)).astype("float32")  # 6 samples, 4 features
ones = np.ones((2, 8), dtype="float32")
# --8<-- [end:setup]

# --8<-- [start:training_flag]
seen = []


class Spy(layers.Layer):  # records the training value Keras hands to call()
    def call(self, inputs, training=None):
        seen.append(training)
        return inputs


model = keras.Sequential([keras.Input((8,)), Spy(), layers.Dropout(0.5, seed=0)])
seen.clear()  # Sequential called Spy once, symbolically, to build itself
print(model(ones).numpy())  # no training argument: Dropout does nothing
#> [[1. 1. 1. 1. 1. 1. 1. 1.]
#>  [1. 1. 1. 1. 1. 1. 1. 1.]]
dropped = model(ones, training=True).numpy()  # zeros half, scales the rest by 1 / (1 - 0.5)
print(dropped)
#> [[0. 2. 2. 2. 0. 2. 2. 0.]
#>  [2. 2. 0. 0. 2. 0. 0. 2.]]
dropout_values = np.unique(dropped)
model.compile(optimizer="sgd", loss="mse", run_eagerly=True)
model.fit(ones, ones, batch_size=2, epochs=1, verbose=0)
model.evaluate(ones, ones, verbose=0)
model.predict(ones, verbose=0)
print(seen)  # model(ones), model(ones, training=True), fit, evaluate, predict
#> [None, True, True, False, False]

norm = layers.BatchNormalization(momentum=0.9, epsilon=1e-5)  # PyTorch's defaults, in Keras terms
print(norm(x).numpy()[0].round(4))  # inference: moving statistics, still mean 0 and variance 1
#> [ 0.1257 -0.1321  0.6404  0.1049]
batch_normalised = norm(x, training=True).numpy()  # batch statistics, and an update
print(batch_normalised[0].round(4))
#> [ 1.0328 -0.1238  0.7606 -0.3139]
moving_mean = norm.moving_mean.numpy()
print(moving_mean.round(4))
#> [-0.0685 -0.0034 -0.003   0.0293]

frozen = layers.BatchNormalization(momentum=0.9, epsilon=1e-5)
frozen.build(x.shape)
frozen.trainable = False  # Keras: a frozen BatchNormalization runs in inference mode
print(frozen(x, training=True).numpy()[0].round(4), frozen.moving_mean.numpy())
#> [ 0.1257 -0.1321  0.6404  0.1049] [0. 0. 0. 0.]
# --8<-- [end:training_flag]


# --8<-- [start:non_trainable_state]
class Standardise(layers.Layer):
    """Scales its input after subtracting a running mean, which it updates while training."""

    def build(self, input_shape):
        n = input_shape[-1]
        self.scale = self.add_weight(shape=(n,), initializer="ones", name="scale")
        self.running_mean = self.add_weight(
            shape=(n,), initializer="zeros", trainable=False, name="running_mean"
        )
        self.steps = self.add_weight(
            shape=(), initializer="zeros", trainable=False, dtype="int64", name="steps"
        )
        self.positions = keras.ops.arange(n, dtype="float32")  # a plain tensor attribute: not tracked

    def call(self, inputs, training=False):
        if training:
            self.running_mean.assign(0.9 * self.running_mean + 0.1 * keras.ops.mean(inputs, axis=0))
            self.steps.assign_add(1)
        return (inputs - self.running_mean) * self.scale


standardise = Standardise(name="standardise")
standardise(x, training=True)
print([w.path for w in standardise.trainable_weights])
#> ['standardise/scale']
print([w.path for w in standardise.non_trainable_weights])
#> ['standardise/running_mean', 'standardise/steps']
print(len(standardise.weights), len(standardise.get_weights()))  # every weight, trainable or not
#> 3 3
running_mean = standardise.running_mean.numpy()
print(running_mean.round(4), standardise.steps.numpy())
#> [-0.0685 -0.0034 -0.003   0.0293] 1

dense = layers.Dense(3)
dense.build((None, 4))
dense.trainable = False  # freezing moves the weights to non_trainable_weights
print(len(dense.trainable_weights), len(dense.non_trainable_weights))
#> 0 2
# --8<-- [end:non_trainable_state]


# --8<-- [start:containers]
class Tower(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.blocks = [layers.Dense(4, name=f"block{i}") for i in range(3)]  # a plain list: tracked
        self.heads = {"score": layers.Dense(1, name="score"), "label": layers.Dense(3, name="label")}  # dict

    def call(self, inputs):
        for block in self.blocks:
            inputs = block(inputs)
        return {name: head(inputs) for name, head in self.heads.items()}


tower = Tower(name="tower")
print(sorted(tower(x)), type(tower.blocks).__name__, type(tower.heads).__name__)
#> ['label', 'score'] TrackedList TrackedDict
tracked_params = tower.count_params()
print(len(tower.weights), tracked_params)
#> 10 80
print([w.path for w in tower.weights][:2])
#> ['tower/block0/kernel', 'tower/block0/bias']
# --8<-- [end:containers]

# --8<-- [start:weight_sharing]
shared_w = np.linspace(-1, 1, 16, dtype="float32").reshape(4, 4)  # (in, out)
shared_b = np.linspace(0, 0.3, 4, dtype="float32")
shared = layers.Dense(4)
left, right = keras.Input((4,)), keras.Input((4,))
siamese = keras.Model([left, right], layers.Add()([shared(left), shared(right)]))  # one layer, called twice
shared.set_weights([shared_w, shared_b])
sharing_params = siamese.count_params()
print(sharing_params, len(siamese.trainable_weights))
#> 20 2
with tf.GradientTape() as tape:
    loss = tf.reduce_sum(siamese([x[:3], x[3:]]))
kernel_grad, bias_grad = tape.gradient(loss, [shared.kernel, shared.bias])
shared_kernel_grad = kernel_grad.numpy()
shared_bias_grad = bias_grad.numpy()
print(shared_kernel_grad[:, 0].round(4), np.allclose(shared_kernel_grad[:, 0], x.sum(axis=0)))
#> [-4.1115 -0.2046 -0.1783  1.7551] True
print(shared_bias_grad)  # 3 samples x 2 uses
#> [6. 6. 6. 6.]
# --8<-- [end:weight_sharing]

# --8<-- [start:stateless_calls]
net = keras.Sequential(
    [
        keras.Input((4,)),
        layers.Dense(3, name="dense"),
        layers.BatchNormalization(momentum=0.9, epsilon=1e-5, name="norm"),
    ],
    name="net",
)
print([v.path for v in net.trainable_variables])
#> ['net/dense/kernel', 'net/dense/bias', 'net/norm/gamma', 'net/norm/beta']
print([v.path for v in net.non_trainable_variables])
#> ['net/norm/moving_mean', 'net/norm/moving_variance']
substitute = [  # new values for kernel (in, out), bias, gamma, beta: in the order of trainable_variables
    np.linspace(-1, 1, 12, dtype="float32").reshape(4, 3),
    np.linspace(0, 0.2, 3, dtype="float32"),
    np.linspace(0.5, 1.5, 3, dtype="float32"),
    np.linspace(-0.1, 0.1, 3, dtype="float32"),
]
state = [v.numpy() for v in net.non_trainable_variables]
outputs, new_state = net.stateless_call(substitute, state, x, training=True)
stateless_output = outputs.numpy()
print(stateless_output[0].round(4))
#> [-0.6394 -0.9863 -0.7082]
print(net.get_layer("norm").moving_mean.numpy(), "<- the model's own state: untouched")
#> [0. 0. 0.] <- the model's own state: untouched
stateless_moving_mean = keras.ops.convert_to_numpy(new_state[0])
print(stateless_moving_mean.round(4), "<- the update, returned")
#> [0.0884 0.0901 0.0918] <- the update, returned
# --8<-- [end:stateless_calls]


# --8<-- [start:custom_layer_serialisation]
@keras.saving.register_keras_serializable(package="demo")
class Affine(layers.Layer):
    def __init__(self, units, slope=1.0, **kwargs):
        super().__init__(**kwargs)
        self.units, self.slope = units, slope
        self.dense = layers.Dense(units)

    def build(self, input_shape):
        self.dense.build(input_shape)

    def call(self, inputs):
        return self.slope * self.dense(inputs)

    def get_config(self):  # the constructor arguments, as JSON-friendly values
        return {**super().get_config(), "units": self.units, "slope": self.slope}


class Unregistered(Affine):  # the same layer without the decorator
    pass


affine_model = keras.Sequential([keras.Input((4,)), Affine(2, slope=0.5, name="affine")])
affine = affine_model.get_layer("affine")
affine.dense.set_weights([np.linspace(-1, 1, 8, dtype="float32").reshape(4, 2), np.zeros(2, "float32")])
config = affine.get_config()
print({key: config[key] for key in ("name", "units", "slope")}, keras.saving.get_registered_name(Affine))
#> {'name': 'affine', 'units': 2, 'slope': 0.5} demo>Affine
with tempfile.TemporaryDirectory() as tmp:
    affine_model.save(Path(tmp) / "affine.keras")  # config.json (the architecture) + model.weights.h5
    restored = keras.saving.load_model(Path(tmp) / "affine.keras")  # finds Affine by its registered name
    keras.Sequential([keras.Input((4,)), Unregistered(2)]).save(Path(tmp) / "unregistered.keras")
    try:
        keras.saving.load_model(Path(tmp) / "unregistered.keras")
    except TypeError as err:
        print(re.search(r"Could not locate class '\w+'", str(err)).group())
        #> Could not locate class 'Unregistered'
    found = keras.saving.load_model(  # or name the class at load time
        Path(tmp) / "unregistered.keras", custom_objects={"Unregistered": Unregistered}
    )
    print(type(found.layers[0]).__name__)
    #> Unregistered
restored_output = restored(x).numpy()
print(restored_output[0].round(4), np.array_equal(restored_output, affine_model(x).numpy()))
#> [0.0487 0.1542] True
clone = Affine.from_config(config)  # a new layer with the same arguments, not built yet
print(type(clone).__name__, clone.units, clone.slope, clone.built)
#> Affine 2 0.5 False
# --8<-- [end:custom_layer_serialisation]
