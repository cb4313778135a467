"""MkDocs hook: a page whose `--8<--` include names a missing snippet file or section fails the
build with one line per include, `docs/<page>.md:<line>: '<file>' has no section '<name>' ...`,
before pymdownx.snippets would stop it with a traceback. The check is the integrity test's own
(tests/harness/integrity.py), so the build and the tests say the same thing."""

import sys
from pathlib import Path

from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # MkDocs puts hooks/ on sys.path, not the project

from tests.harness.integrity import page_include_errors  # noqa: E402


def on_page_markdown(markdown: str, page, config, **kwargs) -> str:
    if page.file.src_uri.endswith(".md") and page.file.abs_src_path:
        project = Path(config["config_file_path"]).resolve().parent
        errors = page_include_errors(Path(page.file.abs_src_path), project)
        if errors:
            raise PluginError("\n".join(errors))
    return markdown
