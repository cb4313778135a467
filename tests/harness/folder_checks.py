"""`checks.yml`: how one snippet folder is run and which values its frameworks must agree on.

Optional, one per folder under snippets/. Every key is validated; errors name file and key.

    parity:     # one line per check: a global both scripts assign inside the named section
      - {section: compile_a_function, value: compiled_result, rtol: 1.0e-6, atol: 1.0e-6}
    unpaired:   # a section only one framework has; the page must contain this reason verbatim
      export_a_program: "TensorFlow has no equivalent because ..."
    runs:       # per file, one environment per run (default: a single plain run)
      keras_code.py:
        - {KERAS_BACKEND: tensorflow}
        - {KERAS_BACKEND: torch}
    timeout: 120   # seconds allowed for each run (default 120)
"""

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .sections import SnippetError, relative

DEFAULT_TIMEOUT = 120
CHECKS_FILE = "checks.yml"


@dataclass(frozen=True)
class Parity:
    section: str
    value: str
    rtol: float
    atol: float


@dataclass(frozen=True)
class FolderChecks:
    parity: list[Parity] = field(default_factory=list)
    unpaired: dict[str, str] = field(default_factory=dict)
    runs: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    timeout: float = DEFAULT_TIMEOUT

    def runs_of(self, filename: str) -> list[dict[str, str]]:
        return self.runs.get(filename, [{}])


def load_folder_checks(folder: Path) -> FolderChecks:
    path = folder / CHECKS_FILE
    if not path.exists():
        return FolderChecks()
    where = relative(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise SnippetError(f"{where}: not valid YAML: {err}") from None
    if not isinstance(data, dict):
        raise SnippetError(f"{where}: expected a mapping at the top level")
    unknown = set(data) - {"parity", "unpaired", "runs", "timeout"}
    if unknown:
        raise SnippetError(f"{where}: unknown keys {sorted(unknown)}")

    parity = []
    for number, item in enumerate(data.get("parity") or [], start=1):
        if not isinstance(item, dict) or set(item) != {"section", "value", "rtol", "atol"}:
            raise SnippetError(f"{where}: parity entry {number} needs exactly section, value, rtol, atol")
        try:
            rtol, atol = float(item["rtol"]), float(item["atol"])
        except (TypeError, ValueError):
            raise SnippetError(f"{where}: parity entry {number}: rtol and atol must be numbers") from None
        parity.append(Parity(str(item["section"]), str(item["value"]), rtol, atol))

    unpaired = data.get("unpaired") or {}
    if not isinstance(unpaired, dict) or not all(isinstance(v, str) and v.strip() for v in unpaired.values()):
        raise SnippetError(f"{where}: unpaired maps a section name to the reason the page gives")

    runs = data.get("runs") or {}
    for filename, envs in runs.items():
        if not (folder / filename).exists():
            raise SnippetError(f"{where}: runs names {filename!r}, which is not in the folder")
        if not isinstance(envs, list) or not envs or not all(isinstance(e, dict) for e in envs):
            raise SnippetError(f"{where}: runs.{filename} must be a list of environment mappings")
    runs = {name: [{str(k): str(v) for k, v in env.items()} for env in envs] for name, envs in runs.items()}

    timeout = data.get("timeout", DEFAULT_TIMEOUT)
    if not isinstance(timeout, (int, float)) or timeout <= 0:
        raise SnippetError(f"{where}: timeout must be a positive number of seconds")
    return FolderChecks(parity, dict(unpaired), runs, float(timeout))
