"""Run the benchmark: correctness first, then interleaved timings, cold starts and the limit line.

Order of a run:
 1. NumPy's matmul peak (bench/limit.py), in its own process: the "limit" line.
 2. One persistent worker process per framework, each with the same intra-/inter-op thread
    counts (read back from the framework and recorded). For every case:
      a. every (framework, mode) is built from the same NumPy weights and inputs and makes its
         first calls (timed: first-call latency, tracing and compilation included); the
         outputs are compared with NumPy or with PyTorch eager, and the run stops if any
         falls outside the workload's tolerance;
      b. each warms up, then picks how many iterations make one repetition;
      c. repetitions alternate between the frameworks, TensorFlow then PyTorch, again and
         again (A B A B), so that drift in the machine's speed hits both alike.
 3. Cold starts: a fresh process per (framework, mode) and repetition, again alternating,
    timing the import, building the model and the first call with empty compiler caches.
 4. The limit line again, then the data file (validated by hooks/benchmark_tables.py, the
    same code that renders it) and the charts.
"""

import json
import os
import select
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bench import workloads as W
from bench.machine import machine

ROOT = Path(__file__).resolve().parents[1]
DATA_FILE = ROOT / "docs" / "data" / "benchmarks.json"
CHARTS_DIR = ROOT / "docs" / "assets" / "benchmarks"
COMMAND_TIMEOUT = 900.0  # seconds for one worker command (a torch.compile on a busy machine is slow)
SCHEMA_VERSION = 1


class BenchError(RuntimeError):
    pass


def child_env(intra: int, cache_dir: str) -> dict[str, str]:
    """The environment of every process the harness starts: network blocked as for snippets."""
    from tests.harness.run import SANDBOX, snippet_env

    env = snippet_env({})  # PYTHONPATH=<sandbox>, whose sitecustomize.py blocks the network
    env["PYTHONPATH"] = os.pathsep.join([str(SANDBOX), str(ROOT)])
    env.update(
        OMP_NUM_THREADS=str(intra),
        KERAS_BACKEND="tensorflow",
        TORCHINDUCTOR_CACHE_DIR=cache_dir,  # no compiled code reused from an earlier run
    )
    return env


def _signif(x: float, digits: int = 5) -> float:
    return float(f"{x:.{digits}g}")


def stats(samples: list[float]) -> dict:
    return {
        "min": _signif(min(samples)),
        "median": _signif(float(np.median(samples))),
        "max": _signif(max(samples)),
        "samples": [_signif(s) for s in samples],
    }


class Worker:
    """A `python -m bench.worker serve` process, driven one JSON line at a time."""

    def __init__(self, framework: str, intra: int, inter: int, backend: str, env: dict, log_dir: Path):
        """Start the process; `ready()` waits for its start-up report."""
        self.framework = framework
        self.log_path = log_dir / f"{framework}-worker.log"
        self._log = self.log_path.open("w")
        command = [sys.executable, "-m", "bench.worker", "serve", "--framework", framework]
        command += ["--intra", str(intra), "--inter", str(inter), "--torch-compile-backend", backend]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            start_new_session=True,  # its own process group: compiler helpers are killed with it
        )
        self.hello = None

    def ready(self) -> dict:
        self.hello = self._answer("start-up")
        return self.hello

    def call(self, **command) -> dict:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self._answer(command["cmd"])

    def _answer(self, what: str) -> dict:
        ready, _, _ = select.select([self.process.stdout], [], [], COMMAND_TIMEOUT)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            self.close()
            reason = "timed out" if not ready else f"exited with code {self.process.poll()}"
            raise BenchError(f"{self.framework} worker {reason} during {what}\n{self._tail()}")
        answer = json.loads(line)
        if not answer.pop("ok"):
            raise BenchError(f"{self.framework} worker failed during {what}:\n{answer['error']}")
        return answer

    def _tail(self) -> str:
        self._log.flush()
        return "--- worker stderr (last lines) ---\n" + "\n".join(
            self.log_path.read_text(errors="replace").splitlines()[-40:]
        )

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.write(json.dumps({"cmd": "exit"}) + "\n")
                self.process.stdin.flush()
                self.process.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                pass
        try:
            os.killpg(self.process.pid, 9)  # anything it left behind (compile workers)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()
        self._log.close()


def compare(case: W.Case, outputs: dict[tuple[str, str], dict[str, np.ndarray]]) -> list[dict]:
    """Check every (framework, mode) against the reference; raise if any is out of tolerance."""
    rtol, atol = W.TOLERANCES[case.workload]
    reference = W.reference_outputs(case, W.make_inputs(case))
    reference_name = "NumPy (float64)"
    if reference is None:
        reference, reference_name = outputs[("pytorch", "eager")], "PyTorch eager"
    entries, failures = [], []
    for (framework, mode), produced in outputs.items():
        if produced is reference:
            continue
        if set(produced) != set(reference):
            raise BenchError(
                f"{case.id} {framework} {mode}: outputs {sorted(produced)} != {sorted(reference)}"
            )
        worst_abs, worst_ratio = 0.0, 0.0
        for key, expected in reference.items():
            got = produced[key]
            if got.shape != expected.shape:
                failures.append(f"{case.id} {framework} {mode} {key}: shape {got.shape} != {expected.shape}")
                continue
            diff = np.abs(got - expected)
            worst_abs = max(worst_abs, float(diff.max(initial=0.0)))
            worst_ratio = max(worst_ratio, float((diff / (atol + rtol * np.abs(expected))).max(initial=0.0)))
        passed = worst_ratio <= 1.0 and np.isfinite(worst_ratio)
        if not passed:
            failures.append(
                f"{case.id} {framework} {mode}: differs from {reference_name} by up to {worst_abs:.3g} "
                f"(rtol={rtol}, atol={atol})"
            )
        entries.append(
            {
                "case": case.id,
                "framework": framework,
                "mode": mode,
                "reference": reference_name,
                "compared": sorted(reference),
                "max_abs_diff": _signif(worst_abs, 3),
                "rtol": rtol,
                "atol": atol,
                "passed": bool(passed),
            }
        )
    if failures:
        raise BenchError("correctness check failed, nothing was timed:\n" + "\n".join(failures))
    return entries


def run_limit(profile: W.Profile, intra: int, env: dict) -> dict:
    command = [sys.executable, "-m", "bench.limit", "--threads", str(intra), "--sizes"]
    command += [str(n) for n in profile.limit_sizes]
    command += ["--repetitions", str(profile.repetitions), "--min-rep-seconds", str(profile.min_rep_seconds)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise BenchError(f"bench.limit failed:\n{done.stderr[-4000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    for run in result["runs"]:
        run["seconds"] = stats(run["seconds"])
        run["gflops_median"] = _signif(2.0 * run["n"] ** 3 / run["seconds"]["median"] / 1e9, 4)
    return result


def run_cold(profile: W.Profile, intra: int, inter: int, env_for, log) -> list[dict]:
    """Fresh processes, alternating frameworks: import, build and first call of the MLP step."""
    case = W.Case("mlp_train", dict(profile.cases["mlp_train"]))
    samples: dict[tuple[str, str], list[dict]] = {}
    for repetition in range(profile.cold_repetitions):
        for framework, mode in profile.cold_modes:  # alternating: TensorFlow, PyTorch, TensorFlow...
            log(f"cold start {repetition + 1}/{profile.cold_repetitions}: {framework} {mode}")
            with tempfile.TemporaryDirectory(prefix="bench-cold-") as cache:
                command = [sys.executable, "-m", "bench.worker", "cold", "--framework", framework]
                command += ["--intra", str(intra), "--inter", str(inter), "--mode", mode]
                command += ["--torch-compile-backend", profile.torch_compile_backend]
                command += ["--case", json.dumps({"workload": case.workload, "params": case.params})]
                done = subprocess.run(
                    command,
                    cwd=ROOT,
                    env=env_for(cache),
                    capture_output=True,
                    text=True,
                    timeout=COMMAND_TIMEOUT,
                )
            if done.returncode != 0:
                raise BenchError(f"cold start {framework} {mode} failed:\n{done.stderr[-4000:]}")
            samples.setdefault((framework, mode), []).append(json.loads(done.stdout.strip().splitlines()[-1]))
    entries = []
    for (framework, mode), runs in samples.items():
        entries.append(
            {
                "case": case.id,
                "framework": framework,
                "mode": mode,
                "label": W.mode_label(framework, mode),
                **{
                    key: stats([run[key] for run in runs])
                    for key in ("import_seconds", "build_seconds", "first_call_seconds", "steady_seconds")
                },
            }
        )
    return entries


def run_case(case: W.Case, workers: dict[str, Worker], profile: W.Profile, scratch: Path, log) -> tuple:
    outputs, first = {}, {}
    for framework in W.FRAMEWORKS:
        for mode in W.modes_for(case.workload, framework):
            key = f"{case.id}/{framework}/{mode}"
            path = scratch / f"{framework}-{mode}.npz"
            log(f"{case.id}: {framework} {mode}: first calls")
            first[(framework, mode)] = workers[framework].call(
                cmd="setup", key=key, workload=case.workload, params=case.params, mode=mode, outputs=str(path)
            )
            with np.load(path) as stored:
                outputs[(framework, mode)] = {k: stored[k] for k in stored.files}
    correctness = compare(case, outputs)

    iterations = {}
    for framework in W.FRAMEWORKS:
        for mode in W.modes_for(case.workload, framework):
            answer = workers[framework].call(
                cmd="warmup",
                key=f"{case.id}/{framework}/{mode}",
                seconds=profile.warmup_seconds,
                min_rep_seconds=profile.min_rep_seconds,
            )
            iterations[(framework, mode)] = answer["iterations"]

    seconds: dict[tuple[str, str], list[float]] = {k: [] for k in iterations}
    for _ in range(profile.repetitions):
        for framework in W.FRAMEWORKS:  # A B A B: TensorFlow then PyTorch, every repetition
            for mode in W.modes_for(case.workload, framework):
                answer = workers[framework].call(
                    cmd="time", key=f"{case.id}/{framework}/{mode}", iterations=iterations[(framework, mode)]
                )
                seconds[(framework, mode)].append(answer["seconds"])

    amount, unit = case.work()
    results = []
    for (framework, mode), samples in seconds.items():
        workers[framework].call(cmd="drop", key=f"{case.id}/{framework}/{mode}")
        entry = {
            "case": case.id,
            "workload": case.workload,
            "params": case.params,
            "framework": framework,
            "mode": mode,
            "label": W.mode_label(framework, mode),
            "work": {"amount": amount, "unit": unit},
            "iterations_per_repetition": iterations[(framework, mode)],
            "seconds": stats(samples),
            "first_call_seconds": _signif(first[(framework, mode)]["first_call_seconds"]),
            "second_call_seconds": _signif(first[(framework, mode)]["second_call_seconds"]),
        }
        results.append(entry)
        s = entry["seconds"]
        log(
            f"{case.id}: {entry['label']}: median {s['median'] * 1e3:.3f} ms "
            f"(min {s['min'] * 1e3:.3f}, max {s['max'] * 1e3:.3f}) x{entry['iterations_per_repetition']}"
        )
    return results, correctness


def run(
    profile: W.Profile,
    intra: int,
    inter: int,
    out: Path | None = DATA_FILE,
    charts_dir: Path | None = CHARTS_DIR,
    log=print,
    command: str = "python -m bench",
) -> dict:
    started = time.perf_counter()
    cases = W.all_cases(profile)
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        tmp = Path(tmp)
        base_env = child_env(intra, str(tmp / "inductor-cache"))
        log(f"limit: NumPy matmul, sizes {profile.limit_sizes}, {intra} threads")
        limit_before = run_limit(profile, intra, base_env)
        workers = {}
        try:
            for framework in W.FRAMEWORKS:  # both import at once; nothing is timed yet but the import
                workers[framework] = Worker(
                    framework, intra, inter, profile.torch_compile_backend, base_env, tmp
                )
            for framework, worker in workers.items():
                log(f"{framework} worker: {worker.ready()}")
            results, correctness = [], []
            for case in cases:
                scratch = tmp / "outputs"
                scratch.mkdir(exist_ok=True)
                case_results, case_checks = run_case(case, workers, profile, scratch, log)
                results += case_results
                correctness += case_checks
        finally:
            for worker in workers.values():
                worker.close()
        hello = {framework: worker.hello for framework, worker in workers.items()}
        cold_start = run_cold(profile, intra, inter, lambda cache: child_env(intra, cache), log)
        log("limit: NumPy matmul again")
        limit_after = run_limit(profile, intra, base_env)

    peak = max(limit_before["runs"] + limit_after["runs"], key=lambda r: r["gflops_median"])
    data = {
        "schema_version": SCHEMA_VERSION,
        "profile": profile.name,
        "generated_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": command,
        "wall_seconds": round(time.perf_counter() - started, 1),
        "machine": machine(),
        "threads": {
            "intra_op": intra,
            "inter_op": inter,
            "env": {"OMP_NUM_THREADS": str(intra)},
            **{framework: hello[framework]["threads"] for framework in W.FRAMEWORKS},
            "numpy_blas": intra,
        },
        "versions": {
            **hello["tensorflow"]["versions"],
            **hello["pytorch"]["versions"],
            "numpy": np.__version__,
            "python": sys.version.split()[0],
        },
        "torch_compile_backend": profile.torch_compile_backend,
        "blas": limit_before["blas"],
        "protocol": {
            "repetitions": profile.repetitions,
            "min_repetition_seconds": profile.min_rep_seconds,
            "warmup_seconds": profile.warmup_seconds,
            "cold_repetitions": profile.cold_repetitions,
            "order": "interleaved: every repetition times TensorFlow, then PyTorch (A B A B)",
        },
        "limit": {
            "peak_gflops": peak["gflops_median"],
            "peak_n": peak["n"],
            "before": limit_before["runs"],
            "after": limit_after["runs"],
        },
        "main_cases": {c.workload: c.id for c in cases if c.params == profile.cases[c.workload]},
        "sweeps": [
            {"name": name, "workload": w, "parameter": p, "values": list(v)}
            for name, (w, p, v) in profile.sweeps.items()
        ],
        "correctness": correctness,
        "results": results,
        "cold_start": cold_start,
    }
    from hooks.benchmark_tables import validate

    validate(data, "the new results")
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        log(f"wrote {out}")
    if charts_dir is not None:
        from bench.charts import write_charts

        for path in write_charts(data, charts_dir):
            log(f"wrote {path}")
    return data
