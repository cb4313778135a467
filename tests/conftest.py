"""Shared fixtures: one run per snippet file per session, reused by the output and parity tests;
one strict build of the real site per session, its server, and one Chromium per xdist worker."""

import os
import pickle
from pathlib import Path

import pytest
from filelock import FileLock

from tests.harness.folder_checks import load_folder_checks
from tests.harness.run import RunResult, run_snippet
from tests.harness.sections import FRAMEWORK_MODULES, ROOT, framework_of, relative
from tests.missing import require_module
from tests.site_build import launch, require_browser, serve, shared_build

# `make test` hands tests to two xdist workers in collection order (--dist loadgroup
# --no-loadscope-reorder; a group, see the xdist_group marks, goes to one worker whole). Starting
# with the longest work lets the two workers finish together.
LONGEST_FIRST = ["test_browser.py", "test_benchmarks.py", "test_api_mapping.py", "test_notebooks.py"]


def pytest_collection_modifyitems(config, items):
    def rank(item):
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the order within a file is kept


def pytest_addoption(parser):
    parser.addoption(
        "--update-outputs",
        action="store_true",
        help="rewrite the #> output lines of snippet files from a real run",
    )


def require_framework(path: Path) -> None:
    """Skip (or, with REQUIRE_ALL_FRAMEWORKS=1, fail) when the file's framework is missing."""
    module = FRAMEWORK_MODULES[framework_of(path)]
    require_module(
        module, f"{relative(path)} needs {module!r}, which is not installed (make test installs it)"
    )


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


# ---------------------------------------------------------------- The built site, in a browser


@pytest.fixture(scope="session")
def shared_tmp(tmp_path_factory) -> Path:
    """A directory every xdist worker of this session shares."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def site(shared_tmp) -> Path:
    """The real site, built once per session with `mkdocs build --strict`, for every worker."""
    folder = shared_tmp / "site-build"
    folder.mkdir(exist_ok=True)
    return shared_build(ROOT, folder)


@pytest.fixture(scope="session")
def server(site) -> str:
    """The built site over HTTP on 127.0.0.1 (one server per worker): its URL, ending in '/'."""
    with serve(site) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """One Chromium per worker (a fresh temporary profile); skipped or failed as require_browser says."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        try:
            yield chromium
        finally:
            chromium.close()
