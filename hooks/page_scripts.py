"""MkDocs hook: the scripts behind each page, served by the site and linked from the page.

Every page that shows snippet excerpts (`--8<-- "<folder>/<file>:<section>"`) gets, right under its
"In short" box, one line with a download link for each full script of its snippet folders and
for their `checks.yml`, and what the `#>` lines mean (the explanation lives here once, not on every
page). At the end of the page, a line tells contributors which files to edit.

The files are served at `snippets/<folder>/<file>`, the path they have in the repository: they
are added to the build's files (`on_files`), so MkDocs copies them byte for byte and the strict
build validates every link to them. tests/test_page_shape.py checks that each link resolves in the
built site to the file the page excerpts.
"""

import posixpath
import sys
from pathlib import Path

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # MkDocs puts hooks/ on sys.path, not the project

from tests.harness.sections import page_includes  # noqa: E402

SERVED_UNDER = "snippets"  # the site path the scripts are served under, as in the repository
CHECKS = "checks.yml"


def snippet_folders(page: Path) -> list[str]:
    """The snippet folders a page excerpts, in the order the page first includes them."""
    folders: list[str] = []
    for include in page_includes(page):
        folder = include.file.split("/", 1)[0]
        if folder not in folders:
            folders.append(folder)
    return folders


def scripts(folder: Path) -> list[Path]:
    """The files of a snippet folder a reader can download: its scripts, then checks.yml."""
    files = sorted(folder.glob("*_code.py"), key=lambda p: (p.name != "tensorflow_code.py", p.name))
    return files + ([folder / CHECKS] if (folder / CHECKS).exists() else [])


def served_uri(folder: str, name: str) -> str:
    return f"{SERVED_UNDER}/{folder}/{name}"


def on_config(config, **kwargs):
    """Without a repository address (SITE_REPO_URL unset) there is nothing to edit: drop edit_uri,
    which MkDocs would otherwise reject as a relative URL."""
    if not config["repo_url"]:
        config["edit_uri"] = None
    return config


def on_files(files: Files, config, **kwargs) -> Files:
    docs = Path(config["docs_dir"])
    project = Path(config["config_file_path"]).resolve().parent
    wanted: list[str] = []
    for page in sorted(docs.rglob("*.md")):
        if not page.name.startswith("_"):
            wanted += [folder for folder in snippet_folders(page) if folder not in wanted]
    for folder in wanted:
        for path in scripts(project / "snippets" / folder):
            files.append(File.generated(config, served_uri(folder, path.name), abs_src_path=str(path)))
    return files


def download_line(page_uri: str, folders: list[str], project: Path) -> str:
    here = posixpath.dirname(page_uri)
    links, count = [], 0
    for folder in folders:
        for path in scripts(project / "snippets" / folder):
            target = posixpath.relpath(served_uri(folder, path.name), here or ".")
            label = f"{folder}/{path.name}" if len(folders) > 1 else path.name
            links.append(f'[`{label}`]({target}){{ download="{folder}-{path.name}" }}')
            count += path.name != CHECKS
    if count == 1:
        these = "one script that runs top to bottom as it is"
    else:
        these = f"{'two' if count == 2 else count} scripts that run top to bottom as they are"
    return (
        f"**Run it yourself.** The code on this page is excerpted from {these}: "
        f"{' · '.join(links)}. Lines starting with `#>` show what the line above them printed; "
        f"`{CHECKS}` says how the tests run the code and which values must agree, within what "
        "tolerance."
    )


def contributor_line(page_uri: str, folders: list[str]) -> str:
    where = " and ".join(f"`snippets/{folder}/`" for folder in folders)
    return (
        f"*Contributing: this page is `docs/{page_uri}` in the site's repository, and its scripts are in "
        f"{where}; CONTRIBUTING.md describes how to change them and check the page.*"
    )


def after_in_short(lines: list[str]) -> int:
    """The index just after the "In short" box (or after the title if there is none)."""
    for number, line in enumerate(lines):
        if line.startswith('!!! abstract "In short"'):
            end = number + 1
            while end < len(lines) and (not lines[end].strip() or lines[end].startswith("    ")):
                end += 1
            while end > number + 1 and not lines[end - 1].strip():
                end -= 1
            return end
    return next((number + 1 for number, line in enumerate(lines) if line.startswith("# ")), 0)


def on_page_markdown(markdown: str, page, config, **kwargs) -> str:
    if not (page.file.src_uri.endswith(".md") and page.file.abs_src_path):
        return markdown
    folders = snippet_folders(Path(page.file.abs_src_path))
    if not folders:
        return markdown
    project = Path(config["config_file_path"]).resolve().parent
    lines = markdown.split("\n")
    at = after_in_short(lines)
    lines[at:at] = ["", download_line(page.file.src_uri, folders, project)]
    ending = ["", "---", "", contributor_line(page.file.src_uri, folders), ""]
    return "\n".join(lines).rstrip("\n") + "\n" + "\n".join(ending)
