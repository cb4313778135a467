"""Printed output shown as `#>` lines under the statement that printed it (Pydantic's style).

`render_outputs` rewrites a snippet's source from a real run: old `#>` lines are dropped
and each statement that printed is followed by what it printed. The test compares that
rendering with the file (drift fails); `make outputs` writes it back.
"""

import ast
import difflib
import re

OUTPUT_PREFIX = "#>"

# Values that legitimately change between identical runs, normalised in this one place
# before comparing (the file keeps the real value from the last `make outputs`).
UNSTABLE = [
    (re.compile(r"\b0x[0-9a-fA-F]{6,}\b"), "0x<address>"),  # object addresses
    (re.compile(r"/tmp/[\w.\-/]+"), "<tmp path>"),  # temporary directories
]


def normalise(text: str) -> str:
    for pattern, replacement in UNSTABLE:
        text = pattern.sub(replacement, text)
    return text


def _printing_statement(tree: ast.Module, line: int) -> ast.stmt:
    """The innermost statement that contains `line`."""
    best = None
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and node.lineno <= line <= node.end_lineno:
            if best is None or node.lineno >= best.lineno and node.end_lineno <= best.end_lineno:
                best = node
    if best is None:
        raise ValueError(f"no statement contains line {line}")
    return best


def render_outputs(source: str, prints: list[dict]) -> str:
    """`source` with its `#>` lines replaced by `prints` ({"line", "text"} from the runner)."""
    tree = ast.parse(source)
    blocks: dict[int, tuple[int, list[str]]] = {}  # end line -> (indent, texts)
    for record in prints:
        statement = _printing_statement(tree, record["line"])
        indent, texts = blocks.setdefault(statement.end_lineno, (statement.col_offset, []))
        texts.append(record["text"])

    rendered = []
    for number, line in enumerate(source.splitlines(), start=1):
        if not line.lstrip().startswith(OUTPUT_PREFIX):
            rendered.append(line)
        if number in blocks:
            indent, texts = blocks[number]
            output = "".join(texts).removesuffix("\n")
            for out_line in output.split("\n"):
                rendered.append(" " * indent + f"{OUTPUT_PREFIX} {out_line}".rstrip())
    return "\n".join(rendered) + "\n"


def drift_report(where: str, current: str, rendered: str) -> str | None:
    """None when the shown outputs match the run, else a diff naming file and lines."""
    if normalise(current) == normalise(rendered):
        return None
    current_lines, rendered_lines = current.splitlines(), rendered.splitlines()
    matcher = difflib.SequenceMatcher(a=current_lines, b=rendered_lines, autojunk=False)
    first = next(op for op in matcher.get_opcodes() if op[0] != "equal")
    diff = difflib.unified_diff(
        current_lines, rendered_lines, f"{where} (shown)", f"{where} (this run)", lineterm=""
    )
    return (
        f"{where}:{first[1] + 1}: shown output differs from what the code printed.\n"
        + "\n".join(diff)
        + "\nIf the new output is right, run `make outputs` to rewrite the #> lines."
    )
