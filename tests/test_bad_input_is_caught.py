"""Deliberately broken copies of the project, each caught loudly with file and line named."""

import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.harness.integrity import check_tree
from tests.harness.outputs import drift_report, render_outputs
from tests.harness.run import run_snippet
from tests.harness.sections import ROOT
from tests.site_build import build_site

PAGE = "docs/execution-model.md"
TF_FILE = "snippets/execution-model/tensorflow_code.py"


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of everything the checks and the build read."""
    copy = tmp_path / "project"
    for name in ("docs", "snippets", "hooks", "overrides", "tests/harness"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "mkdocs.yml", copy / "mkdocs.yml")
    return copy


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def one_error(errors: list[str], expected: str) -> str:
    matching = [e for e in errors if expected in e]
    assert matching, f"no error containing {expected!r} in {errors}"
    return matching[0]


def test_the_unbroken_copy_passes(project):
    assert check_tree(project) == []


def test_missing_snippet_file(project):
    edit(project / PAGE, "execution-model/pytorch_code.py:setup", "execution-model/gone_code.py:setup")
    line = line_of(project / PAGE, "gone_code.py")
    one_error(check_tree(project), f"{PAGE}:{line}: includes 'execution-model/gone_code.py'")


def test_prose_number_that_no_snippet_prints(project):
    page = project / "docs/training-loops.md"
    edit(page, "0.3339", "0.3439")  # a measured value, quoted in prose, drifted from the run
    line = line_of(page, "0.3439")
    one_error(check_tree(project), f"docs/training-loops.md:{line}: the prose quotes 0.3439")


def test_missing_section(project):
    edit(project / PAGE, "tensorflow_code.py:retracing", "tensorflow_code.py:retraced")
    line = line_of(project / PAGE, ":retraced")
    one_error(
        check_tree(project),
        f"{PAGE}:{line}: 'execution-model/tensorflow_code.py' has no section 'retraced'",
    )


def test_orphan_section(project):
    snippet = project / TF_FILE
    snippet.write_text(snippet.read_text() + "# --8<-- [start:orphan]\nz = 1\n# --8<-- [end:orphan]\n")
    line = line_of(snippet, "[start:orphan]")
    one_error(check_tree(project), f"{TF_FILE}:{line}: section 'orphan' is shown by no page")


def test_section_without_its_twin(project):
    edit(project / TF_FILE, "[start:compiler]", "[start:xla_only]")
    edit(project / TF_FILE, "[end:compiler]", "[end:xla_only]")
    errors = check_tree(project)
    one_error(errors, f"{TF_FILE}:1: has no section 'compiler'")
    one_error(errors, "has no section 'xla_only'")


def test_unpaired_section_needs_its_reason_on_the_page(project):
    reason = "Only TensorFlow has this, for a test."
    snippet = project / TF_FILE
    snippet.write_text(snippet.read_text() + "# --8<-- [start:tf_only]\nz = 1\n# --8<-- [end:tf_only]\n")
    checks = project / "snippets/execution-model/checks.yml"
    checks.write_text(checks.read_text() + f"unpaired:\n  tf_only: {reason!r}\n")
    page = project / PAGE
    include = '--8<-- "execution-model/tensorflow_code.py:tf_only"'
    page.write_text(page.read_text() + f"\n```python\n{include}\n```\n")
    line = line_of(snippet, "[start:tf_only]")
    assert check_tree(project) == [
        f"{TF_FILE}:{line}: the page showing section 'tf_only' must state the reason it is unpaired, "
        f"verbatim: {reason!r}"
    ]
    page.write_text(page.read_text() + f"\n{reason}\n")
    assert check_tree(project) == []


def test_unclosed_section_marker(project):
    edit(project / TF_FILE, "# --8<-- [end:setup]", "")
    line = line_of(project / TF_FILE, "[start:eager_by_default]")
    errors = check_tree(project)
    assert errors == [f"{TF_FILE}:{line}: section 'eager_by_default' starts inside 'setup'"]


def test_badly_named_snippet_file(project):
    shutil.copy(project / TF_FILE, project / "snippets/execution-model/tensorflow.py")
    one_error(check_tree(project), "tensorflow.py:1: snippet files must be named")


def build_only(project: Path, site_dir: Path, *pages: str) -> subprocess.CompletedProcess:
    """`mkdocs build --strict` of the copy with its real mkdocs.yml, rendering only `pages`.

    A whole build renders some 50 pages (15 CPU-seconds); a drill needs only the page it breaks
    and, for a link, the link's target. The drill's config inherits mkdocs.yml whole (strict,
    validation, theme, plugins, every hook and extension) and only adds the other pages to
    exclude_docs. MkDocs reports nav entries and links to excluded pages at INFO level, not as
    warnings, so the kept pages fail the strict build as they would among all the others.
    """
    kept = "".join(f"  !/{page}\n" for page in pages)
    config = "drill-mkdocs.yml"
    (project / config).write_text(
        f"INHERIT: mkdocs.yml\nexclude_docs: |\n  *.md\n  *.ipynb\n{kept}", encoding="utf-8"
    )
    return build_site(project, site_dir, config)


def warnings_of(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("WARNING")]


def test_broken_internal_link_fails_the_build(project, tmp_path):
    edit(project / "docs/index.md", "(decision.md)", "(decision.md#no-such-anchor)")
    result = build_only(project, tmp_path / "site", "index.md", "decision.md")
    assert result.returncode != 0
    # The anchor check alone fails it: leaving the other pages out raised no warning of its own.
    assert warnings_of(result) == [
        "WARNING -  Doc file 'index.md' contains a link 'decision.md#no-such-anchor', but the doc "
        "'decision.md' does not contain an anchor '#no-such-anchor'."
    ], result.stderr
    assert "Aborted with 1 warnings in strict mode!" in result.stdout, result.stdout


def test_missing_section_fails_the_build_too(project, tmp_path):
    """One line naming page, line, file and section (tests/harness/integrity.py via a hook), not
    pymdownx's traceback."""
    edit(project / PAGE, "tensorflow_code.py:retracing", "tensorflow_code.py:retraced")
    result = build_only(project, tmp_path / "site", "execution-model.md")
    line = line_of(project / PAGE, "tensorflow_code.py:retraced")
    assert result.returncode != 0
    expected = f"{PAGE}:{line}: 'execution-model/tensorflow_code.py' has no section 'retraced'"
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr


def test_malformed_decision_row_fails_the_build(project, tmp_path):
    edit(project / "docs/data/decisions.yml", "choice: Keras 3", "choice: Keras3")
    result = build_only(project, tmp_path / "site", "decision.md")
    assert result.returncode != 0 and "field 'choice': 'Keras3'" in result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    message = next(line for line in result.stderr.splitlines() if "field 'choice'" in line)
    assert re.search(r"decisions\.yml:\d+: row \d+ \(", message), message


# ------------------------------------------------------------------ running snippets


def write_snippet(tmp_path: Path, code: str) -> Path:
    path = tmp_path / "demo" / "pytorch_code.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(code).lstrip(), encoding="utf-8")
    return path


def run(tmp_path, code, timeout=60):
    path = write_snippet(tmp_path, code)
    return path, run_snippet(path, tmp_path / "result", env={}, timeout=timeout)


def test_failing_snippet_names_file_and_line(tmp_path):
    path, result = run(tmp_path, "x = 1\n\nraise ValueError('broken on purpose')\n")
    assert result.failure().startswith(f"{path}:3: ValueError: broken on purpose")


def test_drifted_output_names_file_and_line(tmp_path):
    path, result = run(tmp_path, "print('setup')\n#> setup\nprint(1 + 1)\n#> 3\n")
    source = path.read_text()
    report = drift_report(str(path), source, render_outputs(source, result.prints))
    assert report.startswith(f"{path}:4: shown output differs")
    assert "-#> 3" in report and "+#> 2" in report


def test_missing_and_stale_outputs_both_drift(tmp_path):
    path, result = run(tmp_path, "for i in range(2):\n    print(i)\nx = 1\n#> stale\n")
    rendered = render_outputs(path.read_text(), result.prints)
    assert rendered == "for i in range(2):\n    print(i)\n    #> 0\n    #> 1\nx = 1\n"


def test_a_crashing_snippet_is_reported_with_its_exit_code(tmp_path):
    _, result = run(tmp_path, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n")
    assert "Crash: the runner exited with code -9 and wrote no result" in result.failure()


def test_network_access_is_blocked(tmp_path):
    _, result = run(
        tmp_path, "import urllib.request\nurllib.request.urlopen('http://example.com', timeout=5)\n"
    )
    assert "network access is blocked in snippets" in result.failure()
    assert ":2: " in result.failure()


def test_loopback_is_allowed(tmp_path):
    _, result = run(
        tmp_path,
        """
        import socket
        server = socket.create_server(("127.0.0.1", 0))
        client = socket.create_connection(server.getsockname())
        print("connected")
        """,
    )
    assert result.failure() is None and result.prints[0]["text"] == "connected\n"


def test_timeout_kills_the_snippet_and_its_children(tmp_path):
    pid_file = tmp_path / "child.pid"
    started = time.monotonic()
    _, result = run(
        tmp_path,
        f"""
        import subprocess, time
        child = subprocess.Popen([{sys.executable!r}, "-c", "import time; time.sleep(120)"])
        open({str(pid_file)!r}, "w").write(str(child.pid))
        time.sleep(120)
        """,
        timeout=3,
    )
    assert time.monotonic() - started < 30
    # The line it was stuck on (line 4, the sleep), and where to allow more time.
    failure = result.failure()
    assert failure.startswith(f"{tmp_path / 'demo' / 'pytorch_code.py'}:4: Timeout: did not finish"), failure
    assert "it was running line 4 when stopped" in failure, failure
    assert f"set `timeout:` (seconds) in {tmp_path / 'demo' / 'checks.yml'} (default 120 s)" in failure
    assert not alive(int(pid_file.read_text())), "the snippet's child process survived the timeout"


def alive(pid: int) -> bool:
    """True while `pid` runs; a killed process may linger a moment, or as a zombie until reaped."""
    for _ in range(50):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        except FileNotFoundError:
            return False
        if state in ("Z", "X"):
            return False
        time.sleep(0.1)
    return True


# ------------------------------------------------------------------ the contributor's commands


def pytest_in_copy(copy: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, CI="true")  # no execution cache: every run is made
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", *args]
    return subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=300)


def test_a_failing_snippet_is_reported_once_and_its_parity_checks_say_why_they_did_not_run(tmp_path):
    copy = tmp_path / "project"
    shutil.copytree(ROOT / "tests", copy / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pytest.ini", "mkdocs.yml", "requirements.txt"):
        shutil.copy(ROOT / name, copy / name)
    folder = copy / "snippets" / "demo"
    folder.mkdir(parents=True)
    (folder / "pytorch_code.py").write_text("total = 1\nraise ValueError('broken on purpose')\n")
    parity = "  - {section: s, value: %s, rtol: 0, atol: 0}\n"
    (folder / "checks.yml").write_text("parity:\n" + parity % "total" + parity % "other")
    done = pytest_in_copy(copy, "-n", "0", "tests/test_snippets.py", "--page", "demo")
    output = done.stdout
    assert done.returncode == 1, output
    assert output.count("pytorch_code.py:2: ValueError: broken on purpose") == 1, output
    assert "1 failed, 3 skipped" in output, output  # the third: the xdist grouping check, without xdist
    assert "SKIPPED [2] tests/test_snippets.py" in output, output  # both parity checks, one reason
    assert "not compared: snippets/demo/pytorch_code.py failed to run (reported by its own test)" in output


def test_markers_are_registered_with_and_without_xdist():
    done = pytest_in_copy(ROOT, "-p", "no:xdist", "--collect-only", "-q", "tests/test_snippets.py")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def test_make_page_names_the_pages_when_the_name_is_wrong(capsys):
    from tests.check_page import main

    assert main(["no-such-page"]) == 2
    out = capsys.readouterr().out
    assert "no page docs/no-such-page.md and no folder snippets/no-such-page/" in out
    assert "execution-model" in out
