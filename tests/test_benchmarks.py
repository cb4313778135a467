"""The benchmark harness (bench/) keeps working, and the results file behind docs/performance.md is valid.

- One smoke run of the real harness, at tiny sizes, in its own processes: it must finish, pass
  its own correctness checks, write a valid results file and every chart, and render the page.
- The committed results file is valid, the page says what kind of run made it, and the committed
  charts are exactly what the code draws from it.
- The renderer, fed synthetic results with separated, overlapping and disturbed timings, never
  states a difference its interval does not support, in any table cell, sentence, chart or
  data-table row.
- Malformed results files fail with the field named; a disagreement between frameworks stops a
  run before anything is timed; repetitions alternate between the frameworks; the processes the
  harness starts cannot reach the network.
"""

import copy
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from bench import workloads as W
from bench.charts import charts
from bench.runner import (
    CHARTS_DIR,
    BenchError,
    attach_replicate,
    child_env,
    compare,
    plan_cases,
    run_case,
)
from hooks import benchmark_results as R
from hooks.benchmark_tables import (
    INLINE,
    PLACEHOLDER,
    BenchmarkDataError,
    load,
    render_placeholders,
    validate,
)
from tests.harness.execution_cache import (
    HARNESS_DIR,
    ExecutionCache,
    code_fingerprint,
    environment_fingerprint,
    make_key,
)

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "performance.md"
SMOKE_RUNS = "benchmark smoke runs"  # the execution cache's name for this kind of run
SMOKE_TIMEOUT = 540  # seconds; the run takes well under a minute on an idle 2-core machine


def smoke_run(out: Path, chart_dir: Path, executions: ExecutionCache) -> None:
    """`python -m bench --profile smoke` into `out` and `chart_dir`; between sessions, the execution
    cache serves the files of an earlier successful run while bench/ and the packages are unchanged."""
    command = ["-m", "bench", "--profile", "smoke", "--threads", "1"]
    key = make_key(
        "benchmark smoke run",
        " ".join(command),
        code_fingerprint([ROOT / "bench", HARNESS_DIR]),
        environment_fingerprint(),
    )
    if entry := executions.load(SMOKE_RUNS, "bench --profile smoke", key):
        chart_dir.mkdir(parents=True, exist_ok=True)
        for name, data in entry.files.items():
            (out if name == out.name else chart_dir / name).write_bytes(data)
        return
    command = [sys.executable, *command, "--out", str(out), "--charts", str(chart_dir)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=SMOKE_TIMEOUT)
    files = {out.name: out.read_bytes()} if out.exists() else {}
    files.update((path.name, path.read_bytes()) for path in chart_dir.glob("*.svg"))
    succeeded = done.returncode == 0
    executions.record(SMOKE_RUNS, "bench --profile smoke", key, None, succeeded=succeeded, files=files)
    assert succeeded, f"smoke run failed:\n{done.stdout[-3000:]}\n{done.stderr[-6000:]}"


def test_smoke_run_of_the_whole_harness(tmp_path, executions):
    """python -m bench --profile smoke: every workload, mode, check, chart and table, in seconds."""
    out, chart_dir = tmp_path / "benchmarks.json", tmp_path / "charts"
    smoke_run(out, chart_dir, executions)

    data = load(out)  # validates the schema and the cross-references
    assert data["profile"] == "smoke"
    assert data["torch_compile_backend"] == "eager"
    for framework in W.FRAMEWORKS:
        assert data["threads"][framework] == [{"requested": 1, "intra_op": 1, "inter_op": 1}], framework
    cases = {r["case"] for r in data["results"]}
    assert cases == {c.id for c in W.all_cases(W.SMOKE)}
    compared = {(e["case"], e["framework"], e["mode"]): e for e in data["correctness"]}
    mlp = data["main_cases"]["mlp_train"]
    for mode in ("tf_function_xla", "keras_fit"):
        assert compared[(mlp, "tensorflow", mode)]["reference"] == "PyTorch eager"
    assert "losses" in compared[(mlp, "tensorflow", "keras_fit")]["compared"]
    assert "weights:dense0/kernel" in compared[(mlp, "tensorflow", "eager")]["compared"]
    assert compared[(data["main_cases"]["matmul"], "pytorch", "eager")]["reference"] == "NumPy (float64)"
    bf16 = compared[(data["main_cases"]["matmul_bf16"], "tensorflow", "eager")]
    assert bf16["reference"] == "NumPy (float64)" and bf16["rtol"] == W.TOLERANCES["matmul_bf16"][0]
    fit = [r for r in data["results"] if r["mode"] == "keras_fit"]
    assert fit and all(r["notes"] == {"jit_compile": False} for r in fit)  # "auto" on a CPU-only machine
    assert all(set(r["disturbance"]) == {"other_cores", "steal_cores", "disturbed"} for r in data["results"])

    drawn = sorted(p.name for p in chart_dir.glob("*.svg"))
    assert drawn == sorted(charts(data)), drawn
    for path in chart_dir.glob("*.svg"):
        assert ET.parse(path).getroot().tag == "{http://www.w3.org/2000/svg}svg", path.name

    rendered = render_placeholders(PAGE.read_text(encoding="utf-8"), data)
    assert not PLACEHOLDER.search(rendered)
    assert "<!-- benchmarks" not in rendered


# ------------------------------------------------------------------ the committed results
def test_committed_results_are_valid_and_the_page_says_what_made_them():
    data = load()
    profile = W.PROFILES[data["profile"]]
    assert {c.id for c in W.all_cases(profile)} == {r["case"] for r in data["results"]}
    status = render_placeholders("<!-- benchmarks:status -->", data)
    assert f"a {data['profile']} run" in status and data["generated_utc"][:10] in status
    disturbed = sum(R.is_disturbed(r) for r in data["results"])
    assert (f"During {disturbed} of its" in status) if disturbed else ("None of its" in status)


def test_committed_charts_are_the_ones_drawn_from_the_committed_results():
    expected = charts(load())
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in CHARTS_DIR.glob("*.svg")}
    assert sorted(on_disk) == sorted(expected), "run `python -m bench --charts-only`"
    stale = [name for name, text in expected.items() if on_disk[name] != text]
    assert not stale, f"charts out of date with the data file: {stale}; run `python -m bench --charts-only`"


def test_page_shows_every_chart_and_every_placeholder_renders():
    text = PAGE.read_text(encoding="utf-8")
    for name in charts(load()):
        assert f"assets/benchmarks/{name}" in text, f"{name} is drawn but not shown on the page"
    rendered = render_placeholders(text, load())
    assert "<!-- benchmarks" not in rendered
    rows = render_placeholders(_data_table_rows(), load())  # the tf.data claim and decision rows
    assert not INLINE.search(rows) and "in-memory image pipeline" in rows


def _data_table_rows() -> str:
    """The claims and decision tables as their own hooks render them, before this hook runs."""
    from hooks.claims_table import load_claims, render_claims
    from hooks.decision_table import load_decisions, render_table

    rows = render_claims(load_claims()) + "\n" + render_table(load_decisions())
    assert rows.count("{{benchmarks:pipeline-verdict}}") == 2, "the tf.data claim and the decision row"
    return rows


# ------------------------------------------------------------------ malformed files
@pytest.fixture(scope="module")
def valid() -> dict:
    return load()


def _broken(data: dict, path: str, value=None, delete=False) -> dict:
    data = copy.deepcopy(data)
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    target = data
    for key in parents:
        target = target[key]
    if delete:
        del target[last]
    else:
        target[last] = value
    return data


BROKEN = {
    "missing median": ("results.3.seconds.median", None, True, "field 'results[3].seconds.median': missing"),
    "negative time": (
        "results.1.seconds.min",
        -1.0,
        False,
        "'results[1].seconds.min': expected a positive number",
    ),
    "unknown mode": ("results.2.mode", "graph", False, "'results[2].mode': 'graph' is not one of"),
    "threads differ": ("threads.pytorch.0.intra_op", 99, False, "'threads.pytorch[0]': read back"),
    "failed check": ("correctness.0.passed", False, False, "cannot be published"),
    "old schema": ("schema_version", 1, False, "'schema_version': expected 2"),
    "short sweep": ("sweeps.0.values", [1], False, "a sweep needs at least"),
    "bad date": ("generated_utc", "yesterday", False, "'generated_utc'"),
    "no machine": ("machine", None, True, "field 'machine': missing"),
    "no peak source": ("machine.fp32_peak.source", None, True, "'machine.fp32_peak.source': missing"),
    "inconsistent stats": ("results.0.seconds.max", 1e-12, False, "'results[0].seconds'"),
    "wrong median": ("results.0.seconds.median", 1e-12, False, "'results[0].seconds'"),
    "wrong repetitions": ("results.0.seconds.samples", [1.0], False, "'results[0].seconds.samples'"),
    "hidden disturbance": (
        "results.0.disturbance",
        {"other_cores": 1.5, "steal_cores": 0.0, "disturbed": False},
        False,
        "'results[0].disturbance.disturbed': does not follow",
    ),
}


@pytest.mark.parametrize(("path", "value", "delete", "expected"), BROKEN.values(), ids=BROKEN.keys())
def test_malformed_results_name_the_field(valid, path, value, delete, expected):
    with pytest.raises(BenchmarkDataError) as caught:
        validate(_broken(valid, path, value, delete), "benchmarks.json")
    assert str(caught.value).startswith("benchmarks.json: field '"), caught.value
    assert expected in str(caught.value)


def test_duplicate_and_missing_results_are_caught(valid):
    duplicated = copy.deepcopy(valid)
    duplicated["results"].append(copy.deepcopy(duplicated["results"][0]))
    with pytest.raises(BenchmarkDataError, match=r"duplicates results\[0\]"):
        validate(duplicated)
    missing = copy.deepcopy(valid)
    case = missing["main_cases"]["cnn_train"]
    missing["results"] = [r for r in missing["results"] if not (r["case"] == case and r["mode"] == "eager")]
    with pytest.raises(BenchmarkDataError, match="field 'main_cases.cnn_train': no result for"):
        validate(missing)


def test_unreadable_files_say_what_to_do(tmp_path):
    with pytest.raises(BenchmarkDataError, match="run `make bench`"):
        load(tmp_path / "absent.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": 1,\n "profile": }')
    with pytest.raises(BenchmarkDataError, match=r"bad.json:2:\d+: not valid JSON"):
        load(bad)


def test_unknown_placeholder_fails_the_build(valid):
    with pytest.raises(BenchmarkDataError, match="unknown placeholder"):
        render_placeholders("<!-- benchmarks:headlines -->", valid)
    with pytest.raises(BenchmarkDataError, match="no sweep named 'depth'"):
        render_placeholders("<!-- benchmarks:sweep:depth -->", valid)


def test_indented_placeholder_keeps_its_block(valid):
    rendered = render_placeholders("!!! note\n    <!-- benchmarks:cold -->\n", valid)
    lines = rendered.splitlines()[1:]
    assert lines and all(line.startswith("    | ") for line in lines)


# ------------------------------------------------------------------ the runner's protocol
class FakeWorker:
    """Stands in for a framework process; records the commands it receives."""

    def __init__(self, framework: str, log: list, outputs: dict):
        self.framework, self.log, self.outputs = framework, log, outputs

    def call(self, **command):
        self.log.append((self.framework, command["cmd"], command.get("key", "").rsplit("/", 1)[-1]))
        if command["cmd"] == "setup":
            np.savez(command["outputs"], **self.outputs[self.framework])
            return {"first_call_seconds": 0.5, "second_call_seconds": 0.01}
        if command["cmd"] == "warmup":
            return {"warmup_calls": 3, "iterations": 2}
        if command["cmd"] == "time":
            seconds = 0.01 if self.framework == "tensorflow" else 0.02
            return {
                "seconds": seconds,
                "wall": seconds * 2,
                "other_ticks": 0,
                "steal_ticks": 0,
                "clock_ticks": 100,
            }
        return {}


def _fake_run(tmp_path, tf_out, torch_out, profile=W.SMOKE):
    case = W.Case("transformer_forward", dict(W.SMOKE.cases["transformer_forward"]))
    log: list = []
    outputs = {"tensorflow": {"out": tf_out}, "pytorch": {"out": torch_out}}
    workers = {f: FakeWorker(f, log, outputs) for f in W.FRAMEWORKS}
    return case, log, lambda: run_case(case, workers, profile, tmp_path, log=lambda message: None)


# FULL: one framework's first calls after the other's; SMOKE (overlap): both at once.
@pytest.mark.parametrize("profile", [W.FULL, W.SMOKE], ids=["full", "smoke"])
def test_repetitions_alternate_between_frameworks_after_the_checks(tmp_path, profile):
    out = np.ones((2, 3))
    case, log, go = _fake_run(tmp_path, out, out, profile)
    results, correctness = go()
    kinds = [kind for _, kind, _ in log]
    assert kinds.index("time") > max(i for i, k in enumerate(kinds) if k in ("setup", "warmup"))
    timed = [framework for framework, kind, _ in log if kind == "time"]
    tf_modes, pt_modes = (W.modes_for(case.workload, f) for f in W.FRAMEWORKS)
    expected = (["tensorflow"] * len(tf_modes) + ["pytorch"] * len(pt_modes)) * profile.repetitions
    assert timed == expected
    if not profile.overlap:  # TensorFlow's first calls, then PyTorch's, each with the machine to itself
        set_up = [(framework, mode) for framework, kind, mode in log if kind == "setup"]
        assert set_up == R.modes_of(case.workload)
    # In the same order whichever framework answered first.
    assert [(r["framework"], r["mode"]) for r in results] == R.modes_of(case.workload)
    checked = [key for key in R.modes_of(case.workload) if key != ("pytorch", "eager")]  # the reference
    assert [(e["framework"], e["mode"]) for e in correctness] == checked
    assert not any(r["disturbance"]["disturbed"] for r in results)
    assert all(e["passed"] for e in correctness)


@pytest.mark.parametrize("profile", [W.FULL, W.SMOKE], ids=["full", "smoke"])
def test_a_disagreement_stops_the_run_before_anything_is_timed(tmp_path, profile):
    case, log, go = _fake_run(tmp_path, np.ones((2, 3)) * 1.01, np.ones((2, 3)), profile)
    with pytest.raises(BenchError, match="correctness check failed, nothing was timed"):
        go()
    assert not [entry for entry in log if entry[1] == "time"]


def test_compare_reports_the_largest_difference():
    case = W.Case("matmul", {"n": 4})
    inputs = W.make_inputs(case)
    exact = inputs["a"].astype(np.float64) @ inputs["b"].astype(np.float64)
    entries = compare(
        case, {("tensorflow", "eager"): {"out": exact + 1e-6}, ("pytorch", "eager"): {"out": exact}}
    )
    assert entries[0]["reference"] == "NumPy (float64)"
    assert entries[0]["max_abs_diff"] == pytest.approx(1e-6, rel=1e-2)
    with pytest.raises(BenchError, match="tensorflow eager: differs from NumPy"):
        compare(case, {("tensorflow", "eager"): {"out": exact + 0.1}, ("pytorch", "eager"): {"out": exact}})


def test_sweep_points_run_once_at_the_first_thread_count():
    """The smoke run's sweeps have one point, its main case; FULL's extra points are planned here."""
    main, plan = plan_cases(W.FULL, (1, 2))
    assert [c.id for c in main] == [c.id for c in W.main_cases(W.FULL)]
    extra = [
        W.Case(workload, {**W.FULL.cases[workload], parameter: value})
        for workload, parameter, values in W.FULL.sweeps.values()
        for value in values
        if value != W.FULL.cases[workload][parameter]
    ]
    assert extra and [(t, cases) for t, cases in plan] == [(1, main + extra), (2, main)]
    _, plan = plan_cases(W.FULL, (2, 1), only=("mlp_train",))
    mlp = [c for c in extra if c.workload == "mlp_train"]
    assert [(t, len(cases)) for t, cases in plan] == [(2, 1 + len(mlp)), (1, 1)]
    _, plan = plan_cases(W.SMOKE, (1,))
    assert plan == [(1, W.main_cases(W.SMOKE))], "the smoke run pays for no case beyond the main ones"


def test_weights_are_shared_and_deterministic():
    case = W.Case("mlp_train", dict(W.SMOKE.cases["mlp_train"]))
    first, second = W.make_weights(case), W.make_weights(case)
    assert first.keys() == second.keys() and all(np.array_equal(first[k], second[k]) for k in first)
    assert first["dense0/kernel"].shape == (case.params["features"], case.params["width"])


def test_harness_processes_cannot_reach_the_network(tmp_path):
    env = child_env(1, str(tmp_path))
    probe = "import socket; socket.create_connection(('192.0.2.1', 80), timeout=2)"
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "network access is blocked" in done.stderr


# ------------------------------------------------------------------ verdicts from synthetic results
def test_verdict_follows_the_interval_only():
    assert R.verdict(0.80, 0.90) == "tensorflow"
    assert R.verdict(1.10, 1.30) == "pytorch"
    assert R.verdict(0.97, 1.03) == "equivalent"
    assert R.verdict(0.90, 1.10) == "unclear"
    assert R.verdict(0.80, 0.90, disturbed=True) == "disturbed"


def _spread(median: float, relative: float, n: int, seed: int) -> list[float]:
    rng = np.random.default_rng(seed)
    return [float(f"{v:.5g}") for v in median * (1 + relative * rng.uniform(-1, 1, n))]


def _synthetic(valid: dict, kind: dict) -> dict:
    """The committed file with every timing replaced: per workload, TensorFlow twice as fast
    ("separated_tf"), twice as slow ("separated_pt"), both from one wide distribution
    ("overlapping"), one narrow distribution ("same"), or flagged disturbed ("disturbed")."""
    data = copy.deepcopy(valid)
    data.pop("replicate_generated_utc", None)
    reps = data["protocol"]["repetitions"] = 20
    for i, r in enumerate(data["results"]):
        r.pop("replicate", None)
        how = kind[r["workload"]]
        base = 0.01 * (1 + 0.1 * W.FRAMEWORKS.index(r["framework"]))  # PyTorch 10 % slower base
        if how == "separated_tf":
            median, spread = (0.005 if r["framework"] == "tensorflow" else 0.01), 0.02
        elif how == "separated_pt":
            median, spread = (0.02 if r["framework"] == "tensorflow" else 0.01), 0.02
        elif how == "same":
            median, spread = 0.01, 0.01
        else:
            median, spread = base, 0.9
        samples = _spread(median, spread, reps, seed=i)
        r["seconds"] = R.summary_stats(samples)
        other = 0.9 if how == "disturbed" else 0.0
        r["disturbance"] = {"other_cores": other, "steal_cores": 0.0, "disturbed": other > 0}
    for run in data["limit"]:
        run["seconds"] = R.summary_stats(_spread(run["seconds"]["median"], 0.01, reps, seed=7))
    for entry in data["cold_start"]:
        for key in ("import_seconds", "build_seconds", "first_call_seconds", "steady_seconds"):
            entry[key] = R.summary_stats([entry[key]["median"]] * data["protocol"]["cold_repetitions"])
    return validate(data, "synthetic")


VERDICT_WORDS = "|".join(re.escape(v) for v in R.VERDICTS.values())
CELL = re.compile(rf"\*\*({VERDICT_WORDS})\*\* <br>(\d+\.\d\d)× <small>\((\d+\.\d\d)–(\d+\.\d\d)\)</small>")
SENTENCE = re.compile(
    rf"({VERDICT_WORDS})[^.]*?TensorFlow took (\d+\.\d\d)× \(95 % CI (\d+\.\d\d)–(\d+\.\d\d)\)"
)


def _stated(text: str) -> list[tuple[str, float, float]]:
    found = [(m.group(1), float(m.group(3)), float(m.group(4))) for m in CELL.finditer(text)]
    found += [(m.group(1), float(m.group(3)), float(m.group(4))) for m in SENTENCE.finditer(text)]
    return found


KINDS = {
    "all separated": dict.fromkeys(R.WORKLOADS, "separated_pt") | {"cnn_train": "separated_tf"},
    "all overlapping": dict.fromkeys(R.WORKLOADS, "overlapping"),
    "mixed": {
        "matmul": "same",
        "matmul_bf16": "separated_tf",
        "mlp_train": "overlapping",
        "cnn_train": "separated_pt",
        "transformer_forward": "disturbed",
        "data_pipeline": "separated_pt",
    },
}


@pytest.mark.parametrize("kind", KINDS.values(), ids=KINDS.keys())
def test_no_output_states_a_difference_its_interval_does_not_support(valid, kind):
    data = _synthetic(valid, kind)
    expected_headline = {
        "separated_tf": "tensorflow",
        "separated_pt": "pytorch",
        "same": "equivalent",
        "overlapping": "unclear",
        "disturbed": "disturbed",
    }
    for workload, how in kind.items():
        assert R.headline(data, workload)["verdict"] == expected_headline[how], (workload, how)

    page = PAGE.read_text(encoding="utf-8")
    rendered = render_placeholders(page, data)
    rendered_rows = render_placeholders(_data_table_rows(), data)
    stated = _stated(rendered) + _stated(rendered_rows)
    assert len(stated) >= len(kind) * 3, "the page states the headline verdicts with their intervals"
    labels = {v: k for k, v in R.VERDICTS.items()}
    for word, low, high in stated:  # every stated verdict is the verdict of the stated interval
        if labels[word] not in ("disturbed", "unreproduced"):
            assert R.verdict(low, high) == labels[word], (word, low, high)

    summary = render_placeholders("<!-- benchmarks:summary -->", data)
    for workload, how in kind.items():
        key = expected_headline[how]
        group = re.search(rf"{re.escape(R.VERDICTS[key])} on \d+ \(([^)]*)\)", summary)
        assert group and R.WORKLOADS[workload] in group.group(1), (summary, workload)
        if key in ("unclear", "equivalent", "disturbed"):  # never named as a win anywhere
            cmp = R.headline(data, workload)
            for word in ("TensorFlow faster", "PyTorch faster"):
                assert f"{word}: TensorFlow took {R.interval_text(cmp)}" not in rendered

    titles = [
        el.text for el in ET.fromstring(charts(data)["steady.svg"]).iter("{http://www.w3.org/2000/svg}text")
    ]
    for workload, how in kind.items():
        assert f"{R.WORKLOADS[workload]}: fastest modes, {R.VERDICTS[expected_headline[how]]}" in titles

    pipeline = R.VERDICTS[expected_headline[kind["data_pipeline"]]]
    assert pipeline in render_placeholders("{{benchmarks:pipeline-verdict}}", data)


def test_a_verdict_the_second_run_does_not_reach_is_not_published(valid):
    """With two runs, a clear lead in one and its reverse (or noise) in the other gives no verdict."""
    assert R.verdict(0.80, 0.90, replicate=(0.82, 0.93, False)) == "tensorflow"
    assert R.verdict(0.80, 0.90, replicate=(0.90, 1.10, False)) == "unreproduced"
    assert R.verdict(0.80, 0.90, replicate=(0.80, 0.90, True)) == "unreproduced"
    published = _synthetic(valid, KINDS["mixed"])
    first = _synthetic(valid, KINDS["mixed"] | {"data_pipeline": "separated_tf"})
    attach_replicate(published, first)
    validate(published, "synthetic pair")
    cmp = R.headline(published, "data_pipeline")  # PyTorch ahead in one run, TensorFlow in the other
    assert cmp["verdict"] == "unreproduced"
    assert R.headline(published, "cnn_train")["verdict"] == "pytorch"  # ahead in both runs
    rendered = render_placeholders(PAGE.read_text(encoding="utf-8"), published)
    assert f"PyTorch faster: TensorFlow took {R.interval_text(cmp)}" not in rendered
    assert R.verdict_sentence(cmp) in rendered
    assert "was compared series by series" in render_placeholders("<!-- benchmarks:status -->", published)


def test_bootstrap_interval_covers_the_ratio_and_narrows_with_less_noise():
    wide = R.ratio_interval(_spread(0.02, 0.5, 20, 1), _spread(0.01, 0.5, 20, 2))
    narrow = R.ratio_interval(_spread(0.02, 0.02, 20, 1), _spread(0.01, 0.02, 20, 2))
    assert wide[0] < 2 < wide[1] and narrow[0] < 2 < narrow[1]
    assert narrow[1] - narrow[0] < (wide[1] - wide[0]) / 5
