"""python -m bench: time TensorFlow and PyTorch on the same workloads (see bench/runner.py).

python -m bench                  full run (what `make bench` does): rewrites
                                 docs/data/benchmarks.json and docs/assets/benchmarks/*.svg
python -m bench --profile smoke  tiny sizes, seconds; writes nothing unless --out is given
python -m bench --charts-only    redraw the charts from docs/data/benchmarks.json
"""

import argparse
import os
import sys
import time
from pathlib import Path

from bench import workloads as W
from bench.runner import CHARTS_DIR, DATA_FILE, BenchError, run


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--profile", choices=sorted(W.PROFILES), default="full")
    parser.add_argument(
        "--threads", type=int, default=os.cpu_count(), help="intra-op threads (default: all cores)"
    )
    parser.add_argument(
        "--interop-threads", type=int, default=None, help="inter-op threads (default: --threads)"
    )
    parser.add_argument("--out", type=Path, help="data file (full profile: docs/data/benchmarks.json)")
    parser.add_argument(
        "--charts", type=Path, help="SVG chart directory (full profile: docs/assets/benchmarks)"
    )
    parser.add_argument(
        "--charts-only", action="store_true", help="only redraw the charts from the data file"
    )
    args = parser.parse_args(argv)

    if args.charts_only:
        from bench.charts import write_charts
        from hooks.benchmark_tables import load

        source = args.out or DATA_FILE
        for path in write_charts(load(source), args.charts or CHARTS_DIR):
            print(f"wrote {path}")
        return 0

    full = args.profile == "full"
    out = args.out or (DATA_FILE if full else None)
    charts = args.charts or (CHARTS_DIR if full else None)
    inter = args.interop_threads or args.threads
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f}s] {message}", flush=True)

    try:
        command = " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])])
        data = run(
            W.PROFILES[args.profile],
            args.threads,
            inter,
            out=out,
            charts_dir=charts,
            log=log,
            command=command,
        )
    except BenchError as err:
        print(f"bench: {err}", file=sys.stderr)
        return 1
    from hooks.benchmark_tables import headline_lines

    print("\n".join(headline_lines(data)))
    print(f"wall time: {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
