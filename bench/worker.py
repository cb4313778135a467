"""The process one framework runs in. Never imports the other framework.

Two ways to run it (the runner starts it; it is not meant to be run by hand):

    python -m bench.worker serve --framework F --intra N --inter M
        Reads one JSON command per line on stdin and answers one JSON line on stdout, so the
        runner can alternate between a TensorFlow and a PyTorch worker (A B A B) without paying
        the import again. Anything else the frameworks print goes to stderr.

    python -m bench.worker cold --framework F --intra N --inter M --case JSON --mode MODE
        A fresh process: times the framework import, the first call of one case (tracing and
        compilation included) and the calls after it, prints one JSON line and exits.
"""

import argparse
import gc
import importlib
import json
import math
import os
import sys
import time
import traceback

import numpy as np

from bench import workloads as W

IMPORTS = {"tensorflow": ("tensorflow", "keras"), "pytorch": ("torch",)}


def load_framework(framework: str, intra: int, inter: int):
    """Import the framework (timed), set its thread pools, and return (module, info)."""
    started = time.perf_counter()
    for name in IMPORTS[framework]:
        importlib.import_module(name)
    import_seconds = time.perf_counter() - started
    module = importlib.import_module(
        "bench.tf_workloads" if framework == "tensorflow" else "bench.torch_workloads"
    )
    threads = module.configure_threads(intra, inter)
    return module, {"import_seconds": import_seconds, "threads": threads, "versions": module.versions()}


def first_calls(runnable, case: W.Case) -> tuple[dict[str, np.ndarray], list[float]]:
    """The correctness run: the first calls of a fresh case, each timed, and what they produced.

    Training cases run CHECK_STEPS steps from the shared initial weights and report every loss
    and the final weights; the others report the output of their first call.
    """
    outputs, seconds = [], []
    steps = W.CHECK_STEPS if case.workload in W.TRAINING else 2
    for _ in range(steps):
        started = time.perf_counter()
        out = runnable.sync(runnable.step(check=True))
        seconds.append(time.perf_counter() - started)
        outputs.append(np.asarray(out, dtype=np.float64))
    if case.workload in W.TRAINING:
        result = {"losses": np.array(outputs)}
    elif case.workload == "data_pipeline":
        result = {"checksum": outputs[0]}
    else:
        result = {"out": outputs[0]}
    result.update({f"weights:{k}": v for k, v in runnable.state().items()})
    return result, seconds


CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def machine_ticks() -> tuple[int, int]:
    """(busy, steal) clock ticks of the whole machine so far, from the first line of /proc/stat."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except OSError:
        return 0, 0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return user + nice + system + irq + softirq, steal


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as f:
                found += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return found + [g for c in found for g in _children(c)]


def own_ticks() -> int:
    """CPU clock ticks used so far by this process and its child processes (DataLoader workers)."""
    total = 0
    for pid in [os.getpid(), *_children(os.getpid())]:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total


def timed(runnable, iterations: int, pause_gc: bool = True) -> dict:
    """Seconds per iteration over `iterations` back-to-back calls (garbage collector paused), and
    what else the machine did meanwhile: clock ticks of other processes and hypervisor steal.

    The framework's own objects are frozen out of the collector's sight (gc.freeze once a case's
    modes are set up), so the collection before a repetition is quick.
    """
    if pause_gc:
        gc.collect()
        gc.disable()
    try:
        busy0, steal0 = machine_ticks()
        own0 = own_ticks()
        started = time.perf_counter()
        out = None
        for _ in range(iterations):
            out = runnable.step()
        runnable.sync(out)
        wall = time.perf_counter() - started
        busy1, steal1 = machine_ticks()
        own1 = own_ticks()
    finally:
        gc.enable()
    return {
        "seconds": wall / (iterations * runnable.steps_per_call),
        "wall": wall,
        "other_ticks": max(0, (busy1 - busy0) - (own1 - own0)),
        "steal_ticks": steal1 - steal0,
        "clock_ticks": CLOCK_TICKS,
    }


def warm_up(runnable, seconds: float, min_rep_seconds: float) -> dict:
    """Run for `seconds` (at least 3 calls), then pick iterations per repetition."""
    calls = []
    started = time.perf_counter()
    # Three calls give a median to calibrate on. With nothing to calibrate (the smoke profile),
    # one is enough: a Keras fit() call alone costs ~0.2 s.
    least = 3 if min_rep_seconds > 0 else 1
    while len(calls) < least or time.perf_counter() - started < seconds:
        calls.append(timed(runnable, 1, pause_gc=False)["wall"])
    per_call = float(np.median(calls))
    iterations = max(1, math.ceil(min_rep_seconds / per_call)) if min_rep_seconds > 0 else 1
    return {"warmup_calls": len(calls), "iterations": iterations}


class Server:
    def __init__(self, module, options: dict):
        """options: passed to every build (torch.compile backend, thread count)."""
        self.module, self.options, self.cases = module, options, {}

    def handle(self, command: dict) -> dict:
        kind = command["cmd"]
        if kind == "setup":  # build a case and run its correctness calls; outputs go to a file
            case = W.Case(command["workload"], command["params"])
            runnable = self.module.build(
                case, command["mode"], W.make_weights(case), W.make_inputs(case), **self.options
            )
            outputs, seconds = first_calls(runnable, case)
            np.savez(command["outputs"], **outputs)
            self.cases[command["key"]] = runnable
            return {
                "first_call_seconds": seconds[0],
                "second_call_seconds": seconds[1],
                "notes": getattr(runnable, "notes", lambda: {})(),
            }
        if kind == "freeze":  # once a case's modes are all set up: out of the collector's sight
            gc.collect()
            gc.freeze()
            return {}
        if kind == "warmup":
            return warm_up(self.cases[command["key"]], command["seconds"], command["min_rep_seconds"])
        if kind == "time":
            return timed(self.cases[command["key"]], command["iterations"])
        if kind == "drop":  # every mode of a case at once: one full collection, not one per mode
            for key in command["keys"]:
                self.cases.pop(key, None)
            gc.unfreeze()
            gc.collect()
            gc.freeze()
            return {}
        raise ValueError(f"unknown command {kind!r}")


def serve(args) -> None:
    protocol = os.fdopen(os.dup(1), "w", buffering=1)  # our answers: the original stdout
    os.dup2(2, 1)  # everything else written to stdout (by Python or C++) goes to stderr
    sys.stdout = sys.stderr
    module, info = load_framework(args.framework, args.intra, args.inter)
    gc.collect()
    gc.freeze()
    protocol.write(json.dumps({"ok": True, **info, "pid": os.getpid()}) + "\n")
    server = Server(module, {"torch_compile_backend": args.torch_compile_backend, "threads": args.intra})
    for line in sys.stdin:
        command = json.loads(line)
        if command["cmd"] == "exit":
            break
        try:
            answer = {"ok": True, **server.handle(command)}
        except Exception:  # reported to the runner, which stops with this message
            answer = {"ok": False, "error": traceback.format_exc()}
        protocol.write(json.dumps(answer) + "\n")


def cold(args) -> None:
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    module, info = load_framework(args.framework, args.intra, args.inter)
    spec = json.loads(args.case)
    case = W.Case(spec["workload"], spec["params"])
    started = time.perf_counter()
    options = {"torch_compile_backend": args.torch_compile_backend, "threads": args.intra}
    runnable = module.build(case, args.mode, W.make_weights(case), W.make_inputs(case), **options)
    build_seconds = time.perf_counter() - started
    _, seconds = first_calls(runnable, case)
    gc.freeze()
    steady = [timed(runnable, 1)["seconds"] for _ in range(args.steady_calls)]
    protocol.write(
        json.dumps(
            {
                **info,
                "build_seconds": build_seconds,
                "first_call_seconds": seconds[0],
                "steady_seconds": float(np.median(steady)),
            }
        )
        + "\n"
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.worker", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["serve", "cold"])
    parser.add_argument("--framework", choices=W.FRAMEWORKS, required=True)
    parser.add_argument("--intra", type=int, required=True)
    parser.add_argument("--inter", type=int, required=True)
    parser.add_argument("--case", help="cold: JSON {workload, params}")
    parser.add_argument("--mode", help="cold: execution mode")
    parser.add_argument("--steady-calls", type=int, default=10)
    parser.add_argument("--torch-compile-backend", default="inductor")
    args = parser.parse_args(argv)
    serve(args) if args.command == "serve" else cold(args)


if __name__ == "__main__":
    main()
