"""Every snippet file runs, prints exactly what its #> lines show, and agrees with its twin."""

import numpy as np
import pytest

from tests.harness.folder_checks import load_folder_checks
from tests.harness.outputs import drift_report, render_outputs
from tests.harness.sections import framework_of, relative, snippet_files

SNIPPETS = snippet_files()
FOLDERS = sorted({path.parent for path in SNIPPETS})


def same_worker(folder):
    """A folder's runs and parity checks go to one xdist worker (make test uses --dist loadgroup),
    so that a parity check never waits for a run on the other worker. The Keras folders share one
    worker: their runs fork from the same parents, one per backend, each of which imported Keras
    (about 10 CPU-seconds; tests/harness/run.py)."""
    name = "keras" if (folder / "keras_code.py").exists() else folder.name
    return pytest.mark.xdist_group(f"snippets-{name}")


@pytest.mark.xdist_group("grouping-check")
def test_xdist_groups_take_effect(request):
    """Under --dist loadgroup (make test) each test's id carries its group: if a pytest or
    pytest-xdist upgrade stops that (pytest-xdist#1386), parity checks wait on the other worker."""
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not run with --dist loadgroup")
    assert request.node.nodeid.endswith("@grouping-check"), request.node.nodeid


def _run_params():
    for path in SNIPPETS:
        for index, env in enumerate(load_folder_checks(path.parent).runs_of(path.name)):
            label = relative(path).removeprefix("snippets/")
            if env:
                label += " " + " ".join(f"{k}={v}" for k, v in env.items())
            marks = [getattr(pytest.mark, framework_of(path)), same_worker(path.parent)]
            yield pytest.param(path, index, id=label, marks=marks)


def _parity_params():
    for folder in FOLDERS:
        for parity in load_folder_checks(folder).parity:
            label = f"{folder.name}:{parity.section}:{parity.value}"
            yield pytest.param(folder, parity, id=label, marks=same_worker(folder))


@pytest.mark.parametrize(("path", "index"), list(_run_params()))
def test_snippet_runs_and_shows_its_real_output(path, index, snippet_runs, request):
    result = snippet_runs.get(path, index)
    if failure := result.failure():
        pytest.fail(failure, pytrace=False)
    rendered = render_outputs(result.source, result.prints)
    if not request.config.getoption("--update-outputs"):
        report = drift_report(relative(path), path.read_text(encoding="utf-8"), rendered)
    elif index == 0:  # the first run of a file rewrites it, atomically
        report = None
        updated = path.with_name(path.name + ".updated")
        updated.write_text(rendered, encoding="utf-8")
        updated.replace(path)
    else:  # later runs (other settings) must print what the first run printed
        first = snippet_runs.get(path, 0)
        report = drift_report(relative(path), render_outputs(first.source, first.prints), rendered)
    if report:
        pytest.fail(report, pytrace=False)


def run_test_selected(request, path) -> bool:
    """Whether this session also runs `path`'s own run test (not deselected by -k)."""
    return any(
        item.originalname == test_snippet_runs_and_shows_its_real_output.__name__
        and item.callspec.params.get("path") == path
        for item in request.session.items
    )


@pytest.mark.parametrize(("folder", "parity"), list(_parity_params()))
def test_frameworks_compute_the_same_values(folder, parity, snippet_runs, request):
    """The value named in checks.yml agrees across the folder's files within rtol/atol."""
    values = {}
    for path in sorted(folder.glob("*_code.py")):
        result = snippet_runs.get(path)
        if failure := result.failure():
            if run_test_selected(request, path):  # it reports the failure, once
                pytest.skip(f"not compared: {relative(path)} failed to run (reported by its own test)")
            pytest.fail(f"cannot compare {parity.value!r}: {failure}", pytrace=False)
        with np.load(result.values_file) as stored:
            values[relative(path)] = stored[parity.value]
    (first, expected), *others = values.items()
    for name, actual in others:
        np.testing.assert_allclose(
            actual,
            expected,
            rtol=parity.rtol,
            atol=parity.atol,
            err_msg=f"{name} vs {first}: {parity.value!r} (section {parity.section!r}) differs",
        )
