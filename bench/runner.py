"""Run the benchmark: correctness first, then interleaved timings, cold starts and the limit line.

Order of a run:
 1. NumPy's matmul at the frameworks' size (bench/limit.py), in its own process, at each
    thread count: the measured reference line.
 2. For each thread count of the profile: one persistent worker process per framework, each
    with that intra-/inter-op thread count (read back from the framework and recorded). For
    every case (the sweeps only at the first thread count):
      a. every (framework, mode) is built from the same NumPy weights and inputs and makes its
         first calls (timed: first-call latency, tracing and compilation included); the
         outputs are compared with NumPy or with PyTorch eager, and the run stops if any
         falls outside the workload's tolerance;
      b. each warms up, then picks how many iterations make one repetition;
      c. repetitions alternate between the frameworks, TensorFlow then PyTorch, again and
         again (A B A B), so that drift in the machine's speed hits both alike; each
         repetition also records the CPU time other processes used and the hypervisor's
         steal time, and a case where either was high is flagged as disturbed.
 3. Cold starts: a fresh process per (framework, mode) and repetition, again alternating,
    timing the import, building the model and the first call with empty compiler caches.
 4. The NumPy line again, then the data file (validated by hooks/benchmark_results.py, the same code
    the page's renderer reads it with) and the charts.

The smoke profile (profile.overlap; nothing it times is published) saves time where a full run
keeps processes apart: the two workers make their first calls and warm up at the same time, and
the cold starts run beside the workers instead of after them.
"""

import json
import os
import select
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import numpy as np

from bench import workloads as W
from bench.machine import machine
from hooks import benchmark_results as R

ROOT = Path(__file__).resolve().parents[1]
DATA_FILE = ROOT / "docs" / "data" / "benchmarks.json"
CHARTS_DIR = ROOT / "docs" / "assets" / "benchmarks"
COMMAND_TIMEOUT = 900.0  # seconds for one worker command (a torch.compile on a busy machine is slow)
SCHEMA_VERSION = R.SCHEMA_VERSION


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


_signif = R.signif
stats = R.summary_stats


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


def run_limit(profile: W.Profile, threads: int, env: dict, when: str) -> list[dict]:
    command = [sys.executable, "-m", "bench.limit", "--threads", str(threads), "--sizes"]
    command += [str(n) for n in profile.limit_sizes]
    command += ["--repetitions", str(profile.repetitions), "--min-rep-seconds", str(profile.min_rep_seconds)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise BenchError(f"bench.limit failed:\n{done.stderr[-4000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    runs = []
    for run in result["runs"]:
        runs.append({**run, "threads": threads, "when": when, "seconds": stats(run["seconds"])})
    return runs, result["blas"]


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


def each_framework(fn, together: bool) -> None:
    """fn(framework) for each framework: one after the other, or both at once if `together`."""
    if not together:
        for framework in W.FRAMEWORKS:
            fn(framework)
        return
    with ThreadPoolExecutor(len(W.FRAMEWORKS)) as pool:
        list(pool.map(fn, W.FRAMEWORKS))  # list(): a worker's error is raised here


def run_case(
    case: W.Case, workers: dict[str, Worker], profile: W.Profile, scratch: Path, log, threads: int = 1
) -> tuple:
    # Filled in this order whichever framework answers first: TensorFlow's modes, then PyTorch's.
    keys = R.modes_of(case.workload)
    outputs, first, iterations = dict.fromkeys(keys), dict.fromkeys(keys), dict.fromkeys(keys)

    def set_up(framework: str) -> None:
        for mode in W.modes_for(case.workload, framework):
            key = f"{case.id}/{framework}/{mode}"
            path = scratch / f"{framework}-{mode}.npz"
            log(f"{case.id} @{threads} thread(s): {framework} {mode}: first calls")
            first[(framework, mode)] = workers[framework].call(
                cmd="setup", key=key, workload=case.workload, params=case.params, mode=mode, outputs=str(path)
            )
            with np.load(path) as stored:
                outputs[(framework, mode)] = {k: stored[k] for k in stored.files}
        # One full collection per case, not per mode: with TensorFlow loaded each costs ~0.2 s.
        workers[framework].call(cmd="freeze")

    def warm_up(framework: str) -> None:
        for mode in W.modes_for(case.workload, framework):
            answer = workers[framework].call(
                cmd="warmup",
                key=f"{case.id}/{framework}/{mode}",
                seconds=profile.warmup_seconds,
                min_rep_seconds=profile.min_rep_seconds,
            )
            iterations[(framework, mode)] = answer["iterations"]

    def drop(framework: str) -> None:
        names = [f"{case.id}/{framework}/{mode}" for mode in W.modes_for(case.workload, framework)]
        workers[framework].call(cmd="drop", keys=names)

    # A full run publishes the first-call times and calibrates on the warm-up, so each framework
    # has the machine to itself; the smoke profile (profile.overlap) times nothing it publishes.
    each_framework(set_up, profile.overlap)
    correctness = compare(case, outputs)
    each_framework(warm_up, profile.overlap)

    seconds: dict[tuple[str, str], list[float]] = {k: [] for k in iterations}
    load = {k: [0.0, 0, 0] for k in iterations}  # wall seconds, other processes' ticks, steal ticks
    ticks_per_second = 100
    for _ in range(profile.repetitions):
        for framework in W.FRAMEWORKS:  # A B A B: TensorFlow then PyTorch, every repetition
            for mode in W.modes_for(case.workload, framework):
                answer = workers[framework].call(
                    cmd="time", key=f"{case.id}/{framework}/{mode}", iterations=iterations[(framework, mode)]
                )
                seconds[(framework, mode)].append(answer["seconds"])
                total = load[(framework, mode)]
                total[0] += answer.get("wall", 0.0)
                total[1] += answer.get("other_ticks", 0)
                total[2] += answer.get("steal_ticks", 0)
                ticks_per_second = answer.get("clock_ticks", ticks_per_second)

    amount, unit = case.work()
    results = []
    each_framework(drop, profile.overlap)
    for (framework, mode), samples in seconds.items():
        wall, other, steal = load[(framework, mode)]
        other_cores = _signif(other / ticks_per_second / wall, 3) if wall > 0 else 0.0
        steal_cores = _signif(steal / ticks_per_second / wall, 3) if wall > 0 else 0.0
        entry = {
            "case": case.id,
            "workload": case.workload,
            "params": case.params,
            "framework": framework,
            "mode": mode,
            "threads": threads,
            "label": W.mode_label(framework, mode),
            "work": {"amount": amount, "unit": unit},
            "iterations_per_repetition": iterations[(framework, mode)],
            "seconds": stats(samples),
            "first_call_seconds": _signif(first[(framework, mode)]["first_call_seconds"]),
            "second_call_seconds": _signif(first[(framework, mode)]["second_call_seconds"]),
            "disturbance": {
                "other_cores": other_cores,
                "steal_cores": steal_cores,
                "disturbed": R.disturbance_flag(other_cores, steal_cores),
            },
        }
        if first[(framework, mode)].get("notes"):
            entry["notes"] = first[(framework, mode)]["notes"]
        results.append(entry)
        s = entry["seconds"]
        flag = "  DISTURBED" if entry["disturbance"]["disturbed"] else ""
        log(
            f"{case.id} @{threads}: {entry['label']}: median {s['median'] * 1e3:.3f} ms "
            f"(min {s['min'] * 1e3:.3f}, max {s['max'] * 1e3:.3f}) x{entry['iterations_per_repetition']}; "
            f"other load {other_cores:.2f} cores, steal {steal_cores:.2f}{flag}"
        )
    return results, correctness


def attach_replicate(data: dict, first: dict) -> None:
    """Give each result the same series from a first full run: a verdict must hold in both."""
    earlier = {(r["case"], r["framework"], r["mode"], r["threads"]): r for r in first["results"]}
    for r in data["results"]:
        other = earlier.get((r["case"], r["framework"], r["mode"], r["threads"]))
        if other is not None:
            r["replicate"] = {"samples": other["seconds"]["samples"], "disturbed": R.is_disturbed(other)}
    data["replicate_generated_utc"] = first["generated_utc"]


def plan_cases(profile: W.Profile, thread_counts: tuple[int, ...], only=None) -> tuple[list, list]:
    """(main cases, [(threads, cases run at that count)]): the main cases at every thread count,
    the sweep points that are not main cases at the first one only."""
    main = W.main_cases(profile)
    cases = W.all_cases(profile)
    if only:
        main = [c for c in main if c.workload in only]
        cases = [c for c in cases if c.workload in only]
    sweep_cases = [c for c in cases if c.id not in {m.id for m in main}]
    return main, [(t, main + (sweep_cases if t == thread_counts[0] else [])) for t in thread_counts]


def run_workers(profile: W.Profile, plan: list, tmp: Path, log) -> tuple[list, list, dict]:
    """Every case of the plan in one worker per framework and thread count: (results, correctness
    entries of the first thread count, what the workers reported at start-up)."""
    total_cases, done_cases = sum(len(c) for _, c in plan), 0
    results, correctness, hello = [], [], {f: [] for f in W.FRAMEWORKS}
    for threads, threads_cases in plan:
        env = {**child_env(threads, str(tmp / f"inductor-cache-{threads}")), **profile.env}
        workers = {}
        try:
            for framework in W.FRAMEWORKS:  # both import at once; nothing is timed yet
                workers[framework] = Worker(
                    framework, threads, threads, profile.torch_compile_backend, env, tmp
                )
            for framework, worker in workers.items():
                answer = worker.ready()
                hello[framework].append({"requested": threads, **answer["threads"]})
                hello[framework + ":versions"] = answer["versions"]
                log(f"{framework} worker, {threads} thread(s): {answer['threads']}")
            for case in threads_cases:
                done_cases += 1
                log(f"case {done_cases}/{total_cases}: {case.id}, {threads} thread(s)")
                scratch = tmp / "outputs"
                scratch.mkdir(exist_ok=True)
                case_results, case_checks = run_case(case, workers, profile, scratch, log, threads)
                results += case_results
                if threads == plan[0][0]:
                    correctness += case_checks
        finally:
            for worker in workers.values():
                worker.close()
    return results, correctness, hello


def run(
    profile: W.Profile,
    thread_counts: tuple[int, ...] | None = None,
    out: Path | None = DATA_FILE,
    charts_dir: Path | None = CHARTS_DIR,
    log=print,
    command: str = "python -m bench",
    only: tuple[str, ...] | None = None,
    replicate: dict | None = None,
) -> dict:
    """Run the profile and return (and write) the results. `only` limits the run to some workloads
    (a partial run, for development: its file says profile "partial" and is never published)."""
    started = time.perf_counter()
    thread_counts = tuple(thread_counts or profile.thread_counts)
    main, plan = plan_cases(profile, thread_counts, only)
    limit = []
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        tmp = Path(tmp)
        blas = None
        for threads in thread_counts:
            log(f"NumPy matmul, n = {profile.limit_sizes}, {threads} thread(s)")
            runs, blas = run_limit(profile, threads, child_env(threads, str(tmp / "unused")), "before")
            limit += runs
        first = thread_counts[0]
        env_for = lambda cache: {**child_env(first, cache), **profile.env}  # noqa: E731
        cold = partial(run_cold, profile, first, first, env_for, log)
        with ThreadPoolExecutor(1) as beside:
            # A full run starts its cold processes once the workers are gone, so that nothing runs
            # beside them; the smoke profile (profile.overlap) starts them now, beside the workers.
            early = beside.submit(cold) if profile.overlap and not only else None
            results, correctness, hello = run_workers(profile, plan, tmp, log)
        if early is not None:
            cold_start = early.result()
        else:
            cold_start = [] if only else cold()
        for threads in thread_counts:
            log(f"NumPy matmul again, {threads} thread(s)")
            limit += run_limit(profile, threads, child_env(threads, str(tmp / "unused")), "after")[0]

    data = {
        "schema_version": SCHEMA_VERSION,
        "profile": "partial" if only else profile.name,
        "generated_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": command,
        "wall_seconds": round(time.perf_counter() - started, 1),
        "machine": machine(),
        "thread_counts": list(thread_counts),
        "threads": {
            **{framework: hello[framework] for framework in W.FRAMEWORKS},
            "env": "OMP_NUM_THREADS and NumPy's BLAS threads set to the same count",
        },
        "versions": {
            **hello["tensorflow:versions"],
            **hello["pytorch:versions"],
            "numpy": np.__version__,
            "python": sys.version.split()[0],
        },
        "torch_compile_backend": profile.torch_compile_backend,
        "blas": blas,
        "protocol": {
            "repetitions": profile.repetitions,
            "min_repetition_seconds": profile.min_rep_seconds,
            "warmup_seconds": profile.warmup_seconds,
            "cold_repetitions": profile.cold_repetitions,
            "order": "interleaved: every repetition times TensorFlow, then PyTorch (A B A B)",
            "bootstrap_resamples": R.BOOTSTRAP_RESAMPLES,
            "confidence": R.CONFIDENCE,
        },
        "limit": limit,
        "main_cases": {c.workload: c.id for c in main},
        "sweeps": [
            {"name": name, "workload": w, "parameter": p, "values": list(v)}
            for name, (w, p, v) in profile.sweeps.items()
            if not only or w in only
        ],
        "correctness": correctness,
        "results": results,
        "cold_start": cold_start,
    }
    if replicate is not None:
        attach_replicate(data, replicate)
    if not only:
        R.validate(data, "the new results")
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        log(f"wrote {out}")
    if charts_dir is not None and not only:
        from bench.charts import write_charts

        for path in write_charts(data, charts_dir):
            log(f"wrote {path}")
    return data
