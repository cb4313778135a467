"""The claims and ecosystem data files are valid, their links resolve, and bad input fails loudly.

- Both data files load; bad rows fail with file, line, row and field named.
- A false or outdated verdict agrees with its untrue_since date and the article's date
  (false: untrue when published; outdated: untrue only since), and no other verdict has one.
- Every page.md#anchor evidence link points at a page and section that exist (the strict
  build checks the same; a broken temp copy proves the build catches it too).
- The rendered tables escape HTML and count verdicts; the filter script works in Chromium
  and the table stays complete without JavaScript.
"""

import re
import shutil
import textwrap
from pathlib import Path

import pytest
import yaml
from markdown.extensions.toc import slugify

from hooks.claims_table import (
    ARTICLES,
    AXES,
    DATE,
    STATUSES,
    VERDICTS,
    EvidenceDataError,
    internal_links,
    load_claims,
    load_ecosystem,
    render_claims,
    render_ecosystem,
)
from tests.harness.sections import ROOT, parse_sections
from tests.site_build import build_site

DOCS = ROOT / "docs"
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*(?:\{\s*#([\w-]+)\s*\})?\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")

# Projects the ecosystem page must cover (issue 7), by a word each name must contain.
REQUIRED_PROJECTS = [
    "Keras 3",
    "KerasHub",
    "TFX",
    "TensorBoard",
    "Kaggle Models",
    "LiteRT",
    "TensorFlow Serving",
    "TensorFlow.js",
    "Lightning",
    "torchvision",
    "torchaudio",
    "Hugging Face",
    "ExecuTorch",
    "TorchServe",
    "ONNX",
]


def anchors_of(page: Path) -> set[str]:
    """The heading ids of a Markdown page, as the toc and attr_list extensions make them."""
    anchors, in_fence = set(), False
    for line in page.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        match = HEADING.match(line)
        if match and not in_fence:
            title = re.sub(r"[`*]", "", match.group(2))
            anchors.add(match.group(3) or slugify(title, "-"))
    return anchors


def broken_internal_links(links: list[str], docs: Path = DOCS) -> list[str]:
    broken = []
    for link in links:
        page, _, anchor = link.partition("#")
        target = docs / page
        if not target.exists():
            broken.append(f"{link}: no page {page}")
        elif anchor and anchor not in anchors_of(target):
            broken.append(f"{link}: {page} has no section #{anchor}")
    return broken


# ------------------------------------------------------------------ the real data files


def test_claims_file_is_valid_and_covers_all_four_articles():
    claims = load_claims()
    assert len(claims) >= 60, f"only {len(claims)} claims"
    assert {claim["article"] for claim in claims} == set(ARTICLES)
    used_axes = {claim["axis"] for claim in claims}
    assert {"code-samples", "hardware", "community", "real-world-projects"} <= used_axes
    assert set(VERDICTS) == {claim["verdict"] for claim in claims}, "every verdict should occur"


def test_ecosystem_file_is_valid_and_covers_the_required_projects():
    projects = load_ecosystem()
    names = " | ".join(project["name"] for project in projects)
    missing = [name for name in REQUIRED_PROJECTS if name not in names]
    assert not missing, f"ecosystem.yml has no row for {missing}"
    torchserve = next(p for p in projects if p["name"] == "TorchServe")
    assert torchserve["status"] == "archived"
    assert {project["status"] for project in projects} <= set(STATUSES)


def test_every_internal_evidence_link_points_at_an_existing_section():
    links = internal_links(load_claims()) + internal_links(load_ecosystem())
    assert links, "expected links to sections of this site"
    broken = broken_internal_links(links)
    assert not broken, "broken evidence links:\n" + "\n".join(broken)


def test_the_link_checker_itself_catches_a_missing_page_and_a_missing_section():
    broken = broken_internal_links(
        ["claims.md#no-such-section", "no-such-page.md#setup", "claims.md#the-mnist-models-on-digits"]
    )
    assert broken == [
        "claims.md#no-such-section: claims.md has no section #no-such-section",
        "no-such-page.md#setup: no page no-such-page.md",
    ]


def test_every_article_code_sample_runs_in_both_frameworks():
    folder = ROOT / "snippets" / "article-code"
    sections = [set(parse_sections(folder / f"{fw}_code.py")) for fw in ("tensorflow", "pytorch")]
    assert sections[0] == sections[1]
    for sample in ("layer_as_published", "mnist_text_as_checked", "mnist_model", "loss_functions"):
        assert sample in sections[0]


def test_pages_hold_their_placeholders_and_mkdocs_registers_hook_and_script():
    assert "<!-- claims-table -->" in (DOCS / "claims.md").read_text(encoding="utf-8")
    assert "<!-- ecosystem-table -->" in (DOCS / "ecosystem.md").read_text(encoding="utf-8")
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "hooks/claims_table.py" in config
    assert "assets/javascripts/claims-filter.js" in config
    script = (DOCS / "assets" / "javascripts" / "claims-filter.js").read_text(encoding="utf-8")
    assert "claims-table" in script
    assert not re.search(r"https?://|fetch\(|XMLHttpRequest|import\(", script), "the filter fetches nothing"


# ------------------------------------------------------------------ rendering


def test_rendered_claims_escape_html_pipes_and_markdown_and_count_verdicts(tmp_path):
    data = tmp_path / "claims.yml"
    data.write_text(
        textwrap.dedent(
            """\
            - claim: "<script>alert(1)</script> | __init__ *x*"
              article: "003"
              axis: apis
              verdict: "false"
              untrue_since: "2024-11-04"
              correct: "Use `torch.nn.Module.__init__`, a < b"
              evidence: [https://example.org/a]
            - claim: Second
              article: "000"
              axis: hardware
              verdict: "false"
              untrue_since: always
              correct: ok
              evidence: [execution-model.md#setup]
            """
        ),
        encoding="utf-8",
    )
    table = render_claims(load_claims(data))
    assert "<script>" not in table and "&lt;script&gt;" in table
    assert "&#124;" in table and r"\_\_init\_\_ \*x\*" in table
    assert "`torch.nn.Module.__init__`" in table and "a &lt; b" in table
    assert "| false | 2 |" in table and "| true | 0 |" in table and "| **all** | **2** |" in table
    assert '<div class="claims-table" markdown>' in table
    assert "*Never true.* ok" in table and "*Untrue since 2024-11-04.* Use" in table
    assert "blog post, February 2025" in table and "article 003" not in table


def test_rendered_ecosystem_shows_status_and_dated_source(tmp_path):
    data = tmp_path / "ecosystem.yml"
    data.write_text(
        "- name: Thing\n  framework: Either\n  purpose: p\n  status: archived\n"
        "  source: https://github.com/owner/repo/issues/1\n  as_of: '2025-08-07'\n",
        encoding="utf-8",
    )
    table = render_ecosystem(load_ecosystem(data))
    assert "| archived |" in table
    assert "[github.com/<wbr>owner/<wbr>repo](https://github.com/owner/repo/issues/1) (2025-08-07)" in table


# ------------------------------------------------------------------ bad rows


GOOD_CLAIM = {
    "claim": "First",
    "article": "000",
    "axis": "apis",
    "verdict": "true",
    "correct": "ok",
    "evidence": ["execution-model.md#setup"],
}

BAD_CLAIMS = {
    "unknown verdict": ({"verdict": "wrong"}, "field 'verdict': 'wrong' is not one of"),
    "unquoted article": ({"article": 3}, "field 'article': 3 must be a quoted article id"),
    "unknown article": ({"article": "007"}, "field 'article': '007' is not one of"),
    "unknown axis": ({"axis": "vibes"}, "field 'axis': 'vibes' is not one of"),
    "missing field": ({"correct": None}, "field 'correct': missing"),
    "unknown field": ({"source": "x"}, "field 'source': unknown field"),
    "empty text": ({"correct": "  "}, "field 'correct': must be non-empty text"),
    "plain http": (
        {"evidence": ["http://insecure.example"]},
        "field 'evidence': 'http://insecure.example' is neither page.md#anchor nor an https:// URL",
    ),
    "no evidence": ({"evidence": []}, "field 'evidence': must be a non-empty list of links"),
    "duplicate claim": ({"claim": "first"}, "field 'claim': duplicates row 1"),
}


def write_rows(path: Path, rows: list[dict]) -> Path:
    path.write_text(yaml.safe_dump(rows, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(("change", "expected"), BAD_CLAIMS.values(), ids=BAD_CLAIMS.keys())
def test_a_bad_claim_names_file_line_row_and_field(tmp_path, change, expected):
    second = {**GOOD_CLAIM, "claim": "Second", **change}
    second = {key: value for key, value in second.items() if value is not None}
    data = write_rows(tmp_path / "claims.yml", [GOOD_CLAIM, second])
    line = next(
        n for n, text in enumerate(data.read_text().splitlines(), 1) if text.startswith("- ") and n > 1
    )
    name = second["claim"]
    with pytest.raises(EvidenceDataError) as caught:
        load_claims(data)
    assert f"{data}:{line}: row 2 ({name!r}), {expected}" in str(caught.value)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"status": "dead"}, "field 'status': 'dead' is not one of"),
        ({"as_of": "last year"}, "field 'as_of': 'last year' must be a quoted date"),
        ({"framework": "JAX"}, "field 'framework': 'JAX' is not one of"),
        ({"source": "ftp://example.org/x"}, "field 'source': 'ftp://example.org/x' is neither"),
    ],
)
def test_a_bad_ecosystem_row_names_file_line_row_and_field(tmp_path, change, expected):
    row = {
        "name": "Thing",
        "framework": "Either",
        "purpose": "p",
        "status": "active",
        "source": "https://example.org/",
        "as_of": "2026-11",
        **change,
    }
    data = write_rows(tmp_path / "ecosystem.yml", [row])
    with pytest.raises(EvidenceDataError) as caught:
        load_ecosystem(data)
    assert f"{data}:1: row 1 ('Thing'), {expected}" in str(caught.value)


def test_not_a_list_is_rejected(tmp_path):
    data = tmp_path / "claims.yml"
    data.write_text("claim: not in a list\n", encoding="utf-8")
    with pytest.raises(EvidenceDataError, match="expected a non-empty list of rows"):
        load_claims(data)


# ------------------------------------------------------------------ false against outdated, by date


def test_every_article_has_a_label_a_title_and_an_earliest_date():
    for article in ARTICLES.values():
        assert {"title", "label", "published", "earliest"} <= set(article)
        assert DATE.match(article["earliest"])
    labels = [article["label"] for article in ARTICLES.values()]
    assert len(set(labels)) == len(labels)


def test_every_false_or_outdated_claim_says_since_when_and_agrees_with_the_article_date():
    claims = load_claims()  # load_claims raises on any row whose verdict contradicts its dates
    dated = [claim for claim in claims if claim["verdict"] in ("false", "outdated")]
    assert dated and all(claim.get("untrue_since") for claim in dated)
    assert not any(claim.get("untrue_since") for claim in claims if claim not in dated)


# (verdict, untrue_since, article) -> the message; article "002" appeared on 2023-07-17.
BAD_DATES = {
    "outdated but untrue before the article": (
        ("outdated", "2019-09-30", "002"),
        "untrue since 2019-09-30, not after the article (2023-07-17): the verdict is 'false'",
    ),
    "outdated but never true": (
        ("outdated", "always", "002"),
        "untrue since always, not after the article (2023-07-17): the verdict is 'false'",
    ),
    "false but untrue only after the article": (
        ("false", "2025-02-28", "002"),
        "untrue only since 2025-02-28, after the article (2023-07-17): the verdict is 'outdated'",
    ),
    "false without a date": (("false", None, "002"), "a 'false' claim needs untrue_since"),
    "a date on a misleading claim": (
        ("misleading", "2024-03", "002"),
        "a 'misleading' claim has no untrue_since",
    ),
    "undated article, untrue before its earliest date": (
        ("outdated", "2019-09-30", "000"),
        "untrue since 2019-09-30, not after the article (2020-04-01): the verdict is 'false'",
    ),
}


@pytest.mark.parametrize(("row", "expected"), BAD_DATES.values(), ids=BAD_DATES.keys())
def test_a_verdict_that_contradicts_the_dates_names_file_line_and_row(tmp_path, row, expected):
    verdict, since, article = row
    second = {**GOOD_CLAIM, "claim": "Second", "verdict": verdict, "article": article}
    if since:
        second["untrue_since"] = since
    data = write_rows(tmp_path / "claims.yml", [GOOD_CLAIM, second])
    line = next(
        n for n, text in enumerate(data.read_text().splitlines(), 1) if text.startswith("- ") and n > 1
    )
    with pytest.raises(EvidenceDataError) as caught:
        load_claims(data)
    assert f"{data}:{line}: row 2 ('Second'), field 'verdict': {expected}" in str(caught.value)


def test_the_same_dates_pass_with_the_right_verdict(tmp_path):
    rows = [
        {
            **GOOD_CLAIM,
            "claim": "Outdated",
            "verdict": "outdated",
            "article": "002",
            "untrue_since": "2024-03",
        },
        {**GOOD_CLAIM, "claim": "False", "verdict": "false", "article": "002", "untrue_since": "2023-07-17"},
        {
            **GOOD_CLAIM,
            "claim": "Undated",
            "verdict": "outdated",
            "article": "000",
            "untrue_since": "2025-02-28",
        },
    ]
    assert len(load_claims(write_rows(tmp_path / "claims.yml", rows))) == 3


def test_a_badly_formed_untrue_since_is_rejected(tmp_path):
    second = {**GOOD_CLAIM, "claim": "Second", "verdict": "false", "untrue_since": "last year"}
    data = write_rows(tmp_path / "claims.yml", [GOOD_CLAIM, second])
    with pytest.raises(EvidenceDataError, match="field 'untrue_since': 'last year' must be a quoted date"):
        load_claims(data)


# ------------------------------------------------------------------ a broken temp copy, built


MINI_CONFIG = """\
site_name: claims test
docs_dir: docs
strict: true
validation:
  omitted_files: warn
  absolute_links: warn
  unrecognized_links: warn
  anchors: warn
hooks:
  - hooks/claims_table.py
extra_javascript:
  - assets/javascripts/claims-filter.js
markdown_extensions:
  - attr_list
  - md_in_html
  - tables
  - toc
"""


def mini_project(tmp_path: Path, evidence: str) -> Path:
    """A tiny site with the real hook and script: three claims, one of them linking `evidence`."""
    project = tmp_path / "project"
    (project / "hooks").mkdir(parents=True)
    for hook in ("claims_table.py", "data_rows.py", "input_error.py"):  # the hook and what it imports
        shutil.copy(ROOT / "hooks" / hook, project / "hooks" / hook)
    docs = project / "docs"
    (docs / "data").mkdir(parents=True)
    (docs / "assets" / "javascripts").mkdir(parents=True)
    shutil.copy(
        DOCS / "assets" / "javascripts" / "claims-filter.js",
        docs / "assets" / "javascripts" / "claims-filter.js",
    )
    (project / "mkdocs.yml").write_text(MINI_CONFIG, encoding="utf-8")
    (docs / "index.md").write_text("# Claims\n\n<!-- claims-table -->\n", encoding="utf-8")
    (docs / "target.md").write_text("# Target\n\n## A real section\n\nText.\n", encoding="utf-8")
    rows = [
        {
            **GOOD_CLAIM,
            "claim": f"Claim {n}",
            "verdict": verdict,
            "axis": axis,
            "evidence": [link],
            **({"untrue_since": "always"} if verdict == "false" else {}),
        }
        for n, (verdict, axis, link) in enumerate(
            [
                ("true", "apis", "target.md#a-real-section"),
                ("false", "hardware", evidence),
                ("false", "apis", "https://example.org/"),
            ],
            start=1,
        )
    ]
    write_rows(docs / "data" / "claims.yml", rows)
    write_rows(docs / "data" / "ecosystem.yml", [])  # not rendered by this site
    return project


def test_the_mini_site_with_valid_links_builds(tmp_path):
    project = mini_project(tmp_path, "target.md#a-real-section")
    result = build_site(project, tmp_path / "site")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("evidence", "expected"),
    [
        ("target.md#no-such-section", "no-such-section"),
        ("missing-page.md#setup", "missing-page.md"),
    ],
    ids=["missing section", "missing page"],
)
def test_a_broken_evidence_link_fails_the_strict_build(tmp_path, evidence, expected):
    project = mini_project(tmp_path, evidence)
    result = build_site(project, tmp_path / "site")
    assert result.returncode != 0
    assert "index.md" in result.stderr and expected in result.stderr


def test_a_malformed_claim_fails_the_build_naming_the_row(tmp_path):
    project = mini_project(tmp_path, "target.md#a-real-section")
    data = project / "docs" / "data" / "claims.yml"
    data.write_text(data.read_text().replace("verdict: 'false'", "verdict: 'nope'", 1), encoding="utf-8")
    result = build_site(project, tmp_path / "site")
    assert result.returncode != 0
    assert "row 2 ('Claim 2'), field 'verdict': 'nope'" in result.stderr


# ------------------------------------------------------------------ the filter, in a browser
# On the real claims page of the session's build, in this worker's Chromium (tests/conftest.py).


@pytest.mark.browser
def test_the_filter_hides_rows_and_degrades_to_the_full_table(browser, server):
    claims = load_claims()
    false_claims = [claim for claim in claims if claim["verdict"] == "false"]
    axis = AXES[false_claims[0]["axis"]]  # an axis with at least one false claim
    false_on_axis = sum(AXES[claim["axis"]] == axis for claim in false_claims)
    true_claims = sum(claim["verdict"] == "true" for claim in claims)
    assert 0 < false_on_axis <= len(false_claims) < len(claims)

    def visible_rows(page):
        return page.eval_on_selector_all(
            ".claims-table tbody tr", "rows => rows.filter(r => r.offsetParent !== null).length"
        )

    context = browser.new_context()
    no_script = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(server + "claims/")
        assert visible_rows(page) == len(claims)
        assert f"{len(claims)} of {len(claims)} claims shown" in page.inner_text(".claims-filter")
        page.select_option(".claims-filter label:has-text('Verdict') select", "false")
        assert visible_rows(page) == len(false_claims)
        page.select_option(".claims-filter label:has-text('Axis') select", axis)
        assert visible_rows(page) == false_on_axis
        assert f"{false_on_axis} of {len(claims)} claims shown" in page.inner_text(".claims-filter")

        page.goto(server + "claims/?verdict=true")
        assert visible_rows(page) == true_claims

        plain = no_script.new_page()
        plain.goto(server + "claims/")
        assert visible_rows(plain) == len(claims)
        assert plain.query_selector(".claims-filter") is None
    finally:
        context.close()
        no_script.close()
