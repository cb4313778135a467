"""MkDocs hook: render docs/data/claims.yml and docs/data/ecosystem.yml into their pages.

One small loader and renderer serves both data files (the same patterns as
hooks/decision_table.py): each page holds a placeholder line that the hook replaces with a
Markdown table, so the strict build validates every evidence link like any other link. Bad
data raises with the file, line, row and field; text is HTML-escaped.

The claims table sits in a <div class="claims-table">; docs/assets/javascripts/claims-filter.js
adds verdict and axis filters to it. Without JavaScript the full table is shown.
"""

import html
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import yaml

# libyaml's parser when present: same line marks, about 20 times faster on large files.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

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

INTERNAL_LINK = re.compile(r"^[a-z0-9\-/]+\.md(#[a-z0-9\-_]+)?$")
DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


class EvidenceDataError(ValueError):
    pass


# ------------------------------------------------------------------ field checks
# Each check returns an error message, or None when the value is fine.


def _text(value) -> str | None:
    if not (isinstance(value, str) and value.strip()):
        return "must be non-empty text"
    if re.search(r"`[^`]*\|[^`]*`", value):
        return "a `code span` must not contain '|' (it would split the table cell)"
    return None


def _one_of(choices: list[str]) -> Callable:
    def check(value) -> str | None:
        if value not in choices:
            return f"{value!r} is not one of {choices}"
        return None

    return check


def _article(value) -> str | None:
    if not isinstance(value, str):
        return f'{value!r} must be a quoted seed id such as "003" (unquoted, YAML reads a number)'
    return _one_of(list(ARTICLES))(value)


def _date(value) -> str | None:
    if not (isinstance(value, str) and DATE.match(value)):
        return f"{value!r} must be a quoted date, YYYY-MM-DD or YYYY-MM"
    return None


def well_formed_link(link) -> bool:
    if not isinstance(link, str):
        return False
    if INTERNAL_LINK.match(link):
        return True
    parsed = urlparse(link)
    return parsed.scheme == "https" and "." in parsed.netloc and not re.search(r"[\s()<>|]", link)


def _link(value) -> str | None:
    if not well_formed_link(value):
        return f"{value!r} is neither page.md#anchor nor an https:// URL"
    return None


def _links(value) -> str | None:
    if not isinstance(value, list) or not value:
        return "must be a non-empty list of links"
    for link in value:
        if problem := _link(link):
            return problem
    if len(set(value)) != len(value):
        return "lists the same link twice"
    return None


@dataclass(frozen=True)
class Schema:
    name: str  # what one row is, for messages
    required: dict[str, Callable]
    optional: dict[str, Callable]
    key: str  # the field that names a row in messages and must be unique


CLAIM = Schema(
    "claim",
    required={
        "claim": _text,
        "article": _article,
        "axis": _one_of(list(AXES)),
        "verdict": _one_of(VERDICTS),
        "correct": _text,
        "evidence": _links,
    },
    optional={},
    key="claim",
)

ECOSYSTEM = Schema(
    "project",
    required={
        "name": _text,
        "framework": _one_of(FRAMEWORKS),
        "purpose": _text,
        "status": _one_of(STATUSES),
        "source": _link,
        "as_of": _date,
    },
    optional={"note": _text},
    key="name",
)


# ------------------------------------------------------------------ loading


def load_rows(path: Path, schema: Schema) -> list[dict]:
    """The rows of a YAML list, validated; errors name file, line, row and field."""
    loader = SAFE_LOADER(path.read_text(encoding="utf-8"))
    try:
        root = loader.get_single_node()
        if not isinstance(root, yaml.SequenceNode) or not root.value:
            raise EvidenceDataError(f"{path}: expected a non-empty list of rows")
        rows = [(node.start_mark.line + 1, loader.construct_object(node, deep=True)) for node in root.value]
    except yaml.YAMLError as err:
        raise EvidenceDataError(f"{path}: not valid YAML: {err}") from None
    finally:
        loader.dispose()

    fields = {**schema.required, **schema.optional}
    valid, seen = [], {}
    for index, (line, row) in enumerate(rows, start=1):
        where = f"{path}:{line}: row {index}"
        if not isinstance(row, dict):
            raise EvidenceDataError(f"{where}: expected a mapping with fields {list(schema.required)}")
        if isinstance(row.get(schema.key), str):
            where += f" ({row[schema.key][:60]!r})"
        for field in schema.required:
            if field not in row:
                raise EvidenceDataError(f"{where}, field {field!r}: missing")
        for field, value in row.items():
            if field not in fields:
                raise EvidenceDataError(f"{where}, field {field!r}: unknown field (allowed: {list(fields)})")
            if problem := fields[field](value):
                raise EvidenceDataError(f"{where}, field {field!r}: {problem}")
        key = row[schema.key].strip().casefold()
        if key in seen:
            raise EvidenceDataError(f"{where}, field {schema.key!r}: duplicates row {seen[key]}")
        seen[key] = index
        valid.append({name: v.strip() if isinstance(v, str) else v for name, v in row.items()})
    return valid


def load_claims(path: Path = CLAIMS_FILE) -> list[dict]:
    return load_rows(path, CLAIM)


def load_ecosystem(path: Path = ECOSYSTEM_FILE) -> list[dict]:
    return load_rows(path, ECOSYSTEM)


def internal_links(rows: list[dict]) -> list[str]:
    """Every page.md#anchor link in the rows' evidence or source fields."""
    links = []
    for row in rows:
        for link in row.get("evidence", []) + [row.get("source", "")]:
            if INTERNAL_LINK.match(link):
                links.append(link)
    return links


# ------------------------------------------------------------------ rendering


def cell(text: str) -> str:
    """Table-cell Markdown: HTML escaped, `code spans` kept, other Markdown syntax neutralised."""
    parts = re.split(r"(`[^`]*`)", text.replace("\n", " "))
    out = []
    for part in parts:
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            out.append(part)  # Markdown escapes the HTML inside code spans itself
        else:
            escaped = re.sub(r"([\\*_\[\]#])", r"\\\1", part)  # Markdown syntax, as text
            out.append(html.escape(escaped, quote=False).replace("|", "&#124;"))
    return "".join(out)


def link_label(link: str) -> str:
    if link.startswith("https://"):  # the host and the first two path segments
        parsed = urlparse(link)
        segments = [part for part in parsed.path.split("/") if part][:2]
        label = "/".join([parsed.netloc.lower().removeprefix("www."), *segments])
        return label if len(label) <= 48 else label[:47] + "…"
    page, _, anchor = link.partition("#")
    return (anchor or Path(page).stem).replace("-", " ").capitalize()


def links(items: list[str]) -> str:
    """Markdown links; long labels may wrap after a '/' (<wbr>), so narrow columns stay narrow."""
    labels = [cell(link_label(link)).replace("/", "/<wbr>") for link in items]
    return ", ".join(f"[{label}]({link})" for label, link in zip(labels, items, strict=True))


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
            f"| “{cell(claim['claim'])}”{where} | {claim['verdict']} "
            f"| {cell(claim['correct'])} | {links(claim['evidence'])} |"
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
        purpose = cell(project["purpose"])
        if project.get("note"):
            purpose += f" *{cell(project['note'])}*"
        lines.append(
            f"| **{cell(project['name'])}**<br><small>{project['framework']}</small> | {purpose} "
            f"| {project['status']} | {links([project['source']])} ({project['as_of']}) |"
        )
    return "\n".join(lines)


def on_page_markdown(markdown: str, page, **kwargs) -> str:
    if CLAIMS_PLACEHOLDER in markdown:
        markdown = markdown.replace(CLAIMS_PLACEHOLDER, render_claims(load_claims()))
    if ECOSYSTEM_PLACEHOLDER in markdown:
        markdown = markdown.replace(ECOSYSTEM_PLACEHOLDER, render_ecosystem(load_ecosystem()))
    return markdown
