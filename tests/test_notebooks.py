"""The end-to-end notebooks run, show the outputs they store, and agree on test accuracy.

Each notebook in docs/notebooks/ is executed by nbclient in a fresh kernel, cell by cell, in a
temporary working directory, with a time limit per cell and the network blocked as it is for
snippets (the kernel's PYTHONPATH holds tests/harness/sandbox). Its stored outputs must equal
the fresh ones after `normalise` (tests/harness/outputs.py, where the training time is the one
unstable value). `pytest tests/test_notebooks.py --update-outputs` rewrites the stored outputs
from a fresh run. The hook hooks/notebook_results.py renders the stored results on the site.
"""

import difflib
import json
import pickle
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from filelock import FileLock
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from hooks.notebook_results import (
    ACCURACY_MARGIN,
    NOTEBOOK_DIR,
    NOTEBOOKS,
    NotebookResultsError,
    parse_result,
)
from tests.harness.execution_cache import (
    HARNESS_DIR,
    ExecutionCache,
    code_fingerprint,
    environment_fingerprint,
    make_key,
)
from tests.harness.outputs import normalise
from tests.harness.run import snippet_env
from tests.harness.sections import relative
from tests.missing import require_module

# One xdist worker runs this file (make test uses --dist loadgroup): each notebook runs once.
pytestmark = pytest.mark.xdist_group("notebooks")

CELL_TIMEOUT = 180  # seconds per cell; a whole notebook takes about 15 s on a 2-core CPU
KERNEL = "python3"
FRAMEWORK_OF = {"digits-tensorflow.ipynb": "tensorflow", "digits-pytorch.ipynb": "pytorch"}
MODULE_OF = {"tensorflow": "tensorflow", "pytorch": "torch"}
NOTEBOOKS_RUN = "notebooks"  # the execution cache's name for this kind of run


@dataclass
class NotebookRun:
    path: Path
    notebook: nbformat.NotebookNode | None  # with fresh outputs, None if the run failed
    failure: str | None


def execute_notebook(path: Path, timeout: float = CELL_TIMEOUT) -> NotebookRun:
    """Run every code cell of `path` in a fresh, network-blocked kernel; never raises."""
    notebook = nbformat.read(path, as_version=4)
    where = relative(path)
    with tempfile.TemporaryDirectory(prefix="notebook-cwd-") as cwd:
        client = NotebookClient(
            notebook,
            timeout=timeout,
            kernel_name=KERNEL,
            record_timing=False,  # no timestamps in the stored notebook
            resources={"metadata": {"path": cwd}},
        )
        index = None
        try:
            with client.setup_kernel(env=snippet_env({})):
                for index, cell in enumerate(notebook.cells):
                    client.execute_cell(cell, index)
        except CellExecutionError as err:
            return NotebookRun(path, None, f"{where}: {cell_label(notebook, index)} raised:\n{err}")
        except CellTimeoutError:
            return NotebookRun(
                path, None, f"{where}: {cell_label(notebook, index)} did not finish within {timeout:.0f} s"
            )
        except DeadKernelError as err:
            return NotebookRun(
                path, None, f"{where}: the kernel died in {cell_label(notebook, index)}: {err}"
            )
    return NotebookRun(path, notebook, None)


def cell_label(notebook, index: int | None) -> str:
    if index is None:
        return "kernel start-up"
    source = notebook.cells[index].source.strip().splitlines()
    first = source[0] if source else ""
    return f"cell {index + 1} ({first!r})"


def outputs_text(cell) -> str:
    """A cell's outputs as text; consecutive chunks of one stream are joined first."""
    parts: list[list[str]] = []  # [label, text]
    for output in cell.get("outputs", []):
        kind = output["output_type"]
        if kind == "stream":
            label, text = f"[{output['name']}]", "".join(output["text"])
        elif kind in ("execute_result", "display_data"):
            label, text = f"[{kind}]", "".join(output.get("data", {}).get("text/plain", "")) + "\n"
        elif kind == "error":
            label, text = "[error]", f"{output['ename']}: {output['evalue']}\n"
        else:
            label, text = f"[{kind}]", "\n"
        if parts and parts[-1][0] == label and kind == "stream":
            parts[-1][1] += text
        else:
            parts.append([label, text])
    return "".join(f"{label}\n{text}" for label, text in parts)


def drift_report(path: Path, stored, fresh) -> str | None:
    """None when every code cell's stored outputs match the fresh run, else a report per cell."""
    problems = []
    if len(stored.cells) != len(fresh.cells):
        return f"{relative(path)}: the notebook changed while it ran"
    for index, (old, new) in enumerate(zip(stored.cells, fresh.cells, strict=True)):
        if old.cell_type != "code":
            continue
        shown, ran = outputs_text(old), outputs_text(new)
        if normalise(shown) == normalise(ran):
            continue
        diff = difflib.unified_diff(
            shown.splitlines(), ran.splitlines(), "stored outputs", "this run", lineterm=""
        )
        problems.append(
            f"{relative(path)}: {cell_label(stored, index)}: stored output differs from what it printed.\n"
            + "\n".join(diff)
        )
    if not problems:
        return None
    return "\n\n".join(problems) + (
        "\nIf the new output is right, run `pytest tests/test_notebooks.py --update-outputs`."
    )


def require_framework(framework: str) -> None:
    module = MODULE_OF[framework]
    require_module(module, f"the {framework} notebook needs {module!r}, which is not installed")


def notebook_key(path: Path) -> str:
    """The execution cache's key: every cell's source (not the stored outputs; markdown too, since
    --update-outputs writes the run's notebook back), this module, the harness and the packages."""
    notebook = nbformat.read(path, as_version=4)
    cells = [[cell.cell_type, cell.source] for cell in notebook.cells]
    return make_key(
        "notebook",
        json.dumps([KERNEL, CELL_TIMEOUT, cells]),
        code_fingerprint([Path(__file__), HARNESS_DIR]),
        environment_fingerprint(),
    )


class NotebookRuns:
    """Executes each notebook once per test session, even across xdist workers; between sessions,
    an unchanged notebook's successful run comes from the execution cache (off under CI)."""

    def __init__(self, cache: Path, executions: ExecutionCache):
        self.cache = cache
        self.executions = executions
        cache.mkdir(parents=True, exist_ok=True)

    def get(self, name: str) -> NotebookRun:
        require_framework(FRAMEWORK_OF[name])
        stored = self.cache / f"{name}.pickle"
        with FileLock(str(self.cache / f"{name}.lock")):
            if stored.exists():
                return pickle.loads(stored.read_bytes())
            path = NOTEBOOK_DIR / name
            key, identity = notebook_key(path), relative(path)
            if entry := self.executions.load(NOTEBOOKS_RUN, identity, key):
                run = entry.payload
            else:
                run = execute_notebook(path)
                self.executions.record(NOTEBOOKS_RUN, identity, key, run, succeeded=run.failure is None)
            stored.write_bytes(pickle.dumps(run))
            return run


@pytest.fixture(scope="session")
def notebook_runs(shared_tmp, executions) -> NotebookRuns:
    return NotebookRuns(shared_tmp / "notebook-runs", executions)


def _notebook_params():
    for name in NOTEBOOKS.values():
        yield pytest.param(name, id=name, marks=getattr(pytest.mark, FRAMEWORK_OF[name]))


def test_every_notebook_is_tested():
    on_disk = {path.name for path in NOTEBOOK_DIR.glob("*.ipynb")}
    assert on_disk == set(FRAMEWORK_OF) == set(NOTEBOOKS.values()), (
        f"docs/notebooks/ holds {sorted(on_disk)}; tests/test_notebooks.py knows {sorted(FRAMEWORK_OF)} "
        f"and hooks/notebook_results.py {sorted(NOTEBOOKS.values())}: add the notebook to both"
    )


@pytest.mark.parametrize("name", list(_notebook_params()))
def test_notebook_runs_and_shows_its_stored_outputs(name, notebook_runs, request):
    run = notebook_runs.get(name)
    if run.failure:
        pytest.fail(run.failure, pytrace=False)
    path = NOTEBOOK_DIR / name
    report = drift_report(path, nbformat.read(path, as_version=4), run.notebook)
    if report and request.config.getoption("--update-outputs"):
        nbformat.write(run.notebook, path)
    elif report:
        pytest.fail(report, pytrace=False)


@pytest.mark.tensorflow
@pytest.mark.pytorch
def test_frameworks_reach_similar_test_accuracy(notebook_runs):
    results = []
    for label, name in NOTEBOOKS.items():
        run = notebook_runs.get(name)
        if run.failure:
            pytest.fail(f"cannot compare accuracies: {run.failure}", pytrace=False)
        results.append(parse_result(run.notebook, label, f"docs/notebooks/{name}"))
    accuracies = {r.notebook: r.test_accuracy for r in results}
    gap = max(accuracies.values()) - min(accuracies.values())
    assert gap <= ACCURACY_MARGIN, (
        f"test accuracies {accuracies} differ by {gap:.4f}, more than the {ACCURACY_MARGIN} "
        "allowed (hooks/notebook_results.py, ACCURACY_MARGIN)"
    )


def test_notebook_kernel_cannot_reach_the_network(tmp_path):
    """The kernel runs with the snippet sandbox: a connection beyond loopback fails at once."""
    probe = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "import socket\n"
                "socket.create_connection(('203.0.113.1', 80), timeout=5)  # TEST-NET-3, never routed"
            )
        ],
        metadata={"kernelspec": {"name": KERNEL, "display_name": "Python 3", "language": "python"}},
    )
    path = tmp_path / "probe.ipynb"
    nbformat.write(probe, path)
    run = execute_notebook(path, timeout=60)
    assert run.failure is not None, "the probe notebook reached the network"
    assert "NetworkBlockedError" in run.failure, run.failure
    assert "probe.ipynb: cell 1" in run.failure, run.failure


# ---------------------------------------------------------------- The checks themselves (no kernel)


def _with_output_replaced(path: Path, old: str, new: str):
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and old in "".join(output["text"]):
                output["text"] = "".join(output["text"]).replace(old, new)
                return notebook
    raise AssertionError(f"{old!r} is not among the stored outputs of {path}")


def test_a_changed_output_is_reported_with_notebook_and_cell():
    path = NOTEBOOK_DIR / "digits-pytorch.ipynb"
    stored = nbformat.read(path, as_version=4)
    fresh = _with_output_replaced(path, "test accuracy: 0.", "test accuracy: 1.")
    report = drift_report(path, stored, fresh)
    assert report is not None, "a changed accuracy was not reported"
    last = len(stored.cells)
    assert f"docs/notebooks/digits-pytorch.ipynb: cell {last} (" in report, report
    assert "--update-outputs" in report, report


def test_only_the_training_time_may_change():
    path = NOTEBOOK_DIR / "digits-tensorflow.ipynb"
    stored = nbformat.read(path, as_version=4)
    fresh = _with_output_replaced(path, "training time: ", "training time: 1234")
    assert drift_report(path, stored, fresh) is None


def test_the_hook_names_a_notebook_without_stored_results():
    path = NOTEBOOK_DIR / "digits-tensorflow.ipynb"
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    with pytest.raises(NotebookResultsError, match=r"digits-tensorflow\.ipynb: expected one output line"):
        parse_result(notebook, "TensorFlow (Keras 3)", "docs/notebooks/digits-tensorflow.ipynb")
