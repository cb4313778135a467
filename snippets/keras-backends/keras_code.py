"""Keras on three backends: one model, run on TensorFlow, PyTorch and JAX.

The tests run this file three times, with KERAS_BACKEND=tensorflow, =torch and
=jax, each in its own process, and all three runs must print exactly the #>
lines below.
"""

# --8<-- [start:three_backends]
import os

# Keras reads KERAS_BACKEND once, at `import keras`: "tensorflow", "torch" or
# "jax". setdefault keeps a value set in the shell (KERAS_BACKEND=jax python ...).
os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402

print(keras.config.backend() == os.environ["KERAS_BACKEND"])
#> True
# --8<-- [end:three_backends]


# --8<-- [start:same_model_same_weights]
def build_model():
    return keras.Sequential(
        [
            keras.Input(shape=(4,)),
            keras.layers.Dense(8, activation="relu", name="hidden"),
            keras.layers.Dense(3, name="logits"),  # one score per class
        ],
        name="mlp",
    )


model = build_model()
# Seeded Keras initialisers differ between backends: start from NumPy's numbers.
rng = np.random.default_rng(0)
start_weights = [
    rng.normal(0.0, 0.5, w.shape).astype("float32") for w in model.get_weights()
]
model.set_weights(start_weights)
x = rng.normal(size=(32, 4)).astype("float32")
y = (x[:, 0] + x[:, 1] > 0).astype("int64") + (x[:, 2] > 1).astype("int64")
print([tuple(w.shape) for w in model.get_weights()], np.bincount(y))
#> [(4, 8), (8,), (8, 3), (3,)] [13 16  3]
# --8<-- [end:same_model_same_weights]

# --8<-- [start:predict_and_loss]
logits = model.predict(x[:3], verbose=0)  # NumPy on every backend
print(logits.round(4))
#> [[-1.4012  0.3261  0.5156]
#>  [-0.4502  0.677   1.0963]
#>  [ 0.6003  0.899  -0.0394]]
outputs = model(x)  # the backend's own array: tf.Tensor, torch.Tensor or jax.Array
print(keras.ops.is_tensor(outputs), isinstance(outputs, np.ndarray))
#> True False
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
loss = float(keras.ops.convert_to_numpy(loss_fn(y, outputs)))
print(round(loss, 4))
#> 1.2508
# --8<-- [end:predict_and_loss]


# --8<-- [start:gradient_step_three_ways]
# The one place a custom loop speaks the backend's language: the gradient.
def gradients(model, x, y):
    backend = keras.config.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        return tape.gradient(loss, model.trainable_weights)
    if backend == "torch":
        model.zero_grad()  # the model is a torch.nn.Module here
        loss = loss_fn(y, model(x, training=True))
        loss.backward()
        return [w.value.grad for w in model.trainable_weights]
    import jax  # JAX differentiates a pure function of the weights

    def loss_of(trainable, non_trainable):
        logits, _ = model.stateless_call(trainable, non_trainable, x, training=True)
        return loss_fn(y, logits)

    trainable = [w.value for w in model.trainable_weights]
    non_trainable = [w.value for w in model.non_trainable_weights]
    return jax.grad(loss_of)(trainable, non_trainable)


grads = gradients(model, x, y)
grad_norms = [np.linalg.norm(keras.ops.convert_to_numpy(g)) for g in grads]
print([round(float(n), 4) for n in grad_norms])
#> [0.5175, 0.2682, 0.4136, 0.3028]
optimizer = keras.optimizers.SGD(learning_rate=0.1)
optimizer.apply(grads, model.trainable_weights)  # the same call on every backend
print(round(float(keras.ops.convert_to_numpy(loss_fn(y, model(x)))), 4))
#> 1.1925

# Keras's own training step reaches the same weights.
same_step = build_model()
same_step.set_weights(start_weights)
same_step.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss=loss_fn)
same_step.train_on_batch(x, y)
pairs = zip(model.get_weights(), same_step.get_weights(), strict=True)
print(all(np.allclose(a, b, atol=1e-6) for a, b in pairs))
#> True
# --8<-- [end:gradient_step_three_ways]

# --8<-- [start:short_fit]
model = build_model()
model.set_weights(start_weights)
model.compile(
    optimizer=keras.optimizers.SGD(learning_rate=0.1),
    loss=loss_fn,
    metrics=["accuracy"],
)
# compile()'s default jit_compile="auto": jax.jit on JAX; on PyTorch, eager;
# on TensorFlow, XLA only where it sees a GPU or TPU, so on a CPU-only machine:
print(model.jit_compile == (keras.config.backend() == "jax"))
#> True
history = model.fit(x, y, batch_size=8, epochs=5, shuffle=False, verbose=0)
print([round(v, 4) for v in history.history["loss"]])
#> [1.2038, 1.0237, 0.8968, 0.8139, 0.7464]
print([round(v, 4) for v in history.history["accuracy"]])
#> [0.4062, 0.5312, 0.6562, 0.6562, 0.7188]
fitted = model.predict(x[:2], verbose=0)
print(fitted.round(4))
#> [[-1.2245  1.1362 -0.2638]
#>  [-0.8385  1.7393  0.5102]]
# --8<-- [end:short_fit]
