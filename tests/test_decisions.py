"""The decision table's data file is valid, and bad rows fail with the row and field named.

- docs/data/decisions.yml loads, covers the seed's scenarios and the issue's, and every
  scenario has evidence the build validates (a page.md#anchor of this site that exists).
- Every priority of the hook's vocabulary is answered by some row; a bad priority is named
  with file, line, row and field, like every other bad field.
- The rendered table escapes HTML, sits in the wrapper the helper script looks for and shows
  each row's priorities; the script is registered and fetches nothing.
"""

import re

import pytest
import yaml

from hooks.decision_table import (
    PRIORITIES,
    DecisionDataError,
    load_decisions,
    render_table,
)
from tests.harness.sections import ROOT
from tests.test_claims import broken_internal_links

SEED_SCENARIOS = [  # every scenario of seed 001's table must stay covered
    "New research idea or custom layers",
    "High-throughput input preprocessing",
    "Enterprise serving with model versioning",
    "Polyglot backends (C#, Java, JavaScript, the web)",
    "Teaching one API across stacks",
    "Apple Silicon laptops",
]
# The situations issue 7 asks the helper to cover, each by words its scenario must contain (any case).
ISSUE_SCENARIOS = [
    "research",
    "mobile",
    "web page",
    "serving",
    "team",
    "teaching",
    "Apple",
    "nodes",
    "existing TensorFlow codebase",
    "other framework",
    "Hugging Face",
    "pipelines",
    "Debugging",
]
MIN_SCENARIOS = 12
INTERNAL = re.compile(r"^[a-z0-9\-/]+\.md#[a-z0-9\-_]+$")


def test_decision_data_is_valid_and_covers_the_seed_scenarios():
    scenarios = [d.scenario for d in load_decisions()]
    assert set(SEED_SCENARIOS) <= set(scenarios), set(SEED_SCENARIOS) - set(scenarios)


def test_the_helper_has_enough_scenarios_and_covers_the_issue():
    scenarios = [d.scenario for d in load_decisions()]
    assert len(scenarios) >= MIN_SCENARIOS, f"only {len(scenarios)} scenarios"
    missing = [w for w in ISSUE_SCENARIOS if not any(w.casefold() in s.casefold() for s in scenarios)]
    assert not missing, f"no scenario mentions {missing}"


def test_every_scenario_has_evidence_the_build_validates():
    """A page.md#anchor link fails the strict build if the section is missing (mkdocs.yml says
    so; checked here), and every one of them exists now (checked here too, without a build)."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["strict"] is True and config["validation"]["anchors"] == "warn"
    decisions = load_decisions()
    without = [d.scenario for d in decisions if not any(INTERNAL.match(link) for link in d.evidence)]
    assert not without, f"scenarios without a link to a section of this site: {without}"
    broken = broken_internal_links([link for d in decisions for link in d.evidence if INTERNAL.match(link)])
    assert not broken, "broken evidence links:\n" + "\n".join(broken)


def test_every_priority_is_answered_by_some_scenario():
    used = {p for d in load_decisions() for p in d.priorities}
    assert set(PRIORITIES) == used, f"priorities no row answers: {set(PRIORITIES) - used}"


def test_rendered_table_escapes_html_and_pipes(tmp_path):
    data = tmp_path / "decisions.yml"
    data.write_text(
        "- scenario: '<script>alert(1)</script> | x'\n"
        "  choice: PyTorch\n  why: a < b\n  evidence: [execution-model.md#setup]\n"
        "  priorities: [research, mobile]\n"
    )
    table = render_table(load_decisions(data))
    assert "<script>" not in table and "&lt;script&gt;" in table
    assert "&#124; x" in table and "a &lt; b" in table
    assert table.startswith('<div class="decision-scenarios" markdown>')
    assert (
        'Priorities: <span class="decision-priority">research</span>, '
        '<span class="decision-priority">mobile</span>'
    ) in table


ROW = "  why: ok\n  evidence: [execution-model.md]\n  priorities: [research]\n"

BAD_ROWS = {
    "unknown choice": ("  choice: Tensorflow\n" + ROW, "row 2 ('Second'), field 'choice'"),
    "missing field": (ROW, "row 2 ('Second'), field 'choice': missing"),
    "unknown field": (
        "  choice: PyTorch\n  evidence_extra: 1\n" + ROW,
        "row 2 ('Second'), field 'evidence_extra': unknown field",
    ),
    "unknown priority": (
        "  choice: PyTorch\n  why: ok\n  evidence: [execution-model.md]\n  priorities: [research, speed]\n",
        "row 2 ('Second'), field 'priorities': 'speed' is not one of",
    ),
    "priorities not a list": (
        "  choice: PyTorch\n  why: ok\n  evidence: [execution-model.md]\n  priorities: research\n",
        "row 2 ('Second'), field 'priorities': must be a non-empty list",
    ),
    "repeated priority": (
        "  choice: PyTorch\n  why: ok\n  evidence: [execution-model.md]\n  priorities: [mobile, mobile]\n",
        "row 2 ('Second'), field 'priorities': lists the same value twice",
    ),
    "missing priorities": (
        "  choice: PyTorch\n  why: ok\n  evidence: [execution-model.md]\n",
        "row 2 ('Second'), field 'priorities': missing",
    ),
}


@pytest.mark.parametrize(("second_row", "expected"), BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_malformed_row_names_line_row_and_field(tmp_path, second_row, expected):
    data = tmp_path / "decisions.yml"
    data.write_text(f"- scenario: First\n  choice: PyTorch\n{ROW}- scenario: Second\n{second_row}")
    with pytest.raises(DecisionDataError) as caught:
        load_decisions(data)
    assert f"{data}:6: {expected}" in str(caught.value)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("scenario: First\n  choice: PyTorch\n" + ROW, "duplicates row 1"),
        (
            "scenario: Other\n  choice: PyTorch\n  why: ok\n  evidence: ['http://insecure.example']\n"
            "  priorities: [research]\n",
            "neither page.md#anchor nor an https:// URL",
        ),
        (
            "scenario: Other\n  choice: PyTorch\n  why: ok\n  evidence: []\n  priorities: [research]\n",
            "must be a non-empty list",
        ),
    ],
)
def test_duplicate_and_bad_evidence_are_rejected(tmp_path, row, expected):
    data = tmp_path / "decisions.yml"
    data.write_text(f"- scenario: First\n  choice: PyTorch\n{ROW}- {row}")
    with pytest.raises(DecisionDataError, match="row 2") as caught:
        load_decisions(data)
    assert expected in str(caught.value)


def test_the_helper_script_is_registered_and_fetches_nothing():
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "hooks/decision_table.py" in config
    assert "assets/javascripts/decision-helper.js" in config
    script = (ROOT / "docs" / "assets" / "javascripts" / "decision-helper.js").read_text(encoding="utf-8")
    assert "decision-scenarios" in script and "decision-priority" in script
    assert not re.search(r"https?://|fetch\(|XMLHttpRequest|import\(", script), "the helper fetches nothing"
