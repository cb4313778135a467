"""MkDocs hook: render docs/data/claims.yml and docs/data/ecosystem.yml into their pages.

Both data files are loaded and validated by hooks/data_rows.py (shared with
hooks/decision_table.py): each page holds a placeholder line that the hook replaces with a
Markdown table, so the strict build validates every evidence link like any other link. Bad
data raises with the file, line, row and field; text is HTML-escaped.

The claims table sits in a <div class="claims-table">; docs/assets/javascripts/claims-filter.js
adds verdict and axis filters to it. Without JavaScript the full table is shown.
"""

import re
from collections import Counter
from pathlib import Path

try:
    from hooks import data_rows
except ImportError:  # loaded by MkDocs with hooks/ on sys.path
    import data_rows

DOCS = Path(__file__).resolve().parents[1] / "docs"
CLAIMS_FILE = DOCS / "data" / "claims.yml"
ECOSYSTEM_FILE = DOCS / "data" / "ecosystem.yml"
CLAIMS_PLACEHOLDER = "<!-- claims-table -->"
ECOSYSTEM_PLACEHOLDER = "<!-- ecosystem-table -->"

# The four articles under /work/shared/seeds, by the id their file name starts with.
ARTICLES = {
    "000": "TensorFlow vs PyTorch: Choosing the Right Deep Learning Framework (undated blog post)",
    "001": "PyTorch vs TensorFlow: Choosing the Right Deep Learning Framework (2025 Guide)",
    "002": "TensorFlow vs. PyTorch: Which Deep Learning Framework is Right for You? (Stackify, 2023-07-17)",
    "003": "TensorFlow vs. PyTorch (blog post, 2025-02-05)",
}
AXES = {
    "execution-model": "Execution model",
    "apis": "APIs",
    "debugging": "Debugging",
    "deployment": "Deployment",
    "performance": "Performance",
    "distributed-training": "Distributed training",
    "ecosystem": "Ecosystem",
    "usability": "Learning curve",
    "community": "Community and adoption",
    "hardware": "Hardware",
    "history": "History and governance",
    "real-world-projects": "Real-world projects",
    "code-samples": "Code samples",
}
VERDICTS = ["true", "false", "outdated", "misleading", "unverifiable"]
FRAMEWORKS = ["TensorFlow", "PyTorch", "Keras", "Either"]
STATUSES = ["active", "maintenance", "archived", "deprecated"]

DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")

# The names the tests know, kept from before the loader moved to data_rows.py.
EvidenceDataError = data_rows.DataRowError
internal_links = data_rows.internal_links


# ------------------------------------------------------------------ field checks
# Each check returns an error message, or None when the value is fine.


def _article(value) -> str | None:
    if not isinstance(value, str):
        return f'{value!r} must be a quoted seed id such as "003" (unquoted, YAML reads a number)'
    return data_rows.one_of(list(ARTICLES))(value)


def _date(value) -> str | None:
    if not (isinstance(value, str) and DATE.match(value)):
        return f"{value!r} must be a quoted date, YYYY-MM-DD or YYYY-MM"
    return None


CLAIM = data_rows.Schema(
    "claim",
    required={
        "claim": data_rows.text,
        "article": _article,
        "axis": data_rows.one_of(list(AXES)),
        "verdict": data_rows.one_of(VERDICTS),
        "correct": data_rows.text,
        "evidence": data_rows.links,
    },
    optional={},
    key="claim",
)

ECOSYSTEM = data_rows.Schema(
    "project",
    required={
        "name": data_rows.text,
        "framework": data_rows.one_of(FRAMEWORKS),
        "purpose": data_rows.text,
        "status": data_rows.one_of(STATUSES),
        "source": data_rows.link,
        "as_of": _date,
    },
    optional={"note": data_rows.text},
    key="name",
)


# ------------------------------------------------------------------ loading


def load_claims(path: Path = CLAIMS_FILE) -> list[dict]:
    return data_rows.load_rows(path, CLAIM)


def load_ecosystem(path: Path = ECOSYSTEM_FILE) -> list[dict]:
    return data_rows.load_rows(path, ECOSYSTEM)


# ------------------------------------------------------------------ rendering


def render_verdict_counts(claims: list[dict]) -> str:
    counts = Counter(claim["verdict"] for claim in claims)
    lines = ["| Verdict | Claims |", "| --- | ---: |"]
    lines += [f"| {verdict} | {counts[verdict]} |" for verdict in VERDICTS]
    lines.append(f"| **all** | **{len(claims)}** |")
    return "\n".join(lines)


def render_claims(claims: list[dict]) -> str:
    """Four columns, so the table fits the page; article and axis sit under each claim.

    The axis is wrapped in <span class="claims-axis"> so that claims-filter.js can filter by
    it; the verdict has its own column.
    """
    lines = [
        render_verdict_counts(claims),
        "",
        '<div class="claims-table" markdown>',
        "",
        "| Claim | Verdict | Correct (November 2026) | Evidence |",
        "| --- | --- | --- | --- |",
    ]
    for number, claim in enumerate(claims, start=1):
        where = (
            f"<br><small>#{number} · article {claim['article']} · "
            f'<span class="claims-axis">{AXES[claim["axis"]]}</span></small>'
        )
        lines.append(
            f"| “{data_rows.cell(claim['claim'])}”{where} | {claim['verdict']} "
            f"| {data_rows.cell(claim['correct'])} | {data_rows.markdown_links(claim['evidence'])} |"
        )
    lines += ["", "</div>"]
    return "\n".join(lines)


def render_ecosystem(projects: list[dict]) -> str:
    """Four columns, so the table fits the page; the framework sits under each name."""
    lines = [
        "| Project | Purpose | Status | Source (as of) |",
        "| --- | --- | --- | --- |",
    ]
    for project in projects:
        purpose = data_rows.cell(project["purpose"])
        if project.get("note"):
            purpose += f" *{data_rows.cell(project['note'])}*"
        lines.append(
            f"| **{data_rows.cell(project['name'])}**<br><small>{project['framework']}</small> | {purpose} "
            f"| {project['status']} | {data_rows.markdown_links([project['source']])} ({project['as_of']}) |"
        )
    return "\n".join(lines)


def on_page_markdown(markdown: str, page, **kwargs) -> str:
    if CLAIMS_PLACEHOLDER in markdown:
        markdown = markdown.replace(CLAIMS_PLACEHOLDER, render_claims(load_claims()))
    if ECOSYSTEM_PLACEHOLDER in markdown:
        markdown = markdown.replace(ECOSYSTEM_PLACEHOLDER, render_ecosystem(load_ecosystem()))
    return markdown
