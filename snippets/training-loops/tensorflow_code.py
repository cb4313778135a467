"""Training loops in TensorFlow 2.21 with Keras 3: fit(), custom steps, and defaults that differ."""

# --8<-- [start:setup]
import keras
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits

keras.utils.set_random_seed(0)
digits = load_digits()  # 1,797 8x8 images of handwritten digits, bundled with scikit-learn
x = (digits.data / 16.0).astype("float32")
y = digits.target.astype("int64")
x_train, y_train, x_test, y_test = x[:1280], y[:1280], x[1280:], y[1280:]

# Both scripts draw the same starting weights with NumPy, so their results can be compared.
rng = np.random.default_rng(0)
w1, b1 = rng.normal(0, 0.1, (64, 32)).astype("float32"), np.zeros(32, "float32")
w2, b2 = rng.normal(0, 0.1, (32, 10)).astype("float32"), np.zeros(10, "float32")


def make_model(model_class=keras.Model):
    inputs = keras.Input((64,))
    hidden = keras.layers.Dense(32, activation="relu")(inputs)
    model = model_class(inputs, keras.layers.Dense(10)(hidden))
    model.set_weights([w1, b1, w2, b2])  # a Dense kernel is (inputs, outputs)
    return model


# --8<-- [end:setup]

# --8<-- [start:fit_and_evaluate]
print("tf.estimator exists:", hasattr(tf, "estimator"))  # removed in 2.16; Keras is the high-level API
#> tf.estimator exists: False
model = make_model()
model.compile(
    optimizer=keras.optimizers.SGD(learning_rate=0.5),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=["accuracy"],
)
history = model.fit(x_train, y_train, batch_size=64, epochs=5, shuffle=False, verbose=0)
print("mean loss per epoch:", [round(v, 4) for v in history.history["loss"]])
#> mean loss per epoch: [1.9034, 0.8371, 0.4479, 0.2985, 0.2266]
results = model.evaluate(x_test, y_test, verbose=0, return_dict=True)
test_loss = results["loss"]
test_accuracy = results["accuracy"]
print(f"test loss {test_loss:.4f}, accuracy {test_accuracy:.4f}")
#> test loss 0.4187, accuracy 0.8704
trained_kernel = model.layers[1].kernel.numpy()  # (64, 32)
# --8<-- [end:fit_and_evaluate]


# --8<-- [start:custom_training_step]
class StepModel(keras.Model):
    def train_step(self, data):  # fit() calls this once per batch
        inputs, labels = data
        with tf.GradientTape() as tape:
            predictions = self(inputs, training=True)
            loss = self.compute_loss(y=labels, y_pred=predictions)
        gradients = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(gradients, self.trainable_variables)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(labels, predictions)
        return {metric.name: metric.result() for metric in self.metrics}


step_model = make_model(StepModel)
step_model.compile(
    optimizer=keras.optimizers.SGD(learning_rate=0.5),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
)
custom_step_losses = step_model.fit(
    x_train, y_train, batch_size=64, epochs=5, shuffle=False, verbose=0
).history["loss"]
print("mean loss per epoch:", [round(v, 4) for v in custom_step_losses])
#> mean loss per epoch: [1.9034, 0.8371, 0.4479, 0.2985, 0.2266]
# --8<-- [end:custom_training_step]

# --8<-- [start:loop_from_scratch]
loop_model = make_model()
optimizer = keras.optimizers.SGD(learning_rate=0.5)
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
batches = tf.data.Dataset.from_tensor_slices((x_train, y_train)).batch(64)


# Optional: traces the step into a graph, as fit() does. Where TensorFlow sees a GPU, fit()'s
# default jit_compile="auto" also compiles it with XLA; add jit_compile=True here to match that.
@tf.function
def train_step(inputs, labels):
    with tf.GradientTape() as tape:
        loss = loss_fn(labels, loop_model(inputs, training=True))
    gradients = tape.gradient(loss, loop_model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, loop_model.trainable_variables, strict=True))
    return loss


for epoch in range(5):
    losses = [float(train_step(inputs, labels)) for inputs, labels in batches]
    print(f"epoch {epoch}: mean loss {np.mean(losses):.4f}")
    #> epoch 0: mean loss 1.9034
    #> epoch 1: mean loss 0.8371
    #> epoch 2: mean loss 0.4479
    #> epoch 3: mean loss 0.2985
    #> epoch 4: mean loss 0.2266
print("fit() used XLA:", model.jit_compile)  # "auto" resolved to False: no GPU here
#> fit() used XLA: False
print("same weights as fit():", np.array_equal(loop_model.layers[1].kernel.numpy(), trained_kernel))
#> same weights as fit(): True
# --8<-- [end:loop_from_scratch]

# --8<-- [start:optimizer_defaults]
print("Adam epsilon:", keras.optimizers.Adam().epsilon)
#> Adam epsilon: 1e-07
print("SGD learning rate:", round(float(keras.optimizers.SGD().learning_rate), 6))
#> SGD learning rate: 0.01
print("AdamW weight decay:", keras.optimizers.AdamW().weight_decay)
#> AdamW weight decay: 0.004
rmsprop = keras.optimizers.RMSprop()
print("RMSprop learning rate:", round(float(rmsprop.learning_rate), 6), "rho:", rmsprop.rho)
#> RMSprop learning rate: 0.001 rho: 0.9
# --8<-- [end:optimizer_defaults]

# --8<-- [start:adam_epsilon]
# One Adam step on three weights whose gradients are 1e-3, 1e-6 and 1e-8.
gradient = np.array([1e-3, 1e-6, 1e-8], "float32")
weights = tf.Variable(np.zeros(3, "float32"))
keras.optimizers.Adam(learning_rate=1e-3).apply_gradients([(tf.constant(gradient), weights)])
first_adam_update = weights.numpy() / 1e-3  # the step, in units of the learning rate
print("default epsilon=1e-7:", np.round(first_adam_update, 4))
#> default epsilon=1e-7: [-0.9968 -0.2403 -0.0032]
# --8<-- [end:adam_epsilon]

# --8<-- [start:one_optimizer_step]
batch_x, batch_y = x_train[:64], y_train[:64]


def one_step(optimizer):
    model = make_model()  # the shared starting weights
    with tf.GradientTape() as tape:
        loss = loss_fn(batch_y, model(batch_x, training=True))
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
    return model.layers[1].kernel.numpy()


adam_kernel = one_step(keras.optimizers.Adam(learning_rate=1e-3))  # epsilon=1e-7
sgd_kernel = one_step(keras.optimizers.SGD(learning_rate=0.5))
print("Adam step, 4 weights:", [round(float(v), 6) for v in (adam_kernel - w1)[20, :4]])
#> Adam step, 4 weights: [0.0, -0.000985, 0.000985, 0.000999]
print("SGD step, 4 weights:", [round(float(v), 6) for v in (sgd_kernel - w1)[20, :4]])
#> SGD step, 4 weights: [0.0, -0.000105, 0.000104, 0.002215]
# --8<-- [end:one_optimizer_step]

# --8<-- [start:loss_inputs]
logits = np.array([[2.0, -1.0, 0.5], [0.1, 0.2, 3.0]], "float32")
labels = np.array([0, 2])
probabilities = keras.ops.softmax(logits).numpy()
# Keras losses expect probabilities unless told from_logits=True.
expects_probabilities = keras.losses.SparseCategoricalCrossentropy()  # the default
loss_from_logits = float(keras.losses.SparseCategoricalCrossentropy(from_logits=True)(labels, logits))
print("logits, from_logits=True:", round(loss_from_logits, 4))
#> logits, from_logits=True: 0.1755
print("probabilities, default:", round(float(expects_probabilities(labels, probabilities)), 4))
#> probabilities, default: 0.1755
print("logits, default (wrong):", round(float(expects_probabilities(labels, logits)), 4))
#> logits, default (wrong): 0.3339
# --8<-- [end:loss_inputs]

# --8<-- [start:batchnorm_conventions]
batch = (rng.normal(0, 2, (8, 3)) + 5).astype("float32")  # 8 samples, 3 features
print("batch mean:", np.round(batch.mean(axis=0), 4))
#> batch mean: [4.826  4.0718 6.0262]
bn = keras.layers.BatchNormalization()
print("defaults: momentum", bn.momentum, "epsilon", bn.epsilon)
#> defaults: momentum 0.99 epsilon 0.001
bn(batch, training=True)  # one training step updates the moving statistics
# moving = momentum * moving + (1 - momentum) * batch statistic, from moving_mean=0
print("moving mean:", np.round(bn.moving_mean.numpy(), 4))
#> moving mean: [0.0483 0.0407 0.0603]

# PyTorch's momentum=0.1 and eps=1e-5, written the Keras way:
aligned = keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5)
bn_output = aligned(batch, training=True).numpy()
bn_moving_mean = aligned.moving_mean.numpy()
print("aligned moving mean:", np.round(bn_moving_mean, 4))
#> aligned moving mean: [0.4826 0.4072 0.6026]
# The moving variance uses the biased batch variance (divide by n).
print("aligned moving variance:", np.round(aligned.moving_variance.numpy(), 4))
#> aligned moving variance: [1.2628 1.5041 1.3399]
# --8<-- [end:batchnorm_conventions]

# --8<-- [start:conv_layout]
images = x[:2].reshape(2, 8, 8, 1)  # NHWC: batch, height, width, channels
kernel = rng.normal(0, 0.5, (3, 3, 1, 4)).astype("float32")  # (height, width, in, out)
print(keras.config.image_data_format())
#> channels_last
conv = keras.layers.Conv2D(4, 3, use_bias=False)
conv.build(images.shape)
conv.set_weights([kernel])
outputs = conv(images)
print("input", images.shape, "kernel", tuple(conv.kernel.shape), "output", tuple(outputs.shape))
#> input (2, 8, 8, 1) kernel (3, 3, 1, 4) output (2, 6, 6, 4)
conv_output = np.transpose(outputs.numpy(), (0, 3, 1, 2))  # to NCHW, to compare with PyTorch
# --8<-- [end:conv_layout]
