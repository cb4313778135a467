"""Run one snippet file as `__main__` and record what it prints, line by line.

Each snippet file gets a process of its own: the harness forks it from a parent that has
already imported the file's framework (tests/harness/prewarmed.py calls `run`). It also
works on its own, which is how to debug a run by hand:

    python tests/harness/runner.py SNIPPET RESULT_DIR [--keep NAME,NAME]

Writes RESULT_DIR/result.json: what the snippet wrote to standard output (and what its own
code wrote to standard error), each with the snippet line that made it, and on failure the
snippet line that raised. With --keep, the named globals are saved to RESULT_DIR/values.npz
for the parity checks. Standard library and NumPy only.

Output is recorded where a reader sees it, at `sys.stdout` and `sys.stderr`, never by replacing
`builtins.print`: the builtin stays the real one, so code that inspects it (TorchDynamo maps
builtins when it is imported, and names the function in its errors) sees what a reader's
`python SNIPPET` would. A write is attributed to the innermost frame of the snippet on the
stack: `print` is a builtin with no Python frame, so for the snippet's own `print` that is the
frame calling it; for a library's write (a Keras summary, a progress bar) it is the snippet line
that called the library. Standard error keeps only what the snippet's own code writes there
(`print(..., file=sys.stderr)`): warnings and log records that libraries write to it change
with versions and are not part of what a snippet shows.
"""

import json
import runpy
import sys
import threading
import traceback
from pathlib import Path


class RecordingStream:
    """Stands in for `sys.stdout` or `sys.stderr`: passes every write on to the real stream and
    records the ones that come from the snippet, with the snippet line that made them."""

    def __init__(self, stream, name: str, snippet: str, records: list[dict], lock: threading.Lock):
        self._stream = stream
        self._name = name
        self._snippet = snippet
        self._records = records
        self._lock = lock

    def write(self, text):
        line = self._snippet_line(sys._getframe(1)) if isinstance(text, str) and text else None
        if line is not None:
            with self._lock:
                last = self._records[-1] if self._records else None
                same_place = last is not None and (last["line"], last["stream"]) == (line, self._name)
                if same_place and not last["text"].endswith("\n"):
                    last["text"] += text  # print("a", "b") writes "a", " ", "b", "\n": one record a line
                else:
                    self._records.append({"line": line, "text": text, "stream": self._name})
        return self._stream.write(text)

    def writelines(self, lines):
        for text in lines:
            self.write(text)

    def _snippet_line(self, frame) -> int | None:
        if self._name == "stderr":  # only the snippet's own writes, not a library's warnings or logs
            return frame.f_lineno if frame.f_code.co_filename == self._snippet else None
        while frame is not None and frame.f_code.co_filename != self._snippet:
            frame = frame.f_back
        return None if frame is None else frame.f_lineno

    def __getattr__(self, name):  # flush, fileno, isatty, encoding, buffer...: the real stream's
        return getattr(self._stream, name)


def main() -> int:
    keep = sys.argv[4].split(",") if len(sys.argv) > 4 and sys.argv[3] == "--keep" else []
    return run(sys.argv[1], sys.argv[2], keep)


def run(snippet_path: str, result_dir_path: str, keep: list[str]) -> int:
    """Run the snippet in this process; returns the exit code its run deserves (0 or 1)."""
    snippet = str(Path(snippet_path).resolve())
    result_dir = Path(result_dir_path)
    prints: list[dict] = []
    lock = threading.Lock()
    real_stdout, real_stderr = sys.stdout, sys.stderr
    sys.stdout = RecordingStream(real_stdout, "stdout", snippet, prints, lock)
    sys.stderr = RecordingStream(real_stderr, "stderr", snippet, prints, lock)
    sys.path.insert(0, str(Path(snippet).parent))  # as `python SNIPPET` would
    error = None
    namespace = {}
    try:
        namespace = runpy.run_path(snippet, run_name="__main__")
    except BaseException as exc:  # noqa: BLE001 - reported, then the process fails
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == snippet]
        line = frames[-1].lineno if frames else 0
        error = {"line": line, "type": type(exc).__name__, "message": str(exc).strip()}
        traceback.print_exc(file=real_stderr)
    finally:
        # Put the real streams back unless the snippet replaced them itself (and did not restore).
        if isinstance(sys.stdout, RecordingStream):
            sys.stdout = real_stdout
        if isinstance(sys.stderr, RecordingStream):
            sys.stderr = real_stderr
        sys.stdout.flush()

    values = {}
    if error is None and keep:
        import numpy as np

        for name in keep:
            if name not in namespace:
                error = {"line": 0, "type": "ParityValueMissing", "message": f"no global named {name!r}"}
                break
            value = namespace[name]
            if hasattr(value, "detach"):  # a torch tensor
                value = value.detach().cpu()
            values[name] = np.asarray(value)
        if values and error is None:
            np.savez(result_dir / "values.npz", **values)

    result = {"prints": prints, "error": error, "kept": sorted(values)}
    (result_dir / "result.json").write_text(json.dumps(result), encoding="utf-8")
    return 1 if error else 0


if __name__ == "__main__":
    sys.exit(main())
