"""The decision table's data file is valid, and bad rows fail with the row and field named."""

import pytest

from hooks.decision_table import DecisionDataError, load_decisions, render_table

SEED_SCENARIOS = [  # every scenario of seed 001's table must stay covered
    "New research idea or custom layers",
    "High-throughput input preprocessing",
    "Enterprise serving with model versioning",
    "Polyglot backends (C#, Java, JavaScript, the web)",
    "Teaching one API across stacks",
    "Apple Silicon laptops",
]


def test_decision_data_is_valid_and_covers_the_seed_scenarios():
    scenarios = [d.scenario for d in load_decisions()]
    assert set(SEED_SCENARIOS) <= set(scenarios), set(SEED_SCENARIOS) - set(scenarios)


def test_rendered_table_escapes_html_and_pipes(tmp_path):
    data = tmp_path / "decisions.yml"
    data.write_text(
        "- scenario: '<script>alert(1)</script> | x'\n"
        "  choice: PyTorch\n  why: a < b\n  evidence: [execution-model.md#setup]\n"
    )
    table = render_table(load_decisions(data))
    assert "<script>" not in table and "&lt;script&gt;" in table
    assert "&#124; x" in table and "a &lt; b" in table


BAD_ROWS = {
    "unknown choice": ("  choice: Tensorflow\n", "row 2 ('Second'), field 'choice'"),
    "missing field": ("", "row 2 ('Second'), field 'choice': missing"),
    "unknown field": (
        "  choice: PyTorch\n  evidence_extra: 1\n",
        "row 2 ('Second'), field 'evidence_extra': unknown field",
    ),
}


@pytest.mark.parametrize(("choice_lines", "expected"), BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_malformed_row_names_line_row_and_field(tmp_path, choice_lines, expected):
    data = tmp_path / "decisions.yml"
    data.write_text(
        "- scenario: First\n  choice: PyTorch\n  why: ok\n  evidence: [execution-model.md]\n"
        f"- scenario: Second\n{choice_lines}  why: ok\n  evidence: [execution-model.md]\n"
    )
    with pytest.raises(DecisionDataError) as caught:
        load_decisions(data)
    assert f"{data}:5: {expected}" in str(caught.value)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("scenario: First\n  choice: PyTorch\n  why: ok\n  evidence: [x.md]", "duplicates row 1"),
        (
            "scenario: Other\n  choice: PyTorch\n  why: ok\n  evidence: ['http://insecure.example']",
            "neither page.md#anchor nor an https:// URL",
        ),
        ("scenario: Other\n  choice: PyTorch\n  why: ok\n  evidence: []", "must be a non-empty list"),
    ],
)
def test_duplicate_and_bad_evidence_are_rejected(tmp_path, row, expected):
    data = tmp_path / "decisions.yml"
    data.write_text(f"- scenario: First\n  choice: PyTorch\n  why: ok\n  evidence: [x.md]\n- {row}\n")
    with pytest.raises(DecisionDataError, match="row 2") as caught:
        load_decisions(data)
    assert expected in str(caught.value)
