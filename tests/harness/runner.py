"""Run one snippet file as `__main__` and record what it prints, line by line.

Each snippet file gets a process of its own: the harness forks it from a parent that has
already imported the file's framework (tests/harness/prewarmed.py calls `run`). It also
works on its own, which is how to debug a run by hand:

    python tests/harness/runner.py SNIPPET RESULT_DIR [--keep NAME,NAME]

Writes RESULT_DIR/result.json: every print to stdout with the snippet line that made it,
and on failure the snippet line that raised. With --keep, the named globals are saved
to RESULT_DIR/values.npz for the parity checks. Standard library and NumPy only.
"""

import builtins
import io
import json
import runpy
import sys
import traceback
from pathlib import Path


def main() -> int:
    keep = sys.argv[4].split(",") if len(sys.argv) > 4 and sys.argv[3] == "--keep" else []
    return run(sys.argv[1], sys.argv[2], keep)


def run(snippet_path: str, result_dir_path: str, keep: list[str]) -> int:
    """Run the snippet in this process; returns the exit code its run deserves (0 or 1)."""
    snippet = str(Path(snippet_path).resolve())
    result_dir = Path(result_dir_path)
    prints: list[dict] = []
    real_print = builtins.print

    def recording_print(*args, sep=" ", end="\n", file=None, flush=False):
        if file is None or file is sys.stdout:
            frame = sys._getframe(1)
            while frame is not None and frame.f_code.co_filename != snippet:
                frame = frame.f_back
            if frame is not None:  # printed by the snippet's own code, not by a library
                buffer = io.StringIO()
                real_print(*args, sep=sep, end=end, file=buffer)
                prints.append({"line": frame.f_lineno, "text": buffer.getvalue()})
        real_print(*args, sep=sep, end=end, file=file, flush=flush)

    builtins.print = recording_print
    sys.path.insert(0, str(Path(snippet).parent))  # as `python SNIPPET` would
    error = None
    namespace = {}
    try:
        namespace = runpy.run_path(snippet, run_name="__main__")
    except BaseException as exc:  # noqa: BLE001 - reported, then the process fails
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == snippet]
        line = frames[-1].lineno if frames else 0
        error = {"line": line, "type": type(exc).__name__, "message": str(exc).strip()}
        traceback.print_exc()
    finally:
        builtins.print = real_print
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
