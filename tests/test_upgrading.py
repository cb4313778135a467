"""The upgrading page: its report is the one `make test-latest` wrote, every change is explained,
the renderer says nothing the report does not, and the weekly workflow is valid."""

import copy
import json
from pathlib import Path

import pytest
import yaml

from hooks.upgrading import REPORT_FILE, UpgradingError, load_notes, load_report, render
from latest.__main__ import UPGRADED, latest_requirements, pinned_versions

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "latest.yml"


def version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("+")[0].split(".")[:3])


def test_the_committed_report_is_valid_and_every_change_is_explained():
    report = load_report()
    load_notes(report)
    assert report["command"] == "make test-latest"
    assert [p["name"] for p in report["packages"]] == UPGRADED
    pins = pinned_versions()
    for package in report["packages"]:
        assert package["pinned"] == pins.get(package["name"]), (
            f"{package['name']}: the report is older than requirements.txt"
        )


def test_the_report_compares_a_newer_pytorch_than_the_pinned_one():
    torch = next(p for p in load_report()["packages"] if p["name"] == "torch")
    assert version(torch["tested"]) > version(torch["pinned"]), torch


def test_the_report_names_only_files_that_exist():
    """A file added since the report was made is listed on the page as not yet run (so adding a page
    needs no `make test-latest`); a file the report names must still exist."""
    report = load_report()
    gone = [e["file"] for e in report["snippets"] + report["notebooks"] if not (ROOT / e["file"]).exists()]
    assert not gone, f"the report names files that no longer exist: {gone}; run `make test-latest`"


def test_files_added_since_the_report_are_listed_as_not_yet_run(tmp_path):
    text = render(SYNTHETIC, NOTES, files_now=["snippets/a/pytorch_code.py", "snippets/new/pytorch_code.py"])
    assert (
        "Not yet run on the newest releases (added since this report): `snippets/new/pytorch_code.py`."
        in text
    )


def test_latest_requirements_lift_only_the_framework_pins():
    lifted = latest_requirements().splitlines()
    for name in UPGRADED:
        assert not any(line.startswith(f"{name}==") for line in lifted), name
    assert "mkdocs==1.6.1" in lifted and "pytest==9.1.1" in lifted


SYNTHETIC = {
    "made": "2026-12-01",
    "command": "make test-latest",
    "machine": "x86_64, Python 3.11.7",
    "install": {"fresh": True, "seconds": 200, "size_mb": 6000},
    "packages": [
        {
            "name": "torch",
            "pinned": "2.13.0",
            "tested": "2.14.1",
            "newest": "2.15.0",
            "why_not_newest": "capped",
        }
    ],
    "snippets": [
        {"file": "snippets/a/pytorch_code.py", "env": {}, "status": "identical", "sections": []},
        {
            "file": "snippets/b/pytorch_code.py",
            "env": {},
            "status": "changed",
            "diff": "@@ -3 +3 @@\n-#> 1\n+#> 2",
            "sections": [{"section": "setup", "link": "b.md#setup"}],
        },
        {
            "file": "snippets/c/keras_code.py",
            "env": {"KERAS_BACKEND": "torch"},
            "status": "failed",
            "error": "c:3: boom",
            "sections": [],
        },
    ],
    "notebooks": [{"file": "docs/notebooks/n.ipynb", "env": {}, "status": "identical", "sections": []}],
    "parity_failures": [],
}
NOTES = {
    "snippets/b/pytorch_code.py": "A default changed.",
    "snippets/c/keras_code.py": "An API was removed.",
}


def test_the_page_shows_counts_versions_every_change_and_its_explanation(tmp_path):
    notes_file = tmp_path / "notes.yml"
    notes_file.write_text(yaml.safe_dump(NOTES))
    text = render(SYNTHETIC, load_notes(SYNTHETIC, notes_file), files_now=[])
    assert (
        "Of 3 snippet runs and 1 notebooks, **2 printed exactly what this site shows**, "
        "1 printed something else and 1 failed." in text
    )
    assert "| torch | 2.13.0 | 2.14.1 | 2.15.0 | capped |" in text
    assert "### `snippets/b/pytorch_code.py`: changed" in text and "A default changed." in text
    assert "[setup](b.md#setup)" in text and "    +#> 2" in text
    assert (
        "### `snippets/c/keras_code.py` (run with `KERAS_BACKEND=torch`): failed" in text
        and "c:3: boom" in text
    )
    assert "snippets/a/pytorch_code.py" not in text, "an identical run needs no entry"


@pytest.mark.parametrize(
    ("notes", "expected"),
    [
        ({"snippets/b/pytorch_code.py": "A default changed."}, "no note for ['snippets/c/keras_code.py']"),
        (
            {**NOTES, "snippets/a/pytorch_code.py": "Nothing."},
            "notes for ['snippets/a/pytorch_code.py'], which did not change",
        ),
    ],
)
def test_a_missing_or_stale_note_fails(tmp_path, notes, expected):
    notes_file = tmp_path / "notes.yml"
    notes_file.write_text(yaml.safe_dump(notes))
    with pytest.raises(UpgradingError, match=expected.replace("[", r"\[").replace("]", r"\]")):
        load_notes(SYNTHETIC, notes_file)


def test_a_malformed_report_names_the_entry(tmp_path):
    report = copy.deepcopy(SYNTHETIC)
    del report["snippets"][1]["diff"]
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report))
    with pytest.raises(
        UpgradingError, match=r"snippets\[2\] \(snippets/b/pytorch_code.py\): a changed entry needs its diff"
    ):
        load_report(path)


def test_the_weekly_workflow_runs_make_test_latest_and_uploads_the_report():
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    assert triggers["schedule"][0]["cron"].split()[4] == "1", "weekly, on Mondays"
    assert "workflow_dispatch" in triggers
    (job,) = workflow["jobs"].values()
    assert job["continue-on-error"] is True, "it must never block the site workflow"
    steps = job["steps"]
    assert any(step.get("run") == "make test-latest" for step in steps)
    upload = next(step for step in steps if step.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["path"] == str(REPORT_FILE.relative_to(ROOT)) and upload.get("if") == "always()"
    assert "download.pytorch.org/whl/cpu" in job["env"]["PIP_EXTRA_INDEX_URL"], "CPU builds of PyTorch"
