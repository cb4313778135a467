"""MkDocs hook: render docs/data/benchmarks.json (written by `make bench`) into the performance page.

The page holds placeholder lines such as `<!-- benchmarks:headline -->`; each is replaced by
Markdown computed from the data file, so no measured number on the page is typed by hand.
Everything here is a pure function of the data. A malformed file raises BenchmarkDataError
naming the file and the field (for example `results[3].seconds.median`), and so fails the build.
"""

import html
import json
import math
import re
from pathlib import Path

try:
    from hooks.input_error import InputError
except ImportError:  # loaded by MkDocs with hooks/ on sys.path
    from input_error import InputError

DATA_FILE = Path(__file__).resolve().parents[1] / "docs" / "data" / "benchmarks.json"
PLACEHOLDER = re.compile(r"<!-- benchmarks:([a-z_]+)(?::([a-z_]+))? -->")
SCHEMA_VERSION = 1

FRAMEWORKS = ("tensorflow", "pytorch")
FRAMEWORK_NAMES = {"tensorflow": "TensorFlow", "pytorch": "PyTorch"}
WORKLOADS = {
    "matmul": "Matrix multiply",
    "mlp_train": "MLP training step",
    "cnn_train": "CNN training step",
    "transformer_forward": "Transformer encoder, forward",
    "data_pipeline": "Input pipeline, one epoch",
}
MODEL_MODES = {
    "tensorflow": ("eager", "tf_function", "tf_function_xla"),
    "pytorch": ("eager", "torch_compile"),
}
PIPELINE_MODES = ("per_sample", "vectorized")
UNITS = ("FLOP", "samples")

# What is compared with what: (label, TensorFlow modes, PyTorch modes); with several modes,
# the fastest of them (lowest median) stands for its framework.
MODEL_COMPARISONS = (
    ("Eager", ("eager",), ("eager",)),
    ("tf.function vs torch.compile", ("tf_function",), ("torch_compile",)),
    ("XLA vs torch.compile", ("tf_function_xla",), ("torch_compile",)),
    ("Fastest mode of each", MODEL_MODES["tensorflow"], MODEL_MODES["pytorch"]),
)
PIPELINE_COMPARISONS = (
    ("Per-sample transform", ("per_sample",), ("per_sample",)),
    ("Batched transform", ("vectorized",), ("vectorized",)),
    ("Fastest mode of each", PIPELINE_MODES, PIPELINE_MODES),
)


class BenchmarkDataError(InputError):
    pass


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
            self._sample(sample, f"{where}.samples[{i}]")
        if repetitions is not None and len(samples) != repetitions:
            self.fail(
                f"{where}.samples",
                f"expected {repetitions} samples (protocol.repetitions), got {len(samples)}",
            )
        if not low <= mid <= high:
            self.fail(where, f"expected min <= median <= max, got {low}, {mid}, {high}")
        if low != min(samples) or high != max(samples):
            self.fail(where, "min and max must be the smallest and largest of samples")
        return value

    def _sample(self, value, where):
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not math.isfinite(value)
            or value <= 0
        ):
            self.fail(where, f"expected a positive number, got {value!r}")


def validate(data, source: str = "benchmarks.json") -> dict:
    """Return `data` if it is a complete, consistent results file; raise naming the field if not."""
    c = _Checker(source)
    if not isinstance(data, dict):
        c.fail("(top level)", f"expected an object, got {type(data).__name__}")
    version, where = c.field(data, "", "schema_version")
    if version != SCHEMA_VERSION:
        c.fail(where, f"expected {SCHEMA_VERSION}, got {version!r}")
    c.choice(data, "", "profile", ("full", "smoke"))
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

    t = c.mapping(data, "", "threads")
    intra, inter = c.integer(t, "threads", "intra_op"), c.integer(t, "threads", "inter_op")
    c.integer(t, "threads", "numpy_blas")
    for framework in FRAMEWORKS:
        got = c.mapping(t, "threads", framework)
        for key, wanted in (("intra_op", intra), ("inter_op", inter)):
            value = c.integer(got, f"threads.{framework}", key)
            if value != wanted:
                c.fail(f"threads.{framework}.{key}", f"{value} differs from the requested {wanted}")

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

    limit = c.mapping(data, "", "limit")
    peak = c.number(limit, "limit", "peak_gflops")
    c.integer(limit, "limit", "peak_n")
    medians = []
    for part in ("before", "after"):
        for i, run in enumerate(c.items(limit, "limit", part)):
            where = f"limit.{part}[{i}]"
            c.integer(run, where, "n")
            c.integer(run, where, "iterations_per_repetition")
            c.stats(run, where, "seconds", repetitions)
            medians.append(c.number(run, where, "gflops_median"))
    if peak != max(medians):
        c.fail("limit.peak_gflops", f"{peak} is not the best measured median ({max(medians)})")

    results = c.items(data, "", "results")
    seen: dict[tuple, int] = {}
    for i, r in enumerate(results):
        where = f"results[{i}]"
        case = c.text(r, where, "case")
        c.choice(r, where, "workload", WORKLOADS)
        c.mapping(r, where, "params")
        framework = c.choice(r, where, "framework", FRAMEWORKS)
        c.choice(r, where, "mode", MODEL_MODES[framework] + PIPELINE_MODES)
        c.text(r, where, "label")
        work = c.mapping(r, where, "work")
        c.number(work, f"{where}.work", "amount")
        c.choice(work, f"{where}.work", "unit", UNITS)
        c.integer(r, where, "iterations_per_repetition")
        c.stats(r, where, "seconds", repetitions)
        c.number(r, where, "first_call_seconds")
        c.number(r, where, "second_call_seconds")
        key = (case, framework, r["mode"])
        if key in seen:
            c.fail(where, f"duplicates results[{seen[key]}] ({case}, {framework}, {r['mode']})")
        seen[key] = i

    main_cases = c.mapping(data, "", "main_cases")
    for workload in WORKLOADS:
        case = c.text(main_cases, "main_cases", workload)
        for framework, mode in _modes_of(workload):
            if (case, framework, mode) not in seen:
                c.fail(f"main_cases.{workload}", f"no result for {case} {framework} {mode}")
    for key in main_cases:
        if key not in WORKLOADS:
            c.fail(f"main_cases.{key}", f"unknown workload (known: {list(WORKLOADS)})")

    for i, sweep in enumerate(c.items(data, "", "sweeps")):
        where = f"sweeps[{i}]"
        c.text(sweep, where, "name")
        workload = c.choice(sweep, where, "workload", WORKLOADS)
        parameter = c.text(sweep, where, "parameter")
        values = c.items(sweep, where, "values")
        if len(values) < 3:
            c.fail(f"{where}.values", f"a sweep needs at least three points, got {len(values)}")
        for value in values:
            for framework, mode in _modes_of(workload):
                if _find(results, workload, parameter, value, framework, mode) is None:
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
        if key not in checked:
            c.fail(f"results[{i}]", f"no correctness entry for {key[0]} {key[1]} {key[2]}")

    cold = c.items(data, "", "cold_start")
    cold_modes = set()
    for i, entry in enumerate(cold):
        where = f"cold_start[{i}]"
        c.text(entry, where, "case")
        framework = c.choice(entry, where, "framework", FRAMEWORKS)
        cold_modes.add((framework, c.choice(entry, where, "mode", MODEL_MODES[framework])))
        c.text(entry, where, "label")
        for key in ("import_seconds", "build_seconds", "first_call_seconds", "steady_seconds"):
            c.stats(entry, where, key, p["cold_repetitions"])
    if data["profile"] == "full":  # the smoke profile starts only the eager modes cold, to stay short
        for framework, modes in MODEL_MODES.items():
            for mode in modes:
                if (framework, mode) not in cold_modes:
                    c.fail("cold_start", f"no entry for {framework} {mode}")
    return data


def _modes_of(workload: str) -> list[tuple[str, str]]:
    if workload == "data_pipeline":
        return [(f, m) for f in FRAMEWORKS for m in PIPELINE_MODES]
    return [(f, m) for f in FRAMEWORKS for m in MODEL_MODES[f]]


def _find(results, workload, parameter, value, framework, mode):
    for r in results:
        if (r["workload"], r["framework"], r["mode"]) == (workload, framework, mode):
            if r["params"].get(parameter) == value:
                return r
    return None


# ------------------------------------------------------------------ derived numbers
def result(data: dict, case: str, framework: str, mode: str) -> dict:
    for r in data["results"]:
        if (r["case"], r["framework"], r["mode"]) == (case, framework, mode):
            return r
    raise BenchmarkDataError(f"no result for {case} {framework} {mode}")


def fastest(data: dict, case: str, framework: str, modes) -> dict:
    return min((result(data, case, framework, m) for m in modes), key=lambda r: r["seconds"]["median"])


def comparisons_for(workload: str):
    return PIPELINE_COMPARISONS if workload == "data_pipeline" else MODEL_COMPARISONS


def compare(data: dict, workload: str, tf_modes, torch_modes) -> dict:
    """TensorFlow's median time divided by PyTorch's, and whether their ranges overlap."""
    case = data["main_cases"][workload]
    tf_result = fastest(data, case, "tensorflow", tf_modes)
    torch_result = fastest(data, case, "pytorch", torch_modes)
    a, b = tf_result["seconds"], torch_result["seconds"]
    return {
        "tensorflow": tf_result,
        "pytorch": torch_result,
        "ratio": a["median"] / b["median"],
        "overlap": a["min"] <= b["max"] and b["min"] <= a["max"],
    }


def verdict(comparison: dict) -> str:
    if comparison["overlap"]:
        return "within noise (ranges overlap)"
    return "TensorFlow faster" if comparison["ratio"] < 1 else "PyTorch faster"


def rate(r: dict, seconds: float | None = None) -> str:
    seconds = r["seconds"]["median"] if seconds is None else seconds
    amount, unit = r["work"]["amount"], r["work"]["unit"]
    if unit == "FLOP":
        return f"{amount / seconds / 1e9:.1f} GFLOP/s"
    return f"{amount / seconds:,.0f} samples/s"


def fmt_seconds(seconds: float) -> str:
    if seconds == 0:
        return "0"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.3g} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


def _cell(text) -> str:
    return html.escape(str(text), quote=False).replace("|", "&#124;").replace("\n", " ")


def _code(text: str) -> str:
    return f"`{text}`" if "`" not in text else _cell(text)


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


# ------------------------------------------------------------------ renderers
def render_machine(data: dict) -> str:
    m, t, v = data["machine"], data["threads"], data["versions"]
    blas = data["blas"]["libraries"][0]
    blas_text = " ".join(
        str(blas[k])
        for k in ("internal_api", "version", "architecture")
        if isinstance(blas, dict) and blas.get(k)
    )
    coretype = data["blas"]["env"].get("OPENBLAS_CORETYPE")
    rows = [
        [
            "Measured",
            f"{data['generated_utc'][:10]} with `{data['command']}` ({data['profile']} profile, "
            f"{data['wall_seconds']:.0f} s wall time)",
        ],
        [
            "CPU",
            f"{_cell(m['cpu_model'])}, {m['logical_cores']} logical cores ({m['usable_cores']} usable); "
            + _cell(", ".join(m["vector_flags"]) or "no vector flags recorded"),
        ],
        ["Memory, OS", f"{m.get('memory_gib')} GiB, {_cell(m['os'])}"],
        ["GPU", _cell(m["gpu"])],
        [
            "Threads",
            f"intra-op {t['intra_op']}, inter-op {t['inter_op']} in both frameworks (read back: "
            + ", ".join(f"{FRAMEWORK_NAMES[f]} {t[f]['intra_op']}/{t[f]['inter_op']}" for f in FRAMEWORKS)
            + f"); NumPy BLAS {t['numpy_blas']}",
        ],
        [
            "Versions",
            ", ".join(f"{k} {_cell(v[k])}" for k in ("tensorflow", "keras", "torch", "numpy", "python")),
        ],
        [
            "NumPy BLAS",
            _cell(blas_text or "see data file")
            + f"; `OPENBLAS_CORETYPE` {'=' + _cell(coretype) if coretype else 'not set'}",
        ],
        [
            "Protocol",
            f"{data['protocol']['repetitions']} timed repetitions of at least "
            f"{data['protocol']['min_repetition_seconds']} s, "
            f"after {data['protocol']['warmup_seconds']} s of warm-up; {_cell(data['protocol']['order'])}",
        ],
    ]
    return _table(["", "This run"], rows)


def _ratio_cell(cmp: dict, modes: bool = False) -> str:
    note = _cell(verdict(cmp))
    if modes:
        note = f"{_code(cmp['tensorflow']['label'])} vs {_code(cmp['pytorch']['label'])}: {note}"
    return f"**{cmp['ratio']:.2f}** <br><small>{note}</small>"


def render_headline(data: dict) -> str:
    """TF ÷ PyTorch median time per workload and comparison: one table for the model workloads,
    one for the input pipeline (whose modes are not compilers)."""
    tables = []
    for workloads in ([w for w in WORKLOADS if w != "data_pipeline"], ["data_pipeline"]):
        comparisons = comparisons_for(workloads[0])
        rows = []
        for workload in workloads:
            cells = [WORKLOADS[workload]]
            for k, (_, tf_modes, torch_modes) in enumerate(comparisons):
                cmp = compare(data, workload, tf_modes, torch_modes)
                cells.append(_ratio_cell(cmp, modes=k == len(comparisons) - 1))
            rows.append(cells)
        tables.append(_table(["Workload"] + [label for label, _, _ in comparisons], rows))
    return "\n\n".join(tables)


def render_steady(data: dict) -> str:
    rows = []
    for workload, title in WORKLOADS.items():
        case = data["main_cases"][workload]
        for k, (framework, mode) in enumerate(_modes_of(workload)):
            r = result(data, case, framework, mode)
            s = r["seconds"]
            rows.append(
                [
                    f"**{title}** <br><small>{_cell(_params_text(r['params']))}</small>" if k == 0 else "",
                    _code(r["label"]),
                    f"**{fmt_seconds(s['median'])}**",
                    f"{fmt_seconds(s['min'])} – {fmt_seconds(s['max'])}",
                    rate(r),
                    fmt_seconds(r["first_call_seconds"]),
                ]
            )
    return _table(["Workload", "Framework and mode", "Median", "Min – max", "Throughput", "First call"], rows)


def _params_text(params: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in params.items())


def render_matmul(data: dict) -> str:
    case, peak = data["main_cases"]["matmul"], data["limit"]["peak_gflops"]
    rows = []
    for framework, mode in _modes_of("matmul"):
        r = result(data, case, framework, mode)
        gflops = r["work"]["amount"] / r["seconds"]["median"] / 1e9
        rows.append([_code(r["label"]), f"{gflops:.1f}", f"{100 * gflops / peak:.0f} %"])
    for part in ("before", "after"):
        for run in data["limit"][part]:
            rows.append(
                [
                    f"NumPy `matmul`, n = {run['n']} ({part} the frameworks)",
                    f"{run['gflops_median']:.1f}",
                    f"{100 * run['gflops_median'] / peak:.0f} %",
                ]
            )
    return _table(["Matrix multiply, float32", "GFLOP/s (median)", "Share of the NumPy peak"], rows)


def render_limit(data: dict) -> str:
    lim = data["limit"]
    return (
        f"**{lim['peak_gflops']:.1f} GFLOP/s** (NumPy `matmul`, float32, n = {lim['peak_n']}, "
        f"{data['threads']['numpy_blas']} thread{'s' if data['threads']['numpy_blas'] != 1 else ''})"
    )


def render_compile(data: dict) -> str:
    rows = []
    for workload, title in WORKLOADS.items():
        if workload == "data_pipeline":
            continue
        case = data["main_cases"][workload]
        for k, (framework, mode) in enumerate(_modes_of(workload)):
            r = result(data, case, framework, mode)
            steady = r["seconds"]["median"]
            rows.append(
                [
                    f"**{title}**" if k == 0 else "",
                    _code(r["label"]),
                    fmt_seconds(r["first_call_seconds"]),
                    fmt_seconds(steady),
                    fmt_seconds(max(r["first_call_seconds"] - steady, 0.0)),
                    f"{(r['first_call_seconds'] - steady) / steady:,.0f}"
                    if r["first_call_seconds"] > steady
                    else "0",
                ]
            )
    return _table(
        [
            "Workload",
            "Framework and mode",
            "First call",
            "Steady call (median)",
            "One-time cost",
            "One-time cost in steady calls",
        ],
        rows,
    )


def render_cold(data: dict) -> str:
    rows = []
    for entry in data["cold_start"]:
        total = sum(entry[k]["median"] for k in ("import_seconds", "build_seconds", "first_call_seconds"))
        rows.append(
            [
                _code(entry["label"]),
                fmt_seconds(entry["import_seconds"]["median"]),
                fmt_seconds(entry["build_seconds"]["median"]),
                fmt_seconds(entry["first_call_seconds"]["median"]),
                fmt_seconds(entry["steady_seconds"]["median"]),
                f"**{fmt_seconds(total)}**",
            ]
        )
    return _table(
        [
            "Framework and mode",
            "Import",
            "Build model",
            "First step",
            "Later steps (median)",
            "Process start to first result",
        ],
        rows,
    )


def render_sweep(data: dict, name: str) -> str:
    """Throughput (samples/s, median) at each point of a sweep, every mode, and the TF ÷ PyTorch ratio."""
    sweep = next((s for s in data["sweeps"] if s["name"] == name), None)
    if sweep is None:
        raise BenchmarkDataError(f"no sweep named {name!r} (have {[s['name'] for s in data['sweeps']]})")
    workload, parameter = sweep["workload"], sweep["parameter"]
    modes = _modes_of(workload)
    first = [_find(data["results"], workload, parameter, sweep["values"][0], f, m) for f, m in modes]
    fixed = {k: v for k, v in first[0]["params"].items() if k != parameter}
    header = [f"`{parameter}` ({_cell(_params_text(fixed))})"] + [_cell(r["label"]) for r in first]
    header.append("Fastest TF ÷ fastest PyTorch time")
    rows = []
    for value in sweep["values"]:
        found = [_find(data["results"], workload, parameter, value, f, m) for f, m in modes]
        best = {
            f: min((r for r in found if r["framework"] == f), key=lambda r: r["seconds"]["median"])
            for f in FRAMEWORKS
        }
        ratio = best["tensorflow"]["seconds"]["median"] / best["pytorch"]["seconds"]["median"]
        rates = [f"{r['work']['amount'] / r['seconds']['median']:,.0f}" for r in found]
        rows.append([str(value)] + rates + [f"**{ratio:.2f}**"])
    return "Samples per second (median):\n\n" + _table(header, rows)


def render_correctness(data: dict) -> str:
    rows = [
        [
            _cell(e["case"]),
            _code(
                next(
                    r["label"]
                    for r in data["results"]
                    if (r["case"], r["framework"], r["mode"]) == (e["case"], e["framework"], e["mode"])
                )
            ),
            _cell(e["reference"]),
            _cell(
                ", ".join(e["compared"][:3])
                + (f" and {len(e['compared']) - 3} more" if len(e["compared"]) > 3 else "")
            ),
            f"{e['max_abs_diff']:.2g}",
            f"rtol {e['rtol']:g}, atol {e['atol']:g}",
        ]
        for e in data["correctness"]
    ]
    return _table(
        ["Case", "Framework and mode", "Compared with", "Outputs", "Largest difference", "Tolerance"], rows
    )


def render_summary(data: dict) -> str:
    """Which framework's fastest mode was faster, workload by workload, in one sentence."""
    wins: dict[str, list[str]] = {f: [] for f in FRAMEWORKS}
    ties = []
    for workload, title in WORKLOADS.items():
        _, tf_modes, torch_modes = comparisons_for(workload)[-1]
        cmp = compare(data, workload, tf_modes, torch_modes)
        if cmp["overlap"]:
            ties.append(title)
        else:
            wins["tensorflow" if cmp["ratio"] < 1 else "pytorch"].append(title)
    order = sorted(FRAMEWORKS, key=lambda f: -len(wins[f]))
    parts = []
    for f in order:
        count = len(wins[f])
        where = f" ({'; '.join(wins[f])})" if count else ""
        amount = "none" if not count else f"{count} of {len(WORKLOADS)} workloads"
        parts.append(f"{FRAMEWORK_NAMES[f]}'s fastest mode was faster on {amount}{where}")
    text = "Comparing each framework's fastest mode: " + "; ".join(parts)
    if ties:
        text += f"; on {len(ties)} ({'; '.join(ties)}) their min–max ranges overlapped"
    return text + "."


def _speedup(eager: dict, compiled: dict) -> str:
    return f"{eager['seconds']['median'] / compiled['seconds']['median']:.2f}×"


def render_speedups(data: dict) -> str:
    """How much each compiler speeds its own framework's eager mode up (above 1: faster)."""
    rows = []
    for workload, title in WORKLOADS.items():
        if workload == "data_pipeline":
            continue
        case = data["main_cases"][workload]
        tf_eager, pt_eager = result(data, case, "tensorflow", "eager"), result(data, case, "pytorch", "eager")
        rows.append(
            [
                title,
                _speedup(tf_eager, result(data, case, "tensorflow", "tf_function")),
                _speedup(tf_eager, result(data, case, "tensorflow", "tf_function_xla")),
                _speedup(pt_eager, result(data, case, "pytorch", "torch_compile")),
            ]
        )
    return _table(
        [
            "Workload",
            "`tf.function` over TF eager",
            "`tf.function(jit_compile=True)` over TF eager",
            "`torch.compile` over PyTorch eager",
        ],
        rows,
    )


def render_spread(data: dict) -> str:
    """The largest gap between modes of one framework against the largest gap between frameworks."""
    within, across = [], []
    for workload, title in WORKLOADS.items():
        if workload == "data_pipeline":
            continue
        case = data["main_cases"][workload]
        for framework in FRAMEWORKS:
            found = [result(data, case, framework, m) for m in MODEL_MODES[framework]]
            slow = max(found, key=lambda r: r["seconds"]["median"])
            fast = min(found, key=lambda r: r["seconds"]["median"])
            within.append((slow["seconds"]["median"] / fast["seconds"]["median"], title, slow, fast))
        cmp = compare(data, workload, MODEL_MODES["tensorflow"], MODEL_MODES["pytorch"])
        across.append((max(cmp["ratio"], 1 / cmp["ratio"]), title, cmp))
    w_ratio, w_title, slow, fast = max(within, key=lambda x: x[0])
    a_ratio, a_title, cmp = max(across, key=lambda x: x[0])
    faster = "TensorFlow" if cmp["ratio"] < 1 else "PyTorch"
    return (
        f"Across the four model workloads, the choice of mode within one framework changed the time "
        f"by up to **{w_ratio:.1f}×** ({w_title}: {_code(slow['label'])} against "
        f"{_code(fast['label'])}), while the fastest modes of the two frameworks differed by at most "
        f"**{a_ratio:.1f}×** ({a_title}, {faster} ahead). On this machine, the choice of "
        + (
            "mode mattered more than the choice of framework."
            if w_ratio > a_ratio
            else "framework mattered more than the choice of mode."
        )
    )


def render_verdict(data: dict, workload: str) -> str:
    if workload not in WORKLOADS:
        raise BenchmarkDataError(f"no workload {workload!r} (known: {list(WORKLOADS)})")
    _, tf_modes, torch_modes = comparisons_for(workload)[-1]
    cmp = compare(data, workload, tf_modes, torch_modes)
    tf_r, pt_r = cmp["tensorflow"], cmp["pytorch"]
    return (
        f"the fastest TensorFlow variant ({_code(tf_r['label'])}, {fmt_seconds(tf_r['seconds']['median'])}) "
        f"took **{cmp['ratio']:.2f}×** the time of the fastest PyTorch variant ({_code(pt_r['label'])}, "
        f"{fmt_seconds(pt_r['seconds']['median'])}): {verdict(cmp)}"
    )


def render_sweep_summary(data: dict, name: str) -> str:
    sweep = next((s for s in data["sweeps"] if s["name"] == name), None)
    if sweep is None:
        raise BenchmarkDataError(f"no sweep named {name!r} (have {[s['name'] for s in data['sweeps']]})")
    workload, parameter = sweep["workload"], sweep["parameter"]
    ends = (sweep["values"][0], sweep["values"][-1])
    ratio, gain = {}, {f: {} for f in FRAMEWORKS}
    for value in ends:
        best = {}
        for framework in FRAMEWORKS:
            found = [
                _find(data["results"], workload, parameter, value, framework, m)
                for m in MODEL_MODES[framework]
            ]
            eager = found[0]
            best[framework] = min(found, key=lambda r: r["seconds"]["median"])
            compiled = min(found[1:], key=lambda r: r["seconds"]["median"])
            gain[framework][value] = eager["seconds"]["median"] / compiled["seconds"]["median"]
        ratio[value] = best["tensorflow"]["seconds"]["median"] / best["pytorch"]["seconds"]["median"]
    a, b = ends
    return (
        f"From {parameter} {a} to {parameter} {b}, the fastest TensorFlow mode went from "
        f"**{ratio[a]:.2f}×** to **{ratio[b]:.2f}×** the time of the fastest PyTorch mode. Eager time "
        f"÷ best compiled time (above 1: compiling helped) went from {gain['tensorflow'][a]:.2f} to "
        f"{gain['tensorflow'][b]:.2f} in TensorFlow, and from {gain['pytorch'][a]:.2f} to "
        f"{gain['pytorch'][b]:.2f} in PyTorch."
    )


RENDERERS = {
    "machine": render_machine,
    "headline": render_headline,
    "steady": render_steady,
    "matmul": render_matmul,
    "limit": render_limit,
    "compile": render_compile,
    "cold": render_cold,
    "correctness": render_correctness,
    "summary": render_summary,
    "speedups": render_speedups,
    "spread": render_spread,
}
RENDERERS_WITH_ARGUMENT = {
    "sweep": render_sweep,
    "sweep_summary": render_sweep_summary,
    "verdict": render_verdict,
}


def render_placeholders(markdown: str, data: dict) -> str:
    """Replace every placeholder. One alone on its line may sit indented, inside an admonition:
    the rendered lines get the same indentation."""

    def replace(match: re.Match) -> str:
        name, argument = match.group(1), match.group(2)
        if name in RENDERERS_WITH_ARGUMENT and argument:
            text = RENDERERS_WITH_ARGUMENT[name](data, argument)
        elif name in RENDERERS and not argument:
            text = RENDERERS[name](data)
        else:
            known = sorted(RENDERERS) + [f"{n}:ARGUMENT" for n in sorted(RENDERERS_WITH_ARGUMENT)]
            raise BenchmarkDataError(f"unknown placeholder {match.group(0)!r} (known: {', '.join(known)})")
        line_start = markdown.rfind("\n", 0, match.start()) + 1
        indent = markdown[line_start : match.start()]
        if indent.strip():  # inline, inside a sentence
            return text
        return text.replace("\n", "\n" + indent)

    return PLACEHOLDER.sub(replace, markdown)


def headline_lines(data: dict) -> list[str]:
    """The TF/PyTorch ratios as plain text, for the end of a `make bench` run."""
    lines = ["", "TensorFlow time / PyTorch time (medians; below 1 means TensorFlow was faster):"]
    for workload, title in WORKLOADS.items():
        for label, tf_modes, torch_modes in comparisons_for(workload):
            cmp = compare(data, workload, tf_modes, torch_modes)
            lines.append(
                f"  {title:32} {label:30} {cmp['ratio']:6.2f}  "
                f"({cmp['tensorflow']['label']} vs {cmp['pytorch']['label']}; {verdict(cmp)})"
            )
    lines.append(f"NumPy matmul peak: {data['limit']['peak_gflops']} GFLOP/s")
    return lines


def on_page_markdown(markdown: str, page, **kwargs) -> str:
    if not PLACEHOLDER.search(markdown):
        return markdown
    return render_placeholders(markdown, load())
