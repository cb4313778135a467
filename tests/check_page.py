"""`make page PAGE=<name>`: every check that concerns one page, in well under a minute.

<name> is a page, docs/<name>.md, or a snippet folder, snippets/<name>/ (article-code is shown on
claims.md). Runs, stopping at the first that fails:

1. ruff on the page's snippet folder (the snippets are linted, not formatted);
2. pytest on two workers: the folder's snippet runs, outputs and parity (`--page`), the integrity
   checks, the tests of the data the page renders (DATA_TESTS), and the strict build with its
   checks (tests/test_site_build.py). Unchanged runs come from the execution cache.

`make test` runs all of that for every page, plus the browser crawl; run it once before a pull
request.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

# The tests of the data a page renders through a hook (mkdocs.yml, hooks:).
DATA_TESTS = {
    "decision": ["tests/test_decisions.py"],
    "claims": ["tests/test_claims.py"],
    "ecosystem": ["tests/test_claims.py"],
    "api-mapping": ["tests/test_api_mapping.py"],
    "performance": ["tests/test_benchmarks.py"],
    "end-to-end": ["tests/test_notebooks.py"],
}
ALWAYS = ["tests/test_integrity.py", "tests/test_site_build.py", "tests/test_page_shape.py"]


def commands(name: str) -> list[list[str]]:
    folder = ROOT / "snippets" / name
    steps = []
    if folder.is_dir():
        steps.append([str(BIN / "ruff"), "check", str(folder.relative_to(ROOT))])
    area = name.split("/")[0]  # api-mapping/<area> pages share the mapping's tests
    tests = ["tests/test_snippets.py", *ALWAYS, *DATA_TESTS.get(area, [])]
    pytest = [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "--no-loadscope-reorder"]
    steps.append([*pytest, "--page", name, *tests])
    return steps


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0]:
        print("usage: make page PAGE=<name>  (a page docs/<name>.md or a folder snippets/<name>/)")
        return 2
    name = argv[0]
    if not (ROOT / "docs" / f"{name}.md").exists() and not (ROOT / "snippets" / name).is_dir():
        pages = sorted(p.stem for p in (ROOT / "docs").glob("*.md") if not p.name.startswith("_"))
        print(f"no page docs/{name}.md and no folder snippets/{name}/; pages: {', '.join(pages)}")
        return 2
    for command in commands(name):
        print("+", " ".join(command), flush=True)
        if code := subprocess.call(command, cwd=ROOT):
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
