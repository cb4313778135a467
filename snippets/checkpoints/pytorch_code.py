"""Checkpoints and resuming in PyTorch 2.13: state_dict, torch.save/torch.load, safetensors."""

# --8<-- [start:setup]
import os
import pickle
import tempfile

import numpy as np
import safetensors.torch
import torch

# The same data, starting weights and batch order as the TensorFlow tab.
rng = np.random.default_rng(0)
features = rng.normal(size=(32, 4)).astype(np.float32)
targets = np.sin(features).sum(axis=1, keepdims=True).astype(np.float32)
kernel_1 = (rng.normal(size=(4, 8)) * 0.5).astype(np.float32)
kernel_2 = (rng.normal(size=(8, 1)) * 0.5).astype(np.float32)
BATCH, STEPS, INTERRUPT_AT = 8, 10, 5
tmp = tempfile.TemporaryDirectory()


def batch_for(step):
    """The batch order is a function of the step, so resuming needs only the step number."""
    epoch, i = divmod(step, len(features) // BATCH)
    order = np.random.default_rng([0, epoch]).permutation(len(features))  # reshuffled each epoch
    rows = order[i * BATCH : (i + 1) * BATCH]
    return torch.from_numpy(features[rows]), torch.from_numpy(targets[rows])


def make_model_and_optimizer():
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    with torch.no_grad():
        model[0].weight.copy_(torch.from_numpy(kernel_1.T))
        model[2].weight.copy_(torch.from_numpy(kernel_2.T))
        model[0].bias.zero_()
        model[2].bias.zero_()
    return model, torch.optim.Adam(model.parameters(), lr=0.01, eps=1e-7)  # Keras's epsilon


def train(model, optimizer, start, stop):
    for step in range(start, stop):
        x, y = batch_for(step)
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()


def flat_weights(model):
    # Same order as the Keras tab: kernel (transposed back), bias, kernel, bias.
    w1, b1, w2, b2 = (p.detach().numpy() for p in model.parameters())
    return np.concatenate([w1.T.ravel(), b1, w2.T.ravel(), b2])
# --8<-- [end:setup]


# --8<-- [start:uninterrupted_run]
model, optimizer = make_model_and_optimizer()
train(model, optimizer, 0, STEPS)
uninterrupted_weights = flat_weights(model)
print(uninterrupted_weights[:4].round(4))
#> [-0.1982 -0.597  -0.6034  0.0529]
# --8<-- [end:uninterrupted_run]


# --8<-- [start:save_checkpoints]
model, optimizer = make_model_and_optimizer()
ckpt_dir = os.path.join(tmp.name, "ckpts")
os.makedirs(ckpt_dir)
for s in range(INTERRUPT_AT):
    train(model, optimizer, s, s + 1)
    state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": s + 1}
    torch.save(state, os.path.join(ckpt_dir, f"ckpt-{s + 1}.pt"))
    for old in sorted(os.listdir(ckpt_dir), key=lambda f: int(f[5:-3]))[:-2]:
        os.remove(os.path.join(ckpt_dir, old))  # keep the newest two, like max_to_keep=2
print(sorted(os.listdir(ckpt_dir)))
#> ['ckpt-4.pt', 'ckpt-5.pt']
# What is inside: plain dictionaries of tensors and numbers.
print(list(state["model"]), "| step", state["step"])
#> ['0.weight', '0.bias', '2.weight', '2.bias'] | step 5
print(list(state["optimizer"]), sorted(state["optimizer"]["state"][0]))  # Adam's state per parameter
#> ['state', 'param_groups'] ['exp_avg', 'exp_avg_sq', 'step']
# --8<-- [end:save_checkpoints]


# --8<-- [start:resume_from_latest]
# A new process would start here: fresh objects, then load the state into them.
model, optimizer = make_model_and_optimizer()
latest = max(os.listdir(ckpt_dir), key=lambda f: int(f[5:-3]))
state = torch.load(os.path.join(ckpt_dir, latest), weights_only=True)  # the default since 2.6
model.load_state_dict(state["model"])  # strict=True: fails loudly on missing or extra keys
optimizer.load_state_dict(state["optimizer"])
step = state["step"]
print("resuming at step", step, "| optimizer step", int(optimizer.state_dict()["state"][0]["step"]))
#> resuming at step 5 | optimizer step 5
train(model, optimizer, step, STEPS)
resumed_weights = flat_weights(model)
print("identical to the uninterrupted run:", np.array_equal(resumed_weights, uninterrupted_weights))
#> identical to the uninterrupted run: True
# --8<-- [end:resume_from_latest]


# --8<-- [start:without_optimizer_state]
model, optimizer = make_model_and_optimizer()
model.load_state_dict(torch.load(os.path.join(ckpt_dir, latest), weights_only=True)["model"])
train(model, optimizer, INTERRUPT_AT, STEPS)  # a fresh Adam: zero moments, step count 0
fresh_optimizer_weights = flat_weights(model)
print("identical:", np.array_equal(fresh_optimizer_weights, uninterrupted_weights))
#> identical: False
print("largest difference:", round(float(np.abs(fresh_optimizer_weights - uninterrupted_weights).max()), 4))
#> largest difference: 0.0398
# --8<-- [end:without_optimizer_state]


# --8<-- [start:whole_model_file]
path = os.path.join(tmp.name, "model.pt")
torch.save(model, path)  # pickles the module object: its class must be importable to load it
try:
    torch.load(path)  # weights_only=True by default: refuses to unpickle arbitrary objects
except pickle.UnpicklingError as err:
    print(type(err).__name__, "|", str(err).split(".")[0])
    #> UnpicklingError | Weights only load failed
reloaded = torch.load(path, weights_only=False)  # only for files you trust: unpickling runs code
print(type(reloaded).__name__, "| same weights:", np.array_equal(flat_weights(reloaded), flat_weights(model)))
#> Sequential | same weights: True
# --8<-- [end:whole_model_file]


# --8<-- [start:safetensors_files]
# safetensors stores named tensors and nothing else: no code runs when a file is loaded.
path = os.path.join(tmp.name, "weights.safetensors")
safetensors.torch.save_file(model.state_dict(), path)
loaded = safetensors.torch.load_file(path)
print(sorted(loaded))
#> ['0.bias', '0.weight', '2.bias', '2.weight']
new_model, _ = make_model_and_optimizer()
new_model.load_state_dict(loaded)
reloaded_weights = flat_weights(new_model)
print("same weights:", np.array_equal(reloaded_weights, flat_weights(model)))
#> same weights: True
# --8<-- [end:safetensors_files]
