"""Training recipes in TensorFlow 2.21 with Keras 3: clipping, schedules, accumulation, decay, callbacks."""

# --8<-- [start:setup]
import tempfile
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits

keras.utils.set_random_seed(0)
digits = load_digits()  # 1,797 8x8 images of handwritten digits, bundled with scikit-learn
x = (digits.data / 16.0).astype("float32")
y = digits.target.astype("int64")
batch_x, batch_y = x[:64], y[:64]

# Both scripts draw the same starting weights with NumPy, so their results can be compared.
rng = np.random.default_rng(0)
w1, b1 = rng.normal(0, 0.1, (64, 32)).astype("float32"), np.zeros(32, "float32")
w2, b2 = rng.normal(0, 0.1, (32, 10)).astype("float32"), np.zeros(10, "float32")
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def make_model():
    inputs = keras.Input((64,))
    hidden = keras.layers.Dense(32, activation="relu")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(10)(hidden))
    model.set_weights([w1, b1, w2, b2])  # a Dense kernel is (inputs, outputs)
    return model


def first_kernel(model):
    return model.layers[1].kernel.numpy()  # (64, 32)


# --8<-- [end:setup]


# --8<-- [start:gradient_clipping]
model = make_model()
with tf.GradientTape() as tape:
    loss = loss_fn(batch_y, model(batch_x, training=True))
gradients = tape.gradient(loss, model.trainable_variables)
print("norm of each gradient:", [round(float(tf.norm(g)), 4) for g in gradients])
#> norm of each gradient: [0.2474, 0.0482, 0.1711, 0.0516]
print("global norm:", round(float(tf.linalg.global_norm(gradients)), 4))
#> global norm: 0.309


def clipped_step(optimizer):  # clipping is an optimizer setting: fit() applies it too
    model = make_model()
    optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
    # The gradient the optimizer used, recovered from the step: (before - after) / learning rate
    pairs = zip((w1, b1, w2, b2), model.weights, strict=True)
    used = [(before - after.numpy()) / 0.5 for before, after in pairs]
    print("gradients used:", [round(float(np.linalg.norm(g)), 4) for g in used])
    #> gradients used: [0.1602, 0.0312, 0.1107, 0.0334]
    #> gradients used: [0.2, 0.0482, 0.1711, 0.0516]
    return first_kernel(model)


# global_clipnorm: all gradients scaled together, so that their joint norm is at most 0.2.
global_clipped_kernel = clipped_step(keras.optimizers.SGD(learning_rate=0.5, global_clipnorm=0.2))
# clipnorm: each variable's gradient clipped on its own to a norm of at most 0.2.
each_clipped_kernel = clipped_step(keras.optimizers.SGD(learning_rate=0.5, clipnorm=0.2))
gap = np.abs(global_clipped_kernel - each_clipped_kernel).max()
print("largest difference between the two kernels:", round(float(gap), 4))
#> largest difference between the two kernels: 0.0023
# --8<-- [end:gradient_clipping]

# --8<-- [start:schedule_per_step]
model = make_model()
schedule = keras.optimizers.schedules.CosineDecay(initial_learning_rate=0.5, decay_steps=12)
optimizer = keras.optimizers.SGD(learning_rate=schedule)  # read at every step: no step() to call
batches = tf.data.Dataset.from_tensor_slices((batch_x, batch_y)).batch(16)
per_step_rates = []
for epoch in range(3):
    for inputs, labels in batches:  # 4 batches per epoch
        per_step_rates.append(float(optimizer.learning_rate))  # schedule(optimizer.iterations)
        with tf.GradientTape() as tape:
            loss = loss_fn(labels, model(inputs, training=True))
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
    print(f"epoch {epoch}:", [round(rate, 4) for rate in per_step_rates[-4:]])
    #> epoch 0: [0.5, 0.4915, 0.4665, 0.4268]
    #> epoch 1: [0.375, 0.3147, 0.25, 0.1853]
    #> epoch 2: [0.125, 0.0732, 0.0335, 0.0085]
scheduled_kernel = first_kernel(model)
print("past decay_steps:", [round(float(schedule(step)), 4) for step in (12, 13, 14)])  # stays at 0
#> past decay_steps: [0.0, 0.0, 0.0]
# --8<-- [end:schedule_per_step]

# --8<-- [start:schedule_per_epoch]
# Halve the rate every 4 steps (one epoch here); staircase=True makes it a step function.
schedule = keras.optimizers.schedules.ExponentialDecay(
    initial_learning_rate=0.5, decay_steps=4, decay_rate=0.5, staircase=True
)
per_epoch_rates = [float(schedule(step)) for step in range(12)]  # what the optimizer reads at each step
print([round(rate, 4) for rate in per_epoch_rates])
#> [0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.125, 0.125, 0.125, 0.125]
# --8<-- [end:schedule_per_epoch]

# --8<-- [start:gradient_accumulation]
model = make_model()
optimizer = keras.optimizers.SGD(learning_rate=0.5, gradient_accumulation_steps=4)
for index, (inputs, labels) in enumerate(batches):  # 4 micro-batches of 16: an effective batch of 64
    with tf.GradientTape() as tape:
        loss = loss_fn(labels, model(inputs, training=True))  # not scaled: Keras averages
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
    print(f"after micro-batch {index}: weights changed", not np.array_equal(first_kernel(model), w1))
    #> after micro-batch 0: weights changed False
    #> after micro-batch 1: weights changed False
    #> after micro-batch 2: weights changed False
    #> after micro-batch 3: weights changed True
accumulated_kernel = first_kernel(model)

one_batch = make_model()  # the same update from the whole batch of 64 at once
with tf.GradientTape() as tape:
    loss = loss_fn(batch_y, one_batch(batch_x, training=True))
gradients = tape.gradient(loss, one_batch.trainable_variables)
one_batch_optimizer = keras.optimizers.SGD(learning_rate=0.5)
one_batch_optimizer.apply_gradients(zip(gradients, one_batch.trainable_variables, strict=True))
print("same as one batch of 64:", np.allclose(accumulated_kernel, first_kernel(one_batch), atol=1e-7))
#> same as one batch of 64: True

# A learning-rate schedule counts micro-batches, not updates: here the rate halves at each one.
halving = keras.optimizers.schedules.ExponentialDecay(1.0, decay_steps=1, decay_rate=0.5)
counting = keras.optimizers.SGD(learning_rate=halving, gradient_accumulation_steps=4)
weight = keras.Variable(0.0)
for _ in range(4):
    counting.apply([keras.ops.zeros(())], [weight])
print("updates:", int(counting.iterations), "rate:", float(counting.learning_rate))  # 0.5**4, not 0.5
#> updates: 1 rate: 0.0625
# --8<-- [end:gradient_accumulation]

# --8<-- [start:weight_decay]
print("Adam weight_decay:", keras.optimizers.Adam().weight_decay)
#> Adam weight_decay: None
print("AdamW weight_decay:", keras.optimizers.AdamW().weight_decay)
#> AdamW weight_decay: 0.004


def five_adam_steps(optimizer, l2=0.0):
    weights = tf.Variable([1.0, -2.0, 0.5])
    for _ in range(5):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum((weights - 1) ** 2)  # pulls the weights towards 1; decay pulls towards 0
            loss += l2 * tf.reduce_sum(weights**2)  # an L2 penalty in the loss
        optimizer.apply_gradients([(tape.gradient(loss, weights), weights)])
    return weights.numpy()


adam_no_decay = five_adam_steps(keras.optimizers.Adam(learning_rate=0.1))
adam_decoupled = five_adam_steps(keras.optimizers.Adam(learning_rate=0.1, weight_decay=0.5))
adamw_decoupled = five_adam_steps(keras.optimizers.AdamW(learning_rate=0.1, weight_decay=0.5))
# The gradient of 0.25 * sum(w**2) is 0.5 * w: PyTorch's Adam(weight_decay=0.5).
adam_l2 = five_adam_steps(keras.optimizers.Adam(learning_rate=0.1), l2=0.25)
print("no decay:               ", np.round(adam_no_decay, 4))
#> no decay:                [ 1.     -1.5018  0.9722]
print("Adam(weight_decay=0.5): ", np.round(adam_decoupled, 4))
#> Adam(weight_decay=0.5):  [ 0.9966 -1.099   0.8256]
print("AdamW(weight_decay=0.5):", np.round(adamw_decoupled, 4))
#> AdamW(weight_decay=0.5): [ 0.9966 -1.099   0.8256]
print("Adam, L2 in the loss:   ", np.round(adam_l2, 4))
#> Adam, L2 in the loss:    [ 0.6829 -1.5019  0.9162]
# --8<-- [end:weight_decay]

# --8<-- [start:early_stopping]
x_small, y_small = x[:100], y[:100]  # small: it overfits
x_val, y_val = x[1400:], y[1400:]
model = make_model()
model.compile(optimizer=keras.optimizers.SGD(learning_rate=1.0), loss=loss_fn)
checkpoint = Path(tempfile.mkdtemp()) / "best.weights.h5"
callbacks = [
    keras.callbacks.EarlyStopping(monitor="val_loss", patience=3),
    keras.callbacks.ModelCheckpoint(
        checkpoint, monitor="val_loss", save_best_only=True, save_weights_only=True
    ),
]
history = model.fit(
    x_small,
    y_small,
    batch_size=20,
    epochs=30,
    shuffle=False,
    validation_data=(x_val, y_val),
    validation_batch_size=len(x_val),  # one batch: the loss over the whole set
    callbacks=callbacks,
    verbose=0,
)
val_losses = history.history["val_loss"]
print("validation losses:", [round(v, 4) for v in val_losses])
#> validation losses: [2.1364, 2.1074, 1.3616, 1.818, 0.8773, 0.7505, 0.7319, 0.6984, 0.714, 0.7175, 0.726]
stopped_epoch = callbacks[0].stopped_epoch + 1  # stopped_epoch counts from 0
print("stopped after epoch", stopped_epoch, "- best epoch", callbacks[0].best_epoch + 1)
#> stopped after epoch 11 - best epoch 8
model.load_weights(checkpoint)  # back to the best weights
restored_loss = model.evaluate(x_val, y_val, batch_size=len(x_val), verbose=0)
print("restored validation loss:", round(restored_loss, 4))
#> restored validation loss: 0.6984
# --8<-- [end:early_stopping]
