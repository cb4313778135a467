"""`make test-latest`: the site's snippets and notebooks against the newest framework releases.

    python -m latest [--venv .venv-latest] [--out docs/data/upgrading.json]

1. Installs, into a separate environment, requirements.txt with the pins of the frameworks and
   export runtimes (`UPGRADED`) lifted: pip takes the newest release it can install here.
2. Records, per package, the pinned version, the one installed and the newest the registry
   serves (`pip index versions`); where they differ, pip's own answer to a request for the newest.
3. Runs every snippet file and notebook with the test harness in that environment
   (latest/run_all.py) and writes the drift report that docs/upgrading.md renders
   (hooks/upgrading.py). Nothing in it is typed by hand; the explanations of what changed live
   beside it in docs/data/upgrading_notes.yml.
"""

import argparse
import datetime
import json
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "requirements.txt"
# The packages whose newest release is tried: the frameworks, their export runtimes and the
# libraries the snippets import. Everything else (the site and test tools) stays pinned.
UPGRADED = [
    "torch",
    "tensorflow-cpu",
    "keras",
    "tensorboard",
    "scikit-learn",
    "safetensors",
    "onnx",
    "onnxruntime",
    "onnxscript",
    "tf2onnx",
    "ai-edge-litert",
    "executorch",
]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==(\S+)")


def pinned_versions() -> dict[str, str]:
    pins = {}
    for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        if match := PIN.match(line.strip()):
            pins[match[1].lower()] = match[2]
    return pins


def latest_requirements() -> str:
    """requirements.txt with the pins of UPGRADED lifted (keras added: it is TensorFlow's dependency)."""
    lines = []
    for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line.strip())
        lines.append(match[1] if match and match[1].lower() in UPGRADED else line)
    return "\n".join([*lines, "keras"]) + "\n"


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    print("+", " ".join(command), flush=True)
    return subprocess.run(command, text=True, capture_output=True, **kwargs)


def install(venv: Path) -> dict:
    """Create or refresh `venv` with the newest releases; returns the time it took and its size."""
    started = time.monotonic()
    fresh = not (venv / "bin" / "python").exists()
    if fresh:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as requirements:
        requirements.write(latest_requirements())
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
    done = run([*pip, "install", "--quiet", "--upgrade", "-r", requirements.name])
    if done.returncode != 0:
        sys.exit(f"pip could not install the newest releases:\n{done.stderr[-4000:]}")
    size = run(["du", "-sm", str(venv)]).stdout.split()[0]
    return {"fresh": fresh, "seconds": round(time.monotonic() - started), "size_mb": int(size)}


def installed_versions(venv: Path) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json, sys; "
        "print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))"
    )
    done = run([str(venv / "bin" / "python"), "-c", code, *UPGRADED], check=True)
    return json.loads(done.stdout)


def newest_on_registry(venv: Path, name: str) -> str | None:
    done = run([str(venv / "bin" / "python"), "-m", "pip", "index", "versions", name])
    match = re.match(rf"^{re.escape(name)} \(([^)]+)\)", done.stdout.strip(), re.I)
    return match[1] if match else None


def why_not(venv: Path, name: str, version: str) -> str:
    """pip's own answer when asked for `name==version` in the environment as it is: the lines of
    its "conflict is caused by" list, or its last error."""
    done = run([str(venv / "bin" / "python"), "-m", "pip", "install", "--dry-run", f"{name}=={version}"])
    if done.returncode == 0:
        return "pip would install it on its own; the requirements together resolved to the older release"
    lines = [line.strip() for line in done.stdout.splitlines() + done.stderr.splitlines()]
    causes = [line for line in lines if line.startswith("The user requested") or " depends on " in line]
    errors = [line for line in lines if line.startswith("ERROR")]
    return "pip: " + "; ".join(causes or errors[-1:])


def packages(venv: Path) -> list[dict]:
    pins, installed = pinned_versions(), installed_versions(venv)
    rows = []
    for name in UPGRADED:
        row = {"name": name, "pinned": pins.get(name), "tested": installed[name]}
        row["newest"] = newest_on_registry(venv, name) or installed[name]
        if row["newest"] != row["tested"]:
            row["why_not_newest"] = why_not(venv, name, row["newest"])
        rows.append(row)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=ROOT / ".venv-latest")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "data" / "upgrading.json")
    args = parser.parse_args()
    setup = install(args.venv)
    report = {
        "made": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d"),
        "command": "make test-latest",
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "install": setup,
        "packages": packages(args.venv),
    }
    with tempfile.NamedTemporaryFile(suffix=".json") as result:
        python = str(args.venv / "bin" / "python")
        done = subprocess.run([python, "-m", "latest.run_all", result.name], cwd=ROOT)
        if done.returncode != 0:
            sys.exit("latest/run_all.py failed; see above")
        report.update(json.loads(Path(result.name).read_text(encoding="utf-8")))
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    counts = {}
    for entry in report["snippets"] + report["notebooks"]:
        counts[entry["status"]] = counts.get(entry["status"], 0) + 1
    print(f"wrote {args.out.relative_to(ROOT)}: {counts}; parity failures: {len(report['parity_failures'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
