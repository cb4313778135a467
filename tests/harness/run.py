"""Run a snippet file in its own process, with a timeout, no network, and no stray children."""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .sections import relative

RUNNER = Path(__file__).with_name("runner.py")
SANDBOX = Path(__file__).with_name("sandbox")  # its sitecustomize.py blocks the network

# Framework start-up chatter on stderr, dropped from failure reports so the error stands out.
STDERR_NOISE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\)|I0000 .*(oneDNN|cpu_feature_guard)"
    r"|.*This TensorFlow binary is optimized to use available CPU instructions|To enable the following)"
)


@dataclass
class RunResult:
    path: Path
    env: dict[str, str]
    source: str  # the file as it was when this run started; prints' line numbers refer to it
    prints: list[dict]
    error: dict | None
    stderr: str
    seconds: float
    values_file: Path | None

    def failure(self) -> str | None:
        """None if the run succeeded, else a report naming the snippet file and line."""
        if self.error is None:
            return None
        where = f"{relative(self.path)}:{self.error['line']}"
        settings = " ".join(f"{k}={v}" for k, v in self.env.items())
        stderr = "\n".join(line for line in self.stderr.splitlines() if not STDERR_NOISE.match(line))
        return (
            f"{where}: {self.error['type']}: {self.error['message']}"
            + (f"\n(run with {settings})" if settings else "")
            + f"\n--- stderr ---\n{stderr[-6000:]}"
        )


def snippet_env(overrides: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(SANDBOX),
        PYTHONHASHSEED="0",
        PYTHONUNBUFFERED="1",
        TF_CPP_MIN_LOG_LEVEL="2",  # TensorFlow's C++ info logs
    )
    env.update(overrides)
    return env


def run_snippet(
    path: Path, result_dir: Path, env: dict[str, str], timeout: float, keep: list[str] = ()
) -> RunResult:
    """Run `path` as a script in a fresh process, in a temporary working directory."""
    result_dir.mkdir(parents=True, exist_ok=True)
    for stale in ("result.json", "values.npz"):
        (result_dir / stale).unlink(missing_ok=True)
    command = [sys.executable, str(RUNNER), str(path), str(result_dir)]
    if keep:
        command += ["--keep", ",".join(keep)]
    source = path.read_text(encoding="utf-8")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="snippet-cwd-") as cwd:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=snippet_env(env),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group, so children can be killed too
        )
        try:
            _, stderr = process.communicate(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            _kill_group(process.pid)
            _, stderr = process.communicate()
            timed_out = True
        finally:
            _kill_group(process.pid)  # anything the snippet left running
    seconds = time.monotonic() - started

    result_file = result_dir / "result.json"
    if timed_out:
        error = {"line": 0, "type": "Timeout", "message": f"did not finish within {timeout:.0f} s"}
        data = {"prints": [], "error": error}
    elif result_file.exists():
        data = json.loads(result_file.read_text(encoding="utf-8"))
    else:
        message = f"the runner exited with code {process.returncode} and wrote no result"
        data = {"prints": [], "error": {"line": 0, "type": "Crash", "message": message}}
    values = result_dir / "values.npz"
    return RunResult(
        path, env, source, data["prints"], data["error"], stderr, seconds, values if values.exists() else None
    )


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
