"""Run every snippet file and notebook with the test harness, in whatever environment runs this.

    .venv-latest/bin/python -m latest.run_all RESULT.json

`python -m latest` calls it with the newest releases installed. For each snippet file (and each of
its runs in checks.yml) and each notebook it records: "identical" (it printed what its `#>` lines
or stored outputs show), "changed" (it ran, the output differs: the diff, and the page sections
whose output changed) or "failed" (the error, with the snippet line). Parity checks run too: a
value that no longer agrees across frameworks is a failure of the folder's files.
"""

import json
import re
import sys
import tempfile
from pathlib import Path

import numpy as np

from tests.harness.folder_checks import load_folder_checks
from tests.harness.outputs import drift_report, render_outputs
from tests.harness.run import run_snippet
from tests.harness.sections import ROOT, page_files, page_includes, parse_sections, relative, snippet_files

HEADING = re.compile(r"^(#{2,6}) (?P<title>.+?)(?:\s*\{\s*#(?P<id>[\w-]+)\s*\})?\s*$")
HUNK = re.compile(r"^@@ -(\d+)")


def section_anchors() -> dict[tuple[str, str], str]:
    """(snippet file relative to snippets/, section) -> 'page.md#heading' where a page shows it."""
    from markdown.extensions.toc import slugify

    anchors = {}
    for page in page_files():
        lines = page.read_text(encoding="utf-8").splitlines()
        for include in page_includes(page):
            heading = next(
                (m for line in reversed(lines[: include.line]) if (m := HEADING.match(line))), None
            )
            anchor = (heading["id"] or slugify(heading["title"], "-")) if heading else ""
            target = f"{page.relative_to(ROOT / 'docs').as_posix()}" + (f"#{anchor}" if anchor else "")
            anchors.setdefault((include.file, include.section), target)
    return anchors


def changed_lines(diff: str) -> set[int]:
    """The lines of the shown file that a drift diff removes, or inserts after."""
    lines, number = set(), 0
    for line in diff.splitlines():
        if match := HUNK.match(line):
            number = int(match[1])
        elif line.startswith(("---", "+++")) or not number:
            continue
        elif line.startswith("-"):
            lines.add(number)
            number += 1
        elif line.startswith("+"):
            lines.add(max(number - 1, 1))
        else:
            number += 1
    return lines


def changed_sections(path: Path, diff: str, anchors: dict) -> list[dict]:
    """The sections (and their page anchors) holding the lines a drift diff changes."""
    name = path.relative_to(ROOT / "snippets").as_posix()
    lines = changed_lines(diff)
    found = {
        section.name: anchors.get((name, section.name), anchors.get((name, None), ""))
        for section in parse_sections(path).values()
        if any(section.start <= line <= section.end for line in lines)
    }
    return [{"section": section, "link": link} for section, link in sorted(found.items())]


def snippet_results(work: Path) -> list[dict]:
    anchors = section_anchors()
    results = []
    for path in snippet_files():
        checks = load_folder_checks(path.parent)
        for index, env in enumerate(checks.runs_of(path.name)):
            keep = [parity.value for parity in checks.parity]
            run = run_snippet(
                path, work / f"{path.parent.name}-{path.stem}-{index}", env, checks.timeout, keep
            )
            entry = {"file": relative(path), "env": env, "cpu_seconds": round(run.cpu_seconds, 1)}
            if failure := run.failure():
                entry.update(status="failed", error=failure.split("\n--- stderr ---")[0], sections=[])
            elif diff := drift_report(
                relative(path), path.read_text(encoding="utf-8"), render_outputs(run.source, run.prints)
            ):
                entry.update(status="changed", diff=diff, sections=changed_sections(path, diff, anchors))
            else:
                entry.update(status="identical", sections=[])
            entry["values"] = str(run.values_file) if run.values_file else None
            results.append(entry)
    return results


def parity_failures(results: list[dict]) -> list[dict]:
    """Parity checks of each folder, on the values the runs kept: [{folder, value, error}]."""
    failures = []
    by_folder: dict[Path, list[dict]] = {}
    for entry in results:
        if not entry["env"]:
            by_folder.setdefault((ROOT / entry["file"]).parent, []).append(entry)
    for folder, entries in by_folder.items():
        for parity in load_folder_checks(folder).parity:
            values = {}
            for entry in entries:
                if entry["values"]:
                    with np.load(entry["values"]) as stored:
                        values[entry["file"]] = stored[parity.value]
            if len(values) < 2:
                continue
            (first, expected), *others = values.items()
            for name, actual in others:
                try:
                    np.testing.assert_allclose(
                        actual, expected, rtol=parity.rtol, atol=parity.atol, err_msg=f"{name} vs {first}"
                    )
                except AssertionError as err:
                    failures.append(
                        {"folder": relative(folder), "value": parity.value, "error": str(err).strip()}
                    )
    return failures


def notebook_results() -> list[dict]:
    import nbformat

    from hooks.notebook_results import NOTEBOOK_DIR
    from tests.test_notebooks import drift_report as notebook_drift
    from tests.test_notebooks import execute_notebook

    results = []
    for path in sorted(NOTEBOOK_DIR.glob("*.ipynb")):
        run = execute_notebook(path)
        entry = {"file": relative(path), "env": {}, "sections": []}
        if run.failure:
            entry.update(status="failed", error=run.failure)
        elif diff := notebook_drift(path, nbformat.read(path, as_version=4), run.notebook):
            entry.update(status="changed", diff=diff)
        else:
            entry.update(status="identical")
        results.append(entry)
    return results


def main(out: str) -> int:
    with tempfile.TemporaryDirectory(prefix="latest-runs-") as work:
        snippets = snippet_results(Path(work))
        parity = parity_failures(snippets)
    for entry in snippets:
        entry.pop("values")
    report = {"snippets": snippets, "parity_failures": parity, "notebooks": notebook_results()}
    Path(out).write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
