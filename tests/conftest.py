"""Shared fixtures: one run per snippet file per session, reused by the output and parity tests."""

import importlib.util
import os
import pickle
from pathlib import Path

import pytest
from filelock import FileLock

from tests.harness.folder_checks import load_folder_checks
from tests.harness.run import RunResult, run_snippet
from tests.harness.sections import FRAMEWORK_MODULES, framework_of, relative

REQUIRE_ALL = os.environ.get("REQUIRE_ALL_FRAMEWORKS") == "1"  # set by CI: skipping is failing

# The whole-site browser crawl is not yet part of `make test`: it still fails on three real findings
# (see `make test-browser` and CONTRIBUTING.md). It runs only when asked for, never silently passes.
collect_ignore = [] if os.environ.get("BROWSER_TESTS") == "1" else ["test_browser.py"]


def pytest_addoption(parser):
    parser.addoption(
        "--update-outputs",
        action="store_true",
        help="rewrite the #> output lines of snippet files from a real run",
    )


def require_framework(path: Path) -> None:
    """Skip (or, with REQUIRE_ALL_FRAMEWORKS=1, fail) when the file's framework is missing."""
    module = FRAMEWORK_MODULES[framework_of(path)]
    if importlib.util.find_spec(module) is None:
        message = f"{relative(path)} needs {module!r}, which is not installed (make test installs it)"
        if REQUIRE_ALL:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


class SnippetRuns:
    """Runs each (file, run) once per test session, even across xdist workers."""

    def __init__(self, cache: Path):
        self.cache = cache
        cache.mkdir(parents=True, exist_ok=True)

    def get(self, path: Path, index: int = 0) -> RunResult:
        require_framework(path)
        checks = load_folder_checks(path.parent)
        key = f"{relative(path).replace('/', '__')}-{index}"
        stored = self.cache / f"{key}.pickle"
        with FileLock(str(self.cache / f"{key}.lock")):
            if stored.exists():
                return pickle.loads(stored.read_bytes())
            result = run_snippet(
                path,
                self.cache / key,
                env=checks.runs_of(path.name)[index],
                timeout=checks.timeout,
                keep=[parity.value for parity in checks.parity],
            )
            stored.write_bytes(pickle.dumps(result))
            return result


def pytest_terminal_summary(terminalreporter, config):
    """The CPU the snippet runs took, slowest first: the suite must stay fast (see CONTRIBUTING.md)."""
    if os.environ.get("PYTEST_XDIST_WORKER") or not hasattr(config, "_tmp_path_factory"):
        return
    cache = config._tmp_path_factory.getbasetemp() / "snippet-runs"
    runs = [pickle.loads(path.read_bytes()) for path in sorted(cache.glob("*.pickle"))]
    if not runs:
        return
    runs.sort(key=lambda run: -run.cpu_seconds)
    slowest = ", ".join(f"{relative(run.path)} {run.cpu_seconds:.1f}" for run in runs[:5])
    terminalreporter.write_line(
        f"snippet runs: {len(runs)}, {sum(run.cpu_seconds for run in runs):.0f} CPU-seconds in all; "
        f"slowest: {slowest}"
    )


@pytest.fixture(scope="session")
def snippet_runs(tmp_path_factory) -> SnippetRuns:
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the directory all workers of this session share
    return SnippetRuns(base / "snippet-runs")
