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


def timed(runnable, iterations: int, pause_gc: bool = True) -> float:
    """Seconds per iteration over `iterations` back-to-back calls (garbage collector paused).

    The framework's own objects are frozen out of the collector's sight (gc.freeze after each
    setup), so the collection before a repetition is quick.
    """
    if pause_gc:
        gc.collect()
        gc.disable()
    try:
        started = time.perf_counter()
        out = None
        for _ in range(iterations):
            out = runnable.step()
        runnable.sync(out)
        return (time.perf_counter() - started) / iterations
    finally:
        gc.enable()


def warm_up(runnable, seconds: float, min_rep_seconds: float) -> dict:
    """Run for `seconds` (at least 3 calls), then pick iterations per repetition."""
    calls = []
    started = time.perf_counter()
    while len(calls) < 3 or time.perf_counter() - started < seconds:
        calls.append(timed(runnable, 1, pause_gc=False))
    per_call = float(np.median(calls))
    iterations = max(1, math.ceil(min_rep_seconds / per_call)) if min_rep_seconds > 0 else 1
    return {"warmup_calls": len(calls), "iterations": iterations}


class Server:
    def __init__(self, module, options: dict):
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
            gc.collect()
            gc.freeze()
            return {"first_call_seconds": seconds[0], "second_call_seconds": seconds[1]}
        if kind == "warmup":
            return warm_up(self.cases[command["key"]], command["seconds"], command["min_rep_seconds"])
        if kind == "time":
            return {"seconds": timed(self.cases[command["key"]], command["iterations"])}
        if kind == "drop":
            self.cases.pop(command["key"], None)
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
    server = Server(module, {"torch_compile_backend": args.torch_compile_backend})
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
    options = {"torch_compile_backend": args.torch_compile_backend}
    runnable = module.build(case, args.mode, W.make_weights(case), W.make_inputs(case), **options)
    build_seconds = time.perf_counter() - started
    _, seconds = first_calls(runnable, case)
    gc.freeze()
    steady = [timed(runnable, 1) for _ in range(args.steady_calls)]
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
