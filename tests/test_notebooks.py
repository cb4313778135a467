"""The end-to-end notebooks run, show the outputs they store, and agree on test accuracy.

Each notebook in docs/notebooks/ is executed by nbclient in a fresh kernel, cell by cell, in a
temporary working directory, with a time limit per cell and the network blocked as it is for
snippets (the kernel's PYTHONPATH holds tests/harness/sandbox). Its stored outputs must equal
the fresh ones after `normalise_notebook_output`: the harness's `normalise`, then the number in
each timing line (hooks/notebook_results.py, RESULT_LINES and TIMING_LINES), and nothing else.
`pytest tests/test_notebooks.py --update-outputs` rewrites the stored outputs from a fresh run.
The hook hooks/notebook_results.py renders the stored results, and the code cells marked for
the page, on the site; the tests below check that every marked cell is there.
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
    CELL_KEY,
    CODE_CELLS,
    CODE_PLACEHOLDER,
    NOTEBOOK_DIR,
    NOTEBOOKS,
    RESULT_LINES,
    SHARED_CELLS,
    TABS,
    TIMING_LINES,
    NotebookResultsError,
    marked_source,
    parse_result,
    render_code,
    render_page,
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
PAGE = NOTEBOOK_DIR.parent / "end-to-end.md"


def normalise_notebook_output(text: str) -> str:
    """`normalise`, then the number in each timing line replaced by `<ms>`.

    Only a whole line matching a timing pattern of RESULT_LINES is touched, and only its
    number: a changed label, epoch count or accuracy still shows as drift.
    """
    text = normalise(text)
    for field in TIMING_LINES:
        pattern = RESULT_LINES[field]

        def mask(match):
            start, end = match.span(1)
            line_start = match.start()
            line = match.group(0)
            return line[: start - line_start] + "<ms>" + line[end - line_start :]

        text = pattern.sub(mask, text)
    return text


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
            # What C++ libraries write to the process's stderr (TensorFlow's start-up log) stays out
            # of the notebook, inside pytest or not (ipykernel captures it only outside pytest).
            extra_arguments=["--IPKernelApp.capture_fd_output=False"],
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
        if normalise_notebook_output(shown) == normalise_notebook_output(ran):
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


def test_only_the_timings_may_change():
    path = NOTEBOOK_DIR / "digits-tensorflow.ipynb"
    stored = nbformat.read(path, as_version=4)
    fresh = _with_output_replaced(path, "first epoch: ", "first epoch: 1234")
    fresh = _with_output_replaced_in(fresh, path, "epochs: ", "epochs: 98765")
    assert drift_report(path, stored, fresh) is None


@pytest.mark.parametrize(
    "old, new",
    [
        ("median of the other 14 epochs", "median of the other 13 epochs"),  # a count, not a timing
        (" ms\n", " s\n"),  # another unit
        ("first epoch: ", "first epoch: about "),  # text around the number
        ("optimizer steps: 330", "optimizer steps: 329"),
    ],
)
def test_a_change_beside_the_timings_is_reported(old, new):
    path = NOTEBOOK_DIR / "digits-pytorch.ipynb"
    stored = nbformat.read(path, as_version=4)
    fresh = _with_output_replaced(path, old, new)
    assert drift_report(path, stored, fresh) is not None, f"{old!r} -> {new!r} was not reported"


def _with_output_replaced_in(notebook, path: Path, old: str, new: str):
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and old in "".join(output["text"]):
                output["text"] = "".join(output["text"]).replace(old, new, 1)
                return notebook
    raise AssertionError(f"{old!r} is not among the stored outputs of {path}")


def test_the_hook_names_a_notebook_without_stored_results():
    path = NOTEBOOK_DIR / "digits-tensorflow.ipynb"
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    with pytest.raises(NotebookResultsError, match=r"digits-tensorflow\.ipynb: expected one output line"):
        parse_result(notebook, "TensorFlow (Keras 3)", "docs/notebooks/digits-tensorflow.ipynb")


# ---------------------------------------------------------------- The code shown on the page


def test_every_marked_cell_is_in_every_notebook_and_on_the_page():
    for name in CODE_CELLS:
        for file in TABS.values():
            notebook = nbformat.read(NOTEBOOK_DIR / file, as_version=4)
            assert marked_source(notebook, name, f"docs/notebooks/{file}").strip(), (file, name)
    on_page = CODE_PLACEHOLDER.findall(PAGE.read_text(encoding="utf-8"))
    assert sorted(on_page) == sorted(CODE_CELLS), (
        f"docs/end-to-end.md shows the notebook cells {on_page}; hooks/notebook_results.py "
        f"(CODE_CELLS) lists {list(CODE_CELLS)}: each must be shown exactly once"
    )


def test_the_page_shows_the_code_that_ran():
    rendered = render_page(PAGE.read_text(encoding="utf-8"))
    assert not CODE_PLACEHOLDER.search(rendered), "a notebook-code placeholder was left on the page"
    for file in TABS.values():
        notebook = nbformat.read(NOTEBOOK_DIR / file, as_version=4)
        for name in CODE_CELLS:
            for line in marked_source(notebook, name, file).splitlines():
                if line.strip():
                    assert line in rendered, f"{file}, cell {name!r}: {line!r} is not on the page"
    assert rendered.count('=== "TensorFlow"') == len(CODE_CELLS) - len(SHARED_CELLS)
    assert rendered.count('=== "PyTorch"') == len(CODE_CELLS) - len(SHARED_CELLS)


def _notebooks_with(file: str, change) -> dict:
    notebooks = {f: nbformat.read(NOTEBOOK_DIR / f, as_version=4) for f in TABS.values()}
    change(notebooks[file])
    return notebooks


def test_a_missing_marked_cell_fails_with_the_notebook_named():
    def unmark(notebook):
        for cell in notebook.cells:
            if cell.get("metadata", {}).get(CELL_KEY) == "train":
                del cell.metadata[CELL_KEY]

    notebooks = _notebooks_with("digits-pytorch.ipynb", unmark)
    expected = r"digits-pytorch\.ipynb: expected one code cell marked 'end-to-end': 'train'.*found 0"
    with pytest.raises(NotebookResultsError, match=expected):
        render_code("train", notebooks)


def test_a_mark_on_two_cells_fails():
    def mark_twice(notebook):
        code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
        code_cells[0].metadata[CELL_KEY] = "model"

    notebooks = _notebooks_with("digits-tensorflow.ipynb", mark_twice)
    with pytest.raises(NotebookResultsError, match=r"digits-tensorflow\.ipynb: .*found 2"):
        render_code("model", notebooks)


def test_shared_cells_that_differ_fail():
    def edit(notebook):
        for cell in notebook.cells:
            if cell.get("metadata", {}).get(CELL_KEY) == "data":
                cell.source = cell.source.replace("EPOCHS = 15", "EPOCHS = 16")

    notebooks = _notebooks_with("digits-pytorch.ipynb", edit)
    with pytest.raises(NotebookResultsError, match="must be identical"):
        render_code("data", notebooks)


def test_an_unknown_placeholder_fails():
    with pytest.raises(NotebookResultsError, match="unknown notebook cell 'optimiser'"):
        render_page("<!-- notebook-code: optimiser -->\n")
