"""Each snippet file's runs, made once per test session and shared by its output and parity tests,
even across xdist workers; between sessions, an unchanged file's successful run comes from the
execution cache (tests/harness/execution_cache.py, off under CI)."""

import dataclasses
import pickle
from pathlib import Path

from filelock import FileLock

from tests.missing import require_module

from .execution_cache import ExecutionCache, snippet_key
from .folder_checks import load_folder_checks
from .run import RunResult, run_snippet
from .sections import FRAMEWORK_MODULES, framework_of, relative


def require_framework(path: Path) -> None:
    """Skip (or, with REQUIRE_ALL_FRAMEWORKS=1, fail) when the file's framework is missing."""
    module = FRAMEWORK_MODULES[framework_of(path)]
    require_module(
        module, f"{relative(path)} needs {module!r}, which is not installed (make test installs it)"
    )


SNIPPET_RUNS = "snippet runs"  # the execution cache's name for this kind of run


class SnippetRuns:
    """Runs each (file, run) once per test session, in `cache`; `executions` between sessions."""

    def __init__(self, cache: Path, executions: ExecutionCache):
        self.cache = cache
        self.executions = executions
        cache.mkdir(parents=True, exist_ok=True)

    def get(self, path: Path, index: int = 0) -> RunResult:
        require_framework(path)
        checks = load_folder_checks(path.parent)
        name = f"{relative(path).replace('/', '__')}-{index}"
        stored = self.cache / f"{name}.pickle"
        with FileLock(str(self.cache / f"{name}.lock")):
            if stored.exists():
                return pickle.loads(stored.read_bytes())
            settings = {
                "env": checks.runs_of(path.name)[index],
                "timeout": checks.timeout,
                "keep": [parity.value for parity in checks.parity],
            }
            result = self.run(path, self.cache / name, settings, identity=f"{relative(path)} run {index}")
            stored.write_bytes(pickle.dumps(result))
            return result

    def run(self, path: Path, result_dir: Path, settings: dict, identity: str) -> RunResult:
        key = snippet_key(path, settings)
        if entry := self.executions.load(SNIPPET_RUNS, identity, key):
            return restore_run(entry, result_dir)
        result = run_snippet(path, result_dir, **settings)
        files = {"values.npz": result.values_file.read_bytes()} if result.values_file else {}
        self.executions.record(
            SNIPPET_RUNS, identity, key, result, succeeded=result.error is None, files=files
        )
        return result


def restore_run(entry, result_dir: Path) -> RunResult:
    """A cached run, with the parity values it kept written back where the tests read them."""
    result_dir.mkdir(parents=True, exist_ok=True)
    result = dataclasses.replace(entry.payload, cached=True, values_file=None)
    for name, data in entry.files.items():
        (result_dir / name).write_bytes(data)
        result.values_file = result_dir / name
    return result
