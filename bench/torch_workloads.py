"""PyTorch implementations of the workloads in bench/workloads.py.

Modes: "eager" calls the module or function directly; "torch_compile" compiles the whole
training step, as tf.function does in TensorFlow: the forward pass with the loss goes through
torch.compile (the backward pass then runs the graph AOTAutograd compiled with it), and
optimizer.step() through a second torch.compile, as in the "Compiling the optimizer" recipe.
Default Inductor backend; dynamic=False: every case compiles for its own static shapes, as a
program that runs one size would.
"""

from collections import OrderedDict

import numpy as np
import torch
from torch import nn

from bench import workloads as W

FRAMEWORK = "pytorch"


def configure_threads(intra: int, inter: int) -> dict:
    """Set PyTorch's thread pools (must run before any parallel work) and read them back."""
    torch.set_num_threads(intra)
    torch.set_num_interop_threads(inter)
    return {"intra_op": torch.get_num_threads(), "inter_op": torch.get_num_interop_threads()}


def versions() -> dict:
    return {"torch": torch.__version__.split("+")[0]}


def _compile(fn, mode: str, backend: str):
    if mode == "eager":
        return fn
    if mode == "torch_compile":
        torch._dynamo.reset()  # a fresh start per case: no code cached from another case's shapes
        return torch.compile(fn, dynamic=False, backend=backend)
    raise ValueError(f"unknown PyTorch mode {mode!r}")


class Runnable:
    """step() runs one iteration; sync() waits for its result and returns it as NumPy."""

    steps_per_call = 1

    def step(self, check: bool = False):
        raise NotImplementedError

    def sync(self, out):
        return out.detach().numpy()

    def state(self) -> dict[str, np.ndarray]:
        return {}


class Matmul(Runnable):
    def __init__(self, case, mode, weights, inputs, backend):
        self.a, self.b = torch.from_numpy(inputs["a"]), torch.from_numpy(inputs["b"])
        if case.workload == "matmul_bf16":
            self.a, self.b = self.a.to(torch.bfloat16), self.b.to(torch.bfloat16)
        self.fn = _compile(_matmul, mode, backend)

    def step(self, check=False):
        return self.fn(self.a, self.b)

    def sync(self, out):
        return out.float().numpy()


def _matmul(a, b):
    return a @ b


class Train(Runnable):
    """Forward, loss, backward and a plain SGD update of an nn.Module."""

    def __init__(self, case, mode, weights, inputs, backend):
        self.case = case
        self.model = build_model(case)
        load_weights(self.model, case, weights)
        self.names = sorted(weights)
        x = inputs["x"]
        if case.workload == "cnn_train":
            x = x.transpose(0, 3, 1, 2)  # NHWC -> NCHW, PyTorch's default layout
        self.x, self.y = torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(inputs["y"])
        self.loss_fn = nn.CrossEntropyLoss()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=W.LEARNING_RATE)
        self.forward_loss = _compile(self._forward_loss, mode, backend)
        self.optimizer_step = self.optimizer.step
        if mode == "torch_compile":  # the whole step compiled, as tf.function compiles it
            self.optimizer_step = torch.compile(self._optimizer_step, dynamic=False, backend=backend)

    def _forward_loss(self, x, y):
        return self.loss_fn(self.model(x), y)

    def _optimizer_step(self):
        self.optimizer.step()

    def step(self, check=False):
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.forward_loss(self.x, self.y)
        loss.backward()
        self.optimizer_step()
        return loss

    def state(self):
        """Weights after the steps, keyed and laid out as in workloads.make_weights."""
        modules = dict(self.model.named_children())
        out = {}
        for name in self.names:
            layer, attr = name.split("/")
            value = getattr(modules[layer], "weight" if attr == "kernel" else "bias").detach().numpy()
            out[name] = _from_torch_layout(value) if attr == "kernel" else value.copy()
        return out


class Forward(Runnable):
    def __init__(self, case, mode, weights, inputs, backend):
        self.model = build_model(case).eval()
        load_weights(self.model, case, weights)
        self.x = torch.from_numpy(inputs["x"])
        self.fn = _compile(self.model, mode, backend)

    def step(self, check=False):
        with torch.no_grad():
            return self.fn(self.x)


class _Samples(torch.utils.data.Dataset):
    """In-memory images; indexing with one index or a list of indices normalises and flattens."""

    def __init__(self, images, labels):
        self.images, self.labels = torch.from_numpy(images), torch.from_numpy(labels)

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        x = (self.images[index].float() / 255.0 - W.PIPELINE_MEAN) / W.PIPELINE_STD
        return x.flatten(start_dim=x.dim() - 2), self.labels[index]


class Pipeline(Runnable):
    """One epoch of a DataLoader over in-memory arrays: shuffle, normalise, flatten, batch.

    per_sample: the default, one __getitem__ per index, then default_collate.
    vectorized: automatic batching off, __getitem__ receives a batch of indices and gathers them.
    vectorized_workers: the same in one worker process (num_workers=1, persistent_workers=True,
    so the worker starts once, not every epoch; it runs alongside the main process).
    """

    def __init__(self, case, mode, weights, inputs, backend):
        p = case.params
        data = _Samples(inputs["images"], inputs["labels"])
        generator = torch.Generator().manual_seed(0)
        if mode == "per_sample":
            self.loader = torch.utils.data.DataLoader(
                data, batch_size=p["batch"], shuffle=True, generator=generator
            )
        elif mode in ("vectorized", "vectorized_workers"):
            sampler = torch.utils.data.BatchSampler(
                torch.utils.data.RandomSampler(data, generator=generator), p["batch"], drop_last=False
            )
            workers = {"num_workers": 1, "persistent_workers": True} if mode == "vectorized_workers" else {}
            self.loader = torch.utils.data.DataLoader(data, sampler=sampler, batch_size=None, **workers)
        else:
            raise ValueError(f"unknown pipeline mode {mode!r}")

    def step(self, check=False):
        totals = np.zeros(4)
        last = None
        for x, y in self.loader:
            last = x
            if check:
                totals += W.pipeline_checksum(x.numpy(), y.numpy())
        return totals if check else last

    def sync(self, out):
        return out if isinstance(out, np.ndarray) else out.numpy()


def build_model(case) -> nn.Module:
    p = case.params
    if case.workload == "mlp_train":
        return nn.Sequential(
            _named(
                dense0=nn.Linear(p["features"], p["width"]),
                relu0=nn.ReLU(),
                dense1=nn.Linear(p["width"], p["width"]),
                relu1=nn.ReLU(),
                dense2=nn.Linear(p["width"], p["classes"]),
            )
        )
    if case.workload == "cnn_train":
        return nn.Sequential(
            _named(
                conv1=nn.Conv2d(1, p["channels1"], 3),
                relu1=nn.ReLU(),
                pool=nn.MaxPool2d(2),
                conv2=nn.Conv2d(p["channels1"], p["channels2"], 3),
                relu2=nn.ReLU(),
                gap=nn.AdaptiveAvgPool2d(1),
                flatten=nn.Flatten(),
                dense=nn.Linear(p["channels2"], p["classes"]),
            )
        )
    if case.workload == "transformer_forward":
        layer = nn.TransformerEncoderLayer(
            p["d_model"],
            p["heads"],
            p["ff"],
            dropout=0.0,
            activation="relu",
            layer_norm_eps=W.LAYER_NORM_EPSILON,
            batch_first=True,
        )
        return nn.TransformerEncoder(layer, p["layers"], enable_nested_tensor=False)
    raise ValueError(f"no model for {case.workload!r}")


def _named(**modules) -> OrderedDict:
    return OrderedDict(modules)


def _to_torch_layout(kernel: np.ndarray) -> np.ndarray:
    """(in, out) -> (out, in) for Linear; HWIO -> OIHW for Conv2d."""
    return kernel.T if kernel.ndim == 2 else kernel.transpose(3, 2, 0, 1)


def _from_torch_layout(weight: np.ndarray) -> np.ndarray:
    return weight.T.copy() if weight.ndim == 2 else weight.transpose(2, 3, 1, 0).copy()


def load_weights(model: nn.Module, case, weights: dict[str, np.ndarray]) -> None:
    """Copy the shared NumPy weights in, transposed to PyTorch's layout."""
    with torch.no_grad():
        if case.workload in W.TRAINING:
            modules = dict(model.named_children())
            for name, value in weights.items():
                layer, attr = name.split("/")
                if attr == "kernel":
                    _copy(modules[layer].weight, _to_torch_layout(value), name)
                else:
                    _copy(modules[layer].bias, value, name)
            return
        for i, layer in enumerate(model.layers):
            pre = f"layer{i}/"
            attention = layer.self_attn
            _copy(
                attention.in_proj_weight,
                np.concatenate([weights[pre + f"w{n}"].T for n in "qkv"]),
                pre + "wq/wk/wv",
            )
            _copy(
                attention.in_proj_bias,
                np.concatenate([weights[pre + f"b{n}"] for n in "qkv"]),
                pre + "bq/bk/bv",
            )
            _copy(attention.out_proj.weight, weights[pre + "wo"].T, pre + "wo")
            _copy(attention.out_proj.bias, weights[pre + "bo"], pre + "bo")
            _copy(layer.linear1.weight, weights[pre + "w1"].T, pre + "w1")
            _copy(layer.linear1.bias, weights[pre + "b1"], pre + "b1")
            _copy(layer.linear2.weight, weights[pre + "w2"].T, pre + "w2")
            _copy(layer.linear2.bias, weights[pre + "b2"], pre + "b2")
            for norm in ("norm1", "norm2"):
                _copy(getattr(layer, norm).weight, weights[pre + f"{norm}/gamma"], pre + norm)
                _copy(getattr(layer, norm).bias, weights[pre + f"{norm}/beta"], pre + norm)


def _copy(parameter: torch.Tensor, value: np.ndarray, name: str) -> None:
    if tuple(parameter.shape) != value.shape:
        raise ValueError(f"{name}: shape {tuple(parameter.shape)} != weights {value.shape}")
    parameter.copy_(torch.from_numpy(np.ascontiguousarray(value)))


RUNNABLES = {
    "matmul": Matmul,
    "matmul_bf16": Matmul,
    "mlp_train": Train,
    "cnn_train": Train,
    "transformer_forward": Forward,
    "data_pipeline": Pipeline,
}


def build(case, mode: str, weights, inputs, torch_compile_backend: str = "inductor", **_) -> Runnable:
    if mode not in W.modes_for(case.workload, FRAMEWORK):
        raise ValueError(f"{case.workload}: unknown PyTorch mode {mode!r}")
    return RUNNABLES[case.workload](case, mode, weights, inputs, torch_compile_backend)
