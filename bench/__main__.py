"""python -m bench: time TensorFlow and PyTorch on the same workloads (see bench/runner.py).

python -m bench                  full run (what `make bench` does): rewrites
                                 docs/data/benchmarks.json and docs/assets/benchmarks/*.svg
python -m bench --runs 2         two full runs, one after the other: run 1 goes to
                                 /tmp/benchmarks-run1.json, run 2 is published as above, and both
                                 runs' verdict tables are printed side by side
python -m bench --compare-with F print the verdicts of this run next to those of results file F
python -m bench --profile smoke  tiny sizes, seconds; writes nothing unless --out is given
python -m bench --only matmul    a partial run of some workloads (development; never published)
python -m bench --charts-only    redraw the charts from docs/data/benchmarks.json
"""

import argparse
import sys
import time
from pathlib import Path

from bench import workloads as W
from bench.runner import CHARTS_DIR, DATA_FILE, BenchError, run
from hooks import benchmark_results as R

RUN1_FILE = Path("/tmp/benchmarks-run1.json")


def verdict_rows(data: dict) -> list[tuple[str, str]]:
    """(comparison, verdict with interval) for every headline comparison of a results file."""
    rows = []
    for threads in data["thread_counts"]:
        for workload, title in R.WORKLOADS.items():
            if workload not in data["main_cases"]:
                continue
            for label, tf_modes, torch_modes in R.comparisons_for(workload):
                cmp = R.compare(data, workload, tf_modes, torch_modes, threads=threads)
                text = f"{R.VERDICTS[cmp['verdict']]}  {R.interval_text(cmp)}"
                rows.append((f"{threads}t {title} / {label}", text))
    return rows


def verdict_table(data: dict, other: dict | None = None, other_name: str = "other run") -> str:
    mine = verdict_rows(data)
    lines = ["", "Verdicts (TensorFlow time / PyTorch time, 95 % bootstrap interval):"]
    if other is None:
        lines += [f"  {name:72} {text}" for name, text in mine]
    else:
        theirs = dict(verdict_rows(other))
        same = 0
        lines.append(f"  {'comparison':72} {'this run':52} {other_name}")
        for name, text in mine:
            there = theirs.get(name, "(absent)")
            agree = text.split("  ")[0] == there.split("  ")[0]
            same += agree
            lines.append(f"  {name:72} {text:52} {there}{'' if agree else '   <-- differs'}")
        lines.append(f"  same verdict on {same} of {len(mine)} comparisons")
    disturbed = [f"{r['case']} {r['label']} @{r['threads']}" for r in data["results"] if R.is_disturbed(r)]
    lines.append(
        f"disturbed cases: {len(disturbed)}" + (": " + "; ".join(disturbed[:12]) if disturbed else "")
    )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--profile", choices=sorted(W.PROFILES), default="full")
    parser.add_argument(
        "--threads", type=int, nargs="+", help="thread counts (default: the profile's, 1 and 2 for full)"
    )
    parser.add_argument("--only", nargs="+", choices=sorted(R.WORKLOADS), help="a partial run")
    parser.add_argument("--out", type=Path, help="data file (full profile: docs/data/benchmarks.json)")
    parser.add_argument(
        "--charts", type=Path, help="SVG chart directory (full profile: docs/assets/benchmarks)"
    )
    parser.add_argument("--runs", type=int, default=1, choices=(1, 2), help="2: run twice and compare")
    parser.add_argument("--compare-with", type=Path, help="a results file to compare verdicts with")
    parser.add_argument(
        "--charts-only", action="store_true", help="only redraw the charts from the data file"
    )
    args = parser.parse_args(argv)

    if args.charts_only:
        from bench.charts import write_charts

        source = args.out or DATA_FILE
        for path in write_charts(R.load(source), args.charts or CHARTS_DIR):
            print(f"wrote {path}")
        return 0

    full = args.profile == "full" and not args.only
    out = args.out or (DATA_FILE if full else None)
    charts = args.charts or (CHARTS_DIR if full else None)
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f}s] {message}", flush=True)

    command = " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])])
    profile = W.PROFILES[args.profile]
    try:
        first = None
        if args.runs == 2:
            log(f"run 1 of 2 (written to {RUN1_FILE}, not published)")
            first = run(profile, args.threads, RUN1_FILE, None, log, command, tuple(args.only or ()))
            log("run 2 of 2")
        data = run(profile, args.threads, out, charts, log, command, tuple(args.only or ()), replicate=first)
    except BenchError as err:
        print(f"bench: {err}", file=sys.stderr)
        return 1
    other, name = first, "run 1"
    if args.compare_with:
        other, name = R.load(args.compare_with), str(args.compare_with)
    print(verdict_table(data, other, name))
    print(f"wall time: {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
