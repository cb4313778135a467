"""The shape of the axis pages, their script downloads and their edit links.

- An axis page (listed under "Axes" or "End-to-end example" in mkdocs.yml's nav) opens with its
  title and its "In short" box, then teaches; no page carries the old "Every code block below is
  an excerpt of..." paragraph (hooks/page_scripts.py renders that explanation once per page).
- "What the articles claimed", where a page has it, is its last part before "Sources", in collapsed
  admonitions; a quote of an article shown in an admonition title appears on one page only
  (the claims page, the index of every claim, excepted).
- Every page that excerpts snippets links each full script of its snippet folders and their
  checks.yml, and each link resolves in the built site to the byte-identical file.
- With SITE_REPO_URL set, every page's "Edit this page" button points at docs/<page>.md, and the
  repository link asks no API outside the site's origin.

The built site is the session's one strict build (the `site` fixture, tests/conftest.py).
"""

import posixpath
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from mkdocs.config import load_config
from mkdocs.structure.files import get_files
from mkdocs.structure.pages import Page
from mkdocs.utils.yaml import yaml_load

from hooks.page_scripts import SERVED_UNDER, scripts, snippet_folders
from tests.harness.sections import ROOT, page_files, page_includes, relative
from tests.test_article_quotes import ELLIPSIS, QUOTED, admonitions, normalise

NAV_GROUPS = ("Axes", "End-to-end example")
NOT_AXIS = {"upgrading.md"}  # a generated report, listed under Axes but not an axis
BOILERPLATE = re.compile(r"Every code block below is an excerpt", re.IGNORECASE)
ARTICLES_PART = "## What the articles claimed"
# The index of every claim: it may repeat the quotes the axis pages answer.
QUOTE_INDEX = {"claims.md"}


def nav_pages(entries) -> list[str]:
    found = []
    for entry in entries:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        if isinstance(value, list):
            found += nav_pages(value)
        elif isinstance(value, str) and value.endswith(".md"):
            found.append(value)
    return found


def axis_pages(root: Path = ROOT) -> list[Path]:
    with open(root / "mkdocs.yml", encoding="utf-8") as config:
        nav = yaml_load(config)["nav"]
    pages = []
    for entry in nav:
        if isinstance(entry, dict) and next(iter(entry)) in NAV_GROUPS:
            pages += nav_pages(next(iter(entry.values())))
    return [root / "docs" / page for page in pages if Path(page).name not in NOT_AXIS]


def shape_problems(page: Path) -> list[str]:
    """What breaks the page shape: title, In short, teaching sections, articles part, Sources."""
    where = relative(page)
    lines = page.read_text(encoding="utf-8").splitlines()
    text = [(number, line) for number, line in enumerate(lines, start=1) if line.strip()]
    problems = [
        f"{where}:{n}: the boilerplate paragraph; the build renders it"
        for n, line in text
        if BOILERPLATE.search(line)
    ]
    if len(text) < 2 or not text[0][1].startswith("# ") or text[1][1] != '!!! abstract "In short"':
        problems.append(f'{where}:1: an axis page opens with its title, then `!!! abstract "In short"`')
    headings = [(n, line) for n, line in text if line.startswith("## ")]
    if headings and headings[0][1].startswith("## What the article"):
        problems.append(f"{where}:{headings[0][0]}: the page starts with the articles' claims; teach first")
    first_section = headings[0][0] if headings else len(lines) + 1
    for number, title, _ in admonitions(page):
        if number < first_section and QUOTED.search(title):
            problems.append(
                f"{where}:{number}: a quoted claim before the first section; move it to {ARTICLES_PART!r}"
            )
    names = [line for _, line in headings]
    for number, line in headings:
        if line.startswith("## What the article") and line != ARTICLES_PART:
            problems.append(f"{where}:{number}: call the articles part {ARTICLES_PART!r}")
    if ARTICLES_PART in names:
        at = names.index(ARTICLES_PART)
        after = names[at + 1 :]
        if after not in ([], ["## Sources"]):
            problems.append(
                f"{where}: {ARTICLES_PART!r} must be the last part (then Sources), not before {after[0]!r}"
            )
        start = headings[at][0]
        end = headings[at + 1][0] if at + 1 < len(headings) else len(lines) + 1
        problems += [
            f"{where}:{n}: admonitions in the articles part are collapsed (`??? `), not open"
            for n, line in text
            if start < n < end and line.startswith("!!! ")
        ]
    return problems


@pytest.mark.parametrize("page", axis_pages(), ids=lambda page: page.name)
def test_axis_page_teaches_first_and_answers_the_articles_last(page):
    problems = shape_problems(page)
    assert not problems, "\n".join(problems)


def test_no_page_carries_the_boilerplate():
    found = [
        f"{relative(page)}:{number}"
        for page in page_files()
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1)
        if BOILERPLATE.search(line)
    ]
    assert not found, (
        "the 'Every code block below...' paragraph (rendered by hooks/page_scripts.py):\n" + "\n".join(found)
    )


MIN_FRAGMENT = 16  # letters and digits: shorter runs ("adam", "Define and Run") are not one claim


def fragments(quote: str) -> list[str]:
    """The parts of a quote between its ellipses, normalised; short ones dropped."""
    return [part for part in map(normalise, ELLIPSIS.split(quote)) if len(part) >= MIN_FRAGMENT]


def same_claim(first: str, second: str) -> bool:
    """Whether two quotes share a passage: a fragment of one lies inside a fragment of the other
    (“Use Keras 3 as a bridge” and “Use Keras 3 as a bridge to teach/compare algorithms...”)."""
    return any(a in b or b in a for a in fragments(first) for b in fragments(second))


def quote_repeats(pages: list[Path]) -> list[str]:
    """Pairs of places, on different pages, whose admonition titles quote the same claim."""
    shown = [
        (page, number, quote)
        for page in pages
        for number, title, _ in admonitions(page)
        for quote in QUOTED.findall(title)
    ]
    return [
        f"{relative(page)}:{number} “{quote}” and {relative(other)}:{other_number} “{other_quote}”"
        for index, (page, number, quote) in enumerate(shown)
        for other, other_number, other_quote in shown[index + 1 :]
        if other != page and same_claim(quote, other_quote)
    ]


def test_each_claim_quote_is_answered_on_one_page():
    pages = [page for page in page_files() if page.name not in QUOTE_INDEX]
    repeats = quote_repeats(pages)
    assert not repeats, (
        "a quoted claim answered on two pages; keep it on its axis page and link there from the other:\n"
        + "\n".join(repeats)
    )


def test_a_repeated_quote_and_a_misplaced_debunk_are_caught(tmp_path):
    first, second = tmp_path / "first.md", tmp_path / "second.md"
    first.write_text(
        '# First\n\n!!! failure "“Print statements actually work”"\n    No.\n\n## Setup\n\nText.\n',
        encoding="utf-8",
    )
    second.write_text(
        '# Second\n\n!!! abstract "In short"\n    Text.\n\n## What the articles claimed\n\n'
        '!!! failure "“Print statements actually work”"\n    No.\n\n## Setup\n\nText.\n',
        encoding="utf-8",
    )
    assert len(quote_repeats([first, second])) == 1
    assert same_claim("Use Keras 3 as a bridge", "Use Keras 3 as a bridge to teach/compare algorithms")
    assert same_claim("support for ... hardware like GPUs can offer", "fast hardware like GPUs can offer")
    assert not same_claim("adam", "adam")  # too short to be a claim
    problems = "\n".join(shape_problems(first) + shape_problems(second))
    assert "opens with its title" in problems
    assert "first.md:3: a quoted claim before the first section" in problems
    assert "second.md:6: the page starts with the articles' claims" in problems
    assert "must be the last part" in problems
    assert "second.md:8: admonitions in the articles part are collapsed" in problems


# ---------------------------------------------------------------- Downloads


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links.append(dict(attrs))


def built_page(site: Path, page: Path) -> tuple[Path, str]:
    """The built HTML of a docs page and its URL path relative to the site root."""
    uri = page.relative_to(ROOT / "docs").with_suffix("").as_posix()
    folder = "" if uri == "index" else uri + "/"
    return site / folder / "index.html", folder


@pytest.mark.parametrize("page", [p for p in page_files() if snippet_folders(p)], ids=lambda page: page.name)
def test_page_links_its_full_scripts_byte_for_byte(site, page):
    html_file, url_dir = built_page(site, page)
    parser = Links()
    parser.feed(html_file.read_text(encoding="utf-8"))
    served = {}
    for link in parser.links:
        href = link.get("href") or ""
        target = posixpath.normpath(posixpath.join(url_dir, href))
        if target.startswith(SERVED_UNDER + "/") and "download" in link:
            served[target] = site / target
    expected = {
        f"{SERVED_UNDER}/{folder}/{path.name}": path
        for folder in snippet_folders(page)
        for path in scripts(ROOT / "snippets" / folder)
    }
    excerpted = {f"{SERVED_UNDER}/{include.file}" for include in page_includes(page)}
    assert excerpted <= set(expected), (
        f"{relative(page)} excerpts files the download links miss: {excerpted - set(expected)}"
    )
    assert set(served) == set(expected), (
        f"{relative(page)}: download links {sorted(served)}, expected {sorted(expected)}"
    )
    for target, source in expected.items():
        assert served[target].is_file(), f"{relative(page)}: {target} is not in the built site"
        assert served[target].read_bytes() == source.read_bytes(), f"{target} differs from {relative(source)}"


# ---------------------------------------------------------------- Edit links


def test_without_a_repository_no_page_has_an_edit_button(site):
    with_button = [
        str(p.relative_to(site))
        for p in site.rglob("*.html")
        if 'rel="edit"' in p.read_text(encoding="utf-8")
    ]
    assert not with_button, f"edit buttons with no SITE_REPO_URL: {with_button}"


def test_with_site_repo_url_every_page_edits_its_markdown(monkeypatch):
    repository = "https://git.example.org/owner/site"
    monkeypatch.setenv("SITE_REPO_URL", repository)
    monkeypatch.delenv("SITE_EDIT_URI", raising=False)
    config = load_config(str(ROOT / "mkdocs.yml"))
    pages = [Page(None, file, config) for file in get_files(config).documentation_pages()]
    assert len(pages) == len(page_files())
    wrong = [
        f"{page.file.src_uri}: {page.edit_url}"
        for page in pages
        if page.edit_url != f"{repository}/edit/main/docs/{page.file.src_uri}"
    ]
    assert not wrong, "edit links not pointing at docs/<page>.md:\n" + "\n".join(wrong)

    # What the theme renders from them: the edit button, and a repository link that does not ask
    # the GitHub or GitLab API for stars (overrides/partials/source.html).
    template = config.theme.get_env().from_string(
        '{% import "partials/language.html" as lang with context %}{% set features = config.theme.features %}'
        '{% include "partials/actions.html" %}{% include "partials/source.html" %}'
    )
    rendered = template.render(page=pages[0], config=config)
    assert f'href="{repository}/edit/main/docs/{pages[0].file.src_uri}"' in rendered
    assert 'rel="edit"' in rendered
    assert f'href="{repository}"' in rendered
    assert "data-md-component" not in rendered


def test_the_edit_uri_can_be_set_for_another_host(monkeypatch):
    monkeypatch.setenv("SITE_REPO_URL", "https://gitlab.example.org/owner/site")
    monkeypatch.setenv("SITE_EDIT_URI", "-/edit/trunk/docs/")
    config = load_config(str(ROOT / "mkdocs.yml"))
    page = Page(None, get_files(config).get_file_from_path("index.md"), config)
    assert page.edit_url == "https://gitlab.example.org/owner/site/-/edit/trunk/docs/index.md"
