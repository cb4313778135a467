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
ARTICLES_PLACEHOLDER = "<!-- claims-articles -->"
ECOSYSTEM_PLACEHOLDER = "<!-- ecosystem-table -->"

# The four articles, tests/data/articles/<id>.txt, by id. `label` is
# how a row names its article on the page; `earliest` is the earliest date the article can have
# been published: its own date, or for the undated article the earliest date its text allows.
ARTICLES = {
    "000": {
        "title": "TensorFlow vs PyTorch: Choosing the Right Deep Learning Framework",
        "label": "undated blog post",
        "published": "undated; it names TorchServe, first released in April 2020",
        "earliest": "2020-04",
    },
    "001": {
        "title": "PyTorch vs TensorFlow: Choosing the Right Deep Learning Framework (2025 Guide)",
        "label": "2025 guide",
        "published": "2025 (the title's year)",
        "earliest": "2025-01",
    },
    "002": {
        "title": "TensorFlow vs. PyTorch: Which Deep Learning Framework is Right for You?",
        "label": "Stackify, July 2023",
        "published": "17 July 2023, on the Stackify blog",
        "earliest": "2023-07-17",
    },
    "003": {
        "title": "TensorFlow vs. PyTorch",
        "label": "blog post, February 2025",
        "published": "5 February 2025",
        "earliest": "2025-02-05",
    },
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
# What each status means is written on ecosystem.md, under the table's heading.
STATUSES = ["active", "maintenance", "dormant", "to be replaced", "deprecated", "archived"]

DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
# A verdict that depends on when the claim stopped being true needs `untrue_since`.
DATED_VERDICTS = {"false", "outdated"}
ALWAYS = "always"  # untrue_since for a claim that was never true

# The names the tests know, kept from before the loader moved to data_rows.py.
EvidenceDataError = data_rows.DataRowError
internal_links = data_rows.internal_links


# ------------------------------------------------------------------ field checks
# Each check returns an error message, or None when the value is fine.


def _article(value) -> str | None:
    if not isinstance(value, str):
        return f'{value!r} must be a quoted article id such as "003" (unquoted, YAML reads a number)'
    return data_rows.one_of(list(ARTICLES))(value)


def _date(value) -> str | None:
    if not (isinstance(value, str) and DATE.match(value)):
        return f"{value!r} must be a quoted date, YYYY-MM-DD or YYYY-MM"
    return None


def _untrue_since(value) -> str | None:
    if value == ALWAYS:
        return None
    if problem := _date(value):
        return f"{problem}, or {ALWAYS!r}"
    return None


def day(date: str) -> str:
    """A YYYY-MM or YYYY-MM-DD date as YYYY-MM-DD (the first day of a month), for comparing."""
    return date if len(date) == 10 else date + "-01"


def verdict_problem(claim: dict) -> str | None:
    """Why a row's verdict contradicts its untrue_since date and its article's date, if it does.

    "false": the claim was already untrue when the article appeared (untrue_since is "always" or
    not after the earliest publication date). "outdated": it was true then and is not now
    (untrue_since after that date). The other verdicts carry no untrue_since.
    """
    verdict, since = claim["verdict"], claim.get("untrue_since")
    if verdict not in DATED_VERDICTS:
        return f"a {verdict!r} claim has no untrue_since" if since else None
    if not since:
        return f"a {verdict!r} claim needs untrue_since (a date, or {ALWAYS!r})"
    earliest = day(ARTICLES[claim["article"]]["earliest"])
    was_untrue_when_published = since == ALWAYS or day(since) <= earliest
    if verdict == "outdated" and was_untrue_when_published:
        return f"untrue since {since}, not after the article ({earliest}): the verdict is 'false'"
    if verdict == "false" and not was_untrue_when_published:
        return f"untrue only since {since}, after the article ({earliest}): the verdict is 'outdated'"
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
    optional={"untrue_since": _untrue_since},
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
    claims = data_rows.load_rows(path, CLAIM)
    starts = [
        n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line.startswith("- ")
    ]
    for number, claim in enumerate(claims, start=1):
        if problem := verdict_problem(claim):
            line = starts[number - 1] if len(starts) == len(claims) else "?"
            raise EvidenceDataError(
                f"{path}:{line}: row {number} ({claim['claim'][:60]!r}), field 'verdict': {problem}"
            )
    return claims


def load_ecosystem(path: Path = ECOSYSTEM_FILE) -> list[dict]:
    return data_rows.load_rows(path, ECOSYSTEM)


# ------------------------------------------------------------------ rendering


def render_verdict_counts(claims: list[dict]) -> str:
    counts = Counter(claim["verdict"] for claim in claims)
    lines = ["| Verdict | Claims |", "| --- | ---: |"]
    lines += [f"| {verdict} | {counts[verdict]} |" for verdict in VERDICTS]
    lines.append(f"| **all** | **{len(claims)}** |")
    return "\n".join(lines)


def untrue_note(claim: dict) -> str:
    """The date a false or outdated claim stopped being true, as the start of its Correct cell."""
    since = claim.get("untrue_since")
    if not since:
        return ""
    if since == ALWAYS:
        return "*Wrong as published.* " if claim["axis"] == "code-samples" else "*Never true.* "
    return f"*Untrue since {since}.* "


def render_articles() -> str:
    lines = ["| Named in the table as | Article | Published |", "| --- | --- | --- |"]
    lines += [
        f"| {article['label']} | “{data_rows.cell(article['title'])}” | {article['published']} |"
        for article in ARTICLES.values()
    ]
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
        "| Claim | Verdict | Correct (December 2026) | Evidence |",
        "| --- | --- | --- | --- |",
    ]
    for number, claim in enumerate(claims, start=1):
        where = (
            f"<br><small>#{number} · {ARTICLES[claim['article']]['label']} · "
            f'<span class="claims-axis">{AXES[claim["axis"]]}</span></small>'
        )
        lines.append(
            f"| “{data_rows.cell(claim['claim'])}”{where} | {claim['verdict']} "
            f"| {untrue_note(claim)}{data_rows.cell(claim['correct'])} "
            f"| {data_rows.markdown_links(claim['evidence'])} |"
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
    if ARTICLES_PLACEHOLDER in markdown:
        markdown = markdown.replace(ARTICLES_PLACEHOLDER, render_articles())
    if ECOSYSTEM_PLACEHOLDER in markdown:
        markdown = markdown.replace(ECOSYSTEM_PLACEHOLDER, render_ecosystem(load_ecosystem()))
    return markdown
