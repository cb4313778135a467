"""The strict build passes, serves every asset itself, and stamps the verified versions.

`site` is the session's one strict build of the real site (tests/conftest.py), shared with the
other test files; a failed build fails every test here with mkdocs's messages."""

import html
import re
from html.parser import HTMLParser

from hooks.decision_table import load_decisions
from hooks.verified_versions import verified_versions
from tests.harness.sections import ROOT, page_files, page_includes, parse_sections


class AssetCollector(HTMLParser):
    """Every URL the browser would fetch on its own: scripts, styles, images, frames, fonts."""

    FETCHED = {
        "script": "src",
        "img": "src",
        "iframe": "src",
        "source": "src",
        "audio": "src",
        "video": "src",
    }

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.FETCHED and attrs.get(self.FETCHED[tag]):
            self.urls.append(attrs[self.FETCHED[tag]])
        if tag == "link" and attrs.get("rel") not in (None, "canonical", "alternate", "prev", "next"):
            self.urls.append(attrs.get("href", ""))


EXTERNAL = re.compile(r"^(https?:)?//", re.IGNORECASE)


def test_built_site_requests_nothing_outside_its_origin(site):
    offenders = []
    for page in site.rglob("*.html"):
        collector = AssetCollector()
        collector.feed(page.read_text(encoding="utf-8"))
        offenders += [f"{page.relative_to(site)}: {url}" for url in collector.urls if EXTERNAL.match(url)]
    for stylesheet in site.rglob("*.css"):
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", stylesheet.read_text(encoding="utf-8")):
            if EXTERNAL.match(url):
                offenders.append(f"{stylesheet.relative_to(site)}: {url}")
    assert not offenders, "external assets:\n" + "\n".join(offenders)


def test_every_page_shows_the_versions_read_from_the_installed_packages(site):
    stamp = verified_versions()
    pages = list(site.rglob("*.html"))
    assert pages
    missing = [str(p.relative_to(site)) for p in pages if stamp not in p.read_text(encoding="utf-8")]
    assert not missing, f"pages without the stamp {stamp!r}: {missing}"


def test_admonition_titles_show_no_escape_characters(site):
    """Python-Markdown keeps \\" literally in admonition titles; write “curly quotes” instead."""
    broken = [
        f"{page.relative_to(site)}: {title}"
        for page in site.rglob("*.html")
        for title in re.findall(r'admonition-title">([^<]*)', page.read_text(encoding="utf-8"))
        if "\\" in title
    ]
    assert not broken, "admonition titles with a literal backslash:\n" + "\n".join(broken)


def test_decision_page_renders_every_row_of_the_data_file(site):
    html = (site / "decision" / "index.html").read_text(encoding="utf-8")
    assert "decision-table" not in html, "the placeholder was not replaced"
    for decision in load_decisions():
        assert f"<td>{decision.scenario}</td>".replace("&", "&amp;") in html, decision.scenario


def test_every_included_output_line_reaches_its_page(site):
    """The #> lines the snippet tests verified are the ones a reader sees on the built page."""
    missing = []
    for page in page_files():
        built = site / page.relative_to(ROOT / "docs").with_suffix("") / "index.html"
        if page.name == "index.md":
            built = built.parent.parent / "index.html"
        html_text = built.read_text(encoding="utf-8")
        for include in page_includes(page):
            text = parse_sections(ROOT / "snippets" / include.file)[include.section].text
            for line in text.splitlines():
                shown = html.escape(line.strip(), quote=False)
                if line.strip().startswith("#>") and shown not in html_text:
                    missing.append(f"{include.page.name}:{include.line}: {line.strip()}")
    assert not missing, "outputs missing from the built pages:\n" + "\n".join(missing)
