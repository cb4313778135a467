"""MkDocs hook: keep program output out of the search index.

The `#>` lines under each `print` are what the snippet printed (numbers, shapes, reprs): a reader
searches for an API or a concept, not for `tf.Tensor([1. 2.], shape=(2,), dtype=float32)`.
Each such line is one Pygments comment span; this marks it with Material's `data-search-exclude`
attribute, which the search plugin honours when it indexes the page and then strips from the HTML
(its `on_page_context` runs after this `on_page_content`), so the page a reader sees is unchanged.
tests/test_browser.py checks that code identifiers stay findable.
"""

import re

# A whole output line: Pygments renders a Python comment as one span up to the end of the line.
OUTPUT_LINE = re.compile(r'<span class="c1">(?=#&gt;)')


def on_page_content(html, **kwargs):
    return OUTPUT_LINE.sub('<span class="c1" data-search-exclude="output">', html)
