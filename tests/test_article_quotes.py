"""Every quotation of the four articles the site checks is in the article it cites.

The articles' text is kept in tests/data/articles/<id>.txt (see the README there); their titles,
labels and dates are `ARTICLES` in hooks/claims_table.py. Checked here:

- each “quoted” span in an admonition title on a page: in the article the admonition's body cites
  by its quoted title, or, when it cites none, in one of the four;
- each row of docs/data/claims.yml: its `claim` is in its `article`.

Quotes are compared after `normalise`, on their words only: letters and digits, case ignored (a
quote may start a sentence), so that punctuation, typography and the cell boundaries that the
extracted text of a table runs together do not count; an ellipsis ("..." or "…") stands for text
left out, each part found in order.
"""

import re
from pathlib import Path

import pytest
import yaml

from hooks.claims_table import ARTICLES, CLAIMS_FILE
from tests.harness.sections import ROOT, page_files, relative

ARTICLE_DIR = ROOT / "tests" / "data" / "articles"
ADMONITION = re.compile(r'^(!!!|\?\?\?\+?) [a-z]+ "(?P<title>.*)"\s*$')
QUOTED = re.compile(r"“([^”]+)”")
ELLIPSIS = re.compile(r"\s*(?:\.\.\.|…)\s*")


def normalise(text: str) -> str:
    """The words of `text` run together: its letters and digits, lower case."""
    return "".join(character for character in text.lower() if character.isalnum())


def article_text(article_id: str) -> str:
    return normalise((ARTICLE_DIR / f"{article_id}.txt").read_text(encoding="utf-8"))


def quoted_in(quote: str, text: str) -> bool:
    """Whether `quote` is in `text`, an ellipsis standing for any text left out."""
    position = 0
    for part in map(normalise, ELLIPSIS.split(quote)):
        found = text.find(part, position)
        if found < 0:
            return False
        position = found + len(part)
    return True


def admonitions(page: Path):
    """(line, title, body) of every admonition on `page`."""
    lines = page.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if match := ADMONITION.match(line):
            body = []
            for following in lines[number:]:
                if following.strip() and not following.startswith("    "):
                    break
                body.append(following)
            yield number, match["title"], "\n".join(body)


def cited_articles(body: str) -> list[str]:
    return [id_ for id_, meta in ARTICLES.items() if f"“{meta['title']}”" in body]


def quotation_problems(page: Path) -> list[str]:
    texts = {id_: article_text(id_) for id_ in ARTICLES}
    problems = []
    for line, title, body in admonitions(page):
        cited = cited_articles(body) or list(ARTICLES)
        for quote in QUOTED.findall(title):
            if not any(quoted_in(quote, texts[id_]) for id_ in cited):
                where = " or ".join(f"“{ARTICLES[id_]['title']}”" for id_ in cited)
                problems.append(
                    f"{relative(page)}:{line}: the quote “{quote}” is not in {where} "
                    f"(tests/data/articles/); quote the article exactly, or drop the quotation marks"
                )
    return problems


def test_the_articles_are_in_the_repository():
    assert sorted(p.stem for p in ARTICLE_DIR.glob("*.txt")) == sorted(ARTICLES)


@pytest.mark.parametrize("page", page_files(), ids=lambda page: page.name)
def test_admonition_quotes_are_in_the_article_they_cite(page):
    problems = quotation_problems(page)
    assert not problems, "\n".join(problems)


def test_claim_rows_quote_their_article():
    rows = yaml.safe_load(CLAIMS_FILE.read_text(encoding="utf-8"))
    texts = {id_: article_text(id_) for id_ in ARTICLES}
    problems = [
        f"{relative(CLAIMS_FILE)}: row {number} ({row['claim'][:50]!r}): not in article {row['article']}"
        for number, row in enumerate(rows, start=1)
        if not quoted_in(row["claim"], texts[row["article"]])
    ]
    assert not problems, "\n".join(problems)


def test_a_made_up_quote_is_rejected(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        '!!! failure "“TensorFlow cannot train models”"\n'
        "    Nobody wrote this.\n\n"
        '!!! warning "“Print statements actually work”"\n'
        f"    The article “{ARTICLES['002']['title']}” does not say this; another one does.\n",
        encoding="utf-8",
    )
    problems = quotation_problems(page)
    assert len(problems) == 2, problems
    assert problems[0].endswith(
        ":1: the quote “TensorFlow cannot train models” is not in "
        + (" or ".join(f"“{meta['title']}”" for meta in ARTICLES.values()))
        + " (tests/data/articles/); quote the article exactly, or drop the quotation marks"
    )
    assert ":4: the quote “Print statements actually work”" in problems[1]
