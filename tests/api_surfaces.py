"""The public API surfaces the mapping accounts for, enumerated from the installed packages, and
which of their names each row calls.

A row calls a name when its code (any code field) refers to it as a dotted name: `keras.ops.sum`,
`tf.keras.layers.Dense`, `nn.Linear`, `F.relu`. Names are compared by the objects they resolve to,
so an alias (`keras.layers.Convolution2D` is `keras.layers.Conv2D`) is covered by a row that calls
the other name. Methods (`x.sum()`) do not count: a reader looking up `torch.sum` needs a row
that calls `torch.sum`.

Used by tests/api_mapping_runner.py (which has both frameworks imported) to report coverage.
"""

import ast
import functools
import importlib
import inspect

from hooks.api_mapping_data import CODE_FIELDS, SURFACES, Row

# Names rows can use for modules (the runner's namespaces), and what they stand for.
ALIASES = {"nn": "torch.nn", "F": "torch.nn.functional", "tf.keras": "keras"}


def _public(module, keep) -> dict[str, object]:
    names = getattr(module, "__all__", None) or dir(module)
    found = {}
    for name in names:
        if name.startswith("_"):
            continue
        value = getattr(module, name, None)
        if value is not None and keep(value):
            found[name] = value
    return found


def _function(value) -> bool:
    return callable(value) and not inspect.isclass(value) and not inspect.ismodule(value)


def enumerate_surfaces() -> dict[str, dict[str, object]]:
    """{surface: {public name: object}} for every surface in SURFACES, from the installed packages."""
    import torch

    def subclass_of(base):
        return lambda value: inspect.isclass(value) and issubclass(value, base)

    keep = {
        "keras.layers": inspect.isclass,
        "keras.losses": inspect.isclass,
        "keras.optimizers": inspect.isclass,
        "keras.optimizers.schedules": inspect.isclass,
        "keras.activations": _function,
        "keras.initializers": inspect.isclass,
        "keras.ops": _function,
        "torch.nn": subclass_of(torch.nn.Module),
        "torch.optim": subclass_of(torch.optim.Optimizer),
        "torch.optim.lr_scheduler": lambda value: (
            inspect.isclass(value) and value.__module__ == "torch.optim.lr_scheduler"
        ),
        "torch.nn.init": lambda value: inspect.isfunction(value) and value.__module__ == "torch.nn.init",
        "torch.nn.functional": _function,
        "torch": _function,
    }
    assert keep.keys() == SURFACES.keys(), "SURFACES and enumerate_surfaces disagree"
    return {surface: _public(importlib.import_module(surface), keep[surface]) for surface in SURFACES}


def dotted_names(code: str) -> set[str]:
    """Every dotted name in `code` rooted at a module name (`keras.ops.sum`, `F.relu`), aliases expanded."""
    found = set()
    for node in ast.walk(ast.parse(code)):
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or not parts:
            continue
        name = ".".join([node.id, *reversed(parts)])
        for alias, full in ALIASES.items():
            if name == alias or name.startswith(alias + "."):
                name = full + name[len(alias) :]
        found.add(name)
    return found


@functools.cache  # rows share names; a failed import (the first try for most) is slow
def _resolve(dotted: str):
    """The object a dotted name refers to, or None."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            value = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        try:
            for attr in parts[split:]:
                value = getattr(value, attr)
        except AttributeError:
            return None
        return value
    return None


def row_calls(row: Row) -> set[str]:
    """The dotted names a row's code runs (the displayed `tensorflow`/`pytorch` forms run unless a
    *_code field replaces them, and may then be prose)."""
    names = set()
    for code in [row.code("tf"), row.code("torch"), *(getattr(row, name) for name in CODE_FIELDS)]:
        if code:
            names |= dotted_names(code)
    return names


def coverage(rows: list[Row], surfaces: dict[str, dict[str, object]]) -> dict[str, dict[str, list[str]]]:
    """{surface: {name: [concepts of the rows that call it]}} (an empty list: no row calls it)."""
    callers: dict[int, list[str]] = {}
    for row in rows:
        for name in sorted(row_calls(row)):
            value = _resolve(name)
            if value is not None and row.concept not in callers.setdefault(id(value), []):
                callers[id(value)].append(row.concept)
    return {
        surface: {name: callers.get(id(value), []) for name, value in sorted(names.items())}
        for surface, names in surfaces.items()
    }
