"""Shared fixtures: one run per snippet file per session, reused by the output and parity tests;
one strict build of the real site per session, its server, and one Chromium per xdist worker."""

import os
import pickle
from pathlib import Path

import pytest

from tests.harness.execution_cache import ExecutionCache, summary
from tests.harness.sections import ROOT, relative
from tests.harness.snippet_runs import SnippetRuns
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
    if page := config.getoption("--page"):
        other = [item for item in items if snippet_folder_of(item) not in (None, page)]
        if other:
            config.hook.pytest_deselected(items=other)
            items[:] = [item for item in items if item not in other]


def snippet_folder_of(item) -> str | None:
    """The snippet folder a test runs or compares (tests/test_snippets.py), or None."""
    params = getattr(item, "callspec", None) and item.callspec.params
    if item.path.name != "test_snippets.py" or not params:
        return None
    if "path" in params and isinstance(params["path"], Path):
        return params["path"].parent.name
    if "folder" in params and isinstance(params["folder"], Path):
        return params["folder"].name
    return None


def pytest_addoption(parser):
    parser.addoption(
        "--update-outputs",
        action="store_true",
        help="rewrite the #> output lines of snippet files from a real run",
    )
    parser.addoption(
        "--page",
        metavar="NAME",
        help="run the snippet tests of snippets/NAME/ only (make page, make outputs PAGE=NAME)",
    )


def pytest_terminal_summary(terminalreporter, config):
    """What ran and what the execution cache served; the CPU the snippet runs made now took,
    slowest first: the suite must stay fast (see CONTRIBUTING.md)."""
    if os.environ.get("PYTEST_XDIST_WORKER") or not hasattr(config, "_tmp_path_factory"):
        return
    base = config._tmp_path_factory.getbasetemp()
    for line in summary(base):
        terminalreporter.write_line(line)
    for path in sorted((base / "api-coverage").glob("*.txt")):  # tests/test_api_mapping.py
        terminalreporter.write_line("API coverage, " + path.read_text(encoding="utf-8"))
    runs = [pickle.loads(path.read_bytes()) for path in sorted((base / "snippet-runs").glob("*.pickle"))]
    runs = [run for run in runs if not run.cached]
    if not runs:
        return
    runs.sort(key=lambda run: -run.cpu_seconds)
    slowest = ", ".join(f"{relative(run.path)} {run.cpu_seconds:.1f}" for run in runs[:5])
    terminalreporter.write_line(
        f"snippet runs made now: {len(runs)}, {sum(run.cpu_seconds for run in runs):.0f} CPU-seconds "
        f"in all; slowest: {slowest}"
    )


@pytest.fixture(scope="session")
def executions(shared_tmp) -> ExecutionCache:
    """The execution cache, logging what ran and what was reused to the session's shared folder."""
    return ExecutionCache(log_dir=shared_tmp)


@pytest.fixture(scope="session")
def snippet_runs(shared_tmp, executions) -> SnippetRuns:
    return SnippetRuns(shared_tmp / "snippet-runs", executions)


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
