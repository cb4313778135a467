"""MkDocs hook: render docs/upgrading.md from the drift report `make test-latest` wrote.

docs/data/upgrading.json is written by `python -m latest` (latest/__main__.py), never by hand: the
versions compared, and for every snippet run and notebook whether it printed the same, printed
something else (the diff, and the page sections it changed) or failed (the error).
docs/data/upgrading_notes.yml is the one hand-written part: what each changed or failed file means
for a reader, one entry per file, required for every such file and for nothing else. A malformed
report or a missing or stale note raises UpgradingError naming the file and the field.
"""

import html
import json
from pathlib import Path

import yaml

try:
    from hooks.input_error import InputError
except ImportError:  # loaded by MkDocs with hooks/ on sys.path
    from input_error import InputError

DATA = Path(__file__).resolve().parents[1] / "docs" / "data"
REPORT_FILE = DATA / "upgrading.json"
NOTES_FILE = DATA / "upgrading_notes.yml"
PLACEHOLDER = "<!-- upgrading-report -->"
STATUSES = ("identical", "changed", "failed")


class UpgradingError(InputError):
    pass


def load_report(path: Path = REPORT_FILE) -> dict:
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise UpgradingError(f"{path}: cannot be read ({err}); run `make test-latest` to write it") from None
    for field in (
        "made",
        "command",
        "machine",
        "install",
        "packages",
        "snippets",
        "notebooks",
        "parity_failures",
    ):
        if field not in report:
            raise UpgradingError(f"{path}: field {field!r} is missing; run `make test-latest` to write it")
    for kind in ("snippets", "notebooks"):
        for number, entry in enumerate(report[kind], start=1):
            if entry.get("status") not in STATUSES:
                raise UpgradingError(
                    f"{path}: {kind}[{number}] ({entry.get('file')}): status must be one of {STATUSES}"
                )
            if entry["status"] == "changed" and not entry.get("diff"):
                raise UpgradingError(
                    f"{path}: {kind}[{number}] ({entry['file']}): a changed entry needs its diff"
                )
            if entry["status"] == "failed" and not entry.get("error"):
                raise UpgradingError(
                    f"{path}: {kind}[{number}] ({entry['file']}): a failed entry needs its error"
                )
    return report


def load_notes(report: dict, path: Path = NOTES_FILE) -> dict[str, str]:
    notes = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(notes, dict) or not all(isinstance(v, str) and v.strip() for v in notes.values()):
        raise UpgradingError(f"{path}: expected a mapping from a file to what its change means for a reader")
    needed = {e["file"] for e in report["snippets"] + report["notebooks"] if e["status"] != "identical"}
    needed |= {f["folder"] for f in report["parity_failures"]}
    if missing := sorted(needed - set(notes)):
        raise UpgradingError(
            f"{path}: no note for {missing}, which changed or failed under the newest releases"
        )
    if stale := sorted(set(notes) - needed):
        raise UpgradingError(f"{path}: notes for {stale}, which did not change: remove them")
    return notes


def version_table(report: dict) -> str:
    rows = [
        "| Package | Pinned here | Tested | Newest on PyPI | Why not the newest |",
        "| --- | --- | --- | --- | --- |",
    ]
    for package in report["packages"]:
        why = package.get("why_not_newest", "")
        cells = [package["name"], package["pinned"], package["tested"], package["newest"], why]
        rows.append(
            "| " + " | ".join(html.escape(str(cell or "")).replace("|", "\\|") for cell in cells) + " |"
        )
    return "\n".join(rows)


def entry_block(entry: dict, notes: dict[str, str]) -> str:
    runs = " ".join(f"{key}={value}" for key, value in entry.get("env", {}).items())
    title = f"`{entry['file']}`" + (f" (run with `{runs}`)" if runs else "") + f": {entry['status']}"
    links = ", ".join(f"[{s['section']}]({s['link']})" for s in entry.get("sections", []) if s["link"])
    detail = entry.get("diff") or entry.get("error")
    lines = [f"### {title}", "", notes[entry["file"]].strip()]
    if links:
        lines += ["", f"Sections: {links}."]
    body = "\n".join("    " + line for line in ["```text", *detail.splitlines(), "```"])
    label = (
        "The diff: what the page shows, then what the newest releases printed"
        if entry.get("diff")
        else "The error"
    )
    lines += ["", f'??? note "{label}"', "", body]
    return "\n".join(lines)


def current_files() -> list[str]:
    """The snippet files and notebooks the site has now, as the report names them."""
    root = DATA.parents[1]
    found = [*(root / "snippets").glob("*/*_code.py"), *(root / "docs" / "notebooks").glob("*.ipynb")]
    return sorted(path.relative_to(root).as_posix() for path in found)


def render(report: dict, notes: dict[str, str], files_now: list[str]) -> str:
    entries = report["snippets"] + report["notebooks"]
    counts = {status: sum(e["status"] == status for e in entries) for status in STATUSES}
    parts = [
        f"Made on {report['made']} by `{report['command']}` ({report['machine']}). "
        + (
            "Installing the newest releases into a new environment"
            if report["install"]["fresh"]
            else "Updating an existing environment to the newest releases"
        )
        + f" took {report['install']['seconds']} s; the environment takes "
        f"{report['install']['size_mb']:,} MB.",
        "",
        version_table(report),
        "",
        f"Of {len(report['snippets'])} snippet runs and {len(report['notebooks'])} notebooks, "
        f"**{counts['identical']} printed exactly what this site shows**, {counts['changed']} printed "
        f"something else and {counts['failed']} failed. "
        + (
            f"{len(report['parity_failures'])} values no longer agree across frameworks."
            if report["parity_failures"]
            else "Every value the two frameworks must agree on still agrees."
        ),
    ]
    if added := sorted(set(files_now) - {e["file"] for e in entries}):
        listed = ", ".join(f"`{name}`" for name in added)
        parts += ["", f"Not yet run on the newest releases (added since this report): {listed}."]
    changed = [e for e in entries if e["status"] != "identical"]
    if changed:
        parts += ["", "## What changed", ""] + [entry_block(e, notes) + "\n" for e in changed]
    for failure in report["parity_failures"]:
        parts += [
            f"### `{failure['folder']}`: `{failure['value']}` no longer agrees",
            "",
            notes[failure["folder"]],
            "",
        ]
    return "\n".join(parts)


def on_page_markdown(markdown: str, page, **kwargs) -> str:
    if PLACEHOLDER not in markdown:
        return markdown
    report = load_report()
    return markdown.replace(PLACEHOLDER, render(report, load_notes(report), current_files()))
