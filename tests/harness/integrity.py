"""Checks that need no run: includes resolve, sections are shown and pair up, checks.yml is sound.

Each function returns a list of errors, each naming a file and line.
"""

import re
from pathlib import Path

from .folder_checks import load_folder_checks
from .sections import (
    ROOT,
    Section,
    SnippetError,
    framework_of,
    page_files,
    page_includes,
    parse_sections,
    relative,
    snippet_files,
)

PAIRED_FRAMEWORKS = ("tensorflow", "pytorch")  # a folder with one of these needs the other


def check_tree(root: Path = ROOT) -> list[str]:
    errors: list[str] = []
    sections: dict[Path, dict[str, Section]] = {}
    unreadable: set[Path] = set()  # reported once; not reported again as missing
    for path in snippet_files(root):
        try:
            framework_of(path)
            sections[path] = parse_sections(path)
        except SnippetError as err:
            errors.append(str(err))
            unreadable.add(path)

    shown: set[tuple[Path, str | None]] = set()
    pages_by_file: dict[Path, set[Path]] = {}
    for page in page_files(root):
        try:
            includes = page_includes(page)
        except SnippetError as err:
            errors.append(str(err))
            continue
        for include in includes:
            target = root / "snippets" / include.file
            if target in unreadable:
                continue
            if problem := include_problem(include, root, sections):
                errors.append(problem)
            else:
                shown.add((target, include.section))
                pages_by_file.setdefault(target, set()).add(page)

    for path, named in sections.items():
        if (path, None) in shown:
            continue
        if not named:
            errors.append(f"{relative(path)}:1: no page shows this file and it has no sections")
        for section in named.values():
            if (path, section.name) not in shown:
                errors.append(
                    f"{relative(path)}:{section.start}: section {section.name!r} is shown by no page"
                )

    folders = sorted({path.parent for path in sections} - {path.parent for path in unreadable})
    for folder in folders:
        in_folder = {path: named for path, named in sections.items() if path.parent == folder}
        errors += check_folder(folder, in_folder, pages_by_file)

    for page in page_files(root):
        shown_files = {path for path, pages in pages_by_file.items() if page in pages}
        errors += check_prose_numbers(page, shown_files)
    return errors


def include_problem(include, root: Path, sections: dict[Path, dict[str, Section]]) -> str | None:
    """Why an include does not resolve (`sections`: the parsed snippet files), or None."""
    target = root / "snippets" / include.file
    if target not in sections:
        problem = f"includes {include.file!r}, which is not a snippet file"
    elif include.section and include.section not in sections[target]:
        known = ", ".join(sorted(sections[target])) or "none"
        problem = f"{include.file!r} has no section {include.section!r} (its sections: {known})"
    else:
        return None
    return f"{relative(include.page)}:{include.line}: {problem}"  # relative() stats folders: errors only


def page_include_errors(page: Path, root: Path = ROOT) -> list[str]:
    """The includes of one page that do not resolve: what the build hook reports, one line each."""
    errors: list[str] = []
    sections: dict[Path, dict[str, Section]] = {}
    try:
        includes = page_includes(page)
    except SnippetError as err:
        return [str(err)]
    for include in includes:
        target = root / "snippets" / include.file
        if target not in sections and target.is_file():
            try:
                sections[target] = parse_sections(target)
            except SnippetError as err:
                errors.append(str(err))
                continue
        if problem := include_problem(include, root, sections):
            errors.append(problem)
    return errors


# A measured value quoted in prose: a decimal with three or more places (0.3339), outside code.
PROSE_NUMBER = re.compile(r"(?<![\w./-])\d+\.\d{3,}(?![\w.])")
CODE_SPAN = re.compile(r"`[^`]*`")
OUTPUT_NUMBER = re.compile(r"[-+]?\d+\.?\d*(?:e[-+]?\d+)?", re.IGNORECASE)


def check_prose_numbers(page: Path, shown_files: set[Path]) -> list[str]:
    """A decimal quoted in a page's prose must be printed (#> lines) by a snippet the page shows,
    exactly or rounded to the places the prose gives, so that prose cannot drift from a run.
    Numbers inside `code spans` are constants, not measurements, and are not checked."""
    printed = set()
    for path in shown_files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip().startswith("#>"):
                printed.update(OUTPUT_NUMBER.findall(line))
    errors, in_fence = [], False
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip().startswith(("```", "~~~")):
            in_fence = not in_fence
        if in_fence or line.strip().startswith(("```", "~~~", "--8<--")):
            continue
        for quoted in PROSE_NUMBER.findall(CODE_SPAN.sub(" ", line)):
            places = len(quoted.split(".")[1])
            if not any(_rounds_to(value, quoted, places) for value in printed):
                errors.append(
                    f"{relative(page)}:{number}: the prose quotes {quoted}, which no snippet shown on "
                    "this page prints; quote a value from the #> output lines, or write a constant "
                    "as `code`"
                )
    return errors


def _rounds_to(value: str, quoted: str, places: int) -> bool:
    try:
        return f"{float(value):.{places}f}" == quoted
    except ValueError:
        return False


def check_folder(folder: Path, sections: dict[Path, dict[str, Section]], pages_by_file) -> list[str]:
    """Sections pair up across the folder's files; parity entries point at real code."""
    try:
        checks = load_folder_checks(folder)
    except SnippetError as err:
        return [str(err)]
    errors = []
    frameworks = {framework_of(path) for path in sections}
    for framework in PAIRED_FRAMEWORKS:
        if framework in frameworks and not set(PAIRED_FRAMEWORKS) <= frameworks:
            missing = [f for f in PAIRED_FRAMEWORKS if f not in frameworks]
            errors.append(f"{relative(folder)}: has {framework}_code.py but no {missing[0]}_code.py")
            break

    all_names = set().union(*(named.keys() for named in sections.values()))
    for name in sorted(checks.unpaired.keys() - all_names):
        errors.append(f"{relative(folder)}/checks.yml: 'unpaired' names {name!r}, which no file has")
    for path, named in sections.items():
        pages_text = "\n".join(p.read_text(encoding="utf-8") for p in pages_by_file.get(path, ()))
        for name in sorted(all_names - named.keys()):
            others = [relative(p) for p, n in sections.items() if name in n]
            reason = checks.unpaired.get(name)
            if reason is None:
                errors.append(
                    f"{relative(path)}:1: has no section {name!r} (found in {', '.join(others)}); "
                    f"add it, or give the reason under 'unpaired' in {relative(folder)}/checks.yml"
                )
        for name in named:
            reason = checks.unpaired.get(name)
            if reason and reason not in pages_text:
                errors.append(
                    f"{relative(path)}:{named[name].start}: the page showing section {name!r} "
                    f"must state the reason it is unpaired, verbatim: {reason!r}"
                )

    for parity in checks.parity:
        for path, named in sections.items():
            section = named.get(parity.section)
            if section is None:
                errors.append(
                    f"{relative(folder)}/checks.yml: parity names section {parity.section!r}, "
                    f"missing from {relative(path)}"
                )
            elif not re.search(rf"^\s*{re.escape(parity.value)}\s*=", section.text, re.MULTILINE):
                errors.append(
                    f"{relative(path)}:{section.start}: section {parity.section!r} must assign "
                    f"{parity.value!r}, the value its parity check compares"
                )
    return errors
