"""Check the `arguments` of API mapping rows against the installed callables' signatures.

tests/api_mapping_runner.py calls check_arguments for each row, in the process that has both
frameworks imported. Each side of an entry (`momentum=0.99`, or a bare name when required) is
looked up in the signature of its callable: `tf_callable` / `torch_callable`, or else the
outermost call of the row's `tensorflow` / `pytorch` field (looking through the runner's helpers
`optimize`, `lr_schedule` and `raises`, and a lambda, to the call they are given). A class is
looked up by its constructor; a method called on a shared input (`x.reshape(...)`) on the
framework's tensor class.

Built-in functions (most of `torch.*`) have no introspectable signature: they are checked
against the signature lines of their docstrings (the first line, and each further overload's
`.. function::` line), the documented signatures of the installed release. A side is "not
checked", with the reason, when there is neither, or when the name is not an explicit parameter
but would be taken by `**kwargs`; it is never passed silently. A name that is not a parameter,
or a default (compared as evaluated values, so 1e-05 == 0.00001) that differs from the stated
one, is a problem naming file, line, row and field.
"""

import ast
import inspect
import re
from dataclasses import dataclass

from hooks.api_mapping_data import Mapping, Parameter, Row

HELPERS = {"optimize", "lr_schedule", "raises"}
SIDES = {"tf": "tensorflow", "torch": "pytorch"}
REQUIRED = object()  # a parameter without a default


@dataclass(frozen=True)
class Source:
    """A docstring's default that cannot be evaluated: compared as text."""

    text: str


@dataclass
class Found:
    """A signature, simplified: parameter name -> default (REQUIRED, a value, or source text when
    a docstring's default cannot be evaluated), and whether **kwargs takes other names."""

    parameters: dict
    var_keyword: bool
    shown: str


def dotted(node) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and (base := dotted(node.value)):
        return f"{base}.{node.attr}"
    return None


def outermost_call(code: str) -> str | None:
    """The dotted name of the call a written form makes (`keras.layers.Dense(4)(x)` ->
    'keras.layers.Dense'), through the runner's helpers; None if it is not a call of a name."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return None
    node = tree.body[-1].value
    while True:
        if isinstance(node, ast.Lambda):
            node = node.body
        elif not isinstance(node, ast.Call):
            return None
        elif isinstance(node.func, ast.Call):
            node = node.func
        elif (name := dotted(node.func)) in HELPERS and node.args:
            node = node.args[0]
        else:
            return name


def resolve(name: str, namespace: dict, inputs: set[str], tensor_class):
    """The object a dotted name names; a method of a shared input is looked up on the tensor class."""
    first, *rest = name.split(".")
    obj = tensor_class if first in inputs else namespace[first]
    for part in rest:
        obj = getattr(obj, part)
    return obj


def read_signatures(obj, namespace: dict) -> tuple[list[Found], str]:
    """The callable's signatures and where they were read ('signature' or 'docstring')."""
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return docstring_signatures(obj, namespace), "docstring"
    parameters = {
        name: REQUIRED if p.default is p.empty else p.default
        for name, p in signature.parameters.items()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    }
    var_keyword = any(p.kind == p.VAR_KEYWORD for p in signature.parameters.values())
    return [Found(parameters, var_keyword, str(signature))], "signature"


def docstring_signatures(obj, namespace: dict) -> list[Found]:
    """The `name(...) -> ...` lines of a built-in's docstring (one per overload). The name may be
    written as the built-in's `__qualname__` (`Generator.manual_seed`) or with its namespace dotted
    (`linalg.solve_triangular` for `linalg_solve_triangular`)."""
    name = getattr(obj, "__name__", "")
    spellings = {name, getattr(obj, "__qualname__", name), name.replace("_", ".", 1)}
    pattern = "|".join(re.escape(spelling) for spelling in sorted(spellings) if spelling)
    found = []
    for line in (inspect.getdoc(obj) or "").splitlines():
        text = line.strip().removeprefix(".. function:: ")  # later overloads are Sphinx directives
        match = re.fullmatch(rf"(?:{pattern})(\(.*\))(\s*->.*)?", text) if name else None
        if not match:
            continue
        try:
            args = ast.parse(f"def f{match[1]}: pass").body[0].args
        except SyntaxError:
            continue
        positional = args.posonlyargs + args.args
        defaults = [REQUIRED] * (len(positional) - len(args.defaults)) + list(args.defaults)
        pairs = list(zip(positional, defaults, strict=True)) + list(
            zip(args.kwonlyargs, [d or REQUIRED for d in args.kw_defaults], strict=True)
        )
        parameters = {
            arg.arg: REQUIRED if d is REQUIRED else value_of(ast.unparse(d), namespace) for arg, d in pairs
        }
        found.append(Found(parameters, args.kwarg is not None, match[1]))
    return found


def evaluate(source: str, namespace: dict) -> tuple[bool, object]:
    """(True, value) for Python source; (False, the source) when it cannot be evaluated."""
    try:
        return True, ast.literal_eval(source)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        pass
    try:
        return True, eval(source, dict(namespace))  # noqa: S307 - the project's own data file
    except Exception:  # noqa: BLE001 - e.g. a docstring's `torch.preserve_format` that is not an attribute
        return False, source


def value_of(source: str, namespace: dict):
    ok, value = evaluate(source, namespace)
    return value if ok else Source(source)


def same(a, b) -> bool:
    if isinstance(b, Source):  # compared as text by the caller
        return False
    if isinstance(a, bool) != isinstance(b, bool):  # False == 0, but not as a default
        return False
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - arrays and the like: compare their text
        return repr(a) == repr(b)


def shown(value) -> str:
    if isinstance(value, Source):
        return value.text
    return "required" if value is REQUIRED else f"{value!r}"


def check_side(parameter: Parameter, callable_name: str, found: list[Found], source: str, namespace):
    """('checked' | 'not checked' | 'wrong', why) for one side of an entry."""
    if not found:
        return (
            "not checked",
            f"{callable_name} has no signature to read (a built-in without one in its docstring)",
        )
    having = [f for f in found if parameter.name in f.parameters]
    if not having:
        if any(f.var_keyword for f in found):
            return (
                "not checked",
                f"{parameter.name} is not an explicit parameter of {callable_name}: **kwargs takes it",
            )
        signatures = " or ".join(f.shown for f in found)
        return "wrong", f"{parameter.name!r} is not a parameter of {callable_name}{signatures}"
    if parameter.default is None:
        stated = REQUIRED
    else:
        ok, stated = evaluate(parameter.default, namespace)
        if not ok:
            return "wrong", f"its default {parameter.default} cannot be evaluated"
    actual = [f.parameters[parameter.name] for f in having]
    as_text = (parameter.default or "").replace(" ", "")
    if any(same(stated, v) or (isinstance(v, Source) and v.text.replace(" ", "") == as_text) for v in actual):
        return "checked", f"against the {source} of {callable_name}"
    return "wrong", (
        f"{callable_name} (installed {source}) gives {parameter.name} the default "
        f"{' or '.join(shown(v) for v in actual)}; the file says {shown(stated)}"
    )


def check_row_arguments(fw, mapping: Mapping, row: Row) -> dict | None:
    """check_arguments with the runner's Frameworks `fw`."""
    if not row.arguments:
        return None
    namespaces = {side: fw.namespace(side, {}, None) for side in SIDES}
    return check_arguments(row, mapping, namespaces, {"tf": fw.tf.Tensor, "torch": fw.torch.Tensor})


def check_arguments(row: Row, mapping: Mapping, namespaces: dict, tensor_classes: dict) -> dict | None:
    """Per entry and side, the status and why; `problems` are messages naming file, line and field.
    `namespaces` maps 'tf'/'torch' to the names a row's code can use."""
    if not row.arguments:
        return None
    entries = [{"field": argument.field} for argument in row.arguments]
    problems = []
    for side, key in SIDES.items():
        if not any(argument.side(side) for argument in row.arguments):
            continue
        namespace = namespaces[side]
        explicit = row.tf_callable if side == "tf" else row.torch_callable
        field = f"{side}_callable" if explicit else key
        name = explicit or outermost_call(getattr(row, key))
        where = f"{row.where(mapping.path, field)}, field {field!r}"
        if name is None:
            problems.append(
                f"{where}: not a call of a name; give {side}_callable, "
                "the callable whose signature holds the arguments"
            )
            continue
        try:
            obj = resolve(name, namespace, set(mapping.inputs), tensor_classes[side])
        except (KeyError, AttributeError) as err:
            problems.append(
                f"{where}: {name} cannot be found in the installed package ({type(err).__name__}: {err})"
            )
            continue
        found, source = read_signatures(obj, namespace)
        for argument, entry in zip(row.arguments, entries, strict=True):
            parameter = argument.side(side)
            if parameter is None:
                continue
            status, why = check_side(parameter, name, found, source, namespace)
            entry[key] = {"status": status, "why": why}
            if status == "wrong":
                at = f"{argument.field}.{key}"
                problems.append(f"{row.where(mapping.path, at)}, field {at!r}: {parameter.text}: {why}")
    return {"entries": entries, "problems": problems}


def unchecked(report_rows: list[dict]) -> dict:
    """The entries' sides that could not be checked, by concept: what the pages mark."""
    out = {}
    for result in report_rows:
        for entry in (result.get("arguments") or {}).get("entries", []):
            for key in SIDES.values():
                if entry.get(key, {}).get("status") == "not checked":
                    out.setdefault(result["concept"], {}).setdefault(entry["field"], {})[key] = entry[key][
                        "why"
                    ]
    return out
