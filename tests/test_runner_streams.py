"""The runner records output at sys.stdout and sys.stderr, each write with the snippet line that
made it, and leaves builtins.print untouched (tests/harness/runner.py)."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.harness.outputs import render_outputs
from tests.harness.sections import ROOT

RUNNER = ROOT / "tests" / "harness" / "runner.py"

SNIPPET = """
import builtins
import contextlib
import io
import pprint
import sys
import warnings

print(type(print).__name__, print is builtins.print)
print("a", "b", sep="-", end="!\\n")
sys.stdout.write("written\\n")


def helper():
    print("from a function")


helper()
pprint.pprint({"library": "pprint"})
print("to stderr", file=sys.stderr)
warnings.warn("a warning is not shown output")
with contextlib.redirect_stdout(io.StringIO()):
    print("redirected, so not on the screen")
for i in range(2):
    print(i, end=" ")
print()
"""

RENDERED = """
import builtins
import contextlib
import io
import pprint
import sys
import warnings

print(type(print).__name__, print is builtins.print)
#> builtin_function_or_method True
print("a", "b", sep="-", end="!\\n")
#> a-b!
sys.stdout.write("written\\n")
#> written


def helper():
    print("from a function")
    #> from a function


helper()
pprint.pprint({"library": "pprint"})
#> {'library': 'pprint'}
print("to stderr", file=sys.stderr)
#> to stderr
warnings.warn("a warning is not shown output")
with contextlib.redirect_stdout(io.StringIO()):
    print("redirected, so not on the screen")
for i in range(2):
    print(i, end=" ")
    #> 0 1
print()
#>
"""


def run(tmp_path: Path, code: str) -> tuple[dict, str]:
    snippet = tmp_path / "snippet_code.py"
    snippet.write_text(textwrap.dedent(code).lstrip(), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(RUNNER), str(snippet), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return json.loads((tmp_path / "result.json").read_text(encoding="utf-8")), done.stdout + done.stderr


def test_writes_are_recorded_at_the_snippet_line_with_the_builtin_print_untouched(tmp_path):
    result, _ = run(tmp_path, SNIPPET)
    assert result["error"] is None
    source = textwrap.dedent(SNIPPET).lstrip()
    assert render_outputs(source, result["prints"]) == textwrap.dedent(RENDERED).lstrip()


def test_recorded_output_still_reaches_the_real_streams(tmp_path):
    _, shown = run(tmp_path, SNIPPET)
    assert "a-b!" in shown and "to stderr" in shown and "a warning is not shown output" in shown


def test_streams_are_put_back_and_a_failure_names_its_line(tmp_path):
    result, shown = run(tmp_path, "import sys\nprint('before')\nraise ValueError('on purpose')\n")
    assert result["error"] == {"line": 3, "type": "ValueError", "message": "on purpose"}
    assert result["prints"] == [{"line": 2, "text": "before\n", "stream": "stdout"}]
    assert "Traceback" in shown and "ValueError: on purpose" in shown
