"""Migrating weights between PyTorch 2.13 and Keras 3 (TensorFlow 2.21 backend): the Keras side."""

# --8<-- [start:setup]
import tempfile
from pathlib import Path

import keras
import numpy as np
from safetensors.numpy import load_file, save_file  # safetensors: a framework-neutral weights file
from sklearn.datasets import load_digits  # bundled with scikit-learn: no download
from sklearn.preprocessing import StandardScaler

images = (load_digits().images[:16] / 16.0).astype("float32")  # 16 digits, (16, 8, 8)
keras_images = images[..., None]  # Keras is channels last: (batch, height, width, channels)
print(keras.config.image_data_format(), keras_images.shape)
#> channels_last (16, 8, 8, 1)


def convnet(epsilon=1e-3, momentum=0.99):  # Keras's BatchNormalization defaults
    return keras.Sequential(
        [
            keras.Input(shape=(8, 8, 1)),
            keras.layers.Conv2D(4, 3),
            keras.layers.BatchNormalization(epsilon=epsilon, momentum=momentum),
            keras.layers.ReLU(),
            keras.layers.Flatten(),  # flattens (height, width, channels)
            keras.layers.Dense(10),
        ]
    )


scratch = tempfile.TemporaryDirectory()  # weight files go here, deleted at exit
workdir = Path(scratch.name)
# --8<-- [end:setup]

# --8<-- [start:pytorch_to_keras]
# A PyTorch checkpoint as safetensors stores it: the state_dict's names, shapes and layouts.
# (Drawn from a seed here; the PyTorch tab loads the same tensors into its nn.Module.)
rng = np.random.default_rng(1)
torch_state = {
    "conv.weight": rng.normal(scale=0.1, size=(4, 1, 3, 3)),  # (out, in, height, width)
    "conv.bias": rng.normal(scale=0.1, size=4),
    "bn.weight": rng.uniform(0.5, 1.5, size=4),  # gamma
    "bn.bias": rng.normal(scale=0.1, size=4),  # beta
    "bn.running_mean": rng.normal(scale=0.1, size=4),
    "bn.running_var": rng.uniform(0.002, 0.03, size=4),  # as small as this conv's outputs vary
    "fc.weight": rng.normal(scale=0.1, size=(10, 4 * 6 * 6)),  # (out, in), in ordered (C, H, W)
    "fc.bias": rng.normal(scale=0.1, size=10),
}
checkpoint = {name: array.astype("float32") for name, array in torch_state.items()}
save_file(checkpoint, workdir / "torch.safetensors")
state = load_file(workdir / "torch.safetensors")  # NumPy arrays: no PyTorch needed to read it


def keras_weights_from_torch(state):
    dense = state["fc.weight"].reshape(10, 4, 6, 6)  # (out, C, H, W)
    return [
        state["conv.weight"].transpose(2, 3, 1, 0),  # -> (height, width, in, out)
        state["conv.bias"],
        state["bn.weight"],
        state["bn.bias"],
        state["bn.running_mean"],
        state["bn.running_var"],
        dense.transpose(2, 3, 1, 0).reshape(6 * 6 * 4, 10),  # rows to (H, W, C) order, then (in, out)
        state["fc.bias"],
    ]


ported = convnet(epsilon=1e-5, momentum=0.9)  # PyTorch's eps=1e-5 and momentum=0.1, in Keras terms
ported.set_weights(keras_weights_from_torch(state))
ported_from_pytorch = ported.predict(keras_images, verbose=0)
print(ported_from_pytorch[0].round(3))
#> [ 0.328 -1.123  2.804  0.986 -2.529 -0.213 -1.075  0.31  -0.823 -1.398]

# The two mistakes a port makes silently: Keras's epsilon default, and the flatten order.
keras_epsilon = convnet()  # epsilon=1e-3
keras_epsilon.set_weights(keras_weights_from_torch(state))
difference = np.abs(keras_epsilon.predict(keras_images, verbose=0) - ported_from_pytorch).max()
print(f"with Keras's default epsilon: max |difference| {difference:.3f}")
#> with Keras's default epsilon: max |difference| 0.109
naive = keras_weights_from_torch(state)
naive[6] = state["fc.weight"].T  # transposed, but rows left in PyTorch's (C, H, W) order
keras_epsilon.set_weights(naive)
keras_epsilon.layers[1].epsilon = 1e-5
difference = np.abs(keras_epsilon.predict(keras_images, verbose=0) - ported_from_pytorch).max()
print(f"without reordering the flattened features: max |difference| {difference:.3f}")
#> without reordering the flattened features: max |difference| 3.154
# --8<-- [end:pytorch_to_keras]

# --8<-- [start:keras_to_pytorch]
# Keras weights in the order and layout model.get_weights() returns them (drawn from a seed here).
original = convnet()  # Keras defaults: epsilon=1e-3, momentum=0.99
rng = np.random.default_rng(2)
keras_weights = [
    rng.normal(scale=0.1, size=(3, 3, 1, 4)),  # conv kernel (height, width, in, out)
    rng.normal(scale=0.1, size=4),  # conv bias
    rng.uniform(0.5, 1.5, size=4),  # gamma
    rng.normal(scale=0.1, size=4),  # beta
    rng.normal(scale=0.1, size=4),  # moving mean
    rng.uniform(0.002, 0.03, size=4),  # moving variance
    rng.normal(scale=0.1, size=(6 * 6 * 4, 10)),  # dense kernel (in, out), in ordered (H, W, C)
    rng.normal(scale=0.1, size=10),  # dense bias
]
original.set_weights([w.astype("float32") for w in keras_weights])
print([w.name for w in original.weights])
#> ['kernel', 'bias', 'gamma', 'beta', 'moving_mean', 'moving_variance', 'kernel', 'bias']
original.save_weights(workdir / "keras.weights.h5")  # what a Keras user would hand over
ported_from_keras = original.predict(keras_images, verbose=0)
print(ported_from_keras[0].round(3))
#> [-3.798 -1.108 -0.885 -1.435  1.965 -1.025 -1.753 -2.43   0.279 -0.246]
# --8<-- [end:keras_to_pytorch]

# --8<-- [start:fine_tune_after_porting]
# One training-mode batch through the model ported from PyTorch (momentum 0.9 = PyTorch's 0.1).
ported(keras_images, training=True)
updated_moving_mean = ported.layers[1].moving_mean.numpy()
print("moving mean:", updated_moving_mean.round(4))
#> moving mean: [ 0.0565  0.0629  0.0163 -0.0573]
print("moving variance:", ported.layers[1].moving_variance.numpy().round(6))
#> moving variance: [0.023132 0.006722 0.006536 0.025219]
# --8<-- [end:fine_tune_after_porting]

# --8<-- [start:recurrent_layers]
# A Keras GRU and LSTM with weights in Keras's layout (drawn from a seed here; the PyTorch tab ports them).
rng = np.random.default_rng(3)
sequences = rng.normal(size=(2, 5, 3)).astype("float32")  # (batch, time, features)
gru_weights = [
    rng.normal(scale=0.5, size=(3, 3 * 4)),  # kernel (in, 3 * units): gate blocks z, r, h
    rng.normal(scale=0.5, size=(4, 3 * 4)),  # recurrent_kernel (units, 3 * units): z, r, h
    rng.normal(scale=0.5, size=(2, 3 * 4)),  # bias: row 0 for the input, row 1 for the recurrence
]
gru = keras.layers.GRU(4, return_sequences=True)  # reset_after=True is the default
gru.build(sequences.shape)
gru.set_weights([w.astype("float32") for w in gru_weights])
print("GRU:", [tuple(w.shape) for w in gru.weights], "reset_after", gru.reset_after)
#> GRU: [(3, 12), (4, 12), (2, 12)] reset_after True
gru_outputs = np.asarray(gru(sequences))
print(gru_outputs[0, -1].round(4))
#> [ 0.1076 -0.2143  0.8659 -0.1167]

# reset_after=False applies the reset gate before the recurrent product: one bias row, no nn.GRU mode.
legacy = keras.layers.GRU(4, return_sequences=True, reset_after=False)
legacy.build(sequences.shape)
legacy.set_weights([w.astype("float32") for w in gru_weights[:2]] + [gru_weights[2].sum(0).astype("float32")])
difference = np.abs(np.asarray(legacy(sequences)) - gru_outputs).max()
print(f"reset_after=False, same kernels: max |difference| {difference:.3f}")
#> reset_after=False, same kernels: max |difference| 0.220

lstm_weights = [
    rng.normal(scale=0.5, size=(3, 4 * 4)),  # kernel (in, 4 * units): gate blocks i, f, c, o
    rng.normal(scale=0.5, size=(4, 4 * 4)),  # recurrent_kernel (units, 4 * units)
    rng.normal(scale=0.5, size=4 * 4),  # one bias
]
lstm = keras.layers.LSTM(4, return_sequences=True)
lstm.build(sequences.shape)
lstm.set_weights([w.astype("float32") for w in lstm_weights])
print("LSTM:", [tuple(w.shape) for w in lstm.weights], "| gates:", lstm.recurrent_activation.__name__)
#> LSTM: [(3, 16), (4, 16), (16,)] | gates: sigmoid
lstm_outputs = np.asarray(lstm(sequences))
print(lstm_outputs[0, -1].round(4))
#> [ 0.1691 -0.1965 -0.2396 -0.2336]
# --8<-- [end:recurrent_layers]

# --8<-- [start:multi_head_attention]
# PyTorch nn.MultiheadAttention(8, num_heads=2) weights as its state_dict holds them (drawn from a seed).
rng = np.random.default_rng(4)
tokens = rng.normal(size=(2, 5, 8)).astype("float32")  # (batch, sequence, embedding)
torch_attention = {
    "in_proj_weight": rng.normal(scale=0.3, size=(3 * 8, 8)),  # rows: query, key, value; each (out, in)
    "in_proj_bias": rng.normal(scale=0.1, size=3 * 8),
    "out_proj.weight": rng.normal(scale=0.3, size=(8, 8)),
    "out_proj.bias": rng.normal(scale=0.1, size=8),
}
attention_state = {name: array.astype("float32") for name, array in torch_attention.items()}
heads, head_dim = 2, 4  # PyTorch splits the embedding of 8 into 2 heads of 4
query_w, key_w, value_w = np.split(attention_state["in_proj_weight"], 3)  # each (out, in)
query_b, key_b, value_b = np.split(attention_state["in_proj_bias"], 3)

attention = keras.layers.MultiHeadAttention(num_heads=heads, key_dim=head_dim)
attention(tokens, tokens)  # builds the four EinsumDense projections
attention.set_weights(
    [
        query_w.T.reshape(8, heads, head_dim),  # (in, heads, head_dim)
        query_b.reshape(heads, head_dim),
        key_w.T.reshape(8, heads, head_dim),
        key_b.reshape(heads, head_dim),
        value_w.T.reshape(8, heads, head_dim),
        value_b.reshape(heads, head_dim),
        attention_state["out_proj.weight"].T.reshape(heads, head_dim, 8),  # (heads, head_dim, out)
        attention_state["out_proj.bias"],
    ]
)
print({w.path.split("/")[-2]: tuple(w.shape) for w in attention.weights if w.name == "kernel"})
#> {'query': (8, 2, 4), 'key': (8, 2, 4), 'value': (8, 2, 4), 'attention_output': (2, 4, 8)}
may_attend = np.tril(np.ones((5, 5), dtype=bool))  # Keras masks: True where a query MAY attend
attention_output = np.asarray(attention(tokens, tokens, attention_mask=may_attend))  # (query, value)
print(attention_output[0, -1].round(4))
#> [ 0.2199 -0.0195 -0.0055 -0.5052  0.0066 -0.2034  0.4719 -0.2986]
causal = np.asarray(attention(tokens, tokens, use_causal_mask=True))
print("use_causal_mask=True gives the same:", bool(np.allclose(causal, attention_output, atol=1e-6)))
#> use_causal_mask=True gives the same: True
# --8<-- [end:multi_head_attention]

# --8<-- [start:strided_same_padding]
# A stride-2 3x3 convolution on the 8x8 digits, weights in Keras layout (drawn from a seed).
rng = np.random.default_rng(5)
conv_kernel = rng.normal(scale=0.5, size=(3, 3, 1, 2)).astype("float32")  # (height, width, in, out)
same = keras.layers.Conv2D(2, 3, strides=2, padding="same", use_bias=False)
same.build(keras_images.shape)
same.set_weights([conv_kernel])
same_padded = np.asarray(same(keras_images))
print("padding='same', stride 2:", same_padded.shape)
#> padding='same', stride 2: (16, 4, 4, 2)
# The port of PyTorch's padding=1: one row and column of zeros on every side, then no padding.
symmetric = keras.Sequential(
    [keras.layers.ZeroPadding2D(1), keras.layers.Conv2D(2, 3, strides=2, use_bias=False)]
)
symmetric.build(keras_images.shape)
symmetric.set_weights([conv_kernel])
symmetric_padded = np.asarray(symmetric(keras_images))
print("ZeroPadding2D(1), stride 2:", symmetric_padded.shape)
#> ZeroPadding2D(1), stride 2: (16, 4, 4, 2)
difference = np.abs(same_padded - symmetric_padded).max()
print(f"same shape, different windows: max |difference| {difference:.3f}")
#> same shape, different windows: max |difference| 2.837
odd = keras_images[:, :7, :7]  # a 7x7 input needs 2 pixels of padding: 1 on each side
difference = np.abs(np.asarray(same(odd)) - np.asarray(symmetric(odd))).max()
print(f"on a 7x7 input: max |difference| {difference:.3f}")
#> on a 7x7 input: max |difference| 0.000
# --8<-- [end:strided_same_padding]

# --8<-- [start:defaults_that_differ]
print("BatchNormalization: epsilon", keras.layers.BatchNormalization().epsilon,
      "momentum", keras.layers.BatchNormalization().momentum)  # fmt: skip
#> BatchNormalization: epsilon 0.001 momentum 0.99
print("LayerNormalization: epsilon", keras.layers.LayerNormalization().epsilon)
#> LayerNormalization: epsilon 0.001
print("Conv2D: padding", keras.layers.Conv2D(4, 3).padding, "| layout", keras.config.image_data_format())
#> Conv2D: padding valid | layout channels_last
print("Dense kernel initializer:", type(keras.layers.Dense(4).kernel_initializer).__name__)
#> Dense kernel initializer: GlorotUniform
print("Adam: epsilon", keras.optimizers.Adam().epsilon)
#> Adam: epsilon 1e-07
print("SparseCategoricalCrossentropy from_logits:", keras.losses.SparseCategoricalCrossentropy().from_logits)
#> SparseCategoricalCrossentropy from_logits: False
print("Dropout(0.2): drops a fraction", keras.layers.Dropout(0.2).rate)
#> Dropout(0.2): drops a fraction 0.2
# --8<-- [end:defaults_that_differ]

# --8<-- [start:porting_a_training_recipe]
adamw = keras.optimizers.AdamW()
print("AdamW: weight_decay", adamw.weight_decay, "epsilon", adamw.epsilon)
#> AdamW: weight_decay 0.004 epsilon 1e-07
weight = keras.Variable([1.0])
adam = keras.optimizers.Adam(learning_rate=0.1, weight_decay=0.01)  # every Keras optimizer takes it
adam.apply([keras.ops.zeros(1)], [weight])  # a zero loss gradient: only the weight decay acts
print(f"Adam(weight_decay=0.01), one step, zero gradient: weight moved by {1 - weight.numpy()[0]:.4f}")
#> Adam(weight_decay=0.01), one step, zero gradient: weight moved by 0.0010
print("Dense bias initializer:", type(keras.layers.Dense(4).bias_initializer).__name__)
#> Dense bias initializer: Zeros

# A PyTorch recipe, ported: AdamW(lr=1e-3, weight_decay=0.05), no decay on biases, 5 full-batch steps.
rng = np.random.default_rng(6)
start = [rng.normal(scale=0.1, size=(64, 10)), rng.normal(scale=0.1, size=10)]  # (in, out), bias
inputs = StandardScaler().fit_transform(images.reshape(16, 64)).astype("float32")  # as a recipe would
labels = load_digits().target[:16]


def train(optimizer):
    classifier = keras.Sequential([keras.Input(shape=(64,)), keras.layers.Dense(10)])
    classifier.set_weights([w.astype("float32") for w in start])
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    classifier.compile(optimizer=optimizer, loss=loss)
    classifier.fit(inputs, labels, batch_size=16, epochs=5, shuffle=False, verbose=0)
    return classifier.get_weights()  # [kernel, bias]


optimizer = keras.optimizers.AdamW(learning_rate=1e-3, weight_decay=0.05, epsilon=1e-8)
optimizer.exclude_from_weight_decay(var_names=["bias"])  # PyTorch: a param group with weight_decay=0
recipe_weights = train(optimizer)
recipe_kernel = recipe_weights[0]
recipe_bias = recipe_weights[1]
print(recipe_kernel[20, :5].round(4))
#> [-0.143   0.0568 -0.0573  0.0911 -0.1421]
difference = np.abs(train(keras.optimizers.AdamW(learning_rate=1e-3))[0] - recipe_kernel).max()
print(f"trained with Keras's AdamW defaults instead: max |difference| {difference:.1e}")
#> trained with Keras's AdamW defaults instead: max |difference| 7.6e-05
default_decay = adamw.weight_decay
print(f"weight left by decay alone, 10,000 steps at lr 1e-3: {(1 - 1e-3 * default_decay) ** 10_000:.3f}",
      f"(Keras default), {(1 - 1e-3 * 0.05) ** 10_000:.3f} (this recipe)")  # fmt: skip
#> weight left by decay alone, 10,000 steps at lr 1e-3: 0.961 (Keras default), 0.607 (this recipe)
# --8<-- [end:porting_a_training_recipe]
