"""The execution cache serves a run only while nothing that could change it has changed, never
serves a failure, and is off under CI."""

import json
from pathlib import Path

import nbformat
import numpy as np
import pytest

from tests.harness import snippet_runs as snippet_runs_module
from tests.harness.execution_cache import ExecutionCache, off_reason, snippet_key, summary
from tests.harness.run import RunResult
from tests.harness.snippet_runs import SNIPPET_RUNS, SnippetRuns
from tests.test_notebooks import notebook_key

SETTINGS = {"env": {}, "timeout": 120.0, "keep": ["total"]}
CODE = "total = 1 + 1\nprint(total)\n#> 2\n"


@pytest.fixture
def project(tmp_path) -> dict[str, Path]:
    """A minimal project: requirements.txt, a harness folder and one snippet file."""
    (tmp_path / "requirements.txt").write_text("torch==2.13.0\n")
    harness = tmp_path / "harness"
    harness.mkdir()
    (harness / "runner.py").write_text("# the runner\n")
    snippet = tmp_path / "pytorch_code.py"
    snippet.write_text(CODE)
    return {"root": tmp_path, "harness": harness, "snippet": snippet}


def key_of(project, settings=SETTINGS, distributions="numpy==2.3.0\ntorch==2.13.0") -> str:
    return snippet_key(project["snippet"], settings, project["root"], project["harness"], distributions)


@pytest.mark.parametrize(
    "change",
    [
        "the snippet's code",
        "its checks.yml entry",
        "the harness code",
        "a new harness file",
        "requirements.txt",
        "an installed version",
    ],
)
def test_a_change_to_each_key_component_invalidates_the_entry(project, change):
    before = key_of(project)
    assert key_of(project) == before, "the key must be stable while nothing changes"
    settings, distributions = SETTINGS, "numpy==2.3.0\ntorch==2.13.0"
    if change == "the snippet's code":
        project["snippet"].write_text(CODE.replace("1 + 1", "1 + 2"))
    elif change == "its checks.yml entry":
        settings = {**SETTINGS, "env": {"KERAS_BACKEND": "torch"}}
    elif change == "the harness code":
        (project["harness"] / "runner.py").write_text("# the runner, changed\n")
    elif change == "a new harness file":
        (project["harness"] / "sitecustomize.py").write_text("")
    elif change == "requirements.txt":
        (project["root"] / "requirements.txt").write_text("torch==2.14.1\n")
    elif change == "an installed version":
        distributions = "numpy==2.3.1\ntorch==2.13.0"
    assert key_of(project, settings, distributions) != before, change


def test_rewritten_output_lines_keep_the_key(project):
    """`make outputs` rewrites only `#>` lines; the code that ran is the same."""
    before = key_of(project)
    project["snippet"].write_text(CODE.replace("#> 2", "#> 3\n#> and more"))
    assert key_of(project) == before


def fake_run(error=None):
    def run(path, result_dir, env, timeout, keep):
        run.calls += 1
        result_dir.mkdir(parents=True, exist_ok=True)
        values = None
        if error is None:
            values = result_dir / "values.npz"
            np.savez(values, total=np.array(2))
        prints = [{"line": 2, "text": "2\n"}]
        return RunResult(path, env, CODE, prints, error, "", 0.1, 0.1, values)

    run.calls = 0
    return run


def session(tmp_path, name, cache_dir, environ=None) -> SnippetRuns:
    """A test session's SnippetRuns: its own folder for the session, one cache folder for all."""
    executions = ExecutionCache(log_dir=tmp_path / name, directory=cache_dir, environ=environ or {})
    return SnippetRuns(tmp_path / name / "snippet-runs", executions)


def test_an_unchanged_successful_run_is_served_with_its_values(project, tmp_path, monkeypatch):
    run = fake_run()
    monkeypatch.setattr(snippet_runs_module, "run_snippet", run)
    monkeypatch.setattr(snippet_runs_module, "require_framework", lambda path: None)
    cache = tmp_path / "cache"
    first = session(tmp_path, "first", cache).get(project["snippet"])
    second = session(tmp_path, "second", cache).get(project["snippet"])
    assert run.calls == 1
    assert (first.cached, second.cached) == (False, True)
    assert second.prints == first.prints
    with np.load(second.values_file) as values:
        assert values["total"] == 2
    assert second.values_file.parent.is_relative_to(tmp_path / "second")
    lines = summary(tmp_path / "second", environ={})
    assert lines == [f"1 {SNIPPET_RUNS}: 0 run, 1 from cache (execution cache: .cache/execution)"]


def test_a_cached_failure_is_never_served(project, tmp_path, monkeypatch):
    monkeypatch.setattr(snippet_runs_module, "require_framework", lambda path: None)
    cache = tmp_path / "cache"
    monkeypatch.setattr(snippet_runs_module, "run_snippet", fake_run())
    session(tmp_path, "passing", cache).get(project["snippet"])  # an entry exists now
    error = {"line": 1, "type": "Timeout", "message": "did not finish within 120 s"}
    failing = fake_run(error)
    monkeypatch.setattr(snippet_runs_module, "run_snippet", failing)
    project["snippet"].write_text(CODE + "print('changed')\n")
    results = [session(tmp_path, name, cache).get(project["snippet"]) for name in ("a", "b")]
    assert failing.calls == 2, "a failed run must run again"
    assert all(result.failure() and not result.cached for result in results)
    project["snippet"].write_text(CODE)  # back to the code whose run passed: the failure removed it
    passing = fake_run()
    monkeypatch.setattr(snippet_runs_module, "run_snippet", passing)
    session(tmp_path, "c", cache).get(project["snippet"])
    assert passing.calls == 1


@pytest.mark.parametrize(
    ("environ", "reason"),
    [
        ({"CI": "true"}, "CI runs everything cold"),
        ({"CI": "1"}, "CI runs everything cold"),
        ({"EXECUTION_CACHE": "off"}, "EXECUTION_CACHE=off"),
        ({"CI": "false"}, None),
        ({}, None),
    ],
)
def test_the_cache_is_off_under_ci_and_make_test_cold(environ, reason):
    assert off_reason(environ) == reason


def test_under_ci_every_run_is_made_and_reported_cold(project, tmp_path, monkeypatch):
    run = fake_run()
    monkeypatch.setattr(snippet_runs_module, "run_snippet", run)
    monkeypatch.setattr(snippet_runs_module, "require_framework", lambda path: None)
    cache = tmp_path / "cache"
    session(tmp_path, "local", cache).get(project["snippet"])  # stored by a local session
    ci = session(tmp_path, "ci", cache, environ={"CI": "true"})
    assert not ci.get(project["snippet"]).cached
    assert run.calls == 2
    lines = summary(tmp_path / "ci", environ={"CI": "true"})
    assert lines == [f"1 {SNIPPET_RUNS}: 1 run, 0 from cache (execution cache off: CI runs everything cold)"]


def test_make_test_cold_and_ci_turn_the_cache_off():
    root = Path(__file__).resolve().parents[1]
    makefile = (root / "Makefile").read_text(encoding="utf-8")
    assert "test-cold:" in makefile and "EXECUTION_CACHE=off $(MAKE) test" in makefile
    assert "export CI=true" in (root / ".ci" / "run").read_text(encoding="utf-8")


def test_an_entry_made_under_another_key_is_not_served(tmp_path):
    executions = ExecutionCache(log_dir=tmp_path / "log", directory=tmp_path / "cache", environ={})
    executions.record("notebooks", "docs/notebooks/a.ipynb", "key-1", {"ok": True}, succeeded=True)
    assert executions.load("notebooks", "docs/notebooks/a.ipynb", "key-2") is None
    assert executions.load("notebooks", "docs/notebooks/a.ipynb", "key-1").payload == {"ok": True}
    log = [json.loads(line) for line in (tmp_path / "log" / "execution-log.jsonl").read_text().splitlines()]
    assert [record["cached"] for record in log] == [False, True]


def test_a_notebook_key_follows_its_cells_not_its_stored_outputs(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# Digits"), nbformat.v4.new_code_cell("print(1)")]
    path = tmp_path / "a.ipynb"
    nbformat.write(notebook, path)
    before = notebook_key(path)
    notebook.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    nbformat.write(notebook, path)
    assert notebook_key(path) == before, "stored outputs are not part of what runs"
    for index, source in ((1, "print(2)"), (0, "# Digits, changed")):
        notebook.cells[index].source = source
        nbformat.write(notebook, path)
        assert notebook_key(path) != before, f"cell {index} changed"
        before = notebook_key(path)


def test_an_entry_the_caller_finds_stale_is_not_served(tmp_path):
    """A page visit is reused only while every file it loaded is unchanged (tests/test_browser.py)."""
    executions = ExecutionCache(log_dir=tmp_path / "log", directory=tmp_path / "cache", environ={})
    executions.record("page visits", "/", "key", {"style.css": "hash-1"}, succeeded=True)
    assert executions.load("page visits", "/", "key", lambda files: files["style.css"] == "hash-2") is None
    assert executions.load("page visits", "/", "key", lambda files: files["style.css"] == "hash-1")
