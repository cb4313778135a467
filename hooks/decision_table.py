"""MkDocs hook: render docs/data/decisions.yml into the decision page.

The page holds a placeholder line; the hook replaces it with a Markdown table, so the
strict build validates every evidence link like any other link. The rows are loaded and
validated by hooks/data_rows.py (shared with hooks/claims_table.py): bad data raises with
the file, line, row and field; text is HTML-escaped.

The table sits in a <div class="decision-scenarios">, and each row lists the reader priorities it
answers, so docs/assets/javascripts/decision-helper.js can build a scenario picker and
priority checkboxes from the rendered table itself. Without JavaScript the full table is shown.

Each row has a stable anchor made from its scenario (row_id), set on its "Choose" cell. Rows
with a `headline` also appear in the short verdict above the helper (a second placeholder),
each bullet naming the row's choice and linking to the row, so the verdict cannot drift from
the table: both are rendered from the same rows.
"""

from dataclasses import dataclass
from pathlib import Path

from markdown.extensions.toc import slugify

try:
    from hooks import data_rows
except ImportError:  # loaded by MkDocs with hooks/ on sys.path
    import data_rows

DATA_FILE = Path(__file__).resolve().parents[1] / "docs" / "data" / "decisions.yml"
PLACEHOLDER = "<!-- decision-table -->"
VERDICT_PLACEHOLDER = "<!-- decision-verdict -->"
CHOICES = ["TensorFlow", "PyTorch", "JAX", "Either", "Keras 3", "ONNX Runtime", "LiteRT", "ExecuTorch"]
# What a reader may care about most; the helper offers one checkbox per priority used by a row.
PRIORITIES = [
    "research",
    "debugging",
    "teaching",
    "data",
    "scale",
    "hardware",
    "deployment",
    "serving",
    "mobile",
    "browser",
    "interop",
    "ecosystem",
    "maintenance",
    "llm",
]

DECISION = data_rows.Schema(
    "decision",
    required={
        "scenario": data_rows.text,
        "choice": data_rows.one_of(CHOICES),
        "why": data_rows.text,
        "evidence": data_rows.links,
        "priorities": data_rows.some_of(PRIORITIES),
    },
    optional={"seed_said": data_rows.text, "headline": data_rows.text},
    key="scenario",
)

DecisionDataError = data_rows.DataRowError  # the name the tests know


@dataclass(frozen=True)
class Decision:
    scenario: str
    choice: str
    why: str
    evidence: list[str]
    priorities: list[str]
    seed_said: str | None = None
    headline: str | None = None

    @property
    def row_id(self) -> str:
        return row_id(self.scenario)


def row_id(scenario: str) -> str:
    """The anchor of a row: 'row-' and the scenario as the toc extension slugifies headings."""
    return "row-" + slugify(scenario, "-")


def load_decisions(path: Path = DATA_FILE) -> list[Decision]:
    decisions = [Decision(**row) for row in data_rows.load_rows(path, DECISION)]
    seen: dict[str, str] = {}
    for d in decisions:
        if d.row_id in seen:
            raise DecisionDataError(
                f"{path}: rows {seen[d.row_id]!r} and {d.scenario!r} have the same anchor #{d.row_id}"
            )
        seen[d.row_id] = d.scenario
    return decisions


def render_table(decisions: list[Decision]) -> str:
    """Four columns; the priorities a row answers are a line under its reasons.

    The priorities are in <span class="decision-priority"> elements, which the helper script
    reads; everything else it reads from the cells themselves.
    """
    lines = [
        '<div class="decision-scenarios" markdown>',
        "",
        "| Scenario | Choose | Why | Evidence |",
        "| --- | --- | --- | --- |",
    ]
    for d in decisions:
        why = data_rows.cell(d.why)
        if d.seed_said and d.seed_said != d.choice:
            why += f" *(The 2025 guide said: {data_rows.cell(d.seed_said)}.)*"
        priorities = ", ".join(f'<span class="decision-priority">{p}</span>' for p in d.priorities)
        why += f'<br><small class="decision-priorities">Priorities: {priorities}</small>'
        # attr_list puts the anchor on the <strong>: an element id the strict build can validate.
        choice = f"**{data_rows.cell(d.choice)}**{{ #{d.row_id} }}"
        lines.append(
            f"| {data_rows.cell(d.scenario)} | {choice} | {why} | {data_rows.markdown_links(d.evidence)} |"
        )
    lines += ["", "</div>"]
    return "\n".join(lines)


def render_verdict(decisions: list[Decision]) -> str:
    """One bullet per row with a headline, in the data file's order: the choice, the headline,
    and a link to the row (validated by the strict build like every other anchor)."""
    return "\n".join(
        f"- **{data_rows.cell(d.choice)}** {data_rows.cell(d.headline)} "
        f"([{data_rows.cell(d.scenario)}](#{d.row_id}))"
        for d in decisions
        if d.headline
    )


def on_page_markdown(markdown: str, page, **kwargs) -> str:
    if PLACEHOLDER not in markdown and VERDICT_PLACEHOLDER not in markdown:
        return markdown
    decisions = load_decisions()
    markdown = markdown.replace(VERDICT_PLACEHOLDER, render_verdict(decisions))
    return markdown.replace(PLACEHOLDER, render_table(decisions))
