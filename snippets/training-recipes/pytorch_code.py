"""Training recipes in PyTorch 2.13: clipping, schedules, accumulation, weight decay, early stopping."""

# --8<-- [start:setup]
import tempfile
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits

torch.manual_seed(0)
digits = load_digits()  # 1,797 8x8 images of handwritten digits, bundled with scikit-learn
x = (digits.data / 16.0).astype("float32")
y = digits.target.astype("int64")
batch_x, batch_y = torch.from_numpy(x[:64]), torch.from_numpy(y[:64])

# Both scripts draw the same starting weights with NumPy, so their results can be compared.
rng = np.random.default_rng(0)
w1, b1 = rng.normal(0, 0.1, (64, 32)).astype("float32"), np.zeros(32, "float32")
w2, b2 = rng.normal(0, 0.1, (32, 10)).astype("float32"), np.zeros(10, "float32")
loss_fn = torch.nn.CrossEntropyLoss()  # takes logits


def make_model():
    model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    with torch.no_grad():  # a Linear weight is (outputs, inputs): transpose the Keras layout
        for layer, weight, bias in ((model[0], w1, b1), (model[2], w2, b2)):
            layer.weight.copy_(torch.from_numpy(weight.T))
            layer.bias.copy_(torch.from_numpy(bias))
    return model


def first_kernel(model):
    return model[0].weight.detach().numpy().T.copy()  # (64, 32), the Keras layout


# --8<-- [end:setup]


# --8<-- [start:gradient_clipping]
def norms(tensors):
    return [round(t.norm().item(), 4) for t in tensors]


model = make_model()
loss_fn(model(batch_x), batch_y).backward()
gradients = [p.grad for p in model.parameters()]
print("norm of each gradient:", norms(gradients))
#> norm of each gradient: [0.2474, 0.0482, 0.1711, 0.0516]
print("global norm:", round(torch.nn.utils.get_total_norm(gradients).item(), 4))
#> global norm: 0.309


def clipped_step(clip):
    model = make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    optimizer.zero_grad()
    loss_fn(model(batch_x), batch_y).backward()
    clip(list(model.parameters()))  # between backward() and step()
    print("gradients used:", norms(p.grad for p in model.parameters()))
    #> gradients used: [0.1602, 0.0312, 0.1107, 0.0334]
    #> gradients used: [0.2, 0.0482, 0.1711, 0.0516]
    optimizer.step()
    return first_kernel(model)


def clip_global(parameters):  # all gradients scaled together: Keras's global_clipnorm
    torch.nn.utils.clip_grad_norm_(parameters, max_norm=0.2)  # returns the norm before clipping


def clip_each(parameters):  # each gradient on its own: Keras's clipnorm
    for parameter in parameters:
        torch.nn.utils.clip_grad_norm_(parameter, max_norm=0.2)


global_clipped_kernel = clipped_step(clip_global)
each_clipped_kernel = clipped_step(clip_each)
gap = np.abs(global_clipped_kernel - each_clipped_kernel).max()
print("largest difference between the two kernels:", round(float(gap), 4))
#> largest difference between the two kernels: 0.0023
# --8<-- [end:gradient_clipping]

# --8<-- [start:schedule_per_step]
model = make_model()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=12)  # 12 steps
loader = torch.utils.data.DataLoader(
    torch.utils.data.TensorDataset(batch_x, batch_y), batch_size=16, shuffle=False
)
per_step_rates = []
for epoch in range(3):
    for inputs, labels in loader:  # 4 batches per epoch
        per_step_rates.append(optimizer.param_groups[0]["lr"])  # the rate this step uses
        optimizer.zero_grad()
        loss_fn(model(inputs), labels).backward()
        optimizer.step()
        scheduler.step()  # after optimizer.step(), once per batch
    print(f"epoch {epoch}:", [round(rate, 4) for rate in per_step_rates[-4:]])
    #> epoch 0: [0.5, 0.4915, 0.4665, 0.4268]
    #> epoch 1: [0.375, 0.3147, 0.25, 0.1853]
    #> epoch 2: [0.125, 0.0732, 0.0335, 0.0085]
scheduled_kernel = first_kernel(model)
beyond = []  # the rate at steps 12, 13 and 14, past T_max
for _ in range(3):
    beyond.append(round(optimizer.param_groups[0]["lr"], 4))
    scheduler.step()
print("past T_max:", beyond)  # the cosine rises again
#> past T_max: [0.0, 0.0085, 0.0335]
# --8<-- [end:schedule_per_step]

# --8<-- [start:schedule_per_epoch]
model = make_model()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.5)
per_epoch_rates = []
for _ in range(3):
    for inputs, labels in loader:
        per_epoch_rates.append(optimizer.param_groups[0]["lr"])
        optimizer.zero_grad()
        loss_fn(model(inputs), labels).backward()
        optimizer.step()
    scheduler.step()  # once per epoch: the rate is constant within an epoch
print([round(rate, 4) for rate in per_epoch_rates])
#> [0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.125, 0.125, 0.125, 0.125]
# --8<-- [end:schedule_per_epoch]

# --8<-- [start:gradient_accumulation]
model = make_model()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
steps = 4  # micro-batches per update: 4 x 16 is an effective batch of 64
optimizer.zero_grad()
for index, (inputs, labels) in enumerate(zip(batch_x.split(16), batch_y.split(16), strict=True)):
    loss = loss_fn(model(inputs), labels) / steps  # scaled, so the summed gradients average
    loss.backward()  # gradients add up in .grad until zero_grad()
    if (index + 1) % steps == 0:
        optimizer.step()
        optimizer.zero_grad()  # a scheduler.step() here would count updates, not micro-batches
    print(f"after micro-batch {index}: weights changed", not np.array_equal(first_kernel(model), w1))
    #> after micro-batch 0: weights changed False
    #> after micro-batch 1: weights changed False
    #> after micro-batch 2: weights changed False
    #> after micro-batch 3: weights changed True
accumulated_kernel = first_kernel(model)

one_batch = make_model()  # the same update from the whole batch of 64 at once
one_batch_optimizer = torch.optim.SGD(one_batch.parameters(), lr=0.5)
loss_fn(one_batch(batch_x), batch_y).backward()
one_batch_optimizer.step()
print("same as one batch of 64:", np.allclose(accumulated_kernel, first_kernel(one_batch), atol=1e-7))
#> same as one batch of 64: True
# --8<-- [end:gradient_accumulation]

# --8<-- [start:weight_decay]
print("Adam weight_decay:", torch.optim.Adam([torch.zeros(1)]).defaults["weight_decay"])
#> Adam weight_decay: 0
print("AdamW weight_decay:", torch.optim.AdamW([torch.zeros(1)]).defaults["weight_decay"])
#> AdamW weight_decay: 0.01


def five_adam_steps(make_optimizer):
    weights = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
    optimizer = make_optimizer([weights])
    for _ in range(5):
        optimizer.zero_grad()
        loss = ((weights - 1) ** 2).sum()  # pulls the weights towards 1; decay pulls towards 0
        loss.backward()
        optimizer.step()
    return weights.detach().numpy()


# eps=1e-7 as in Keras; with gradients this size, where each adds it barely matters.
adam_no_decay = five_adam_steps(lambda p: torch.optim.Adam(p, lr=0.1, eps=1e-7))
adam_l2 = five_adam_steps(lambda p: torch.optim.Adam(p, lr=0.1, eps=1e-7, weight_decay=0.5))
adamw_decoupled = five_adam_steps(lambda p: torch.optim.AdamW(p, lr=0.1, eps=1e-7, weight_decay=0.5))
adam_decoupled = five_adam_steps(
    lambda p: torch.optim.Adam(p, lr=0.1, eps=1e-7, weight_decay=0.5, decoupled_weight_decay=True)
)
print("no decay:               ", np.round(adam_no_decay, 4))
#> no decay:                [ 1.     -1.5018  0.9722]
print("Adam(weight_decay=0.5): ", np.round(adam_l2, 4))
#> Adam(weight_decay=0.5):  [ 0.6829 -1.5019  0.9162]
print("AdamW(weight_decay=0.5):", np.round(adamw_decoupled, 4))
#> AdamW(weight_decay=0.5): [ 0.9965 -1.099   0.8256]
print("Adam, decoupled=True:   ", np.round(adam_decoupled, 4))
#> Adam, decoupled=True:    [ 0.9965 -1.099   0.8256]
# --8<-- [end:weight_decay]

# --8<-- [start:early_stopping]
x_small, y_small = torch.from_numpy(x[:100]), torch.from_numpy(y[:100])  # small: it overfits
x_val, y_val = torch.from_numpy(x[1400:]), torch.from_numpy(y[1400:])
train_loader = torch.utils.data.DataLoader(
    torch.utils.data.TensorDataset(x_small, y_small), batch_size=20, shuffle=False
)
model = make_model()
optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
checkpoint = Path(tempfile.mkdtemp()) / "best.pt"
patience, best_loss, best_epoch, wait = 3, float("inf"), None, 0
val_losses = []
for epoch in range(30):
    model.train()
    for inputs, labels in train_loader:
        optimizer.zero_grad()
        loss_fn(model(inputs), labels).backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        val_losses.append(loss_fn(model(x_val), y_val).item())
    if val_losses[-1] < best_loss:  # an improvement: save, and reset the patience
        best_loss, best_epoch, wait = val_losses[-1], epoch, 0
        torch.save(model.state_dict(), checkpoint)
    else:
        wait += 1
        if wait >= patience:
            break
print("validation losses:", [round(v, 4) for v in val_losses])
#> validation losses: [2.1364, 2.1074, 1.3616, 1.818, 0.8773, 0.7505, 0.7319, 0.6984, 0.714, 0.7175, 0.726]
stopped_epoch = epoch + 1  # counted from 1, as Keras prints it
print("stopped after epoch", stopped_epoch, "- best epoch", best_epoch + 1)
#> stopped after epoch 11 - best epoch 8
model.load_state_dict(torch.load(checkpoint, weights_only=True))  # back to the best weights
with torch.no_grad():
    restored_loss = loss_fn(model(x_val), y_val).item()
print("restored validation loss:", round(restored_loss, 4))
#> restored validation loss: 0.6984
# --8<-- [end:early_stopping]
