"""The "limit" line: how fast this machine multiplies float32 matrices through NumPy's BLAS.

Run in its own process by the runner, with the same thread count as the frameworks:

    python -m bench.limit --threads 2 --sizes 1024 2048 --repetitions 5 --min-rep-seconds 0.25

OPENBLAS_CORETYPE and similar variables are left exactly as the environment sets them; the
BLAS library, its version, architecture and thread count are recorded through threadpoolctl.
"""

import argparse
import json
import math
import os
import time

import numpy as np

BLAS_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def blas_config() -> dict:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # fall back to NumPy's own description of its build
        import contextlib
        import io

        text = io.StringIO()
        with contextlib.redirect_stdout(text):
            np.show_config()
        libraries = [{"numpy_show_config": text.getvalue()}]
    else:
        libraries = [
            {k: info.get(k) for k in ("user_api", "internal_api", "version", "architecture", "num_threads")}
            for info in threadpool_info()
        ]
    return {"libraries": libraries, "env": {name: os.environ.get(name) for name in BLAS_ENV}}


def measure(n: int, repetitions: int, min_rep_seconds: float) -> dict:
    rng = np.random.default_rng(0)
    a = rng.uniform(-1, 1, (n, n)).astype(np.float32)
    b = rng.uniform(-1, 1, (n, n)).astype(np.float32)
    out = np.empty((n, n), dtype=np.float32)
    for _ in range(3):  # warm-up
        np.matmul(a, b, out=out)
    started = time.perf_counter()
    np.matmul(a, b, out=out)
    per_call = time.perf_counter() - started
    iterations = max(1, math.ceil(min_rep_seconds / per_call)) if min_rep_seconds > 0 else 1
    samples = []
    for _ in range(repetitions):
        started = time.perf_counter()
        for _ in range(iterations):
            np.matmul(a, b, out=out)
        samples.append((time.perf_counter() - started) / iterations)
    return {"n": n, "iterations_per_repetition": iterations, "seconds": samples}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.limit", description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--sizes", type=int, nargs="+", required=True)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--min-rep-seconds", type=float, default=0.25)
    args = parser.parse_args(argv)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        threadpool_limits = None
    if threadpool_limits is not None:
        threadpool_limits(limits=args.threads, user_api="blas")
    runs = [measure(n, args.repetitions, args.min_rep_seconds) for n in args.sizes]
    print(json.dumps({"blas": blas_config(), "threads": args.threads, "runs": runs}))


if __name__ == "__main__":
    main()
