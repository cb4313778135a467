"""Run a snippet file in its own process, with a timeout, no network, and no stray children."""

import atexit
import json
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .folder_checks import CHECKS_FILE, DEFAULT_TIMEOUT
from .sections import framework_of, relative

STACK_SIGNAL = signal.SIGUSR1  # prewarmed.py dumps every thread's stack on it

PREWARMED = Path(__file__).with_name("prewarmed.py")
# What a pre-warmed parent imports before it forks a snippet's process: the file's framework, and
# a slow import most of its snippets share (scikit-learn, for its bundled digits; Keras already
# imports it under TensorFlow). Importing it early changes no result, only start-up time.
PRELOAD = {
    "tensorflow": ["tensorflow"],
    "pytorch": ["torch", "sklearn.datasets"],
    "keras": ["keras"],
}
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
    seconds: float  # wall time
    cpu_seconds: float  # CPU time of the snippet's process and the children it waited for
    values_file: Path | None
    cached: bool = False  # served by the execution cache (tests/harness/execution_cache.py)

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
        # Idle OpenMP threads (PyTorch's) sleep instead of spinning: same threads, same results, but
        # on a busy 2-core runner spinning burnt half of training-loops/pytorch_code.py's CPU.
        OMP_WAIT_POLICY="PASSIVE",
    )
    env.update(overrides)
    return env


class PrewarmedParent:
    """A `prewarmed.py` process: it has imported a framework (PRELOAD) and forks a child per run."""

    STARTUP_TIMEOUT = 120  # seconds for the imports on a busy machine

    def __init__(self, module: str, env: dict[str, str]):
        self.stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, str(PREWARMED), module],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            env=snippet_env(env),
        )
        self.buffer = b""
        self.read(self.STARTUP_TIMEOUT)  # {"ready": true}

    def run(self, request: dict, timeout: float) -> tuple[dict, bool]:
        """Run one snippet in a forked child: ({"exit": code, "cpu": seconds}, whether it timed out)."""
        self.process.stdin.write(json.dumps(request).encode() + b"\n")
        self.process.stdin.flush()
        pid = self.read(30)["pid"]
        try:
            return self.read(timeout), False
        except TimeoutError:
            _dump_stacks(pid)
            _kill_group(pid)
            return self.read(30), True
        finally:
            _kill_group(pid)  # anything the snippet left running

    def read(self, timeout: float) -> dict:
        """The next reply line, or TimeoutError; RuntimeError (with its stderr) if the parent died."""
        deadline = time.monotonic() + timeout
        stdout = self.process.stdout.fileno()
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            if select.select([stdout], [], [], remaining)[0]:
                chunk = os.read(stdout, 65536)
                if not chunk:
                    self.close()
                    self.stderr.seek(0)
                    stderr = self.stderr.read().decode(errors="replace")
                    raise RuntimeError(f"{PREWARMED.name} exited unexpectedly:\n{stderr[-6000:]}")
                self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return json.loads(line)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()  # its request loop ends
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


_parents: dict[tuple, PrewarmedParent] = {}  # one per (modules preloaded, settings) in this process


@atexit.register
def _close_parents() -> None:
    for parent in _parents.values():
        parent.close()


def _parent_for(path: Path, env: dict[str, str]) -> PrewarmedParent:
    key = (",".join(PRELOAD[framework_of(path)]), tuple(sorted(env.items())))
    parent = _parents.get(key)
    if parent is None or parent.process.poll() is not None:
        parent = _parents[key] = PrewarmedParent(key[0], env)
    return parent


def run_snippet(
    path: Path, result_dir: Path, env: dict[str, str], timeout: float, keep: list[str] = ()
) -> RunResult:
    """Run `path` as a script in a fresh process, in a temporary working directory."""
    result_dir.mkdir(parents=True, exist_ok=True)
    for stale in ("result.json", "values.npz"):
        (result_dir / stale).unlink(missing_ok=True)
    stderr_file = result_dir / "stderr.txt"
    source = path.read_text(encoding="utf-8")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="snippet-cwd-") as cwd:
        request = {
            "snippet": str(path),
            "result_dir": str(result_dir),
            "keep": list(keep),
            "cwd": cwd,
            "stderr": str(stderr_file),
        }
        try:
            ended, timed_out = _parent_for(path, env).run(request, timeout)
        except RuntimeError as err:  # the pre-warmed parent died: report it as this run's crash
            ended, timed_out = {"exit": str(err), "cpu": 0.0}, False
    seconds = time.monotonic() - started
    stderr = stderr_file.read_text(encoding="utf-8", errors="replace") if stderr_file.exists() else ""

    result_file = result_dir / "result.json"
    if timed_out:
        data = {"prints": [], "error": timeout_error(path, timeout, stderr)}
    elif result_file.exists():
        data = json.loads(result_file.read_text(encoding="utf-8"))
    else:
        message = f"the runner exited with code {ended['exit']} and wrote no result"
        data = {"prints": [], "error": {"line": 0, "type": "Crash", "message": message}}
    values = result_dir / "values.npz"
    values_file = values if values.exists() else None
    return RunResult(
        path, env, source, data["prints"], data["error"], stderr, seconds, ended["cpu"], values_file
    )


# A frame in faulthandler's dump: `  File "/path/snippet.py", line 12 in <module>`, innermost first.
DUMPED_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+) in ', re.M)


def timeout_error(path: Path, timeout: float, stderr: str) -> dict:
    """The error of a run stopped at its timeout: the snippet line it was stuck on (from the stack
    dump the harness asked for) and where to allow more time."""
    snippet = str(path.resolve())
    lines = [int(m["line"]) for m in DUMPED_FRAME.finditer(stderr) if m["file"] == snippet]
    line = lines[0] if lines else 0
    stuck = f"; it was running line {line} when stopped" if line else ""
    checks = relative(path.parent / CHECKS_FILE)
    message = (
        f"did not finish within {timeout:.0f} s{stuck}. If it needs longer, set `timeout:` (seconds) "
        f"in {checks} (default {DEFAULT_TIMEOUT} s)"
    )
    return {"line": line, "type": "Timeout", "message": message}


def _dump_stacks(pid: int) -> None:
    """Ask a timed-out child for its stacks (prewarmed.py registers faulthandler) before killing it."""
    try:
        os.kill(pid, STACK_SIGNAL)
    except ProcessLookupError:
        return
    time.sleep(0.5)  # faulthandler writes at once, from the signal handler


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
