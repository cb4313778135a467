"""Build the site with mkdocs in a subprocess, as `make build` does; serve it; find Chromium.

The session fixtures in tests/conftest.py use these: one strict build of the real site per test
session (shared by the xdist workers), served on 127.0.0.1, and one Chromium per worker.
"""

import functools
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import threading
import urllib.request
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from filelock import FileLock

from tests.missing import skip_or_fail


def build_site(project: Path, site_dir: Path, config: str = "mkdocs.yml") -> subprocess.CompletedProcess:
    """`mkdocs build --strict` of `project` with its `config` file (a path relative to `project`)."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "-f",
            str(project / config),
            "-d",
            str(site_dir),
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def shared_build(project: Path, folder: Path) -> Path:
    """`build_site` once for every process that calls it with the same folder; fail if it failed."""
    site_dir, status_file = folder / "site", folder / "site-build.json"
    with FileLock(str(folder / "site.lock")):
        if not status_file.exists():
            result = build_site(project, site_dir)
            status_file.write_text(json.dumps({"returncode": result.returncode, "stderr": result.stderr}))
        status = json.loads(status_file.read_text())
    if status["returncode"] != 0:
        problems = [line for line in status["stderr"].splitlines() if not line.startswith("INFO ")]
        pytest.fail("mkdocs build --strict failed:\n" + "\n".join(problems), pytrace=False)
    return site_dir


class QuietHandler(SimpleHTTPRequestHandler):
    timeout = 10  # seconds a client socket may stall before the handler gives up

    def log_message(self, format, *args):
        pass


@contextmanager
def serve(site: Path):
    """The built site over HTTP on 127.0.0.1 at a free port: yields its URL, ending in '/'."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


# ---------------------------------------------------------------- Chromium

# Debian's package installs /usr/bin/chromium; CHROMIUM_PATH overrides; other Chromium builds on
# PATH (Ubuntu's chromium-browser, Google Chrome on hosted runners) are used if that is missing.
SEARCH_INDEX = "/search/search_index.json"  # the theme's, for the whole site


def index_without_documents(server: str) -> dict:
    """The site's search index with no documents, as keyword arguments of `Route.fulfill`: pages
    that are not tested for search get it, so that the theme's worker does not index the site."""
    with urllib.request.urlopen(server + SEARCH_INDEX.lstrip("/"), timeout=10) as response:
        index = json.loads(response.read())
    body = json.dumps({**index, "docs": []})
    return {"status": 200, "content_type": "application/json", "body": body}


CHROMIUM = os.environ.get("CHROMIUM_PATH") or next(
    (found for name in ("chromium", "chromium-browser", "google-chrome") if (found := shutil.which(name))),
    "/usr/bin/chromium",
)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Belt and braces: even on a machine with a network, no host but 127.0.0.1 resolves.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
INSTALL_HINT = (
    "install it with `apt-get install -y chromium` (Debian/Ubuntu) or point CHROMIUM_PATH at a Chromium "
    "binary, and `pip install -r requirements.txt` for Playwright"
)


def chromium_identity() -> str:
    """Which Chromium runs the browser tests: its path, size and modification time (no launch)."""
    stat = os.stat(CHROMIUM) if os.path.exists(CHROMIUM) else None
    return f"{CHROMIUM} {stat.st_size} {stat.st_mtime_ns}" if stat else f"{CHROMIUM} missing"


def require_browser() -> None:
    """Skip (or, with REQUIRE_ALL_FRAMEWORKS=1, fail) when Playwright or Chromium is missing."""
    if importlib.util.find_spec("playwright") is None:
        message = f"the browser tests need Playwright, which is not installed: {INSTALL_HINT}"
    elif not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        message = f"the browser tests need Chromium, which was not found at {CHROMIUM}: {INSTALL_HINT}"
    else:
        return
    skip_or_fail(message)


def launch(playwright):
    return playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=60_000, handle_sigint=False
    )
