"""Snippet files, their named sections, and the `--8<--` includes on the pages."""

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Snippet files are named <framework>_code.py. A file named tensorflow.py would shadow
# the tensorflow package when a reader runs it as a script, so the suffix is required.
FRAMEWORK_MODULES = {"tensorflow": "tensorflow", "pytorch": "torch", "keras": "keras"}
CODE_SUFFIX = "_code"

SECTION_MARKER = re.compile(r"^\s*# --8<-- \[(start|end):([A-Za-z0-9_]+)\]\s*$")
ANY_MARKER = re.compile(r"--8<--")
PAGE_INCLUDE = re.compile(r'^\s*--8<-- "([^"]+)"\s*$')


class SnippetError(Exception):
    """A snippet file or page that breaks the rules; the message names file and line."""


@dataclass(frozen=True)
class Section:
    name: str
    path: Path
    start: int  # 1-based line of the start marker
    end: int  # 1-based line of the end marker
    text: str  # the lines between the markers


@dataclass(frozen=True)
class Include:
    page: Path
    line: int
    file: str  # relative to snippets/
    section: str | None  # None: the whole file


def relative(path: Path) -> str:
    """`path` relative to the project it belongs to (the folder holding mkdocs.yml)."""
    path = path.resolve()
    for base in path.parents:
        if (base / "mkdocs.yml").exists():
            return str(path.relative_to(base))
    return str(path)


def framework_of(path: Path) -> str:
    stem = path.stem
    framework = stem.removesuffix(CODE_SUFFIX)
    if stem == framework or framework not in FRAMEWORK_MODULES:
        names = ", ".join(f"{name}{CODE_SUFFIX}.py" for name in FRAMEWORK_MODULES)
        raise SnippetError(f"{relative(path)}:1: snippet files must be named one of {names}")
    return framework


def snippet_files(root: Path = ROOT) -> list[Path]:
    return sorted(p for p in (root / "snippets").rglob("*.py") if "__pycache__" not in p.parts)


def page_files(root: Path = ROOT) -> list[Path]:
    # Files starting with "_" (the page template) are excluded from the build, as in mkdocs.yml.
    return sorted(p for p in (root / "docs").rglob("*.md") if not p.name.startswith("_"))


def parse_sections(path: Path) -> dict[str, Section]:
    """Named sections of a snippet file; malformed markers raise with file and line."""
    sections: dict[str, Section] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    open_name, open_line = None, 0

    def where(number: int) -> str:  # only on error: relative() stats the folders above `path`
        return f"{relative(path)}:{number}"

    for number, line in enumerate(lines, start=1):
        match = SECTION_MARKER.match(line)
        if not match:
            if ANY_MARKER.search(line):
                raise SnippetError(f"{where(number)}: malformed section marker {line.strip()!r}")
            continue
        kind, name = match.groups()
        if kind == "start":
            if open_name:
                raise SnippetError(f"{where(number)}: section {name!r} starts inside {open_name!r}")
            if name in sections:
                raise SnippetError(f"{where(number)}: section {name!r} is defined twice")
            open_name, open_line = name, number
        else:
            if name != open_name:
                raise SnippetError(f"{where(number)}: end of {name!r} but the open section is {open_name!r}")
            text = "\n".join(lines[open_line : number - 1])
            sections[name] = Section(name, path, open_line, number, text)
            open_name = None
    if open_name:
        raise SnippetError(f"{where(open_line)}: section {open_name!r} is never ended")
    return sections


def page_includes(page: Path) -> list[Include]:
    includes = []
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
        match = PAGE_INCLUDE.match(line)
        if match:
            file, _, section = match.group(1).partition(":")
            includes.append(Include(page, number, file, section or None))
        elif line.strip().startswith("--8<--"):
            raise SnippetError(f"{relative(page)}:{number}: malformed include {line.strip()!r}")
    return includes
