"""The execution cache: a recorded run is reused only while nothing that could change it has changed.

In the spirit of Jupyter Book's execution cache, for the local loop only. Each entry is stored under
the identity of what ran (a snippet file and run, a notebook, the API mapping) together with the key
it was made under, and is served only when the key computed now is the same. A key hashes:

- what runs: the snippet file without its `#>` lines (they record output, they are not code), the
  notebook's code cells, the API mapping's data file;
- its settings: for a snippet, its `checks.yml` entry (the run's environment, the timeout, the
  parity values kept);
- the code that runs it: every file under tests/harness/ and the test module or runner named;
- requirements.txt, the Python version, and the name and version of every installed distribution.
  That is a superset of the packages a run imports: with exact pins a change there is rare, and a
  backend imported lazily (Keras on torch) cannot be missed.

Failed runs are never stored, so a failure always runs again and a timeout under load is not
remembered. The cache is off when CI is set (CI runs everything cold) or EXECUTION_CACHE=off
(`make test-cold`). Entries live in .cache/execution/ (git-ignored); delete it to start cold.
"""

import functools
import hashlib
import importlib.metadata
import json
import os
import pickle
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .outputs import OUTPUT_PREFIX
from .sections import ROOT

CACHE_DIR = ROOT / ".cache" / "execution"
HARNESS_DIR = Path(__file__).resolve().parent
LOG_NAME = "execution-log.jsonl"  # in the session's shared temporary directory: what ran, what was reused


def off_reason(environ=os.environ) -> str | None:
    """Why the cache is off in this environment, or None when it is on."""
    if environ.get("CI", "").lower() not in ("", "0", "false"):
        return "CI runs everything cold"
    if environ.get("EXECUTION_CACHE", "on").lower() == "off":
        return "EXECUTION_CACHE=off"
    return None


@functools.cache
def installed_distributions() -> str:
    """Every installed distribution as `name==version`, one a line, sorted."""
    names = {
        f"{dist.metadata['Name'].lower()}=={dist.version}" for dist in importlib.metadata.distributions()
    }
    return "\n".join(sorted(names))


def environment_fingerprint(root: Path = ROOT, distributions: str | None = None) -> bytes:
    requirements = (root / "requirements.txt").read_bytes()
    installed = installed_distributions() if distributions is None else distributions
    return b"\0".join([requirements, sys.version.encode(), installed.encode()])


def code_fingerprint(paths: list[Path]) -> bytes:
    """The content of each file, or of every file under each folder, with its name."""
    digest = hashlib.sha256()
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if "__pycache__" in file.parts:
                continue
            digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.digest()


def make_key(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little") + data)
    return digest.hexdigest()


def code_without_outputs(source: str) -> str:
    """A snippet's source without its `#>` output lines, which `make outputs` rewrites."""
    return "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(OUTPUT_PREFIX))


def snippet_key(
    path: Path,
    settings: dict,
    root: Path = ROOT,
    harness: Path = HARNESS_DIR,
    distributions: str | None = None,
) -> str:
    """`root`, `harness` and `distributions` are parameters so that a test can change each one."""
    return make_key(
        "snippet",
        code_without_outputs(path.read_text(encoding="utf-8")),
        json.dumps(settings, sort_keys=True),
        code_fingerprint([harness]),
        environment_fingerprint(root, distributions),
    )


@dataclass
class Entry:
    key: str
    payload: object  # what the run returned
    files: dict[str, bytes]  # files it wrote that tests read later (a snippet's parity values)


class ExecutionCache:
    """Entries under `directory`, one per kind and identity; every lookup and run is logged to `log_dir`."""

    def __init__(self, log_dir: Path, directory: Path = CACHE_DIR, environ=os.environ):
        self.directory = directory
        self.log_dir = log_dir
        self.off = off_reason(environ)

    def _path(self, kind: str, identity: str) -> Path:
        """One entry per identity within a kind (a page has a visit and a colour check)."""
        name = f"{kind} {identity}".replace("/", "__").replace(" ", "_")
        return self.directory / (name + ".pickle")

    def load(self, kind: str, identity: str, key: str, still_valid=None) -> Entry | None:
        """The entry stored for `identity` if it was made under `key` (and `still_valid(payload)`,
        for what only the run itself can tell, such as the files a page loaded); logs the reuse."""
        if self.off:
            return None
        path = self._path(kind, identity)
        try:
            entry = pickle.loads(path.read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None  # absent, or written by an older harness: run again
        if not isinstance(entry, Entry) or entry.key != key:
            return None
        if still_valid is not None and not still_valid(entry.payload):
            return None
        self.log(kind, identity, cached=True)
        return entry

    def record(self, kind: str, identity: str, key: str, payload, succeeded: bool, files=None) -> None:
        """Log a fresh run; store it only if it succeeded (a failure must run again next time)."""
        self.log(kind, identity, cached=False)
        path = self._path(kind, identity)
        if self.off:
            return
        if not succeeded:
            path.unlink(missing_ok=True)
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        data = pickle.dumps(Entry(key, payload, dict(files or {})))
        with tempfile.NamedTemporaryFile(dir=self.directory, delete=False) as temporary:
            temporary.write(data)
        Path(temporary.name).replace(path)  # atomic: a reader never sees half an entry

    def log(self, kind: str, identity: str, cached: bool) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"kind": kind, "identity": identity, "cached": cached}) + "\n"
        with open(self.log_dir / LOG_NAME, "a", encoding="utf-8") as log:
            log.write(line)  # one short write per line: appends from several workers do not interleave


def summary(log_dir: Path, environ=os.environ) -> list[str]:
    """One line per kind of run: how many ran now and how many came from the cache."""
    path = log_dir / LOG_NAME
    if not path.exists():
        return []
    latest: dict[tuple[str, str], bool] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        latest[(record["kind"], record["identity"])] = record["cached"]
    reason = off_reason(environ)
    note = f"(execution cache off: {reason})" if reason else f"(execution cache: {relative_cache()})"
    lines = []
    for kind in sorted({kind for kind, _ in latest}):
        cached = [hit for (k, _), hit in latest.items() if k == kind]
        ran = cached.count(False)
        lines.append(f"{len(cached)} {kind}: {ran} run, {len(cached) - ran} from cache {note}")
    return lines


def relative_cache() -> str:
    return str(CACHE_DIR.relative_to(ROOT))
