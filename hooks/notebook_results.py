"""MkDocs hook: put the end-to-end notebooks' results side by side on docs/end-to-end.md.

The page holds a placeholder line; the hook replaces it with a Markdown table read from the
outputs stored in the two notebooks (written by `pytest tests/test_notebooks.py
--update-outputs`), so the numbers on the page are never typed by hand. A missing notebook,
or a notebook without exactly one stored line for a result, raises with the notebook named.
tests/test_notebooks.py reads the fresh runs with the same functions.
"""

import json
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "docs" / "notebooks"
PLACEHOLDER = "<!-- notebook-results -->"

# Column label -> notebook file in docs/notebooks/, in the order the table shows them.
NOTEBOOKS = {
    "TensorFlow (Keras 3)": "digits-tensorflow.ipynb",
    "PyTorch": "digits-pytorch.ipynb",
}

# The largest difference in test accuracy the tests accept between the two notebooks: 0.03 is
# 13 of the 450 test images. The two runs differ in initialisers and random streams, so they are
# not expected to agree exactly; their measured gap is well under 0.02.
ACCURACY_MARGIN = 0.03

# The lines each notebook prints in its last cell (stdout).
RESULT_LINES = {
    "test_accuracy": re.compile(r"^test accuracy: (\d+\.\d+)$", re.MULTILINE),
    "training_seconds": re.compile(r"^training time: (\d+\.\d+) s$", re.MULTILINE),
}


class NotebookResultsError(ValueError):
    pass


@dataclass(frozen=True)
class NotebookResult:
    label: str
    notebook: str  # file name in docs/notebooks/
    test_accuracy: float
    training_seconds: float


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


def read_result(path: Path, label: str) -> NotebookResult:
    if not path.is_file():
        raise NotebookResultsError(f"{path}: notebook not found (the end-to-end page needs it)")
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise NotebookResultsError(f"{path}: not a valid notebook: {err}") from None
    return parse_result(notebook, label, str(path))


def load_results(directory: Path = NOTEBOOK_DIR) -> list[NotebookResult]:
    return [read_result(directory / file, label) for label, file in NOTEBOOKS.items()]


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
        "| Training time |" + "".join(f" {r.training_seconds:.2f} s |" for r in results),
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


def on_page_markdown(markdown: str, page, files, **kwargs) -> str:
    if PLACEHOLDER not in markdown:
        return markdown
    table = render_table(load_results(), download_urls(files, page.url))
    return markdown.replace(PLACEHOLDER, table)
