"""MkDocs hook: render the API mapping (docs/data/api_mapping.yml) into its pages.

The mapping is an index page, docs/api-mapping.md, and one page per area, docs/api-mapping/<page>.md
(AREA_PAGES says which areas each page holds). Pages ask for their parts with placeholders:

    <!-- api-mapping-versions -->   the versions every row was run with (index page)
    <!-- api-mapping-summary -->    rows per kind of difference, over the whole mapping
    <!-- api-mapping-areas -->      a table of the area pages, with their row counts
    <!-- api-mapping-search -->     the filter over every row (filled by api-mapping.js from INDEX_FILE)
    <!-- api-mapping-bites -->      "defaults that bite", each with what both calls returned
    <!-- api-mapping-inputs -->     the shared NumPy inputs
    <!-- api-mapping-downloads -->  links to the downloads (JSON_FILE, CSV_FILE) and their schema note
    <!-- api-mapping-area -->       on an area page: its summary, its filter and its table

At build time the hook also writes INDEX_FILE, a small JSON index of every row (anchor, concept,
both calls, difference, page) that the index page's filter searches and that sends a row's old
anchor (`api-mapping/#<row>`, from when the mapping was one page) to its area page; and the whole
mapping as JSON_FILE and CSV_FILE for readers and tools (hooks/api_mapping_export.py).

The data model and its validation are in hooks/api_mapping_data.py (re-exported here).
Text is HTML-escaped; `backticks` in notes become <code>.
"""

import html
import json
import posixpath
import re
from pathlib import PurePosixPath

from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url

try:
    from hooks.api_mapping_data import (
        AREAS,
        COMPARES,
        DATA_FILE,
        DIFFERENCES,
        LEFT_OUT_FILE,
        PAGE_IDS,
        SURFACES,
        UNMAPPED_FILE,
        ApiMappingError,
        Mapping,
        Row,
        format_value,
        load_left_out,
        load_mapping,
        load_unmapped,
        slug,
        split_block,
    )
    from hooks.api_mapping_export import CSV_FILE, FIELDS, JSON_FILE, mapping_csv, mapping_json
    from hooks.verified_versions import verified_versions
except ImportError:  # loaded by MkDocs with hooks/ on sys.path
    from api_mapping_data import (
        AREAS,
        COMPARES,
        DATA_FILE,
        DIFFERENCES,
        LEFT_OUT_FILE,
        PAGE_IDS,
        SURFACES,
        UNMAPPED_FILE,
        ApiMappingError,
        Mapping,
        Row,
        format_value,
        load_left_out,
        load_mapping,
        load_unmapped,
        slug,
        split_block,
    )
    from api_mapping_export import CSV_FILE, FIELDS, JSON_FILE, mapping_csv, mapping_json
    from verified_versions import verified_versions

__all__ = [
    "AREAS",
    "COMPARES",
    "DATA_FILE",
    "DIFFERENCES",
    "LEFT_OUT_FILE",
    "PAGE_IDS",
    "SURFACES",
    "UNMAPPED_FILE",
    "ApiMappingError",
    "Mapping",
    "Row",
    "format_value",
    "load_left_out",
    "load_mapping",
    "load_unmapped",
    "slug",
    "split_block",
]

INDEX_PAGE = "api-mapping.md"
AREA_DIR = "api-mapping"
INDEX_FILE = "api-mapping/index.json"  # generated at build time, served next to the index page

# Area page (docs/api-mapping/<stem>.md) -> its title and the areas it holds, in reading order.
# A page may hold several areas (each gets its own table and heading) and an area may move to a
# page of its own as it grows: row anchors stay the same, and the index finds them wherever they are.
AREA_PAGES: dict[str, tuple[str, list[str]]] = {
    "tensor-creation": ("Tensor creation", ["tensor creation"]),
    "indexing": ("Indexing and slicing", ["indexing and slicing"]),
    "shape": ("Shape manipulation", ["shape manipulation"]),
    "math": ("Math and reductions", ["math and reductions"]),
    "linear-algebra": ("Linear algebra", ["linear algebra"]),
    "autodiff": ("Automatic differentiation", ["automatic differentiation"]),
    "random": ("Random numbers", ["random"]),
    "layers": ("Layers", ["neural-network layers"]),
    "convolution": ("Convolution and pooling", ["convolution and pooling"]),
    "activations": ("Activations", ["activations"]),
    "losses": ("Losses", ["losses"]),
    "optimizers": ("Optimizers and schedulers", ["optimizers and schedulers"]),
    "initialisers": ("Initialisers", ["initialisers"]),
    "data": ("Data utilities", ["data utilities"]),
    "saving": ("Saving", ["saving"]),
    "devices": ("Devices and dtypes", ["device and dtype handling"]),
}
PAGE_OF_AREA = {area: stem for stem, (_, areas) in AREA_PAGES.items() for area in areas}
# Pages under docs/api-mapping/ that hold no rows: they teach with snippets of their own.
OTHER_PAGES = {"deprecations"}

PLACEHOLDERS = {
    "versions": "<!-- api-mapping-versions -->",
    "summary": "<!-- api-mapping-summary -->",
    "areas": "<!-- api-mapping-areas -->",
    "search": "<!-- api-mapping-search -->",
    "bites": "<!-- api-mapping-bites -->",
    "inputs": "<!-- api-mapping-inputs -->",
    "downloads": "<!-- api-mapping-downloads -->",
    "area": "<!-- api-mapping-area -->",
}


def area_page_path(stem: str) -> str:
    """The area page's path under docs/."""
    return f"{AREA_DIR}/{stem}.md"


def row_page(row: Row) -> str:
    return area_page_path(PAGE_OF_AREA[row.area])


def md_link(target: str, page_src: str) -> str:
    """A Markdown link from page `page_src` to `target` (both paths under docs/)."""
    return posixpath.relpath(target, posixpath.dirname(page_src) or ".")


# ---------------------------------------------------------------- Rendering


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


def _prose(text: str) -> str:
    """Escaped text in which `backtick spans` become <code>."""
    parts = re.split(r"`([^`]+)`", text)
    return "".join(
        f"<code>{_escape(part)}</code>" if i % 2 else _escape(part).replace("\n", " ")
        for i, part in enumerate(parts)
    )


LONG_ARGUMENTS = 30  # characters between a call's parentheses past which it may wrap after "("


def _closing_brackets(call: str) -> dict[int, int]:
    """Position of each opening bracket -> position of its closing bracket (strings skipped)."""
    pairs, stack, quote, i = {}, [], None, 0
    while i < len(call):
        char = call[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char in "([{":
            stack.append(i)
        elif char in ")]}" and stack:
            pairs[stack.pop()] = i
        i += 1
    return pairs


def argument_pieces(call: str) -> list[str]:
    """A one-line call cut where it may wrap: after each comma between arguments or list items,
    after `;` between statements, after the "(" of a call whose arguments are long, and before
    a call or method applied to a call's result (`Loss(...)(y, p)`, `dataset.map(f).batch(2)`);
    never inside a name, a string or an expression. Concatenated, the pieces give the call back.
    """
    pairs = _closing_brackets(call)
    cuts = set()  # positions a piece starts at
    depth, quote, i = 0, None, 0
    while i < len(call):
        char = call[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char in "([{":
            if char == "(" and depth == 0 and i > 0 and call[i - 1] == ")":
                cuts.add(i)
            if char == "(" and pairs.get(i, i) - i > LONG_ARGUMENTS:
                cuts.add(i + 1)
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "." and depth == 0 and i > 0 and call[i - 1] == ")":
            cuts.add(i)
        elif char in ",;" and call[i + 1 : i + 2] == " " and (depth >= 1 or char == ";"):
            cuts.add(i + 2)
        i += 1
    bounds = [0, *sorted(cut for cut in cuts if 0 < cut < len(call)), len(call)]
    return [call[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if a < b]


def call_html(call: str) -> str:
    """A call as <code> that wraps only where argument_pieces allows (api-mapping.css: `api-call`
    never wraps; in `api-args` each piece is nowrap and may break at the <wbr> that follows it)."""
    if "\n" in call:
        return f'<code class="api-run">{_escape(call)}</code>'
    pieces = argument_pieces(call)
    if len(pieces) == 1:
        return f'<code class="api-call">{_escape(call)}</code>'
    inner = "<wbr>".join(f"<span>{_escape(piece)}</span>" for piece in pieces)
    return f'<code class="api-args">{inner}</code>'


def _code_cell(row: Row, side: str) -> str:
    """The call; a one-line aligned form below it; any other code run behind a small toggle.

    Area pages can hold hundreds of rows, so every element per row counts: no <br>, and the code
    run is one <code> block, not <pre><code>, which the theme would give a copy button, a toolbar
    and a resize observer each.
    """
    shown = row.tensorflow if side == "tf" else row.pytorch
    cell = call_html(shown)
    ran = row.tf_code if side == "tf" else row.torch_code
    aligned = (row.aligned(side) or "").strip()
    if aligned and "\n" not in aligned:
        cell += f'<span class="api-aligned">aligned: {call_html(aligned)}</span>'
        aligned = ""
    keras = row.keras if side == "tf" else None  # tested to return what the TensorFlow call returns
    if keras and "\n" not in keras:
        cell += f'<span class="api-aligned">Keras 3: {call_html(keras)}</span>'
        keras = None
    blocks = []
    if ran:
        blocks.append(("# as tested", ran.strip()))
    if aligned:
        blocks.append(("# aligned", aligned))
    if keras:
        blocks.append(("# Keras 3 (backend-neutral), returns the same", keras.strip()))
    if blocks:
        code = "\n".join(f"{label}\n{text}" for label, text in blocks)
        cell += (
            # data-search-exclude: the call above is indexed already; its tested form would repeat it
            '<details class="api-code" data-search-exclude="tested code">'
            '<summary title="The exact code the tests ran">code run</summary>'
            f'<code class="api-run">{_escape(code)}</code></details>'
        )
    return cell


def _difference_cell(row: Row) -> str:
    cell = f'<em class="api-difference">{_escape(row.difference)}</em>'
    if row.compare == "statistics":
        cell += ' <span class="api-compare">(compared by statistics)</span>'
    if row.note:
        cell += f'<span class="api-note">{_prose(row.note)}</span>'
    return cell + arguments_table(row)


def arguments_table(row: Row) -> str:
    """A row's `arguments`, one line per argument: its name and default on each side (the defaults
    the tests check against the installed signatures) and its meaning. A line whose two sides
    differ is marked, so that a reader sees which argument to change. A long `name=default` may
    wrap after its `=`, which keeps the table narrow enough for the row."""
    if not row.arguments:
        return ""
    out = [
        f'<table class="api-arguments" aria-label="Arguments of {_escape(row.concept)}">'
        "<caption>Arguments, with the installed defaults</caption>"
        '<thead><tr><th scope="col">TensorFlow</th><th scope="col">PyTorch</th>'
        '<th scope="col">Meaning</th></tr></thead><tbody>'
    ]
    for argument in row.arguments:
        sides = [argument.tensorflow, argument.pytorch]
        differs = sides[0] is None or sides[1] is None or sides[0].text != sides[1].text
        cells = "".join(
            '<td class="api-arg-none">none</td>'
            if side is None
            else f"<td><code>{_escape(side.text).replace('=', '=<wbr>', 1)}</code>"
            + (' <span class="api-arg-none">required</span>' if side.default is None else "")
            + "</td>"
            for side in sides
        )
        mark = ' class="api-arg-differs"' if differs else ""
        out.append(f"<tr{mark}>{cells}<td>{_prose(argument.meaning)}</td></tr>")
    out.append("</tbody></table>")
    return "".join(out)


EXCLUDE = 'data-search-exclude="row"'


def render_area_table(mapping: Mapping, area: str, own_id: bool = False) -> str:
    """One area's rows as a table; each row's id is its anchor. With `own_id` the table has the
    area's anchor as its id (on a page of one area, which has no heading per area)."""
    table_id = f' id="{slug(area)}"' if own_id else ""
    # The rows stay out of the site-wide search index (lunr parses all of it on a reader's first
    # visit, and tests/test_browser.py limits its size): 890 rows would add a fifth to it. The index
    # page's own search (INDEX_FILE) finds every row by its concept and either framework's call.
    # Material's search parser ends an exclusion at the first closing tag of the same name, so the
    # mark goes on cells and on a <div> around the difference cell (which may hold a nested table).
    out = [
        f'<table{table_id} data-api-area="{slug(area)}">'
        '<thead><tr><th scope="col">Concept</th><th scope="col">TensorFlow</th>'
        '<th scope="col">PyTorch</th><th scope="col">Difference</th></tr></thead><tbody>'
    ]
    for row in mapping.rows:
        if row.area == area:
            out.append(
                f'<tr id="{row.anchor}"><td {EXCLUDE}><a href="#{row.anchor}">{_escape(row.concept)}</a></td>'
                f"<td {EXCLUDE}>{_code_cell(row, 'tf')}</td><td {EXCLUDE}>{_code_cell(row, 'torch')}</td>"
                f"<td><div {EXCLUDE}>{_difference_cell(row)}</div></td></tr>"
            )
    out.append("</tbody></table>\n")
    return "".join(out)


def _counts(rows: list[Row]) -> str:
    counts = {d: sum(row.difference == d for row in rows) for d in DIFFERENCES}
    return ", ".join(f"{count} *{_escape(d)}*" for d, count in counts.items() if count)


FILTER_BOX = """<div class="api-filter" hidden{data}>
<label for="api-filter-input">{label}</label>
<input type="search" id="api-filter-input" placeholder="{placeholder}" autocomplete="off">
<span id="api-filter-status" aria-live="polite"></span>{hint}
</div>"""
# Area pages only: api-mapping.js turns the first three headers into sort buttons.
SORT_HINT = (
    '\n<span class="api-sort-hint">Sort by either framework\'s name with the TensorFlow and PyTorch '
    "headers (again to reverse, a third time for the page's order).</span>"
)


def render_area_page(mapping: Mapping, stem: str) -> str:
    """An area page's rows: a summary, the filter of its tables and one table per area it holds."""
    title, areas = AREA_PAGES[stem]
    rows = [row for row in mapping.rows if row.area in areas]
    stats = sum(row.compare == "statistics" for row in rows)
    out = [
        f"**{len(rows)} rows**: {_counts(rows)}."
        + (f" {stats} produce random output and are compared by statistics." if stats else "")
        + "\n",
        FILTER_BOX.format(
            label="Filter the rows",
            placeholder="a name from either side: reduce_sum, torch.sum, dim",
            data="",
            hint=SORT_HINT,
        )
        + "\n",
    ]
    for area in areas:
        if len(areas) > 1:
            out.append(f"## {area[0].upper()}{area[1:]} {{#{slug(area)}}}\n")
        out.append(render_area_table(mapping, area, own_id=len(areas) == 1))
    return "\n".join(out)


def render_areas(mapping: Mapping, page_src: str) -> str:
    """The table of area pages on the index page: links, row counts, kinds of difference."""
    out = ["| Area | Rows | Differences |", "| --- | ---: | --- |"]
    for stem, (title, areas) in AREA_PAGES.items():
        rows = [row for row in mapping.rows if row.area in areas]
        link = md_link(area_page_path(stem), page_src)
        out.append(f"| [{_escape(title)}]({link}) | {len(rows)} | {_counts(rows)} |")
    return "\n".join(out) + "\n"


def render_search(index_url: str, root_url: str) -> str:
    """The index page's filter: hidden until api-mapping.js has loaded; it fetches the JSON index."""
    box = FILTER_BOX.format(
        label="Find a call in any area",
        placeholder="e.g. conv, argmax, weight_decay, defaults",
        data=f' data-index="{index_url}" data-root="{root_url}"',
        hint="",
    )
    return box + '\n<ol id="api-filter-results" class="api-results"></ol>\n'


def render_bites(mapping: Mapping, page_src: str = INDEX_PAGE) -> str:
    out = []
    for row in mapping.rows:
        if not row.bite:
            continue
        link = md_link(row_page(row), page_src)
        out.append(f"### {_escape(row.bite)} {{#bite-{row.anchor}}}\n")
        out.append(f"{_prose(row.note)} Row: [{_escape(row.concept)}]({link}#{row.anchor}).\n")
        for side, label in (("tf", "TensorFlow"), ("torch", "PyTorch")):
            key = "tensorflow" if side == "tf" else "pytorch"
            code = row.code(side).strip()
            out.append(f'=== "{label}"\n')
            out.append("    ```python")
            out.extend(f"    {line}" if line else "" for line in code.splitlines())
            out.append(f"    #> {format_value(row.expect[key])}")
            out.append("    ```\n")
            aligned = row.aligned(side)
            if aligned:
                out.append("    Aligned with the other framework:\n")
                out.append("    ```python")
                out.extend(f"    {line}" if line else "" for line in aligned.strip().splitlines())
                out.append("    ```\n")
    return "\n".join(out)


def render_inputs(mapping: Mapping) -> str:
    lines = ["```python", "rng = np.random.default_rng(0)"]
    lines += [f"{name} = {expression.strip()}" for name, expression in mapping.inputs.items()]
    lines.append("```")
    return "\n".join(lines)


def render_downloads(mapping: Mapping, page_src: str = INDEX_PAGE) -> str:
    """Links to the two downloads and the schema note their fields share."""
    json_link, csv_link = md_link(JSON_FILE, page_src), md_link(CSV_FILE, page_src)
    out = [
        f"The {len(mapping.rows)} rows, generated from the data file when the site is built: "
        f"[{PurePosixPath(JSON_FILE).name}]({json_link}) (with the versions they were run with and "
        f"this schema note) and [{PurePosixPath(CSV_FILE).name}]({csv_link}) (one record per row, "
        "these fields as its header; `expect` and `arguments` are JSON text there). A field a row "
        "does not set is `null` in the JSON file and empty in the CSV file.\n",
        "| Field | Meaning |",
        "| --- | --- |",
    ]
    out += [f"| `{name}` | {_prose(meaning)} |" for name, meaning in FIELDS.items()]
    return "\n".join(out) + "\n"


def render_summary(mapping: Mapping) -> str:
    stats = sum(row.compare == "statistics" for row in mapping.rows)
    return (
        f"**{len(mapping.rows)} rows** in {len({row.area for row in mapping.rows})} areas: "
        f"{_counts(mapping.rows)}. {stats} rows produce random output and are compared by statistics."
    )


def render_versions() -> str:
    versions = verified_versions().removeprefix("Snippets verified with ")
    return f"Every row was run and compared with {versions}"


def search_index(mapping: Mapping, page_urls: dict[str, str]) -> dict:
    """What INDEX_FILE holds. `page_urls` maps an area page's path under docs/ to its URL
    relative to the site root. Rows are lists, not objects, to keep the file small:
    [anchor, concept, TensorFlow call, PyTorch call, index into differences, index into pages]."""
    stems = list(AREA_PAGES)
    return {
        "pages": [[page_urls[area_page_path(stem)], AREA_PAGES[stem][0]] for stem in stems],
        "differences": DIFFERENCES,
        # the old one-page mapping's area headings, which are anchors too
        "areas": {slug(area): stems.index(PAGE_OF_AREA[area]) for area in AREAS},
        "rows": [
            [
                row.anchor,
                row.concept,
                row.tensorflow,
                row.pytorch,
                DIFFERENCES.index(row.difference),
                stems.index(PAGE_OF_AREA[row.area]),
            ]
            for row in mapping.rows
        ],
    }


# ---------------------------------------------------------------- MkDocs events

# The data file, loaded and validated once per build by on_files and read by every mapping page
# (seventeen of them): loading takes seconds, as it compiles every row's code.
_mapping: Mapping | None = None


def on_files(files, config, **kwargs):
    """Check that every area has its page, and add INDEX_FILE and the downloads, generated from the
    data file."""
    missing = [stem for stem in AREA_PAGES if files.get_file_from_path(area_page_path(stem)) is None]
    unknown = [
        file.src_uri
        for file in files.documentation_pages()
        if file.src_uri.startswith(f"{AREA_DIR}/")
        and PurePosixPath(file.src_uri).stem not in AREA_PAGES.keys() | OTHER_PAGES
    ]
    if missing or unknown:
        raise ApiMappingError(
            f"hooks/api_mapping.py AREA_PAGES and docs/{AREA_DIR}/ disagree: "
            f"pages missing: {[area_page_path(s) for s in missing]}, "
            f"pages in neither AREA_PAGES nor OTHER_PAGES: {unknown}"
        )
    uncovered = [area for area in AREAS if area not in PAGE_OF_AREA]
    if uncovered:
        raise ApiMappingError(f"hooks/api_mapping.py AREA_PAGES: no page holds the areas {uncovered}")
    urls = {area_page_path(stem): files.get_file_from_path(area_page_path(stem)).url for stem in AREA_PAGES}
    global _mapping
    _mapping = mapping = load_mapping()
    content = json.dumps(search_index(mapping, urls), ensure_ascii=False, separators=(",", ":"))
    files.append(File.generated(config, INDEX_FILE, content=content))
    row_urls = [urls[row_page(row)] for row in mapping.rows]
    files.append(File.generated(config, JSON_FILE, content=mapping_json(mapping, row_urls)))
    files.append(File.generated(config, CSV_FILE, content=mapping_csv(mapping, row_urls)))
    return files


def on_page_markdown(markdown: str, page, files=None, **kwargs) -> str:
    if not any(marker in markdown for marker in PLACEHOLDERS.values()):
        return markdown
    mapping = load_mapping() if _mapping is None else _mapping
    src = page.file.src_uri
    stem = PurePosixPath(src).stem

    def area() -> str:
        if PurePosixPath(src).parent.as_posix() != AREA_DIR or stem not in AREA_PAGES:
            raise ApiMappingError(
                f"docs/{src}: {PLACEHOLDERS['area']} belongs on a page docs/{AREA_DIR}/<area>.md"
            )
        return render_area_page(mapping, stem)

    def search() -> str:
        index_url = get_relative_url(INDEX_FILE, page.url or ".")
        root_url = get_relative_url(".", page.url or ".")
        root_url = "" if root_url == "." else root_url.rstrip("/") + "/"
        return render_search(index_url, root_url)

    rendered = {
        "versions": render_versions,
        "summary": lambda: render_summary(mapping),
        "areas": lambda: render_areas(mapping, src),
        "search": search,
        "bites": lambda: render_bites(mapping, src),
        "inputs": lambda: render_inputs(mapping),
        "downloads": lambda: render_downloads(mapping, src),
        "area": area,
    }
    for key, marker in PLACEHOLDERS.items():
        if marker in markdown:
            markdown = markdown.replace(marker, rendered[key]())
    return markdown
