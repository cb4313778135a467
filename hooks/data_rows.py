"""Rows of a YAML data file: loaded with their line numbers, validated, rendered as table cells.

Shared by the hooks that turn docs/data/*.yml into tables (claims_table.py, decision_table.py).
A Schema names a row's fields and the check for each; load_rows returns the valid rows or
raises DataRowError naming the file, line, row and field. The cell and link helpers turn
row text into Markdown table cells, so that the strict build validates every page.md#anchor.
"""

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import yaml

try:
    from hooks.input_error import InputError
except ImportError:  # loaded by MkDocs with hooks/ on sys.path
    from input_error import InputError

# libyaml's parser when present: same line marks, about 20 times faster on large files.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

INTERNAL_LINK = re.compile(r"^[a-z0-9\-/]+\.md(#[a-z0-9\-_]+)?$")


class DataRowError(InputError):
    pass


# ------------------------------------------------------------------ field checks
# Each check returns an error message, or None when the value is fine.


def text(value) -> str | None:
    if not (isinstance(value, str) and value.strip()):
        return "must be non-empty text"
    if re.search(r"`[^`]*\|[^`]*`", value):
        return "a `code span` must not contain '|' (it would split the table cell)"
    return None


def one_of(choices: list[str]) -> Callable:
    def check(value) -> str | None:
        if value not in choices:
            return f"{value!r} is not one of {choices}"
        return None

    return check


def some_of(choices: list[str]) -> Callable:
    """A non-empty list of distinct values, each one of `choices`."""

    def check(value) -> str | None:
        if not isinstance(value, list) or not value:
            return f"must be a non-empty list of values from {choices}"
        for item in value:
            if item not in choices:
                return f"{item!r} is not one of {choices}"
        if len(set(value)) != len(value):
            return "lists the same value twice"
        return None

    return check


def well_formed_link(link) -> bool:
    if not isinstance(link, str):
        return False
    if INTERNAL_LINK.match(link):
        return True
    parsed = urlparse(link)
    return parsed.scheme == "https" and "." in parsed.netloc and not re.search(r"[\s()<>|]", link)


def link(value) -> str | None:
    if not well_formed_link(value):
        return f"{value!r} is neither page.md#anchor nor an https:// URL"
    return None


def links(value) -> str | None:
    if not isinstance(value, list) or not value:
        return "must be a non-empty list of links"
    for item in value:
        if problem := link(item):
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


# ------------------------------------------------------------------ loading


def load_rows(path: Path, schema: Schema) -> list[dict]:
    """The rows of a YAML list, validated; errors name file, line, row and field."""
    loader = SAFE_LOADER(path.read_text(encoding="utf-8"))
    try:
        root = loader.get_single_node()
        if not isinstance(root, yaml.SequenceNode) or not root.value:
            raise DataRowError(f"{path}: expected a non-empty list of rows")
        rows = [(node.start_mark.line + 1, loader.construct_object(node, deep=True)) for node in root.value]
    except yaml.YAMLError as err:
        raise DataRowError(f"{path}: not valid YAML: {err}") from None
    finally:
        loader.dispose()

    fields = {**schema.required, **schema.optional}
    valid, seen = [], {}
    for index, (line, row) in enumerate(rows, start=1):
        where = f"{path}:{line}: row {index}"
        if not isinstance(row, dict):
            raise DataRowError(f"{where}: expected a mapping with fields {list(schema.required)}")
        if isinstance(row.get(schema.key), str):
            where += f" ({row[schema.key][:60]!r})"
        for field in schema.required:
            if field not in row:
                raise DataRowError(f"{where}, field {field!r}: missing")
        for field, value in row.items():
            if field not in fields:
                raise DataRowError(f"{where}, field {field!r}: unknown field (allowed: {list(fields)})")
            if problem := fields[field](value):
                raise DataRowError(f"{where}, field {field!r}: {problem}")
        key = row[schema.key].strip().casefold()
        if key in seen:
            raise DataRowError(f"{where}, field {schema.key!r}: duplicates row {seen[key]}")
        seen[key] = index
        valid.append({name: v.strip() if isinstance(v, str) else v for name, v in row.items()})
    return valid


def internal_links(rows: list[dict]) -> list[str]:
    """Every page.md#anchor link in the rows' evidence or source fields."""
    found = []
    for row in rows:
        for item in row.get("evidence", []) + [row.get("source", "")]:
            if INTERNAL_LINK.match(item):
                found.append(item)
    return found


# ------------------------------------------------------------------ rendering


def cell(value: str) -> str:
    """Table-cell Markdown: HTML escaped, `code spans` kept, other Markdown syntax neutralised."""
    parts = re.split(r"(`[^`]*`)", value.replace("\n", " "))
    out = []
    for part in parts:
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            out.append(part)  # Markdown escapes the HTML inside code spans itself
        else:
            escaped = re.sub(r"([\\*_\[\]#])", r"\\\1", part)  # Markdown syntax, as text
            out.append(html.escape(escaped, quote=False).replace("|", "&#124;"))
    return "".join(out)


def link_label(target: str) -> str:
    if target.startswith("https://"):  # the host and the first two path segments
        parsed = urlparse(target)
        segments = [part for part in parsed.path.split("/") if part][:2]
        label = "/".join([parsed.netloc.lower().removeprefix("www."), *segments])
        return label if len(label) <= 48 else label[:47] + "…"
    page, _, anchor = target.partition("#")
    return (anchor or Path(page).stem).replace("-", " ").capitalize()


def markdown_links(items: list[str]) -> str:
    """Markdown links; long labels may wrap after a '/' (<wbr>), so narrow columns stay narrow."""
    labels = [cell(link_label(item)).replace("/", "/<wbr>") for item in items]
    return ", ".join(f"[{label}]({item})" for label, item in zip(labels, items, strict=True))
