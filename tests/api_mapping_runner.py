"""Run every row of the API mapping in TensorFlow and PyTorch, in one process, and report as JSON.

    python tests/api_mapping_runner.py RESULT.json DATA.yml [DATA.yml ...]

Both frameworks are imported once. Each code block of a row (written and aligned forms, per
framework) runs in a fresh namespace holding the framework, the shared inputs converted to its
tensors, and a few helpers, after every random generator has been seeded with 0. Outputs are
normalised to NumPy (values, shapes, dtypes) and compared; the verdict checks that the
difference the row declares is the one the run shows:

- none, argument names or order, no direct equivalent: the two written forms agree;
- defaults, semantics, layout NHWC/NCHW: the written forms disagree, and the aligned forms
  agree (for layout rows without aligned forms: once TensorFlow's channels-last output is moved
  to channels-first).

`compare: statistics` compares shape and dtype, and instead of values: the means (within atol
standard deviations), the standard deviations and kurtoses (within rtol, relative) and the
fractions of exact zeros (within atol). The test (tests/test_api_mapping.py) runs this script with
the network blocked, as snippets are.

Rows run on one thread per framework: their tensors are tiny, and thread pools only add
hand-offs. TensorFlow's global seed is set (which empties its kernel cache, so the next
calls build their kernels again) only before TensorFlow code that can draw from its stateful
generators; every other generator is seeded before every block.
"""

import ast
import gc
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

# One thread per pool, read when the frameworks start (not set by calls: rows show those calls).
os.environ.update(
    OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", TF_NUM_INTRAOP_THREADS="1", TF_NUM_INTEROP_THREADS="1"
)
# Keras and TensorFlow import these when they are installed; no row uses them.
NOT_IMPORTED = ("jax", "jaxlib", "sklearn", "pandas")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hooks.api_mapping_data import ApiMappingError, Mapping, Row, format_value, load_mapping  # noqa: E402
from tests.api_signatures import check_row_arguments  # noqa: E402
from tests.api_surfaces import coverage, enumerate_surfaces  # noqa: E402

VALUE_TOLERANCE = {"rtol": 1e-5, "atol": 1e-6}
STATISTICS_TOLERANCE = {"rtol": 0.05, "atol": 0.02}
STATISTICS = ("mean", "std", "kurtosis", "zeros")
# TensorFlow code that may draw from TensorFlow's stateful generators (tf.random.*, dropout, noise,
# shuffling, sampling). Keras 3's own random ops are stateless: its SeedGenerator is reset instead.
TF_RANDOM = re.compile(r"random|seed|dropout|noise|shuffl|sampl|multinomial|categorical|fractional", re.I)

# The problem `optimize` solves: minimise 0.5 * sum(C * (w - T)**2) from W0.
W0 = np.array([[0.5, -1.0, 2.0], [1.5, -0.5, 0.1]], dtype=np.float32)
T = np.array([[1.0, 0.0, -1.0], [0.5, 0.5, 0.5]], dtype=np.float32)
C = np.array([[1.0, 10.0, 0.1], [2.0, 0.5, 5.0]], dtype=np.float32)


class RowFailure(Exception):
    pass


# ---------------------------------------------------------------- Normalised outputs


@dataclass
class Leaf:
    kind: str  # "array", "text" or "none"
    dtype: str = ""
    array: np.ndarray | None = None
    text: str = ""

    def describe(self) -> str:
        if self.kind == "array":
            preview = np.array2string(self.array.ravel()[:6], precision=5, separator=", ")
            return f"{self.dtype}{list(self.array.shape)} {preview}"
        return repr(self.text) if self.kind == "text" else "None"


def normalise(value, frameworks):
    """Framework values -> Leaf, or lists/dicts of Leaf."""
    tf, torch = frameworks["tf"], frameworks["torch"]
    if value is None:
        return Leaf("none")
    if isinstance(value, str):
        return Leaf("text", text=value)
    if isinstance(value, torch.dtype):
        return Leaf("text", text=str(value).removeprefix("torch."))
    if isinstance(value, tf.dtypes.DType):
        return Leaf("text", text=value.name)
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        return Leaf("text", text=np.dtype(value).name)
    if isinstance(value, torch.Size | tf.TensorShape):  # shapes compare as lists of ints
        return [normalise(size, frameworks) for size in list(value)]
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().resolve_conj().resolve_neg()
        if value.dtype == torch.bfloat16:
            return _array(value.float().numpy(), "bfloat16")
        return _array(value.numpy())
    if isinstance(value, tf.Tensor | tf.Variable) or type(value).__name__ == "Variable":
        array = np.asarray(value)
        if array.dtype.name == "bfloat16":
            return _array(array.astype(np.float32), "bfloat16")
        return _array(array)
    if isinstance(value, bool | int | float | np.generic | np.ndarray):
        return _array(np.asarray(value))
    if isinstance(value, dict):
        return {str(k): normalise(v, frameworks) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list | tuple):
        return [normalise(v, frameworks) for v in value]
    raise RowFailure(
        f"its value is a {type(value).__module__}.{type(value).__qualname__}, which cannot be "
        "compared; end the code with a tensor, number, text, dtype or a list of them"
    )


def _array(array: np.ndarray, dtype: str | None = None) -> Leaf:
    return Leaf("array", dtype or array.dtype.name, np.asarray(array))


def shown(value):
    """A normalised value as plain YAML data (4 significant digits), for `expect`."""
    if isinstance(value, list):
        return [shown(v) for v in value]
    if isinstance(value, dict):
        return {k: shown(v) for k, v in value.items()}
    if value.kind == "none":
        return None
    if value.kind == "text":
        return value.text
    data = value.array
    if data.dtype.kind == "f":
        data = np.vectorize(lambda v: float(f"{v:.4g}"), otypes=[object])(data) if data.size else data
    return data.tolist()


def statistics(leaf: Leaf) -> np.ndarray:
    data = leaf.array.astype(np.float64).ravel()
    if data.size < 2:
        raise RowFailure("compare: statistics needs an output with many elements")
    mean, std = data.mean(), data.std()
    kurtosis = float(np.mean(((data - mean) / std) ** 4)) if std > 0 else 0.0
    return np.array([mean, std, kurtosis, np.mean(data == 0)])


def agree(a, b, row: Row) -> str | None:
    """None if `a` and `b` agree, else why not."""
    if isinstance(a, list) or isinstance(b, list):
        if not (isinstance(a, list) and isinstance(b, list)) or len(a) != len(b):
            return f"different structure: {_describe(a)} vs {_describe(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if (why := agree(x, y, row)) is not None:
                return f"item {i}: {why}"
        return None
    if isinstance(a, dict) or isinstance(b, dict):
        if not (isinstance(a, dict) and isinstance(b, dict)) or a.keys() != b.keys():
            return f"different structure: {_describe(a)} vs {_describe(b)}"
        for key in a:
            if (why := agree(a[key], b[key], row)) is not None:
                return f"key {key!r}: {why}"
        return None
    if a.kind != b.kind:
        return f"{a.describe()} vs {b.describe()}"
    if a.kind == "text":
        return None if a.text == b.text else f"{a.text!r} vs {b.text!r}"
    if a.kind == "none":
        return None
    if a.dtype != b.dtype:
        return f"dtype {a.dtype} vs {b.dtype}"
    if a.array.shape != b.array.shape:
        return f"shape {list(a.array.shape)} vs {list(b.array.shape)}"
    if row.compare == "statistics":
        tol = _tolerance(row, STATISTICS_TOLERANCE)
        sa, sb = statistics(a), statistics(b)
        scale = max(sa[1], sb[1])
        close = [
            abs(sa[0] - sb[0]) <= tol["atol"] * scale,  # means, in standard deviations
            abs(sa[1] - sb[1]) <= tol["rtol"] * scale,  # standard deviations, relative
            abs(sa[2] - sb[2]) <= tol["rtol"] * max(sa[2], sb[2]),  # kurtosis, relative
            abs(sa[3] - sb[3]) <= tol["atol"],  # fractions of zeros
        ]
        if not all(close):
            pairs = ", ".join(f"{n} {x:.4g} vs {y:.4g}" for n, x, y in zip(STATISTICS, sa, sb, strict=True))
            return f"statistics differ beyond rtol={tol['rtol']}, atol={tol['atol']}: {pairs}"
        return None
    if a.array.dtype.kind in "fc":
        tol = _tolerance(row, VALUE_TOLERANCE)
        if not np.allclose(a.array, b.array, equal_nan=True, **tol):
            gap = np.nanmax(np.abs(a.array.astype(np.float64) - b.array.astype(np.float64)))
            return (
                f"values differ beyond rtol={tol['rtol']}, atol={tol['atol']} (max gap {gap:.3g}): "
                f"{a.describe()} vs {b.describe()}"
            )
        return None
    if not np.array_equal(a.array, b.array):
        return f"values differ: {a.describe()} vs {b.describe()}"
    return None


def _describe(value) -> str:
    if isinstance(value, list):
        return f"list of {len(value)}"
    if isinstance(value, dict):
        return f"dict with keys {sorted(value)}"
    return value.describe()


def _tolerance(row: Row, default: dict) -> dict:
    return {
        "rtol": default["rtol"] if row.rtol is None else row.rtol,
        "atol": default["atol"] if row.atol is None else row.atol,
    }


def channels_first(value):
    """TensorFlow's channels-last output, with the channel axis moved to position 1."""
    if isinstance(value, list):
        return [channels_first(v) for v in value]
    if isinstance(value, Leaf) and value.kind == "array" and value.array.ndim >= 3:
        return Leaf("array", value.dtype, np.moveaxis(value.array, -1, 1))
    return value


# ---------------------------------------------------------------- Running code


class Frameworks:
    """TensorFlow and PyTorch, imported once, with the namespaces rows run in."""

    def __init__(self):
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        for name in NOT_IMPORTED:
            sys.modules[name] = None  # an ImportError, which both frameworks handle
        gc.disable()  # the imports make millions of objects; collecting meanwhile only costs time
        import keras
        import tensorflow as tf
        import torch
        from keras.src.backend.common import global_state
        from keras.src.random import seed_generator

        gc.freeze()  # the frameworks' objects stay: later collections need not scan them
        gc.enable()

        self.tf, self.keras, self.torch = tf, keras, torch
        self.global_state, self.seed_generator = global_state, seed_generator
        self.modules = {"tf": tf, "torch": torch}
        self._surfaces = None

    def surfaces(self) -> dict:
        """The public API surfaces (tests/api_surfaces.py), enumerated once."""
        if self._surfaces is None:
            self._surfaces = enumerate_surfaces()
        return self._surfaces

    def seed(self, tf_random: bool) -> None:
        """keras.utils.set_random_seed(0), with TensorFlow's global seed only if `tf_random`."""
        if tf_random:
            self.keras.utils.set_random_seed(0)
        else:
            self.global_state.set_global_attribute("global_random_seed", 0)
            self.global_state.set_global_attribute(self.seed_generator.GLOBAL_SEED_GENERATOR, None)
        random.seed(0)
        np.random.seed(0)
        # torch.manual_seed would also seed every accelerator backend, each absent here.
        self.torch.default_generator.manual_seed(0)

    def reset(self) -> None:
        """Undo global settings a row may change."""
        from keras.src.backend.common import global_state

        self.keras.config.set_floatx("float32")
        # No policy at all, as in a fresh process (Keras derives it from floatx on first use).
        global_state.set_global_attribute("dtype_policy", None)
        self.keras.config.set_image_data_format("channels_last")
        self.torch.set_default_dtype(self.torch.float32)
        # TensorFlow has no public way to undo enable_op_determinism; rows show only the public call.
        from tensorflow.python.framework import config as tf_config

        tf_config.disable_op_determinism()
        if self.torch.are_deterministic_algorithms_enabled():  # the call imports Inductor
            self.torch.use_deterministic_algorithms(False)

    def namespace(self, side: str, arrays: dict[str, np.ndarray], tmp: str) -> dict:
        tf, keras, torch = self.tf, self.keras, self.torch
        ns = {"np": np, "tmp": tmp, "raises": raises}
        if side == "tf":
            ns.update(tf=tf, keras=keras, optimize=self.tf_optimize, lr_schedule=self.tf_lr_schedule)
            ns.update({name: tf.constant(array) for name, array in arrays.items()})
        else:
            import torch.nn.functional as F  # noqa: N812

            ns.update(torch=torch, nn=torch.nn, F=F, optimize=self.torch_optimize)
            ns.update(lr_schedule=self.torch_lr_schedule)
            ns.update({name: torch.tensor(array) for name, array in arrays.items()})
        return ns

    # Helpers rows can call (documented on the page, section "How each row is checked").
    def tf_optimize(self, optimizer, steps: int = 3):
        tf = self.tf
        w = tf.Variable(W0)
        for _ in range(steps):
            with tf.GradientTape() as tape:
                loss = 0.5 * tf.reduce_sum(C * (w - T) ** 2)
            optimizer.apply_gradients([(tape.gradient(loss, w), w)])
        return w

    def torch_optimize(self, make_optimizer, steps: int = 3, before_step=None):
        torch = self.torch
        w = torch.nn.Parameter(torch.tensor(W0))
        optimizer = make_optimizer([w])
        for _ in range(steps):
            optimizer.zero_grad()
            loss = 0.5 * (torch.tensor(C) * (w - torch.tensor(T)) ** 2).sum()
            loss.backward()
            if before_step is not None:
                before_step([w])
            optimizer.step()
        return w

    def tf_lr_schedule(self, schedule, steps: int = 6):
        return np.array([float(schedule(step)) for step in range(steps)], dtype=np.float32)

    def torch_lr_schedule(self, make_scheduler, lr: float, steps: int = 6):
        torch = self.torch
        optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
        scheduler = make_scheduler(optimizer)
        rates = []
        for _ in range(steps):
            rates.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            scheduler.step()
        return np.array(rates, dtype=np.float32)


def raises(function) -> str:
    """The name of the exception `function()` raises, or 'no error'."""
    try:
        function()
    except Exception as err:  # noqa: BLE001 - the point is to report any error
        return type(err).__name__
    return "no error"


def compile_block(code: str, filename: str, first_line: int):
    """Statements, final expression (line numbers pointing into the data file), names used."""
    tree = ast.parse(code, mode="exec")
    ast.increment_lineno(tree, first_line - 1)
    body = ast.Module(body=tree.body[:-1], type_ignores=[])
    last = ast.Expression(body=tree.body[-1].value)
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    return compile(body, filename, "exec"), compile(last, filename, "eval"), names


def field_name(row: Row, side: str, form: str) -> str:
    if form in ("aligned", "keras"):
        return "keras" if form == "keras" else f"{side}_aligned"
    name = f"{side}_code"
    if getattr(row, name):
        return name
    return "tensorflow" if side == "tf" else "pytorch"


def run_block(fw: Frameworks, mapping: Mapping, row: Row, side: str, form: str, arrays) -> object:
    name = field_name(row, side, form)
    code = {"written": row.code(side), "aligned": row.aligned(side), "keras": row.keras}[form]
    line = row.field_lines.get(name, row.line)
    body, last, names = compile_block(code, str(mapping.path), line)
    tmp = tempfile.mkdtemp(prefix="api-mapping-") if "tmp" in names else None
    try:
        # Only the inputs the code names are converted: thousands of conversions saved.
        namespace = fw.namespace(side, {k: v for k, v in arrays.items() if k in names}, tmp)
        fw.seed(tf_random=side == "tf" and (row.compare == "statistics" or bool(TF_RANDOM.search(code))))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(body, namespace)
            value = eval(last, namespace)
            return normalise(value, fw.modules)
    except RowFailure as err:
        raise RowFailure(f"{row.where(mapping.path, name)}, field {name!r}: {err}") from None
    except Exception as err:  # noqa: BLE001 - every failure is reported with the row named
        frames = [
            f"line {frame.lineno}: {frame.line}" if frame.line else f"line {frame.lineno}"
            for frame in traceback.extract_tb(err.__traceback__)
            if frame.filename == str(mapping.path)
        ]
        where = frames[-1] if frames else f"line {line}"
        message = " ".join(str(err).split())[:800]
        raise RowFailure(
            f"{mapping.path}:{line}: row {row.index} ({row.concept!r}), field {name!r}: "
            f"raised {type(err).__name__}: {message} (at {mapping.path.name} {where})"
        ) from None
    finally:
        fw.reset()
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def check_row(fw: Frameworks, mapping: Mapping, row: Row, arrays) -> dict:
    """Run a row and judge its declared difference. Returns the row's result record."""
    started = time.monotonic()
    result = {"index": row.index, "concept": row.concept, "ok": True, "message": None, "shown": None}
    try:
        out = {side: run_block(fw, mapping, row, side, "written", arrays) for side in ("tf", "torch")}
        written = agree(out["tf"], out["torch"], row)
        label = f"{row.label(mapping.path)}, field 'difference'"
        if row.difference in ("none", "argument names or order", "no direct equivalent"):
            if written is not None:
                raise RowFailure(
                    f"{label}: declares {row.difference!r}, but the two forms disagree: {written}"
                )
        else:
            if written is None:
                raise RowFailure(
                    f"{label}: declares {row.difference!r}, but the two forms agree when run as "
                    "written; declare 'none' or fix the code so it shows the difference"
                )
            if row.has_aligned:
                aligned = {
                    side: run_block(fw, mapping, row, side, "aligned", arrays)
                    if row.aligned(side)
                    else out[side]
                    for side in ("tf", "torch")
                }
                why = agree(aligned["tf"], aligned["torch"], row)
                if why is not None:
                    raise RowFailure(f"{label}: the aligned forms still disagree: {why}")
            elif row.difference == "layout NHWC/NCHW":
                why = agree(channels_first(out["tf"]), out["torch"], row)
                if why is not None:
                    raise RowFailure(
                        f"{label}: declares a layout difference, but moving TensorFlow's last "
                        f"axis to position 1 does not give PyTorch's output: {why}"
                    )
        if row.keras:  # the Keras 3 spelling must return what the TensorFlow call returns
            why = agree(run_block(fw, mapping, row, "tf", "keras", arrays), out["tf"], row)
            if why is not None:
                raise RowFailure(
                    f"{row.where(mapping.path, 'keras')}, field 'keras': does not return what the "
                    f"'tensorflow' form returns: {why}"
                )
        if row.expect is not None:
            result["shown"] = {"tensorflow": shown(out["tf"]), "pytorch": shown(out["torch"])}
    except RowFailure as err:
        result.update(ok=False, message=str(err))
    result["arguments"] = check_row_arguments(fw, mapping, row)  # tests/api_signatures.py
    result["seconds"] = round(time.monotonic() - started, 3)
    return result


def make_arrays(mapping: Mapping) -> dict[str, np.ndarray]:
    namespace = {"np": np, "rng": np.random.default_rng(0)}
    arrays = {}
    for name, expression in mapping.inputs.items():
        try:
            value = eval(expression, namespace)  # noqa: S307 - the project's own data file
        except Exception as err:  # noqa: BLE001
            line = mapping.input_lines[name]
            raise ApiMappingError(
                f"{mapping.path}:{line}: input {name!r}: raised {type(err).__name__}: {err}"
            ) from None
        arrays[name] = np.asarray(value)
        namespace[name] = arrays[name]
    return arrays


def run_file(fw: Frameworks, path: Path) -> dict:
    started = time.monotonic()
    try:
        mapping = load_mapping(path)
        arrays = make_arrays(mapping)
    except ApiMappingError as err:
        return {"error": str(err), "rows": [], "seconds": 0.0}
    rows = [check_row(fw, mapping, row, arrays) for row in mapping.rows]
    covered = coverage(mapping.rows, fw.surfaces())
    return {"error": None, "rows": rows, "coverage": covered, "seconds": round(time.monotonic() - started, 2)}


def write_expectations(path: Path, shown_by_concept: dict[str, dict]) -> int:
    """Rewrite the `expect` values of bite rows from a run; returns how many changed."""
    text = path.read_text(encoding="utf-8")
    mapping = load_mapping(path)
    edits = []
    for row in mapping.rows:
        new = shown_by_concept.get(row.concept)
        if row.expect_span is None or new is None:
            continue
        if yaml.safe_load(format_value(new)) != row.expect:
            edits.append((row.expect_span, format_value(new)))
    for (start, end), replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    if edits:
        path.write_text(text, encoding="utf-8")
    return len(edits)


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    started = time.monotonic()
    fw = Frameworks()
    imported = time.monotonic() - started
    report = {"import_seconds": round(imported, 2), "files": {}}
    for name in argv[2:]:
        report["files"][name] = run_file(fw, Path(name))
    report["total_seconds"] = round(time.monotonic() - started, 2)
    report["cpu_seconds"] = round(time.process_time(), 2)  # all threads of this process
    Path(argv[1]).write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
