"""One home for what a results file means: its schema, what is compared with what, and the verdict.

The harness (bench/runner.py) writes docs/data/benchmarks.json and validates it here; the charts
(bench/charts.py) and the MkDocs hook (hooks/benchmark_tables.py) read it through the functions
here. Every table cell, chart label, summary sentence and data-table row that says which framework
was faster gets that word from `verdict()`, a function of the bootstrap confidence interval (and,
after `make bench BENCH_ARGS="--runs 2"`, of the second run's interval too), so no two of them can
disagree, and none can state a difference its interval does not support.

Pure Python and NumPy: no framework is imported.
"""

import json
import math
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

try:
    from hooks.input_error import InputError
except ImportError:  # loaded by MkDocs with hooks/ on sys.path
    from input_error import InputError

ROOT = Path(__file__).resolve().parents[1]  # hooks/ sits at the repository root
DATA_FILE = ROOT / "docs" / "data" / "benchmarks.json"
SCHEMA_VERSION = 2

FRAMEWORKS = ("tensorflow", "pytorch")
FRAMEWORK_NAMES = {"tensorflow": "TensorFlow", "pytorch": "PyTorch"}
WORKLOADS = {
    "matmul": "Matrix multiply, float32",
    "matmul_bf16": "Matrix multiply, bfloat16",
    "mlp_train": "MLP training step",
    "cnn_train": "CNN training step",
    "transformer_forward": "Transformer encoder, forward",
    "data_pipeline": "Input pipeline, one epoch",
}
TRAINING = ("mlp_train", "cnn_train")
MODEL_WORKLOADS = ("mlp_train", "cnn_train", "transformer_forward")

# Execution modes per (workload kind, framework).
COMPILE_MODES = {
    "tensorflow": ("eager", "tf_function", "tf_function_xla"),
    "pytorch": ("eager", "torch_compile"),
}
KERAS_FIT = "keras_fit"  # training workloads only: compile() + fit(), default jit_compile
PIPELINE_MODES = {
    "tensorflow": ("per_sample", "vectorized"),
    "pytorch": ("per_sample", "vectorized", "vectorized_workers"),
}
BF16_MODES = {"tensorflow": ("eager", "tf_function"), "pytorch": ("eager",)}
ALL_MODES = {
    "tensorflow": COMPILE_MODES["tensorflow"] + (KERAS_FIT,) + PIPELINE_MODES["tensorflow"],
    "pytorch": COMPILE_MODES["pytorch"] + PIPELINE_MODES["pytorch"],
}

MODE_LABELS = {
    ("tensorflow", "eager"): "TensorFlow eager",
    ("tensorflow", "tf_function"): "tf.function",
    ("tensorflow", "tf_function_xla"): "tf.function(jit_compile=True)",
    ("tensorflow", KERAS_FIT): "Keras fit(), default jit_compile",
    ("pytorch", "eager"): "PyTorch eager",
    ("pytorch", "torch_compile"): "torch.compile",
    ("tensorflow", "per_sample"): "tf.data, per-sample map",
    ("tensorflow", "vectorized"): "tf.data, batched gather",
    ("pytorch", "per_sample"): "DataLoader, per-sample __getitem__",
    ("pytorch", "vectorized"): "DataLoader, batched __getitem__",
    ("pytorch", "vectorized_workers"): "DataLoader, batched, num_workers=1",
}


def modes_for(workload: str, framework: str) -> tuple[str, ...]:
    if workload == "data_pipeline":
        return PIPELINE_MODES[framework]
    if workload == "matmul_bf16":
        return BF16_MODES[framework]
    modes = COMPILE_MODES[framework]
    if framework == "tensorflow" and workload in TRAINING:
        modes += (KERAS_FIT,)
    return modes


def modes_of(workload: str) -> list[tuple[str, str]]:
    return [(f, m) for f in FRAMEWORKS for m in modes_for(workload, f)]


def mode_label(framework: str, mode: str) -> str:
    return MODE_LABELS[(framework, mode)]


# What is compared with what: (label, TensorFlow modes, PyTorch modes). With several modes, the
# fastest of them (lowest median) stands for its framework. The last entry is the headline.
MODEL_COMPARISONS = (
    ("Eager", ("eager",), ("eager",)),
    ("tf.function vs torch.compile", ("tf_function",), ("torch_compile",)),
    ("XLA vs torch.compile", ("tf_function_xla",), ("torch_compile",)),
    ("Fastest mode of each", COMPILE_MODES["tensorflow"] + (KERAS_FIT,), COMPILE_MODES["pytorch"]),
)
PIPELINE_COMPARISONS = (
    ("Per-sample transform", ("per_sample",), ("per_sample",)),
    ("Batched gather", ("vectorized",), ("vectorized",)),
    ("Fastest mode of each", PIPELINE_MODES["tensorflow"], PIPELINE_MODES["pytorch"]),
)
BF16_COMPARISONS = (
    ("Eager", ("eager",), ("eager",)),
    ("Fastest mode of each", BF16_MODES["tensorflow"], BF16_MODES["pytorch"]),
)


def comparisons_for(workload: str):
    if workload == "data_pipeline":
        return PIPELINE_COMPARISONS
    if workload == "matmul_bf16":
        return BF16_COMPARISONS
    return tuple(
        (label, tuple(m for m in tf if m in modes_for(workload, "tensorflow")), pt)
        for label, tf, pt in MODEL_COMPARISONS
    )


# ------------------------------------------------------------------ statistics and the verdict
BOOTSTRAP_RESAMPLES = 4000
CONFIDENCE = 0.95
EQUIVALENCE = 1.05  # an interval inside [1/1.05, 1.05] means: less than 5 % apart
DISTURBANCE_CORES = 0.15  # other work averaging more than this many cores during a case: disturbed
STEAL_CORES = 0.05  # hypervisor steal averaging more than this many cores: disturbed

VERDICTS = {
    "tensorflow": "TensorFlow faster",
    "pytorch": "PyTorch faster",
    "equivalent": "less than 5 % apart",
    "unclear": "too noisy to tell",
    "disturbed": "disturbed: no verdict",
    "unreproduced": "runs disagree: no verdict",
}


def signif(x: float, digits: int = 5) -> float:
    return float(f"{x:.{digits}g}")


def summary_stats(samples: list[float]) -> dict:
    samples = [signif(s) for s in samples]
    return {
        "min": min(samples),
        "median": signif(float(np.median(samples))),
        "max": max(samples),
        "samples": samples,
    }


@lru_cache(maxsize=16)
def _resample_counts(len_a: int, len_b: int, resamples: int) -> tuple[np.ndarray, np.ndarray]:
    """The bootstrap's seeded draws, as how often each sample is drawn in each resample (one row
    per resample). They depend on the lengths only: a page's hundreds of comparisons of 20-sample
    series share one set."""
    rng = np.random.default_rng(20261204)
    draws = rng.integers(0, len_a, (resamples, len_a)), rng.integers(0, len_b, (resamples, len_b))
    counts = tuple((d[:, :, None] == np.arange(d.shape[1])).sum(axis=1) for d in draws)
    for c in counts:
        c.flags.writeable = False  # shared by every caller
    return counts


def _resampled_medians(samples: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """np.median of every resample, to the bit, without sorting each one: walking the samples in
    ascending order, the middle draws of a resample are where its running count of draws passes
    the middle (a two-value median is (low + high) / 2, as np.median computes it)."""
    order = np.argsort(samples, kind="stable")
    drawn = np.cumsum(counts[:, order], axis=1)  # row r, column j: draws among the j+1 smallest
    n = len(samples)
    low = (drawn <= (n - 1) // 2).sum(axis=1)  # rank of the ((n-1)//2)-th smallest draw, 0-based
    high = (drawn <= n // 2).sum(axis=1)
    ascending = samples[order]
    return (ascending[low] + ascending[high]) / 2


@lru_cache(maxsize=4096)
def _ratio_interval(a: tuple, b: tuple, resamples: int = BOOTSTRAP_RESAMPLES) -> tuple[float, float]:
    """Percentile bootstrap of median(a) / median(b), each resampled on its own (seeded)."""
    counts_a, counts_b = _resample_counts(len(a), len(b), resamples)
    ma = _resampled_medians(np.asarray(a, dtype=float), counts_a)
    mb = _resampled_medians(np.asarray(b, dtype=float), counts_b)
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(ma / mb, [tail, 100 - tail])
    return float(low), float(high)


def ratio_interval(a: list[float], b: list[float]) -> tuple[float, float]:
    return _ratio_interval(tuple(a), tuple(b))


def verdict(low: float, high: float, disturbed: bool = False, replicate: tuple | None = None) -> str:
    """The one verdict on a TensorFlow ÷ PyTorch time ratio, from its confidence interval.

    Returns a key of VERDICTS. Below 1 means TensorFlow took less time. `replicate` is the same
    comparison's (low, high, disturbed) in a second full run: a verdict stands only if that run
    reaches it too.
    """
    if disturbed:
        return "disturbed"
    if replicate is not None:
        mine, other = verdict(low, high), verdict(*replicate)
        return mine if mine == other else "unreproduced"
    if low >= 1 / EQUIVALENCE and high <= EQUIVALENCE:
        return "equivalent"
    if high < 1:
        return "tensorflow"
    if low > 1:
        return "pytorch"
    return "unclear"


def is_disturbed(r: dict) -> bool:
    return bool(r.get("disturbance", {}).get("disturbed"))


def disturbance_flag(other_cores: float, steal_cores: float) -> bool:
    return other_cores > DISTURBANCE_CORES or steal_cores > STEAL_CORES


# ------------------------------------------------------------------ lookups and comparisons
class BenchmarkDataError(InputError):
    pass


def primary_threads(data: dict) -> int:
    return data["thread_counts"][0]


def result(data: dict, case: str, framework: str, mode: str, threads: int | None = None) -> dict:
    threads = primary_threads(data) if threads is None else threads
    for r in data["results"]:
        if (r["case"], r["framework"], r["mode"], r["threads"]) == (case, framework, mode, threads):
            return r
    raise BenchmarkDataError(f"no result for {case} {framework} {mode} at {threads} threads")


def find(results, workload, parameter, value, framework, mode, threads):
    for r in results:
        if (r["workload"], r["framework"], r["mode"], r["threads"]) == (workload, framework, mode, threads):
            if r["params"].get(parameter) == value:
                return r
    return None


def fastest(found: list[dict]) -> dict:
    return min(found, key=lambda r: r["seconds"]["median"])


def replicate_interval(a: dict, b: dict) -> tuple | None:
    """(low, high, disturbed) of a ÷ b in the second run the file carries, if it carries one."""
    if "replicate" not in a or "replicate" not in b:
        return None
    low, high = ratio_interval(a["replicate"]["samples"], b["replicate"]["samples"])
    return low, high, a["replicate"]["disturbed"] or b["replicate"]["disturbed"]


def ratio_verdict(a: dict, b: dict) -> dict:
    """Time of `a` ÷ time of `b` (medians), its 95 % interval, the other run's, and the verdict."""
    low, high = ratio_interval(a["seconds"]["samples"], b["seconds"]["samples"])
    disturbed = is_disturbed(a) or is_disturbed(b)
    replicate = replicate_interval(a, b)
    return {
        "ratio": a["seconds"]["median"] / b["seconds"]["median"],
        "low": low,
        "high": high,
        "replicate": replicate,
        "disturbed": disturbed,
        "verdict": verdict(low, high, disturbed, replicate),
    }


def compare_results(a: dict, b: dict) -> dict:
    """TensorFlow's result `a` against PyTorch's `b`: ratio_verdict() with both results kept."""
    return {"tensorflow": a, "pytorch": b, **ratio_verdict(a, b)}


def compare(data: dict, workload: str, tf_modes, torch_modes, case: str | None = None, threads=None) -> dict:
    """TensorFlow's fastest listed mode against PyTorch's, on the workload's main case."""
    case = case or data["main_cases"][workload]
    tf = fastest([result(data, case, "tensorflow", m, threads) for m in tf_modes])
    pt = fastest([result(data, case, "pytorch", m, threads) for m in torch_modes])
    return compare_results(tf, pt)


def headline(data: dict, workload: str, threads=None) -> dict:
    _, tf_modes, torch_modes = comparisons_for(workload)[-1]
    return compare(data, workload, tf_modes, torch_modes, threads=threads)


def interval_text(cmp: dict) -> str:
    return f"{cmp['ratio']:.2f}× (95 % CI {cmp['low']:.2f}–{cmp['high']:.2f})"


def verdict_sentence(cmp: dict) -> str:
    """One clause that never says more than the interval: e.g. 'PyTorch faster: TensorFlow took 1.32×
    (95 % CI 1.25–1.40) the time'."""
    key = cmp["verdict"]
    if key == "disturbed":
        return "disturbed: the machine was busy with other work during this case, so it gives no verdict"
    if key == "unclear":
        return (
            f"too noisy to tell: TensorFlow took {interval_text(cmp)} the time of PyTorch, an interval "
            "that includes both a TensorFlow and a PyTorch lead"
        )
    if key == "unreproduced":
        low, high, _ = cmp["replicate"]
        return (
            f"runs disagree, so no verdict: TensorFlow took {interval_text(cmp)} the time of PyTorch "
            f"in this run and {low:.2f}–{high:.2f} in the other"
        )
    if key == "equivalent":
        return f"less than 5 % apart: TensorFlow took {interval_text(cmp)} the time of PyTorch"
    return f"{VERDICTS[key]}: TensorFlow took {interval_text(cmp)} the time of PyTorch"


# ------------------------------------------------------------------ loading and validation
def load(path: Path = DATA_FILE) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BenchmarkDataError(f"{path}: missing; run `make bench` to create it") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise BenchmarkDataError(f"{path}:{err.lineno}:{err.colno}: not valid JSON: {err.msg}") from None
    return validate(data, str(path))


class _Checker:
    def __init__(self, source: str):
        self.source = source

    def fail(self, path: str, problem: str):
        raise BenchmarkDataError(f"{self.source}: field '{path}': {problem}")

    def field(self, obj, path: str, key: str):
        if not isinstance(obj, dict):
            self.fail(path or "(top level)", f"expected an object, got {type(obj).__name__}")
        where = f"{path}.{key}" if path else key
        if key not in obj:
            self.fail(where, "missing")
        return obj[key], where

    def text(self, obj, path, key) -> str:
        value, where = self.field(obj, path, key)
        if not isinstance(value, str) or not value.strip():
            self.fail(where, f"expected non-empty text, got {value!r}")
        return value

    def number(self, obj, path, key, positive=True) -> float:
        value, where = self.field(obj, path, key)
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        if not ok or (value <= 0 if positive else value < 0):
            self.fail(where, f"expected a {'positive' if positive else 'non-negative'} number, got {value!r}")
        return value

    def integer(self, obj, path, key) -> int:
        value, where = self.field(obj, path, key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            self.fail(where, f"expected a positive integer, got {value!r}")
        return value

    def boolean(self, obj, path, key) -> bool:
        value, where = self.field(obj, path, key)
        if not isinstance(value, bool):
            self.fail(where, f"expected true or false, got {value!r}")
        return value

    def choice(self, obj, path, key, allowed) -> str:
        value, where = self.field(obj, path, key)
        if value not in allowed:
            self.fail(where, f"{value!r} is not one of {list(allowed)}")
        return value

    def mapping(self, obj, path, key) -> dict:
        value, where = self.field(obj, path, key)
        if not isinstance(value, dict):
            self.fail(where, f"expected an object, got {type(value).__name__}")
        return value

    def items(self, obj, path, key, allow_empty=False) -> list:
        value, where = self.field(obj, path, key)
        if not isinstance(value, list) or (not value and not allow_empty):
            self.fail(where, "expected a non-empty list" if not allow_empty else "expected a list")
        return value

    def stats(self, obj, path, key, repetitions: int | None = None) -> dict:
        value, where = self.field(obj, path, key)
        low, mid, high = (self.number(value, where, k) for k in ("min", "median", "max"))
        samples = self.items(value, where, "samples")
        for i, sample in enumerate(samples):
            ok = isinstance(sample, int | float) and not isinstance(sample, bool) and math.isfinite(sample)
            if not ok or sample <= 0:
                self.fail(f"{where}.samples[{i}]", f"expected a positive number, got {sample!r}")
        if repetitions is not None and len(samples) != repetitions:
            self.fail(
                f"{where}.samples",
                f"expected {repetitions} samples (protocol.repetitions), got {len(samples)}",
            )
        if not low <= mid <= high:
            self.fail(where, f"expected min <= median <= max, got {low}, {mid}, {high}")
        if low != min(samples) or high != max(samples):
            self.fail(where, "min and max must be the smallest and largest of samples")
        if mid != signif(float(np.median(samples))):
            self.fail(where, "median must be the median of samples")
        return value


def validate(data, source: str = "benchmarks.json") -> dict:
    """Return `data` if it is a complete, consistent results file; raise naming the field if not."""
    c = _Checker(source)
    if not isinstance(data, dict):
        c.fail("(top level)", f"expected an object, got {type(data).__name__}")
    version, where = c.field(data, "", "schema_version")
    if version != SCHEMA_VERSION:
        c.fail(where, f"expected {SCHEMA_VERSION}, got {version!r}")
    c.choice(data, "", "profile", ("full", "smoke", "partial"))
    stamp = c.text(data, "", "generated_utc")
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp):
        c.fail("generated_utc", f"expected YYYY-MM-DDTHH:MM:SSZ, got {stamp!r}")
    c.text(data, "", "command")
    c.number(data, "", "wall_seconds")
    backend = c.text(data, "", "torch_compile_backend")
    if data["profile"] == "full" and backend != "inductor":
        c.fail(
            "torch_compile_backend", f"a full run must use torch.compile's default Inductor, got {backend!r}"
        )

    m = c.mapping(data, "", "machine")
    for key in ("cpu_model", "os", "python", "gpu"):
        c.text(m, "machine", key)
    for key in ("logical_cores", "usable_cores"):
        c.integer(m, "machine", key)
    c.items(m, "machine", "vector_flags", allow_empty=True)
    peak = c.mapping(m, "machine", "fp32_peak")
    for key in ("vector_bits", "fma_units", "ghz"):
        c.number(peak, "machine.fp32_peak", key)
    c.text(peak, "machine.fp32_peak", "source")

    thread_counts = c.items(data, "", "thread_counts")
    for i, n in enumerate(thread_counts):
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            c.fail(f"thread_counts[{i}]", f"expected a positive integer, got {n!r}")
    t = c.mapping(data, "", "threads")
    for framework in FRAMEWORKS:
        got = c.items(t, "threads", framework)
        for i, entry in enumerate(got):
            for key in ("requested", "intra_op", "inter_op"):
                c.integer(entry, f"threads.{framework}[{i}]", key)
            if entry["intra_op"] != entry["requested"] or entry["inter_op"] != entry["requested"]:
                c.fail(f"threads.{framework}[{i}]", f"read back {entry} differs from the requested count")
        if sorted(e["requested"] for e in got) != sorted(thread_counts):
            c.fail(f"threads.{framework}", "one entry per thread count expected")

    v = c.mapping(data, "", "versions")
    for key in ("tensorflow", "keras", "torch", "numpy", "python"):
        c.text(v, "versions", key)
    b = c.mapping(data, "", "blas")
    c.items(b, "blas", "libraries")
    c.mapping(b, "blas", "env")

    p = c.mapping(data, "", "protocol")
    repetitions = c.integer(p, "protocol", "repetitions")
    c.integer(p, "protocol", "cold_repetitions")
    c.number(p, "protocol", "min_repetition_seconds", positive=False)
    c.number(p, "protocol", "warmup_seconds", positive=False)
    c.text(p, "protocol", "order")

    limit = c.items(data, "", "limit")
    for i, run in enumerate(limit):
        where = f"limit[{i}]"
        c.integer(run, where, "n")
        c.integer(run, where, "threads")
        c.choice(run, where, "when", ("before", "after"))
        c.integer(run, where, "iterations_per_repetition")
        c.stats(run, where, "seconds", repetitions)

    results = c.items(data, "", "results")
    seen: dict[tuple, int] = {}
    for i, r in enumerate(results):
        where = f"results[{i}]"
        case = c.text(r, where, "case")
        workload = c.choice(r, where, "workload", WORKLOADS)
        c.mapping(r, where, "params")
        framework = c.choice(r, where, "framework", FRAMEWORKS)
        mode = c.choice(r, where, "mode", modes_for(workload, framework))
        threads = c.choice(r, where, "threads", thread_counts)
        c.text(r, where, "label")
        work = c.mapping(r, where, "work")
        c.number(work, f"{where}.work", "amount")
        c.choice(work, f"{where}.work", "unit", ("FLOP", "samples"))
        c.integer(r, where, "iterations_per_repetition")
        c.stats(r, where, "seconds", repetitions)
        c.number(r, where, "first_call_seconds")
        c.number(r, where, "second_call_seconds")
        d = c.mapping(r, where, "disturbance")
        other = c.number(d, f"{where}.disturbance", "other_cores", positive=False)
        steal = c.number(d, f"{where}.disturbance", "steal_cores", positive=False)
        flagged = c.boolean(d, f"{where}.disturbance", "disturbed")
        if flagged != disturbance_flag(other, steal):
            c.fail(f"{where}.disturbance.disturbed", "does not follow from other_cores and steal_cores")
        if "replicate" in r:  # the same series in a second full run (make bench BENCH_ARGS="--runs 2")
            replicate = c.mapping(r, where, "replicate")
            c.boolean(replicate, f"{where}.replicate", "disturbed")
            samples = c.items(replicate, f"{where}.replicate", "samples")
            if not all(isinstance(x, (int, float)) and x > 0 for x in samples):
                c.fail(f"{where}.replicate.samples", "must be positive numbers of seconds")
        key = (case, framework, mode, threads)
        if key in seen:
            c.fail(where, f"duplicates results[{seen[key]}] ({case}, {framework}, {mode}, {threads} threads)")
        seen[key] = i

    main_cases = c.mapping(data, "", "main_cases")
    for workload in WORKLOADS:
        case = c.text(main_cases, "main_cases", workload)
        for threads in thread_counts:
            for framework, mode in modes_of(workload):
                if (case, framework, mode, threads) not in seen:
                    c.fail(f"main_cases.{workload}", f"no result for {case} {framework} {mode} {threads}")
    for key in main_cases:
        if key not in WORKLOADS:
            c.fail(f"main_cases.{key}", f"unknown workload (known: {list(WORKLOADS)})")

    for i, sweep in enumerate(c.items(data, "", "sweeps")):
        where = f"sweeps[{i}]"
        c.text(sweep, where, "name")
        workload = c.choice(sweep, where, "workload", WORKLOADS)
        parameter = c.text(sweep, where, "parameter")
        values = c.items(sweep, where, "values")
        if data["profile"] == "full" and len(values) < 3:  # the smoke run's have one point
            c.fail(f"{where}.values", f"a sweep needs at least 3 points, got {len(values)}")
        for value in values:
            for framework, mode in modes_of(workload):
                if find(results, workload, parameter, value, framework, mode, thread_counts[0]) is None:
                    c.fail(f"{where}.values", f"no result for {parameter}={value} {framework} {mode}")

    checked = set()
    for i, entry in enumerate(c.items(data, "", "correctness")):
        where = f"correctness[{i}]"
        key = (
            c.text(entry, where, "case"),
            c.choice(entry, where, "framework", FRAMEWORKS),
            c.text(entry, where, "mode"),
        )
        c.text(entry, where, "reference")
        c.items(entry, where, "compared")
        c.number(entry, where, "max_abs_diff", positive=False)
        c.number(entry, where, "rtol", positive=False)
        c.number(entry, where, "atol", positive=False)
        passed, field = c.field(entry, where, "passed")
        if passed is not True:
            c.fail(field, "a result that failed its correctness check cannot be published")
        checked.add(key)
        if entry["reference"] == "PyTorch eager":
            checked.add((key[0], "pytorch", "eager"))
    for key, i in seen.items():
        if key[:3] not in checked:
            c.fail(f"results[{i}]", f"no correctness entry for {key[0]} {key[1]} {key[2]}")

    cold = c.items(data, "", "cold_start", allow_empty=True)
    for i, entry in enumerate(cold):
        where = f"cold_start[{i}]"
        c.text(entry, where, "case")
        framework = c.choice(entry, where, "framework", FRAMEWORKS)
        c.choice(entry, where, "mode", COMPILE_MODES[framework])
        c.text(entry, where, "label")
        for key in ("import_seconds", "build_seconds", "first_call_seconds", "steady_seconds"):
            c.stats(entry, where, key, p["cold_repetitions"])
    if data["profile"] == "full":
        have = {(e["framework"], e["mode"]) for e in cold}
        for framework, modes in COMPILE_MODES.items():
            for mode in modes:
                if (framework, mode) not in have:
                    c.fail("cold_start", f"no entry for {framework} {mode}")
    return data


# ------------------------------------------------------------------ formatting shared by the page and charts
def fmt_seconds(seconds: float) -> str:
    if seconds == 0:
        return "0"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.3g} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


def rate(r: dict, seconds: float | None = None) -> str:
    seconds = r["seconds"]["median"] if seconds is None else seconds
    amount, unit = r["work"]["amount"], r["work"]["unit"]
    if unit == "FLOP":
        return f"{amount / seconds / 1e9:.1f} GFLOP/s"
    return f"{amount / seconds:,.0f} samples/s"


def change_word(key: str, faster: str = "faster", slower: str = "slower") -> str:
    """The verdict of a time ratio new ÷ old (below 1: the new one is faster), in words."""
    return {
        "tensorflow": faster,
        "pytorch": slower,
        "equivalent": VERDICTS["equivalent"],
        "unclear": VERDICTS["unclear"],
        "disturbed": VERDICTS["disturbed"],
        "unreproduced": VERDICTS["unreproduced"],
    }[key]


def time_ratio(new: dict, old: dict) -> dict:
    """Time of `new` ÷ time of `old`, with the same interval and verdict function as the headline."""
    return ratio_verdict(new, old)
