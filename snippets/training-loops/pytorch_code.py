"""Training loops in PyTorch 2.13: the core loop, fit() through Keras 3, and defaults that differ."""

# --8<-- [start:setup]
import numpy as np
import torch
from sklearn.datasets import load_digits

torch.manual_seed(0)
digits = load_digits()  # 1,797 8x8 images of handwritten digits, bundled with scikit-learn
x = (digits.data / 16.0).astype("float32")
y = digits.target.astype("int64")
x_train, y_train, x_test, y_test = x[:1280], y[:1280], x[1280:], y[1280:]

# Both scripts draw the same starting weights with NumPy, so their results can be compared.
rng = np.random.default_rng(0)
w1, b1 = rng.normal(0, 0.1, (64, 32)).astype("float32"), np.zeros(32, "float32")
w2, b2 = rng.normal(0, 0.1, (32, 10)).astype("float32"), np.zeros(10, "float32")


def make_model():
    model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    with torch.no_grad():  # a Linear weight is (outputs, inputs): transpose the Keras layout
        for layer, weight, bias in ((model[0], w1, b1), (model[2], w2, b2)):
            layer.weight.copy_(torch.from_numpy(weight.T))
            layer.bias.copy_(torch.from_numpy(bias))
    return model


# --8<-- [end:setup]

# --8<-- [start:fit_and_evaluate]
model = make_model()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
loss_fn = torch.nn.CrossEntropyLoss()  # takes logits
train_data = torch.utils.data.TensorDataset(torch.from_numpy(x_train), torch.from_numpy(y_train))
loader = torch.utils.data.DataLoader(train_data, batch_size=64, shuffle=False)

epoch_losses = []
for _ in range(5):
    model.train()  # training mode, for layers such as dropout and batch norm
    batch_losses = []
    for inputs, labels in loader:
        optimizer.zero_grad()  # gradients accumulate unless cleared
        loss = loss_fn(model(inputs), labels)
        loss.backward()
        optimizer.step()
        batch_losses.append(loss.item())
    epoch_losses.append(round(float(np.mean(batch_losses)), 4))
print("mean loss per epoch:", epoch_losses)
#> mean loss per epoch: [1.9034, 0.8371, 0.4479, 0.2985, 0.2266]

model.eval()
with torch.no_grad():  # evaluation: no graph for gradients
    logits = model(torch.from_numpy(x_test))
    test_loss = loss_fn(logits, torch.from_numpy(y_test)).item()
    test_accuracy = (logits.argmax(dim=1).numpy() == y_test).mean()
print(f"test loss {test_loss:.4f}, accuracy {test_accuracy:.4f}")
#> test loss 0.4187, accuracy 0.8704
trained_kernel = model[0].weight.detach().numpy().T  # (64, 32), the Keras layout
# --8<-- [end:fit_and_evaluate]

# --8<-- [start:custom_training_step]
# There is no fit() to customise: the step is a function you write and your loop calls.
def train_step(model, optimizer, inputs, labels):  # change anything here
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), labels)
    loss.backward()
    optimizer.step()
    return loss.detach()


step_model = make_model()
step_optimizer = torch.optim.SGD(step_model.parameters(), lr=0.5)
custom_step_losses = []
for _ in range(5):
    step_model.train()
    losses = [train_step(step_model, step_optimizer, inputs, labels) for inputs, labels in loader]
    custom_step_losses.append(torch.stack(losses).mean().item())
print("mean loss per epoch:", [round(v, 4) for v in custom_step_losses])
#> mean loss per epoch: [1.9034, 0.8371, 0.4479, 0.2985, 0.2266]
# --8<-- [end:custom_training_step]

# --8<-- [start:custom_training_step_keras_torch]
# Keras 3 runs on PyTorch, and its models are torch.nn.Modules with a fit().
import os  # noqa: E402

os.environ["KERAS_BACKEND"] = "torch"  # must be set before Keras is imported
import keras  # noqa: E402


class StepModel(keras.Model):
    def train_step(self, data):  # fit() calls this once per batch
        inputs, labels = data
        self.zero_grad()
        predictions = self(inputs, training=True)
        loss = self.compute_loss(y=labels, y_pred=predictions)
        loss.backward()  # PyTorch autograd
        trainable = list(self.trainable_weights)
        with torch.no_grad():
            self.optimizer.apply([v.value.grad for v in trainable], trainable)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(labels, predictions)
        return {metric.name: metric.result() for metric in self.metrics}


keras_inputs = keras.Input((64,))
keras_hidden = keras.layers.Dense(32, activation="relu")(keras_inputs)
keras_model = StepModel(keras_inputs, keras.layers.Dense(10)(keras_hidden))
keras_model.set_weights([w1, b1, w2, b2])
print(keras.backend.backend(), isinstance(keras_model, torch.nn.Module))
#> torch True
keras_model.compile(
    optimizer=keras.optimizers.SGD(learning_rate=0.5),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
)
keras_torch_losses = keras_model.fit(
    x_train, y_train, batch_size=64, epochs=5, shuffle=False, verbose=0
).history["loss"]
print("mean loss per epoch:", [round(v, 4) for v in keras_torch_losses])
#> mean loss per epoch: [1.9034, 0.8371, 0.4479, 0.2985, 0.2266]
print("same losses as the PyTorch loop:", np.allclose(keras_torch_losses, custom_step_losses, rtol=1e-5))
#> same losses as the PyTorch loop: True
# --8<-- [end:custom_training_step_keras_torch]

# --8<-- [start:optimizer_defaults]
params = [torch.zeros(1, requires_grad=True)]
print("Adam eps:", torch.optim.Adam(params).defaults["eps"])
#> Adam eps: 1e-08
print("SGD learning rate:", torch.optim.SGD(params).defaults["lr"])
#> SGD learning rate: 0.001
print("AdamW weight decay:", torch.optim.AdamW(params).defaults["weight_decay"])
#> AdamW weight decay: 0.01
rmsprop = torch.optim.RMSprop(params).defaults
print("RMSprop learning rate:", rmsprop["lr"], "alpha:", rmsprop["alpha"])
#> RMSprop learning rate: 0.01 alpha: 0.99
# --8<-- [end:optimizer_defaults]


# --8<-- [start:adam_epsilon]
# One Adam step on three weights whose gradients are 1e-3, 1e-6 and 1e-8.
def first_adam_step(eps):
    weights = torch.zeros(3, requires_grad=True)
    optimizer = torch.optim.Adam([weights], lr=1e-3, eps=eps)
    weights.grad = torch.tensor([1e-3, 1e-6, 1e-8])
    optimizer.step()
    return weights.detach().numpy() / 1e-3  # the step, in units of the learning rate


print("default eps=1e-8:", np.round(first_adam_step(1e-8), 4))
#> default eps=1e-8: [-1.     -0.9901 -0.5   ]
print("eps=1e-7:", np.round(first_adam_step(1e-7), 4))
#> eps=1e-7: [-0.9999 -0.9091 -0.0909]
# Keras adds epsilon before the bias correction: at step t it acts like eps / sqrt(1 - 0.999**t).
first_adam_update = first_adam_step(1e-7 / np.sqrt(1 - 0.999))
print("eps=1e-7/sqrt(1-0.999):", np.round(first_adam_update, 4))
#> eps=1e-7/sqrt(1-0.999): [-0.9968 -0.2403 -0.0032]
# --8<-- [end:adam_epsilon]

# --8<-- [start:one_optimizer_step]
batch_x, batch_y = torch.from_numpy(x_train[:64]), torch.from_numpy(y_train[:64])


def one_step(make_optimizer):
    model = make_model()  # the shared starting weights
    optimizer = make_optimizer(model.parameters())
    loss_fn(model(batch_x), batch_y).backward()
    optimizer.step()
    return model[0].weight.detach().numpy().T


# Keras's epsilon=1e-7, translated for the first step (see above).
adam_kernel = one_step(lambda p: torch.optim.Adam(p, lr=1e-3, eps=1e-7 / np.sqrt(1 - 0.999)))
sgd_kernel = one_step(lambda p: torch.optim.SGD(p, lr=0.5))
print("Adam step, 4 weights:", [round(float(v), 6) for v in (adam_kernel - w1)[20, :4]])
#> Adam step, 4 weights: [0.0, -0.000985, 0.000985, 0.000999]
print("SGD step, 4 weights:", [round(float(v), 6) for v in (sgd_kernel - w1)[20, :4]])
#> SGD step, 4 weights: [0.0, -0.000105, 0.000104, 0.002215]
# --8<-- [end:one_optimizer_step]

# --8<-- [start:loss_inputs]
logits = torch.tensor([[2.0, -1.0, 0.5], [0.1, 0.2, 3.0]])
labels = torch.tensor([0, 2])
probabilities = torch.softmax(logits, dim=1)
# CrossEntropyLoss always expects logits; there is no switch.
loss_from_logits = torch.nn.CrossEntropyLoss()(logits, labels).item()
print("logits:", round(loss_from_logits, 4))
#> logits: 0.1755
print("log-probabilities, NLLLoss:", round(torch.nn.NLLLoss()(probabilities.log(), labels).item(), 4))
#> log-probabilities, NLLLoss: 0.1755
print("probabilities (wrong):", round(torch.nn.CrossEntropyLoss()(probabilities, labels).item(), 4))
#> probabilities (wrong): 0.6611
# log_softmax twice changes nothing, so a model ending in log_softmax still gets the right loss:
print("log-probabilities:", round(torch.nn.CrossEntropyLoss()(probabilities.log(), labels).item(), 4))
#> log-probabilities: 0.1755
# --8<-- [end:loss_inputs]

# --8<-- [start:batchnorm_conventions]
batch = torch.from_numpy((rng.normal(0, 2, (8, 3)) + 5).astype("float32"))  # 8 samples, 3 features
print("batch mean:", np.round(batch.mean(dim=0).numpy(), 4))
#> batch mean: [4.826  4.0718 6.0262]
bn = torch.nn.BatchNorm1d(3)
print("defaults: momentum", bn.momentum, "eps", bn.eps)
#> defaults: momentum 0.1 eps 1e-05
bn.train()
# running = (1 - momentum) * running + momentum * batch statistic, from running_mean=0
bn_output = bn(batch).detach().numpy()
bn_moving_mean = bn.running_mean.numpy()
print("running mean:", np.round(bn_moving_mean, 4))
#> running mean: [0.4826 0.4072 0.6026]
# The running variance uses the unbiased batch variance (divide by n - 1).
print("running variance:", np.round(bn.running_var.numpy(), 4))
#> running variance: [1.3146 1.5904 1.4027]

# Keras's momentum=0.99 and epsilon=1e-3, written the PyTorch way:
keras_like = torch.nn.BatchNorm1d(3, momentum=0.01, eps=1e-3)
keras_like(batch)
print("Keras-like running mean:", np.round(keras_like.running_mean.numpy(), 4))
#> Keras-like running mean: [0.0483 0.0407 0.0603]
# --8<-- [end:batchnorm_conventions]

# --8<-- [start:conv_layout]
images = torch.from_numpy(x[:2].reshape(2, 1, 8, 8))  # NCHW: batch, channels, height, width
kernel = rng.normal(0, 0.5, (3, 3, 1, 4)).astype("float32")  # drawn in the Keras layout
conv = torch.nn.Conv2d(1, 4, 3, bias=False)
with torch.no_grad():
    conv.weight.copy_(torch.from_numpy(kernel.transpose(3, 2, 0, 1)))  # to (out, in, height, width)
outputs = conv(images)
print("input", tuple(images.shape), "weight", tuple(conv.weight.shape), "output", tuple(outputs.shape))
#> input (2, 1, 8, 8) weight (4, 1, 3, 3) output (2, 4, 6, 6)
conv_output = outputs.detach().numpy()
# --8<-- [end:conv_layout]
