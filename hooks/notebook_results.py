"""MkDocs hook: the end-to-end notebooks' results and code on docs/end-to-end.md.

The page holds placeholder lines that the hook replaces, so nothing on the page is a hand copy:

- `<!-- notebook-results -->`: a Markdown table of the results the two notebooks printed, read
  from the outputs stored in them (written by `pytest tests/test_notebooks.py --update-outputs`).
- `<!-- notebook-code: <name> -->`: the source of the code cell marked for it in each notebook
  (cell metadata `"end-to-end": "<name>"`), in linked "TensorFlow" / "PyTorch" tabs; for a name
  in SHARED_CELLS, one code block, and the two notebooks' cells must be identical.

The mark is a metadata key, not a Jupyter tag, because nbconvert prints a cell's tags on the
rendered notebook page. A missing notebook, a notebook without exactly one stored line for a
result, a mark missing from a notebook or on two cells, an unknown placeholder, or shared cells
that differ raise
NotebookResultsError with the notebook named. tests/test_notebooks.py reads the fresh runs with
the same functions.
"""

import json
import posixpath
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

try:
    from hooks.input_error import InputError
except ImportError:  # loaded by MkDocs with hooks/ on sys.path
    from input_error import InputError

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "docs" / "notebooks"
PLACEHOLDER = "<!-- notebook-results -->"
CODE_PLACEHOLDER = re.compile(r"^<!-- notebook-code: ([a-z-]+) -->$", re.MULTILINE)
CELL_KEY = "end-to-end"  # cell metadata key naming the cell for the page

# Column label -> notebook file in docs/notebooks/, in the order the table shows them.
NOTEBOOKS = {
    "TensorFlow (Keras 3)": "digits-tensorflow.ipynb",
    "PyTorch": "digits-pytorch.ipynb",
}
# Tab label (exactly the site's linked-tab labels) -> notebook file, in tab order.
TABS = {
    "TensorFlow": "digits-tensorflow.ipynb",
    "PyTorch": "digits-pytorch.ipynb",
}

# The marked cells every notebook must have (metadata `"end-to-end": "<name>"`), and those of
# them that must be identical in both notebooks (shown once on the page).
CODE_CELLS = ("data", "seed", "model", "train", "timing", "evaluate")
SHARED_CELLS = ("data", "timing")

# The largest difference in test accuracy the tests accept between the two notebooks: 0.03 is
# 13 of the 450 test images. The two runs differ in initialisers, random streams and Adam's
# epsilon formula, so they are not expected to agree exactly; their measured gap is under 0.01.
ACCURACY_MARGIN = 0.03

# The result lines the notebooks print (stdout). The timings change from run to run:
# tests/test_notebooks.py ignores the numbers in exactly these lines (TIMING_LINES) and nothing else.
RESULT_LINES = {
    "test_accuracy": re.compile(r"^test accuracy: (\d+\.\d+)$", re.MULTILINE),
    "first_epoch_ms": re.compile(r"^first epoch: (\d+) ms$", re.MULTILINE),
    "later_epoch_ms": re.compile(r"^median of the other \d+ epochs: (\d+) ms$", re.MULTILINE),
}
TIMING_LINES = ("first_epoch_ms", "later_epoch_ms")


class NotebookResultsError(InputError):
    pass


@dataclass(frozen=True)
class NotebookResult:
    label: str
    notebook: str  # file name in docs/notebooks/
    test_accuracy: float
    first_epoch_ms: float
    later_epoch_ms: float


def stdout_of(notebook: dict) -> str:
    """Everything the notebook's code cells printed to stdout, as stored in the notebook."""
    return "".join(
        "".join(output.get("text", ""))
        for cell in notebook.get("cells", [])
        if cell.get("cell_type") == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream" and output.get("name") == "stdout"
    )


def parse_result(notebook: dict, label: str, name: str) -> NotebookResult:
    """The results printed by `notebook` (a parsed .ipynb); `name` is used in errors."""
    stdout = stdout_of(notebook)
    values = {}
    for field, pattern in RESULT_LINES.items():
        found = pattern.findall(stdout)
        if len(found) != 1:
            raise NotebookResultsError(
                f"{name}: expected one output line matching {pattern.pattern!r}, found "
                f"{len(found)}. Store the notebook's outputs with "
                "`pytest tests/test_notebooks.py --update-outputs`."
            )
        values[field] = float(found[0])
    return NotebookResult(label, Path(name).name, **values)


def read_notebook(path: Path) -> dict:
    if not path.is_file():
        raise NotebookResultsError(f"{path}: notebook not found (the end-to-end page needs it)")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise NotebookResultsError(f"{path}: not a valid notebook: {err}") from None


def read_result(path: Path, label: str) -> NotebookResult:
    return parse_result(read_notebook(path), label, str(path))


def load_results(directory: Path = NOTEBOOK_DIR) -> list[NotebookResult]:
    return [read_result(directory / file, label) for label, file in NOTEBOOKS.items()]


def marked_source(notebook: dict, name: str, where: str) -> str:
    """The source of the one code cell of `notebook` whose metadata has `"end-to-end": name`."""
    sources = [
        "".join(cell.get("source", ""))
        for cell in notebook.get("cells", [])
        if cell.get("cell_type") == "code" and cell.get("metadata", {}).get(CELL_KEY) == name
    ]
    if len(sources) != 1:
        raise NotebookResultsError(
            f"{where}: expected one code cell marked {CELL_KEY!r}: {name!r} in its metadata, "
            f"found {len(sources)}; the end-to-end page shows that cell"
        )
    return sources[0].strip("\n")


def code_block(source: str, indent: str = "") -> str:
    return textwrap.indent(f"```python\n{source}\n```", indent, lambda line: line.strip() != "")


def render_code(name: str, notebooks: dict[str, dict]) -> str:
    """Markdown for the cells marked `name`; `notebooks` maps a notebook file to its JSON."""
    if name not in CODE_CELLS:
        raise NotebookResultsError(
            f"docs/end-to-end.md: unknown notebook cell {name!r} in a notebook-code placeholder; "
            f"known: {', '.join(CODE_CELLS)} (hooks/notebook_results.py, CODE_CELLS)"
        )
    sources = {
        tab: marked_source(notebooks[file], name, f"docs/notebooks/{file}") for tab, file in TABS.items()
    }
    if name in SHARED_CELLS:
        if len(set(sources.values())) != 1:
            raise NotebookResultsError(
                f"docs/notebooks/: the cells marked {CELL_KEY!r}: {name!r} must be identical in "
                f"{' and '.join(TABS.values())}, and they differ"
            )
        return code_block(next(iter(sources.values())))
    return "\n\n".join(f'=== "{tab}"\n\n{code_block(source, "    ")}' for tab, source in sources.items())


def render_table(results: list[NotebookResult], downloads: dict[str, str] | None = None) -> str:
    """A Markdown table of `results`; `downloads` maps a notebook to the URL of its .ipynb file."""
    downloads = downloads or {}

    def notebook_cell(r: NotebookResult) -> str:
        cell = f" [{r.notebook}](notebooks/{r.notebook})"
        if r.notebook in downloads:
            cell += f' (<a href="{downloads[r.notebook]}" download>download</a>)'
        return cell + " |"

    header = "| | " + " | ".join(r.label for r in results) + " |"
    lines = [
        header,
        "| --- |" + " --- |" * len(results),
        "| Test accuracy |" + "".join(f" {r.test_accuracy:.4f} |" for r in results),
        "| First epoch (one run) |" + "".join(f" {r.first_epoch_ms:.0f} ms |" for r in results),
        "| Later epochs, median (one run) |" + "".join(f" {r.later_epoch_ms:.0f} ms |" for r in results),
        "| Notebook |" + "".join(notebook_cell(r) for r in results),
    ]
    accuracies = [r.test_accuracy for r in results]
    gap = max(accuracies) - min(accuracies)
    lines += [
        "",
        f"The test accuracies differ by {gap:.4f}; the tests fail if they differ by more than "
        f"{ACCURACY_MARGIN}.",
    ]
    return "\n".join(lines)


def download_urls(files, page_url: str) -> dict[str, str]:
    """Where each notebook's .ipynb file is served, relative to the page at `page_url`.

    mkdocs-jupyter (include_source: true) copies the notebook next to its rendered page.
    """
    from mkdocs.utils import get_relative_url

    urls = {}
    for name in NOTEBOOKS.values():
        file = files.get_file_from_path(f"notebooks/{name}")
        if file is None:
            raise NotebookResultsError(f"docs/notebooks/{name}: not among the site's files")
        served = posixpath.join(posixpath.dirname(file.dest_uri), name)
        urls[name] = get_relative_url(served, page_url)
    return urls


def render_page(markdown: str, directory: Path = NOTEBOOK_DIR, downloads=None) -> str:
    """`markdown` with the results table and every notebook-code placeholder filled in."""
    if PLACEHOLDER in markdown:
        markdown = markdown.replace(PLACEHOLDER, render_table(load_results(directory), downloads))
    if CODE_PLACEHOLDER.search(markdown):
        notebooks = {file: read_notebook(directory / file) for file in TABS.values()}
        markdown = CODE_PLACEHOLDER.sub(lambda m: render_code(m.group(1), notebooks), markdown)
    return markdown


def on_page_markdown(markdown: str, page, files, **kwargs) -> str:
    if PLACEHOLDER not in markdown and not CODE_PLACEHOLDER.search(markdown):
        return markdown
    downloads = download_urls(files, page.url) if PLACEHOLDER in markdown else None
    return render_page(markdown, downloads=downloads)
