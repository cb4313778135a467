"""MkDocs hook: render docs/data/benchmarks.json (written by `make bench`) into the pages.

A thin renderer. What the file means (its schema, what is compared with what, the confidence
intervals and the one verdict function) lives in hooks/benchmark_results.py, which the harness
(bench/) and the charts use too; it sits in hooks/ so that the site builds from docs/ and hooks/
alone. Placeholders:

- `<!-- benchmarks:NAME -->` or `<!-- benchmarks:NAME:ARGUMENT -->` on the performance page;
- `{{benchmarks:pipeline-verdict}}` inside data-table text (claims, decisions), which the
  claims and decision hooks render first, escaping `<` and `_`, hence the different form.

No measured number on any page is typed by hand; a malformed file fails the build naming the field.
"""

import html
import re

try:
    from hooks import benchmark_results as R
    from hooks.benchmark_results import (  # noqa: F401  (re-exported for tests and bench)
        DATA_FILE,
        FRAMEWORK_NAMES,
        FRAMEWORKS,
        VERDICTS,
        WORKLOADS,
        BenchmarkDataError,
        fmt_seconds,
        load,
        validate,
    )
except ImportError:  # loaded by MkDocs with hooks/ on sys.path
    import benchmark_results as R
    from benchmark_results import (  # noqa: F401
        DATA_FILE,
        FRAMEWORK_NAMES,
        FRAMEWORKS,
        VERDICTS,
        WORKLOADS,
        BenchmarkDataError,
        fmt_seconds,
        load,
        validate,
    )

PLACEHOLDER = re.compile(r"<!-- benchmarks:([a-z_]+)(?::([a-z_0-9]+))? -->")
INLINE = re.compile(r"\{\{benchmarks:([a-z-]+)\}\}")


def _cell(text) -> str:
    return html.escape(str(text), quote=False).replace("|", "&#124;").replace("\n", " ")


def _code(text: str) -> str:
    return f"`{text}`" if "`" not in text else _cell(text)


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _interval(cmp: dict) -> str:
    return f"{cmp['ratio']:.2f}× <small>({cmp['low']:.2f}–{cmp['high']:.2f})</small>"


# ------------------------------------------------------------------ renderers
def render_status(data: dict) -> str:
    """When and how the data file was made, and whether the machine was disturbed meanwhile."""
    series = data["results"]
    disturbed = [r for r in series if R.is_disturbed(r)]
    kind = {
        "full": "a full run",
        "smoke": "a smoke run at tiny sizes (not a benchmark: it only shows the harness works)",
        "partial": "a partial run of some workloads",
    }[data["profile"]]
    text = (
        f"The numbers below come from {kind}, made on {data['generated_utc'][:10]} at "
        f"{data['generated_utc'][11:16]} UTC with `{data['command']}` "
        f"({data['wall_seconds']:.0f} s wall time). "
    )
    if disturbed:
        text += (
            f"During {len(disturbed)} of its {len(series)} timed series the machine was busy with "
            "other work (other processes or the hypervisor took more than "
            f"{R.DISTURBANCE_CORES:g} of a core on average, or steal time exceeded {R.STEAL_CORES:g}): "
            "those are marked *disturbed* and give no verdict."
        )
    else:
        text += f"None of its {len(series)} timed series was disturbed by other work on the machine."
    if "replicate_generated_utc" in data:
        unreproduced = sum(
            cmp["verdict"] == "unreproduced"
            for threads in data["thread_counts"]
            for workload in WORKLOADS
            if workload in data["main_cases"]
            for _, tf_modes, torch_modes in R.comparisons_for(workload)
            for cmp in [R.compare(data, workload, tf_modes, torch_modes, threads=threads)]
        )
        text += (
            f" A second full run, made just before it (at {data['replicate_generated_utc'][11:16]} UTC), "
            "was compared series by series: a verdict is published only where both runs reach it, "
            f"and {unreproduced} comparisons where they did not say *{VERDICTS['unreproduced']}*."
        )
    return text


def render_machine(data: dict) -> str:
    m, v = data["machine"], data["versions"]
    peak = m["fp32_peak"]
    blas = data["blas"]["libraries"][0]
    blas_text = " ".join(
        str(blas[k])
        for k in ("internal_api", "version", "architecture")
        if isinstance(blas, dict) and blas.get(k)
    )
    p = data["protocol"]
    rows = [
        ["Measured", f"{data['generated_utc']} with `{data['command']}` ({data['profile']} profile)"],
        [
            "CPU",
            f"{_cell(m['cpu_model'])} ({_cell(peak.get('cpu_family_model', ''))}: "
            f"{_cell(peak['microarchitecture'])}), {m['logical_cores']} logical cores "
            f"({m['usable_cores']} usable); " + _cell(", ".join(m["vector_flags"]) or "no vector flags"),
        ],
        ["Memory, OS", f"{m.get('memory_gib')} GiB, {_cell(m['os'])}"],
        ["GPU", _cell(m["gpu"])],
        [
            "Threads",
            "measured at "
            + " and ".join(str(t) for t in data["thread_counts"])
            + " intra-op and inter-op threads, both frameworks (read back: "
            + "; ".join(
                f"{FRAMEWORK_NAMES[f]} "
                + ", ".join(f"{e['intra_op']}/{e['inter_op']}" for e in data["threads"][f])
                for f in FRAMEWORKS
            )
            + "); `OMP_NUM_THREADS` and NumPy's BLAS threads the same",
        ],
        [
            "Versions",
            ", ".join(f"{k} {_cell(v[k])}" for k in ("tensorflow", "keras", "torch", "numpy", "python")),
        ],
        ["NumPy BLAS", _cell(blas_text or "see data file")],
        [
            "Protocol",
            f"{p['repetitions']} timed repetitions of at least {p['min_repetition_seconds']} s per "
            f"framework and mode, after {p['warmup_seconds']} s of warm-up; {_cell(p['order'])}; "
            f"{100 * p['confidence']:.0f} % percentile-bootstrap intervals "
            f"({p['bootstrap_resamples']} resamples) "
            "on every ratio of medians",
        ],
    ]
    return _table(["", "This run"], rows)


def _ratio_cell(cmp: dict, modes: bool = False) -> str:
    """The verdict in bold, then the ratio and its interval; a disturbed comparison shows no number."""
    cell = f"**{VERDICTS[cmp['verdict']]}**"
    if cmp["verdict"] != "disturbed":
        cell += f" <br>{_interval(cmp)}"
    if cmp["verdict"] == "unreproduced":
        low, high, _ = cmp["replicate"]
        cell += f"<br><small>other run: {low:.2f}–{high:.2f}</small>"
    if modes:
        cell += f"<br><small>{_code(cmp['tensorflow']['label'])} vs {_code(cmp['pytorch']['label'])}</small>"
    return cell


def render_headline(data: dict, threads: str | None = None) -> str:
    """TF ÷ PyTorch median time per workload and comparison, with its interval and verdict."""
    threads = int(threads) if threads else R.primary_threads(data)
    if threads not in data["thread_counts"]:
        return f"*(This run did not measure {_plural(threads, 'thread')}.)*"
    tables = []
    groups = (
        [w for w in ("matmul", "mlp_train", "cnn_train", "transformer_forward") if w in data["main_cases"]],
        ["matmul_bf16"],
        ["data_pipeline"],
    )
    for workloads in groups:
        workloads = [w for w in workloads if w in data["main_cases"]]
        if not workloads:
            continue
        comparisons = R.comparisons_for(workloads[0])
        rows = []
        for workload in workloads:
            cells = [WORKLOADS[workload]]
            for k, (_, tf_modes, torch_modes) in enumerate(comparisons):
                cmp = R.compare(data, workload, tf_modes, torch_modes, threads=threads)
                cells.append(_ratio_cell(cmp, modes=k == len(comparisons) - 1))
            rows.append(cells)
        tables.append(_table(["Workload"] + [label for label, _, _ in comparisons], rows))
    return "\n\n".join(tables)


def render_steady(data: dict) -> str:
    rows = []
    for threads in data["thread_counts"]:
        for workload, title in WORKLOADS.items():
            if workload not in data["main_cases"]:
                continue
            case = data["main_cases"][workload]
            for k, (framework, mode) in enumerate(R.modes_of(workload)):
                r = R.result(data, case, framework, mode, threads)
                s, d = r["seconds"], r["disturbance"]
                rows.append(
                    [
                        f"**{title}**, {_plural(threads, 'thread')}" if k == 0 else "",
                        _code(r["label"]),
                        f"**{fmt_seconds(s['median'])}**",
                        f"{fmt_seconds(s['min'])} – {fmt_seconds(s['max'])}",
                        R.rate(r),
                        f"{d['other_cores']:.2f} / {d['steal_cores']:.2f}"
                        + (" **disturbed**" if d["disturbed"] else ""),
                    ]
                )
    return _table(
        ["Workload", "Framework and mode", "Median", "Min – max", "Throughput", "Other load / steal (cores)"],
        rows,
    )


def _params_text(params: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in params.items())


def numpy_gflops(data: dict, n: int, threads: int) -> float:
    runs = [r for r in data["limit"] if r["n"] == n and r["threads"] == threads]
    if not runs:
        raise BenchmarkDataError(f"no NumPy matmul at n={n}, {threads} threads")
    return max(2.0 * n**3 / r["seconds"]["median"] / 1e9 for r in runs)


def render_matmul(data: dict) -> str:
    per_core = data["machine"]["fp32_peak"]["gflops_per_core"]
    rows = []
    for threads in data["thread_counts"]:
        peak = per_core * threads
        for workload in ("matmul", "matmul_bf16"):
            if workload not in data["main_cases"]:
                continue
            case = data["main_cases"][workload]
            n = R.result(data, case, "pytorch", "eager", threads)["params"]["n"]
            numpy = numpy_gflops(data, n, threads)
            for framework, mode in R.modes_of(workload):
                r = R.result(data, case, framework, mode, threads)
                gflops = r["work"]["amount"] / r["seconds"]["median"] / 1e9
                rows.append(
                    [
                        f"{_code(r['label'])}, {'bfloat16' if workload == 'matmul_bf16' else 'float32'}",
                        str(threads),
                        f"{gflops:.1f}",
                        f"{100 * gflops / numpy:.0f} %",
                        f"{100 * gflops / peak:.0f} %",
                    ]
                )
            if workload == "matmul":
                rows.append(
                    [
                        f"NumPy `matmul`, float32, n = {n} (best of before and after the frameworks)",
                        str(threads),
                        f"{numpy:.1f}",
                        "100 %",
                        f"{100 * numpy / peak:.0f} %",
                    ]
                )
        rows.append(
            [
                f"Theoretical float32 peak of {_plural(threads, 'core')}",
                str(threads),
                f"{peak:.1f}",
                "",
                "100 %",
            ]
        )
    return _table(
        [
            "Matrix multiply, n as in the workload",
            "Threads",
            "GFLOP/s (median)",
            "Share of NumPy float32, same n and threads",
            "Share of the float32 peak",
        ],
        rows,
    )


def render_limit(data: dict) -> str:
    p = data["machine"]["fp32_peak"]
    return (
        f"**{p['gflops_per_core']:.1f} GFLOP/s per core**: {p['fma_units']} FMA units × "
        f"{p['vector_bits'] // 32} float32 lanes ({p['vector_bits']}-bit) × 2 FLOP per FMA × "
        f"{p['ghz']} GHz ({_cell(p['clock_source'])}). Source of the FMA figures: {_cell(p['source'])}"
    )


def render_compile(data: dict) -> str:
    rows = []
    for workload, title in WORKLOADS.items():
        if workload not in R.MODEL_WORKLOADS or workload not in data["main_cases"]:
            continue
        case = data["main_cases"][workload]
        for k, (framework, mode) in enumerate(R.modes_of(workload)):
            r = R.result(data, case, framework, mode)
            steady = r["seconds"]["median"]
            rows.append(
                [
                    f"**{title}**" if k == 0 else "",
                    _code(r["label"]),
                    fmt_seconds(r["first_call_seconds"]),
                    fmt_seconds(steady),
                    fmt_seconds(max(r["first_call_seconds"] - steady, 0.0)),
                ]
            )
    return _table(
        ["Workload", "Framework and mode", "First call", "Steady call (median)", "One-time cost"], rows
    )


def render_cold(data: dict) -> str:
    if not data["cold_start"]:
        return "*(This run made no cold starts.)*"
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


def render_correctness(data: dict) -> str:
    labels = {(r["case"], r["framework"], r["mode"]): r["label"] for r in data["results"]}
    rows = [
        [
            _cell(e["case"]),
            _code(labels[(e["case"], e["framework"], e["mode"])]),
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


def headline_verdicts(data: dict, threads: int | None = None) -> dict[str, dict]:
    return {w: R.headline(data, w, threads) for w in WORKLOADS if w in data["main_cases"]}


def render_summary(data: dict) -> str:
    """Each framework's fastest mode against the other's, workload by workload, by verdict."""
    threads = R.primary_threads(data)
    groups: dict[str, list[str]] = {}
    for workload, cmp in headline_verdicts(data, threads).items():
        groups.setdefault(cmp["verdict"], []).append(WORKLOADS[workload])
    parts = []
    for key in VERDICTS:
        if key in groups:
            parts.append(f"{VERDICTS[key]} on {len(groups[key])} ({'; '.join(groups[key])})")
    return (
        f"Comparing each framework's fastest mode at {_plural(threads, 'thread')}, with a "
        f"{100 * data['protocol']['confidence']:.0f} % interval on every ratio: " + "; ".join(parts) + "."
    )


def render_speedups(data: dict) -> str:
    """Compiled time ÷ eager time of the same framework (below 1: compiling made it faster)."""
    rows = []
    columns = (
        ("tensorflow", "tf_function"),
        ("tensorflow", "tf_function_xla"),
        ("tensorflow", R.KERAS_FIT),
        ("pytorch", "torch_compile"),
    )
    for workload, title in WORKLOADS.items():
        if workload not in R.MODEL_WORKLOADS or workload not in data["main_cases"]:
            continue
        case = data["main_cases"][workload]
        cells = [title]
        for framework, mode in columns:
            if mode not in R.modes_for(workload, framework):
                cells.append("—")
                continue
            ratio = R.time_ratio(
                R.result(data, case, framework, mode), R.result(data, case, framework, "eager")
            )
            cells.append(f"{_interval(ratio)}<br><small>{R.change_word(ratio['verdict'])}</small>")
        rows.append(cells)
    return _table(["Workload"] + [f"`{R.mode_label(f, m)}` time ÷ its eager time" for f, m in columns], rows)


def render_spread(data: dict) -> str:
    """The largest supported gap between modes of one framework against the largest supported gap
    between the frameworks' fastest modes; which mattered more only where the intervals say so."""
    within, across = [], []
    for workload in R.MODEL_WORKLOADS:
        if workload not in data["main_cases"]:
            continue
        case = data["main_cases"][workload]
        for framework in FRAMEWORKS:
            found = [R.result(data, case, framework, m) for m in R.modes_for(workload, framework)]
            slow = max(found, key=lambda r: r["seconds"]["median"])
            fast = R.fastest(found)
            ratio = R.time_ratio(slow, fast)
            if ratio["verdict"] == "pytorch":  # the slower mode's time is above 1× with its interval
                within.append((ratio, WORKLOADS[workload], slow, fast))
        cmp = R.headline(data, workload)
        if cmp["verdict"] in ("tensorflow", "pytorch"):
            flipped = cmp if cmp["ratio"] >= 1 else {**cmp, "low": 1 / cmp["high"], "high": 1 / cmp["low"]}
            across.append((max(cmp["ratio"], 1 / cmp["ratio"]), flipped, WORKLOADS[workload], cmp))
    parts = []
    w = max(within, key=lambda x: x[0]["ratio"], default=None)
    a = max(across, key=lambda x: x[0], default=None)
    if w:
        ratio, title, slow, fast = w
        parts.append(
            f"Across the model workloads, the choice of mode within one framework changed the time by up "
            f"to **{ratio['ratio']:.1f}×** (95 % CI {ratio['low']:.1f}–{ratio['high']:.1f}; {title}: "
            f"{_code(slow['label'])} against {_code(fast['label'])})"
        )
    else:
        parts.append(
            "No undisturbed comparison of modes within one framework showed a difference "
            "its interval supports"
        )
    if a:
        size, flipped, title, cmp = a
        parts.append(
            f"the fastest modes of the two frameworks differed by at most **{size:.1f}×** "
            f"(95 % CI {flipped['low']:.1f}–{flipped['high']:.1f}; {title}, {VERDICTS[cmp['verdict']]})"
        )
    else:
        parts.append("the frameworks' fastest modes showed no difference their intervals support")
    text = "; ".join(parts) + ". "
    if w and (not a or w[0]["low"] > a[1]["high"]):
        text += "On this machine, the choice of mode mattered more than the choice of framework."
    elif w and a and a[1]["low"] > w[0]["high"]:
        text += "On this machine, the choice of framework mattered more than the choice of mode."
    else:
        text += "Which of the two mattered more, this run cannot tell."
    return text


def render_threads(data: dict) -> str:
    """Time at the largest thread count ÷ time at the smallest, per framework and mode."""
    counts = data["thread_counts"]
    if len(counts) < 2:
        return "*(This run measured one thread count only.)*"
    low, high = counts[0], counts[-1]
    rows = []
    for workload, title in WORKLOADS.items():
        if workload not in data["main_cases"]:
            continue
        case = data["main_cases"][workload]
        for k, (framework, mode) in enumerate(R.modes_of(workload)):
            one, more = (
                R.result(data, case, framework, mode, low),
                R.result(data, case, framework, mode, high),
            )
            ratio = R.time_ratio(more, one)
            rows.append(
                [
                    f"**{title}**" if k == 0 else "",
                    _code(one["label"]),
                    fmt_seconds(one["seconds"]["median"]),
                    fmt_seconds(more["seconds"]["median"]),
                    f"{_interval(ratio)}<br><small>{R.change_word(ratio['verdict'])}</small>",
                ]
            )
    return _table(
        [
            "Workload",
            "Framework and mode",
            f"{_plural(low, 'thread')} (median)",
            f"{_plural(high, 'thread')} (median)",
            f"Time at {high} ÷ time at {low} (95 % interval)",
        ],
        rows,
    )


def _sweep(data: dict, name: str) -> dict:
    sweep = next((s for s in data["sweeps"] if s["name"] == name), None)
    if sweep is None:
        raise BenchmarkDataError(f"no sweep named {name!r} (have {[s['name'] for s in data['sweeps']]})")
    return sweep


def sweep_point(data: dict, sweep: dict, value) -> tuple[list[dict], dict]:
    threads = R.primary_threads(data)
    workload, parameter = sweep["workload"], sweep["parameter"]
    found = [
        R.find(data["results"], workload, parameter, value, f, m, threads) for f, m in R.modes_of(workload)
    ]
    best = {f: R.fastest([r for r in found if r["framework"] == f]) for f in FRAMEWORKS}
    return found, R.compare_results(best["tensorflow"], best["pytorch"])


def render_sweep(data: dict, name: str) -> str:
    """Throughput at each point of a sweep, every mode, and the fastest-mode ratio with its verdict."""
    sweep = _sweep(data, name)
    parameter = sweep["parameter"]
    first, _ = sweep_point(data, sweep, sweep["values"][0])
    fixed = {k: v for k, v in first[0]["params"].items() if k != parameter}
    header = [f"`{parameter}` ({_cell(_params_text(fixed))})"] + [_cell(r["label"]) for r in first]
    header.append("Fastest TF ÷ fastest PyTorch time")
    rows = []
    for value in sweep["values"]:
        found, cmp = sweep_point(data, sweep, value)
        rates = [
            f"{r['work']['amount'] / r['seconds']['median']:,.0f}"
            + (" (disturbed)" if R.is_disturbed(r) else "")
            for r in found
        ]
        rows.append([str(value)] + rates + [_ratio_cell(cmp)])
    return "Samples per second (median):\n\n" + _table(header, rows)


def render_sweep_summary(data: dict, name: str) -> str:
    sweep = _sweep(data, name)
    parameter = sweep["parameter"]
    parts = []
    for value in (sweep["values"][0], sweep["values"][-1]):
        _, cmp = sweep_point(data, sweep, value)
        parts.append(f"at {parameter} {value}, {R.verdict_sentence(cmp)}")
    return "Comparing the fastest modes: " + "; ".join(parts) + "."


def render_verdict(data: dict, workload: str) -> str:
    if workload not in WORKLOADS:
        raise BenchmarkDataError(f"no workload {workload!r} (known: {list(WORKLOADS)})")
    cmp = R.headline(data, workload)
    tf_r, pt_r = cmp["tensorflow"], cmp["pytorch"]
    return (
        f"comparing the fastest TensorFlow variant ({_code(tf_r['label'])}, "
        f"{fmt_seconds(tf_r['seconds']['median'])}) with the fastest PyTorch variant "
        f"({_code(pt_r['label'])}, {fmt_seconds(pt_r['seconds']['median'])}) at "
        f"{_plural(R.primary_threads(data), 'thread')}: {R.verdict_sentence(cmp)}"
    )


def render_disturbed(data: dict) -> str:
    flagged = [r for r in data["results"] if R.is_disturbed(r)]
    if not flagged:
        return "No timed series of this run was disturbed."
    rows = [
        [
            _cell(r["case"]),
            _code(r["label"]),
            str(r["threads"]),
            f"{r['disturbance']['other_cores']:.2f}",
            f"{r['disturbance']['steal_cores']:.2f}",
        ]
        for r in flagged
    ]
    return _table(["Case", "Framework and mode", "Threads", "Other work (cores)", "Steal (cores)"], rows)


def render_fit_jit(data: dict) -> str:
    notes = [r.get("notes", {}) for r in data["results"] if r["mode"] == R.KERAS_FIT]
    values = sorted({str(n.get("jit_compile")) for n in notes if "jit_compile" in n})
    return ", ".join(f"`jit_compile={v}`" for v in values) or "not recorded"


RENDERERS = {
    "status": render_status,
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
    "threads": render_threads,
    "disturbed": render_disturbed,
    "fit_jit": render_fit_jit,
}
RENDERERS_WITH_ARGUMENT = {
    "headline": render_headline,
    "sweep": render_sweep,
    "sweep_summary": render_sweep_summary,
    "verdict": render_verdict,
}


def render_pipeline_verdict(data: dict) -> str:
    """For the claims and decision tables: the corrected pipeline comparison, from the data."""
    return (
        f"On the performance page's in-memory image pipeline ({data['profile']} run of "
        f"{data['generated_utc'][:10]}), {render_verdict(data, 'data_pipeline')}"
    )


INLINE_RENDERERS = {"pipeline-verdict": render_pipeline_verdict}


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

    def replace_inline(match: re.Match) -> str:
        if match.group(1) not in INLINE_RENDERERS:
            raise BenchmarkDataError(
                f"unknown placeholder {match.group(0)!r} (known: {sorted(INLINE_RENDERERS)})"
            )
        return INLINE_RENDERERS[match.group(1)](data)

    return INLINE.sub(replace_inline, PLACEHOLDER.sub(replace, markdown))


def on_page_markdown(markdown: str, page, **kwargs) -> str:
    if not PLACEHOLDER.search(markdown) and not INLINE.search(markdown):
        return markdown
    return render_placeholders(markdown, load())
