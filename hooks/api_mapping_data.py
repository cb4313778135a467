"""The API mapping's data: docs/data/api_mapping.yml, loaded and validated (no rendering here:
hooks/api_mapping.py renders it into the index and area pages; tests/api_mapping_runner.py runs it).

The data file is a mapping with two keys:

    inputs:   # shared NumPy arrays: name -> expression using np and rng (np.random.default_rng(0))
      x: rng.standard_normal((2, 3)).astype("float32")
    rows:     # one per concept
      - concept: Reshape                      # unique; its slug is the row's anchor
        area: shape manipulation              # one of AREAS
        tensorflow: tf.reshape(x, [3, 2])     # the call as a reader writes it ...
        pytorch: torch.reshape(x, (3, 2))     # ... and, unless *_code is given, what the tests run
        difference: none                      # one of DIFFERENCES
        note: ...                             # required unless difference is none
        tf_code: |                            # optional: what the tests run instead of `tensorflow`;
          layer = keras.layers.Dense(4)       #   statements, then a last line that is an expression
          layer(x)
        torch_code: ...                       # optional, likewise for `pytorch`
        keras: keras.ops.reshape(x, (3, 2))   # optional: the same call in Keras 3's backend-neutral
                                              #   API; run on TensorFlow, it must return what the
                                              #   `tensorflow` form returns
        tf_aligned / torch_aligned: ...       # optional: the call once the declared difference is
                                              #   removed (required for difference: defaults)
        compare: values                       # values (default) or statistics, for random output
        rtol / atol: 1.0e-5                   # optional tolerances
        bite: BatchNorm momentum              # optional: also shown under "Defaults that bite"
        expect: {tensorflow: 0.99, pytorch: 0.1}  # what the written forms returned (required
                                              #   with bite): written by `pytest
                                              #   tests/test_api_mapping.py --update-outputs`,
                                              #   checked by every test run
        arguments:                            # optional, only for ARGUMENT_DIFFERENCES: each
          - tensorflow: momentum=0.99         #   argument on both sides, `name=default` as Python
            pytorch: momentum=0.1             #   source (a bare name: required); omit a side that
            meaning: weight of the old value  #   has no such argument; the meaning is required
        tf_callable: keras.layers.BatchNormalization  # optional: the callable whose signature
        torch_callable: torch.nn.BatchNorm1d  #   holds them (default: the outermost call of
                                              #   `tensorflow` / `pytorch`, looking through the
                                              #   helpers optimize, lr_schedule and raises)

Loading validates the structure only (fields, categories, duplicates, code that does not
compile); tests/api_mapping_runner.py runs the rows, and tests/api_signatures.py checks each
`arguments` entry against the installed callable's signature. Errors name the file, line, row and
field.
"""

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

try:
    from hooks.input_error import InputError
except ImportError:  # loaded by MkDocs with hooks/ on sys.path
    from input_error import InputError

# libyaml's parser when present: same line marks, about 20 times faster on large files.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

DATA_FILE = Path(__file__).resolve().parents[1] / "docs" / "data" / "api_mapping.yml"
# Public names of the API surfaces below that no row calls, each with a one-line reason.
LEFT_OUT_FILE = DATA_FILE.with_name("api_left_out.yml")
# Public names no row calls yet and nobody has decided to leave out: the mapping's work list.
UNMAPPED_FILE = DATA_FILE.with_name("api_unmapped.yml")

AREAS = [
    "tensor creation",
    "indexing and slicing",
    "shape manipulation",
    "math and reductions",
    "linear algebra",
    "automatic differentiation",
    "random",
    "neural-network layers",
    "convolution and pooling",
    "activations",
    "losses",
    "optimizers and schedulers",
    "initialisers",
    "data utilities",
    "saving",
    "device and dtype handling",
]
DIFFERENCES = [
    "none",
    "argument names or order",
    "defaults",
    "layout NHWC/NCHW",
    "semantics",
    "no direct equivalent",
]
# Differences whose written forms must disagree when run (an aligned form must then agree).
DIFFERENT_OUTPUT = ["defaults", "layout NHWC/NCHW", "semantics"]
# Differences a row may detail argument by argument (`arguments`).
ARGUMENT_DIFFERENCES = ["argument names or order", "defaults"]
ARGUMENT_KEYS = ["tensorflow", "pytorch", "meaning"]
COMPARES = ["values", "statistics"]
REQUIRED = ["concept", "area", "tensorflow", "pytorch", "difference"]
CODE_FIELDS = ["tf_code", "torch_code", "keras", "tf_aligned", "torch_aligned"]
CALLABLE_FIELDS = ["tf_callable", "torch_callable"]
OPTIONAL = ["note", *CODE_FIELDS, "compare", "rtol", "atol", "bite", "expect", "arguments", *CALLABLE_FIELDS]
TOP_LEVEL = ["inputs", "rows"]
# Names every row's code can use; shared inputs must not shadow them.
RESERVED_NAMES = {"np", "tf", "keras", "torch", "nn", "F", "rng", "optimize", "lr_schedule", "raises", "tmp"}
# Ids the mapping's pages use besides the rows (headings of the index page, which redirects a row's
# old anchor only when no element of its own has that id; the filter's elements); a concept whose
# slug collides with one is rejected. Old headings stay listed: links to them may exist elsewhere.
PAGE_IDS = {
    "what-the-articles-get-wrong",
    "the-mapping",
    "find-a-call",
    "the-areas",
    "reading-a-row",
    "defaults-that-bite",
    "how-each-row-is-checked",
    "the-shared-inputs",
    "download-the-mapping",
    "sources",
    "api-filter-input",
    "api-filter-status",
    "api-filter-results",
}


# The API surfaces the mapping accounts for, and which of their public names count (enumerated
# from the installed packages by tests/api_surfaces.py). Every name is a row's call or left out.
SURFACES = {
    "keras.layers": "classes",
    "keras.losses": "classes",
    "keras.optimizers": "classes",
    "keras.optimizers.schedules": "classes",
    "keras.activations": "functions",
    "keras.initializers": "classes",
    "keras.ops": "functions",
    "torch.nn": "module classes (layers, containers and losses)",
    "torch.optim": "optimizer classes",
    "torch.optim.lr_scheduler": "scheduler classes",
    "torch.nn.init": "functions",
    "torch.nn.functional": "functions",
    "torch": "functions (the tensor namespace)",
}


class ApiMappingError(InputError):
    pass


@dataclass(frozen=True)
class Parameter:
    """One side of an `arguments` entry: `name=default` (default as Python source) or a bare name."""

    name: str
    default: str | None  # None: required (no default)

    @property
    def text(self) -> str:
        return self.name if self.default is None else f"{self.name}={self.default}"


@dataclass(frozen=True)
class Argument:
    """An entry of a row's `arguments`; `field` names it in messages (`arguments[2]`)."""

    tensorflow: Parameter | None
    pytorch: Parameter | None
    meaning: str
    field: str

    def side(self, side: str) -> Parameter | None:
        return self.tensorflow if side == "tf" else self.pytorch


@dataclass(frozen=True)
class LeftOut:
    surface: str
    name: str
    reason: str
    line: int

    @property
    def qualified(self) -> str:
        return f"{self.surface}.{self.name}"


def _surface_nodes(path: Path) -> list[tuple]:
    """The (surface, names) node pairs of a file that maps surfaces to names, with line marks."""
    text = path.read_text(encoding="utf-8")
    loader = SAFE_LOADER(text)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as err:
        raise ApiMappingError(f"{path}: not valid YAML: {err}") from None
    finally:
        loader.dispose()
    if root is None:  # only comments: nothing listed (the work list, once every name is accounted for)
        return []
    if not isinstance(root, yaml.MappingNode):
        raise ApiMappingError(f"{path}:1: expected a mapping of surfaces ({list(SURFACES)}) to names")
    return root.value


def load_left_out(path: Path = LEFT_OUT_FILE) -> list[LeftOut]:
    """The left-out names: {surface: {name: reason}}; errors name the file and line."""
    entries, seen = [], {}
    for surface_node, names_node in _surface_nodes(path):
        surface, at = surface_node.value, f"{path}:{surface_node.start_mark.line + 1}"
        if surface not in SURFACES:
            raise ApiMappingError(f"{at}: unknown surface {surface!r} (one of {list(SURFACES)})")
        if isinstance(names_node, yaml.ScalarNode) and names_node.value in ("", "~", "null"):
            continue  # a surface with nothing left out
        if not isinstance(names_node, yaml.MappingNode):
            raise ApiMappingError(f"{at}: {surface}: expected a mapping of names to reasons")
        for name_node, reason_node in names_node.value:
            name, line = name_node.value, name_node.start_mark.line + 1
            at = f"{path}:{line}: {surface}.{name}"
            if (surface, name) in seen:
                raise ApiMappingError(f"{at}: listed twice (first on line {seen[surface, name]})")
            reason = reason_node.value if isinstance(reason_node, yaml.ScalarNode) else None
            if not isinstance(reason, str) or not reason.strip() or "\n" in reason.strip():
                raise ApiMappingError(f"{at}: the reason must be one line of text")
            seen[surface, name] = line
            entries.append(LeftOut(surface, name, reason.strip(), line))
    return entries


def load_unmapped(path: Path = UNMAPPED_FILE) -> dict[str, dict[str, int]]:
    """The work list: {surface: {name: line}} from {surface: [names]}; errors name the file and line."""
    found: dict[str, dict[str, int]] = {}
    for surface_node, names_node in _surface_nodes(path):
        surface, at = surface_node.value, f"{path}:{surface_node.start_mark.line + 1}"
        if surface not in SURFACES or surface in found:
            raise ApiMappingError(f"{at}: {surface!r} is not a surface or is listed twice ({list(SURFACES)})")
        if not isinstance(names_node, yaml.SequenceNode):
            raise ApiMappingError(f"{at}: {surface}: expected a list of names")
        found[surface] = {}
        for node in names_node.value:
            line = node.start_mark.line + 1
            if not isinstance(node, yaml.ScalarNode) or not node.value.isidentifier():
                raise ApiMappingError(f"{path}:{line}: {surface}: expected a name")
            if node.value in found[surface]:
                raise ApiMappingError(f"{path}:{line}: {surface}.{node.value}: listed twice")
            found[surface][node.value] = line
    return found


@dataclass(frozen=True)
class Row:
    index: int  # 1-based position in `rows`
    line: int  # 1-based line of the row in the data file
    concept: str
    area: str
    tensorflow: str
    pytorch: str
    difference: str
    note: str | None
    tf_code: str | None
    torch_code: str | None
    keras: str | None
    tf_aligned: str | None
    torch_aligned: str | None
    compare: str
    rtol: float | None
    atol: float | None
    bite: str | None
    expect: dict | None
    arguments: tuple[Argument, ...] = ()
    tf_callable: str | None = None
    torch_callable: str | None = None
    field_lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    expect_span: tuple[int, int] | None = field(default=None, compare=False, repr=False)

    @property
    def anchor(self) -> str:
        return slug(self.concept)

    def label(self, path: Path) -> str:
        return f"{path}:{self.line}: row {self.index} ({self.concept!r})"

    def where(self, path: Path, name: str) -> str:
        """file:line of a field, for error messages."""
        return f"{path}:{self.field_lines.get(name, self.line)}: row {self.index} ({self.concept!r})"

    def code(self, side: str) -> str:
        """The code the tests run for `side` ('tf' or 'torch'), written form."""
        if side == "tf":
            return self.tf_code or self.tensorflow
        return self.torch_code or self.pytorch

    def aligned(self, side: str) -> str | None:
        return self.tf_aligned if side == "tf" else self.torch_aligned

    @property
    def has_aligned(self) -> bool:
        return bool(self.tf_aligned or self.torch_aligned)


@dataclass(frozen=True)
class Mapping:
    path: Path
    inputs: dict[str, str]  # name -> NumPy expression, in file order
    input_lines: dict[str, int]
    rows: list[Row]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")


def load_mapping(path: Path = DATA_FILE) -> Mapping:
    text = path.read_text(encoding="utf-8")
    loader = SAFE_LOADER(text)
    try:
        root = loader.get_single_node()
        if not isinstance(root, yaml.MappingNode):
            raise ApiMappingError(f"{path}:1: expected a mapping with keys {TOP_LEVEL}")
        top = {}
        for key_node, value_node in root.value:
            key = loader.construct_object(key_node)
            if key not in TOP_LEVEL:
                raise ApiMappingError(
                    f"{path}:{key_node.start_mark.line + 1}: unknown top-level key {key!r} "
                    f"(allowed: {TOP_LEVEL})"
                )
            top[key] = value_node
        for key in TOP_LEVEL:
            if key not in top:
                raise ApiMappingError(f"{path}:1: missing top-level key {key!r}")
        inputs, input_lines = _load_inputs(loader, top["inputs"], path)
        rows_node = top["rows"]
        if not isinstance(rows_node, yaml.SequenceNode) or not rows_node.value:
            raise ApiMappingError(
                f"{path}:{rows_node.start_mark.line + 1}: 'rows' must be a non-empty list of rows"
            )
        raw_rows = []
        for node in rows_node.value:
            lines, expect_span = {}, None
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    lines[str(key_node.value)] = value_node.start_mark.line + 1
                    if key_node.value == "expect":  # its text span, for --update-outputs
                        expect_span = (value_node.start_mark.index, value_node.end_mark.index)
                    if key_node.value == "arguments" and isinstance(value_node, yaml.SequenceNode):
                        lines.update(_entry_lines("arguments", value_node))
                    # a block scalar's first line is on the line after its indicator
                    if isinstance(value_node, yaml.ScalarNode) and value_node.style in ("|", ">"):
                        lines[str(key_node.value)] += 1
            raw_rows.append(
                (node.start_mark.line + 1, loader.construct_object(node, deep=True), lines, expect_span)
            )
    except yaml.YAMLError as err:
        raise ApiMappingError(f"{path}: not valid YAML: {err}") from None
    finally:
        loader.dispose()

    rows, seen, anchors = [], {}, {}
    area_anchors = {slug(area) for area in AREAS}
    for index, (line, raw, lines, expect_span) in enumerate(raw_rows, start=1):
        row = _validate_row(raw, index, line, lines, expect_span, path)
        key = row.concept.casefold()
        if key in seen:
            raise ApiMappingError(
                f"{row.where(path, 'concept')}, field 'concept': duplicates row {seen[key]}"
            )
        taken = row.anchor in PAGE_IDS or row.anchor in area_anchors or row.anchor.startswith("bite-")
        if row.anchor in anchors or taken:
            other = f"row {anchors[row.anchor]}" if row.anchor in anchors else "a heading of the page"
            raise ApiMappingError(
                f"{row.where(path, 'concept')}, field 'concept': its anchor #{row.anchor} "
                f"is already used by {other}"
            )
        seen[key] = index
        anchors[row.anchor] = index
        rows.append(row)
    return Mapping(path, inputs, input_lines, rows)


def _entry_lines(name: str, node) -> dict[str, int]:
    """Lines of a list's entries and of their keys: `arguments[0]`, `arguments[0].meaning`."""
    lines = {}
    for i, item in enumerate(node.value):
        lines[f"{name}[{i}]"] = item.start_mark.line + 1
        if isinstance(item, yaml.MappingNode):
            for key_node, value_node in item.value:
                lines[f"{name}[{i}].{key_node.value}"] = value_node.start_mark.line + 1
    return lines


def _load_inputs(loader, node, path: Path) -> tuple[dict[str, str], dict[str, int]]:
    where = f"{path}:{node.start_mark.line + 1}"
    if not isinstance(node, yaml.MappingNode) or not node.value:
        raise ApiMappingError(f"{where}: 'inputs' must map names to NumPy expressions")
    inputs, lines = {}, {}
    for key_node, value_node in node.value:
        name = loader.construct_object(key_node)
        value = loader.construct_object(value_node)
        at = f"{path}:{key_node.start_mark.line + 1}: input {name!r}"
        if not isinstance(name, str) or not name.isidentifier():
            raise ApiMappingError(f"{at}: input names must be Python identifiers")
        if name in RESERVED_NAMES:
            raise ApiMappingError(f"{at}: the name is reserved for {sorted(RESERVED_NAMES)}")
        if name in inputs:
            raise ApiMappingError(f"{at}: defined twice")
        if not isinstance(value, str) or not value.strip():
            raise ApiMappingError(f"{at}: must be a NumPy expression (text)")
        _compile_block(value, f"{at}", mode="eval")
        inputs[name] = value
        lines[name] = key_node.start_mark.line + 1
    return inputs, lines


def _validate_row(raw, index, line, lines, expect_span, path: Path) -> Row:
    where = f"{path}:{line}: row {index}"
    if not isinstance(raw, dict):
        raise ApiMappingError(f"{where}: expected a mapping with fields {REQUIRED}")
    label = f"{where} ({raw.get('concept')!r})" if "concept" in raw else where

    def at(name: str) -> str:
        return f"{path}:{lines.get(name, line)}: row {index}" + (
            f" ({raw.get('concept')!r})" if "concept" in raw else ""
        )

    for name in REQUIRED:
        if name not in raw:
            raise ApiMappingError(f"{label}, field {name!r}: missing")
    for name in raw:
        if name not in REQUIRED + OPTIONAL:
            raise ApiMappingError(
                f"{at(name)}, field {name!r}: unknown field (allowed: {REQUIRED + OPTIONAL})"
            )
    for name in ["concept", "tensorflow", "pytorch", "note", "bite", *CODE_FIELDS]:
        if name in raw and not (isinstance(raw[name], str) and raw[name].strip()):
            raise ApiMappingError(f"{at(name)}, field {name!r}: must be non-empty text")
    if raw["area"] not in AREAS:
        raise ApiMappingError(f"{at('area')}, field 'area': {raw['area']!r} is not one of {AREAS}")
    difference = raw["difference"]
    if difference not in DIFFERENCES:
        raise ApiMappingError(
            f"{at('difference')}, field 'difference': {difference!r} is not one of {DIFFERENCES}"
        )
    if difference != "none" and "note" not in raw:
        raise ApiMappingError(f"{label}, field 'note': missing (required when difference is not none)")
    compare = raw.get("compare", "values")
    if compare not in COMPARES:
        raise ApiMappingError(f"{at('compare')}, field 'compare': {compare!r} is not one of {COMPARES}")
    for name in ("rtol", "atol"):
        value = raw.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or value < 0):
            raise ApiMappingError(f"{at(name)}, field {name!r}: must be a number >= 0")
    aligned = [name for name in ("tf_aligned", "torch_aligned") if name in raw]
    if aligned and difference not in DIFFERENT_OUTPUT:
        raise ApiMappingError(
            f"{at(aligned[0])}, field {aligned[0]!r}: an aligned form only makes sense when the "
            f"difference is one of {DIFFERENT_OUTPUT}, not {difference!r}"
        )
    if difference == "defaults" and not aligned:
        raise ApiMappingError(
            f"{label}, field 'tf_aligned': missing (a row declaring defaults must show, in "
            "tf_aligned and/or torch_aligned, the call with the defaults aligned)"
        )
    # Every code field must compile: statements, then a final expression.
    code = {
        "tf_code": raw.get("tf_code") or raw["tensorflow"],
        "torch_code": raw.get("torch_code") or raw["pytorch"],
    }
    code.update({name: raw[name] for name in aligned})
    if "keras" in raw:
        code["keras"] = raw["keras"]
    for name, text in code.items():
        shown = name if name in raw else ("tensorflow" if name == "tf_code" else "pytorch")
        _compile_block(text, f"{at(shown)}, field {shown!r}", mode="block")
    if "bite" in raw:
        if difference == "none":
            raise ApiMappingError(f"{at('bite')}, field 'bite': a row with difference none cannot bite")
        if "expect" not in raw:
            raise ApiMappingError(
                f"{label}, field 'expect': missing (a bite shows what both forms returned; write "
                "`expect: {tensorflow: null, pytorch: null}` and run the tests with --update-outputs)"
            )
    if "expect" in raw:
        expect = raw["expect"]
        if not isinstance(expect, dict) or set(expect) != {"tensorflow", "pytorch"}:
            raise ApiMappingError(
                f"{at('expect')}, field 'expect': must be a mapping with keys tensorflow and pytorch"
            )
    arguments = _validate_arguments(raw, difference, at)
    for name in CALLABLE_FIELDS:
        if name in raw:
            if not arguments:
                raise ApiMappingError(f"{at(name)}, field {name!r}: only used with 'arguments'")
            if not (isinstance(raw[name], str) and re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*", raw[name])):
                raise ApiMappingError(
                    f"{at(name)}, field {name!r}: must be a dotted name such as keras.layers.Dense"
                )
    return Row(
        index=index,
        line=line,
        concept=raw["concept"].strip(),
        area=raw["area"],
        tensorflow=raw["tensorflow"].strip(),
        pytorch=raw["pytorch"].strip(),
        difference=difference,
        note=raw["note"].strip() if "note" in raw else None,
        tf_code=raw.get("tf_code"),
        torch_code=raw.get("torch_code"),
        keras=raw["keras"].strip() if "keras" in raw else None,
        tf_aligned=raw.get("tf_aligned"),
        torch_aligned=raw.get("torch_aligned"),
        compare=compare,
        rtol=raw.get("rtol"),
        atol=raw.get("atol"),
        bite=raw["bite"].strip() if "bite" in raw else None,
        expect=raw.get("expect"),
        arguments=arguments,
        tf_callable=raw.get("tf_callable"),
        torch_callable=raw.get("torch_callable"),
        field_lines=dict(lines),
        expect_span=expect_span,
    )


def _validate_arguments(raw: dict, difference: str, at) -> tuple[Argument, ...]:
    if "arguments" not in raw:
        return ()
    if difference not in ARGUMENT_DIFFERENCES:
        raise ApiMappingError(
            f"{at('arguments')}, field 'arguments': only rows whose difference is one of "
            f"{ARGUMENT_DIFFERENCES} list their arguments, not {difference!r}"
        )
    entries = raw["arguments"]
    if not isinstance(entries, list) or not entries:
        raise ApiMappingError(f"{at('arguments')}, field 'arguments': must be a non-empty list")
    out = []
    for i, entry in enumerate(entries):
        name = f"arguments[{i}]"
        if not isinstance(entry, dict):
            raise ApiMappingError(f"{at(name)}, field {name!r}: expected a mapping with keys {ARGUMENT_KEYS}")
        unknown = [key for key in entry if key not in ARGUMENT_KEYS]
        if unknown:
            raise ApiMappingError(
                f"{at(f'{name}.{unknown[0]}')}, field '{name}.{unknown[0]}': unknown key "
                f"(allowed: {ARGUMENT_KEYS})"
            )
        meaning = entry.get("meaning")
        if not (isinstance(meaning, str) and meaning.strip()):
            raise ApiMappingError(f"{at(f'{name}.meaning')}, field '{name}.meaning': missing or empty")
        if "tensorflow" not in entry and "pytorch" not in entry:
            raise ApiMappingError(
                f"{at(name)}, field {name!r}: needs a tensorflow or a pytorch side (or both)"
            )
        sides = {
            key: _parameter(entry[key], f"{at(f'{name}.{key}')}, field '{name}.{key}'")
            for key in ("tensorflow", "pytorch")
            if key in entry
        }
        out.append(Argument(sides.get("tensorflow"), sides.get("pytorch"), meaning.strip(), name))
    return tuple(out)


def _parameter(text, where: str) -> Parameter:
    """`name=default` or a bare `name`; the default must parse as a Python expression."""
    if not isinstance(text, str) or not text.strip():
        raise ApiMappingError(f"{where}: must be text: name=default, or a bare name when required")
    name, equals, default = (part.strip() for part in text.partition("="))
    if not name.isidentifier():
        raise ApiMappingError(f"{where}: {name!r} is not a parameter name (write name=default)")
    if not equals:
        return Parameter(name, None)
    try:
        ast.parse(default, mode="eval")
    except SyntaxError as err:
        raise ApiMappingError(
            f"{where}: the default {default!r} is not a Python expression ({err.msg})"
        ) from None
    return Parameter(name, default)


def split_block(text: str, where: str = "<code>") -> tuple[ast.Module, ast.Expression]:
    """Split code into its statements and its final expression (whose value is the output)."""
    try:
        tree = ast.parse(text, mode="exec")
    except SyntaxError as err:
        raise ApiMappingError(
            f"{where}: does not compile: {err.msg} (line {err.lineno} of the code)"
        ) from None
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        raise ApiMappingError(f"{where}: the last line must be an expression (its value is compared)")
    body = ast.Module(body=tree.body[:-1], type_ignores=[])
    return body, ast.Expression(body=tree.body[-1].value)


def _compile_block(text: str, where: str, mode: str) -> None:
    if mode == "eval":
        try:
            compile(text, where, "eval")
        except SyntaxError as err:
            raise ApiMappingError(f"{where}: does not compile: {err.msg}") from None
        return
    body, last = split_block(text, where)
    compile(body, where, "exec")
    compile(last, where, "eval")


def format_value(value) -> str:
    """How an `expect` value is shown on the page."""
    return (
        yaml.safe_dump(value, default_flow_style=True, width=10**6, sort_keys=False)
        .strip()
        .removesuffix("\n...")
    )
