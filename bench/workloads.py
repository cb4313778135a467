"""What is measured, independent of any framework: sizes, modes, weights, inputs, tolerances.

Weights and inputs are made here with NumPy from a fixed seed and handed to both frameworks,
so both compute the same function on the same data; each framework module only changes their
layout (a Dense kernel is (in, out) in Keras and (out, in) in torch.nn.Linear).
"""

from dataclasses import dataclass, field

import numpy as np

from hooks.benchmark_results import (  # noqa: F401  (re-exported: the workload modules use W.*)
    FRAMEWORKS,
    KERAS_FIT,
    TRAINING,
    WORKLOADS,
    mode_label,
    modes_for,
)

CHECK_STEPS = 3  # training steps compared across frameworks before anything is timed
LEARNING_RATE = 0.01
LAYER_NORM_EPSILON = 1e-5  # torch's default; Keras' default is 1e-3, so it is set explicitly
PIPELINE_MEAN, PIPELINE_STD = 0.5, 0.25
FIT_STEPS = 16  # Keras fit(): one timed call trains this many batches (one epoch of them)

# (rtol, atol) for comparing each framework and mode with the reference.
TOLERANCES = {
    "matmul": (1e-4, 1e-3),  # against NumPy in float64; entries are ~10, sums of 1024 products
    # bfloat16 inputs and output, float32 accumulation, against float64 products of the same
    # bfloat16 inputs: rounding the output to bfloat16 (8 significant bits) costs up to 2**-9
    # relative, 0.2 %; rtol 0.8 % allows that with margin, atol covers entries near zero.
    # Accumulating in bfloat16 instead would miss by far more and fail.
    "matmul_bf16": (8e-3, 1e-2),
    "mlp_train": (1e-4, 1e-5),  # losses and weights after CHECK_STEPS SGD steps
    "cnn_train": (1e-4, 1e-5),
    "transformer_forward": (1e-4, 1e-4),  # layer-normalised outputs of order 1
    "data_pipeline": (1e-6, 0.0),  # float64 checksums of one epoch
}


@dataclass(frozen=True)
class Case:
    """One workload at one size."""

    workload: str
    params: dict = field(hash=False)

    @property
    def id(self) -> str:
        return self.workload + "[" + ",".join(f"{k}={v}" for k, v in sorted(self.params.items())) + "]"

    def work(self) -> tuple[float, str]:
        """(amount, unit) of work one iteration does, to turn seconds into a rate."""
        p = self.params
        if self.workload in ("matmul", "matmul_bf16"):
            return 2.0 * p["n"] ** 3, "FLOP"
        if self.workload == "data_pipeline":
            return float(p["samples"]), "samples"
        return float(p["batch"]), "samples"


# ------------------------------------------------------------------ sizes
@dataclass(frozen=True)
class Profile:
    name: str
    cases: dict  # workload -> params of the main case
    sweeps: dict  # sweep name -> (workload, parameter, values); the other params as in cases
    thread_counts: tuple  # intra-/inter-op threads; main cases run at each, sweeps at the first
    repetitions: int  # timed repetitions per (case, framework, mode), interleaved across frameworks
    min_rep_seconds: float  # each repetition runs enough iterations to last at least this long
    warmup_seconds: float  # warm-up after the first call, before calibration
    cold_repetitions: int  # fresh processes per (framework, mode) for import and first-call times
    cold_modes: tuple  # (framework, mode) pairs timed from a fresh process, in this order
    limit_sizes: tuple  # NumPy matmul sizes for the machine's peak
    # torch.compile backend. The smoke profile uses "eager" (TorchDynamo capture without Inductor
    # code generation), which keeps the test in seconds; real runs use Inductor, the default.
    torch_compile_backend: str = "inductor"
    # Extra environment for the framework processes. The smoke profile asks XLA for its cheapest
    # code generation (a third of the compile time): it checks the harness's paths and results,
    # and times nothing that is published.
    env: dict = field(default_factory=dict)
    # True: the two workers make their first calls (and warm up) at the same time, and the cold
    # starts run beside them. Only for a profile whose times are not published (see runner.py).
    overlap: bool = False


FULL = Profile(
    name="full",
    cases={
        "matmul": {"n": 1024},
        "matmul_bf16": {"n": 1024},
        "mlp_train": {"batch": 128, "features": 784, "width": 512, "classes": 10},
        "cnn_train": {"batch": 64, "size": 28, "channels1": 32, "channels2": 64, "classes": 10},
        "transformer_forward": {"batch": 32, "seq": 64, "d_model": 128, "heads": 4, "ff": 512, "layers": 2},
        "data_pipeline": {"samples": 4096, "size": 28, "batch": 128},
    },
    sweeps={
        "mlp_batch": ("mlp_train", "batch", (16, 128, 1024)),
        "mlp_width": ("mlp_train", "width", (128, 512, 2048)),
    },
    thread_counts=(1, 2),
    repetitions=20,  # at least 20 per case: the bootstrap intervals need them
    min_rep_seconds=0.05,
    warmup_seconds=0.2,
    cold_repetitions=1,  # one fresh process per mode: a cold torch.compile alone costs ~45 s
    cold_modes=(
        ("tensorflow", "eager"),
        ("pytorch", "eager"),
        ("tensorflow", "tf_function"),
        ("pytorch", "torch_compile"),
        ("tensorflow", "tf_function_xla"),
    ),
    limit_sizes=(1024,),  # the frameworks' size: the same n, the same cache behaviour
)

SMOKE = Profile(
    name="smoke",
    cases={
        "matmul": {"n": 64},
        "matmul_bf16": {"n": 64},
        "mlp_train": {"batch": 8, "features": 16, "width": 16, "classes": 4},
        "cnn_train": {"batch": 4, "size": 10, "channels1": 4, "channels2": 4, "classes": 4},
        "transformer_forward": {"batch": 2, "seq": 8, "d_model": 16, "heads": 2, "ff": 32, "layers": 1},
        "data_pipeline": {"samples": 64, "size": 6, "batch": 16},
    },
    # One point each, the main case: the sweep tables and charts are drawn from it, at no extra
    # cost (another MLP case costs ~3 s). How FULL's extra points are planned is tested on its own.
    sweeps={
        "mlp_batch": ("mlp_train", "batch", (8,)),
        "mlp_width": ("mlp_train", "width", (16,)),
    },
    thread_counts=(1,),
    repetitions=3,
    min_rep_seconds=0.0,
    warmup_seconds=0.0,
    cold_repetitions=1,
    cold_modes=(("pytorch", "eager"),),  # one fresh process shows the path works; TensorFlow costs 6 s more
    limit_sizes=(64,),
    torch_compile_backend="eager",
    env={
        "XLA_FLAGS": "--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true "
        "--xla_cpu_use_fusion_emitters=false"
    },
    overlap=True,
)

PROFILES = {p.name: p for p in (FULL, SMOKE)}


def main_cases(profile: Profile) -> list[Case]:
    return [Case(w, dict(profile.cases[w])) for w in WORKLOADS]


def all_cases(profile: Profile) -> list[Case]:
    """The main case of each workload, then the sweep points that are not main cases."""
    cases = main_cases(profile)
    seen = {c.id for c in cases}
    for workload, parameter, values in profile.sweeps.values():
        for value in values:
            case = Case(workload, {**profile.cases[workload], parameter: value})
            if case.id not in seen:
                cases.append(case)
                seen.add(case.id)
    return cases


# ------------------------------------------------------------------ weights and inputs
def _uniform(rng, shape, fan_in, fan_out):
    limit = np.sqrt(6.0 / (fan_in + fan_out))  # Glorot uniform, the Keras default
    return rng.uniform(-limit, limit, size=shape).astype(np.float32)


def _bias(rng, n):
    return rng.uniform(-0.1, 0.1, size=n).astype(np.float32)


def make_weights(case: Case, seed: int = 0) -> dict[str, np.ndarray]:
    """Initial weights in "x @ W + b" layout (Dense kernels (in, out), conv kernels HWIO)."""
    rng = np.random.default_rng(seed)
    p = case.params
    w = {}
    if case.workload == "mlp_train":
        sizes = [p["features"], p["width"], p["width"], p["classes"]]
        for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:], strict=False)):
            w[f"dense{i}/kernel"] = _uniform(rng, (n_in, n_out), n_in, n_out)
            w[f"dense{i}/bias"] = _bias(rng, n_out)
    elif case.workload == "cnn_train":
        c1, c2 = p["channels1"], p["channels2"]
        w["conv1/kernel"] = _uniform(rng, (3, 3, 1, c1), 9, 9 * c1)
        w["conv1/bias"] = _bias(rng, c1)
        w["conv2/kernel"] = _uniform(rng, (3, 3, c1, c2), 9 * c1, 9 * c2)
        w["conv2/bias"] = _bias(rng, c2)
        w["dense/kernel"] = _uniform(rng, (c2, p["classes"]), c2, p["classes"])
        w["dense/bias"] = _bias(rng, p["classes"])
    elif case.workload == "transformer_forward":
        d, ff = p["d_model"], p["ff"]
        for layer in range(p["layers"]):
            pre = f"layer{layer}/"
            for name in ("q", "k", "v", "o"):
                w[pre + f"w{name}"] = _uniform(rng, (d, d), d, d)
                w[pre + f"b{name}"] = _bias(rng, d)
            w[pre + "w1"] = _uniform(rng, (d, ff), d, ff)
            w[pre + "b1"] = _bias(rng, ff)
            w[pre + "w2"] = _uniform(rng, (ff, d), ff, d)
            w[pre + "b2"] = _bias(rng, d)
            for norm in ("norm1", "norm2"):
                w[pre + f"{norm}/gamma"] = (1.0 + _bias(rng, d)).astype(np.float32)
                w[pre + f"{norm}/beta"] = _bias(rng, d)
    return w


def make_inputs(case: Case, seed: int = 1) -> dict[str, np.ndarray]:
    """Inputs in NumPy; images are NHWC (the torch module transposes them to NCHW)."""
    rng = np.random.default_rng(seed)
    p = case.params
    if case.workload in ("matmul", "matmul_bf16"):
        n = p["n"]
        return {
            "a": rng.uniform(-1, 1, (n, n)).astype(np.float32),
            "b": rng.uniform(-1, 1, (n, n)).astype(np.float32),
        }
    if case.workload == "mlp_train":
        return {
            "x": rng.standard_normal((p["batch"], p["features"])).astype(np.float32),
            "y": rng.integers(0, p["classes"], p["batch"]).astype(np.int64),
        }
    if case.workload == "cnn_train":
        return {
            "x": rng.standard_normal((p["batch"], p["size"], p["size"], 1)).astype(np.float32),
            "y": rng.integers(0, p["classes"], p["batch"]).astype(np.int64),
        }
    if case.workload == "transformer_forward":
        return {"x": rng.standard_normal((p["batch"], p["seq"], p["d_model"])).astype(np.float32)}
    if case.workload == "data_pipeline":
        n, s = p["samples"], p["size"]
        return {
            "images": rng.integers(0, 256, (n, s, s), dtype=np.uint8),
            "labels": rng.integers(0, 10, n).astype(np.int64),
        }
    raise ValueError(f"unknown workload {case.workload!r}")


def reference_outputs(case: Case, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray] | None:
    """A framework-free reference where one is cheap (None: compare with PyTorch eager)."""
    if case.workload == "matmul":
        return {"out": inputs["a"].astype(np.float64) @ inputs["b"].astype(np.float64)}
    if case.workload == "matmul_bf16":
        return {"out": to_bf16(inputs["a"]).astype(np.float64) @ to_bf16(inputs["b"]).astype(np.float64)}
    if case.workload == "data_pipeline":
        x = (
            inputs["images"].astype(np.float32) / np.float32(255.0) - np.float32(PIPELINE_MEAN)
        ) / np.float32(PIPELINE_STD)
        return {"checksum": pipeline_checksum(x.reshape(len(x), -1), inputs["labels"])}
    return None


def pipeline_checksum(x: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Order-independent summary of one epoch: count, sum, sum of squares, sum of labels."""
    x = np.asarray(x, dtype=np.float64)
    return np.array([len(x), x.sum(), (x * x).sum(), np.asarray(labels, dtype=np.float64).sum()])


def to_bf16(x: np.ndarray) -> np.ndarray:
    """float32 -> the nearest bfloat16 value (round to nearest even), kept as float32."""
    bits = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return rounded.astype(np.uint32).view(np.float32)
