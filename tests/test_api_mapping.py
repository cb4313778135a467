"""The API mapping (docs/data/api_mapping.yml): every row runs in both frameworks and shows the
difference it declares; bad data fails with the file, line, row and field named.

All rows run in one subprocess (TensorFlow and PyTorch imported once, network blocked as for
snippets), shared by every test of the session, even across xdist workers. One test per row
reports that row. `--update-outputs` rewrites the `expect` values of the data file from the run.
"""

import csv
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml
from filelock import FileLock

from hooks.api_mapping import (
    AREA_PAGES,
    AREAS,
    DATA_FILE,
    DIFFERENCES,
    INDEX_FILE,
    LEFT_OUT_FILE,
    PAGE_IDS,
    PAGE_OF_AREA,
    PLACEHOLDERS,
    SURFACES,
    UNMAPPED_FILE,
    ApiMappingError,
    argument_pieces,
    arguments_table,
    call_html,
    format_value,
    load_left_out,
    load_mapping,
    load_unmapped,
    render_area_page,
    render_area_table,
    render_bites,
    render_summary,
    render_versions,
    slug,
)
from hooks.api_mapping_data import ARGUMENT_DIFFERENCES
from hooks.api_mapping_export import CSV_FILE, FIELDS, JSON_FILE, versions
from tests.api_mapping_runner import write_expectations
from tests.api_signatures import unchecked
from tests.harness.execution_cache import HARNESS_DIR, code_fingerprint, environment_fingerprint, make_key
from tests.harness.run import snippet_env
from tests.harness.sections import ROOT, relative
from tests.site_build import SEARCH_INDEX, index_without_documents

# One xdist worker runs this file (make test uses --dist loadgroup): its rows run once, in one process.
pytestmark = pytest.mark.xdist_group("api-mapping")

RUNNER = ROOT / "tests" / "api_mapping_runner.py"
RUN_TIMEOUT = 600
MAPPING_RUNS = "API mapping runs"  # the execution cache's name for this kind of run

try:
    MAPPING = load_mapping()
    LOAD_ERROR = None
except ApiMappingError as err:  # reported by test_the_data_file_is_valid, not as a collection error
    MAPPING, LOAD_ERROR = None, str(err)
ROWS = MAPPING.rows if MAPPING else []

# A small data file whose rows are wrong on purpose; it runs in the same process as the real one.
BROKEN = """\
inputs:
  x: rng.standard_normal((2, 3)).astype("float32")
rows:
  - concept: Fine
    area: shape manipulation
    tensorflow: tf.reshape(x, [3, 2])
    pytorch: x.reshape(3, 2)
    difference: none
  - concept: Call fails
    area: math and reductions
    tensorflow: tf.reduce_sum(x, axis=5)
    pytorch: torch.sum(x, dim=0)
    difference: none
  - concept: Claims none but differs
    area: math and reductions
    tensorflow: tf.math.reduce_std(x)
    pytorch: torch.std(x)
    difference: none
  - concept: Claims defaults but agrees
    area: math and reductions
    tensorflow: tf.reduce_sum(x)
    pytorch: torch.sum(x)
    difference: defaults
    note: Not true.
    torch_aligned: torch.sum(x)
  - concept: Aligned forms still disagree
    area: math and reductions
    tensorflow: tf.math.reduce_std(x)
    pytorch: torch.std(x)
    difference: defaults
    note: The aligned form forgets the correction.
    torch_aligned: torch.std(x, correction=1)
  - concept: Not a layout difference
    area: neural-network layers
    tensorflow: tf.ones([1, 2, 2, 3])
    pytorch: torch.zeros(1, 3, 2, 2)
    difference: layout NHWC/NCHW
    note: Moving the channels does not make ones zeros.
  - concept: Different distributions
    area: random
    tensorflow: tf.random.normal([10000])
    pytorch: torch.rand(10000)
    difference: none
    compare: statistics
  - concept: Output that cannot be compared
    area: neural-network layers
    tensorflow: keras.layers.Dense(2)
    pytorch: nn.Linear(2, 2)
    difference: none
  - concept: Stale expectation
    area: math and reductions
    tensorflow: tf.math.reduce_std(x)
    pytorch: torch.std(x)
    difference: defaults
    note: Biased vs unbiased.
    torch_aligned: torch.std(x, correction=0)
    bite: A bite whose expect is stale
    expect: {tensorflow: 1.0, pytorch: 2.0}
  - concept: Code that fails in a block
    area: math and reductions
    tensorflow: tf.reduce_sum(x)
    pytorch: torch.sum(x)
    difference: none
    torch_code: |
      total = torch.sum(x)
      total.no_such_method()
  - concept: A changed default
    area: neural-network layers
    tensorflow: keras.layers.BatchNormalization()
    pytorch: nn.BatchNorm1d(3)
    difference: argument names or order
    note: The stated defaults are wrong on purpose; the signatures catch them.
    tf_code: keras.layers.BatchNormalization()(x)
    torch_code: nn.BatchNorm1d(3)(x)
    arguments:
      - tensorflow: epsilon=1e-05
        pytorch: eps=1e-05
        meaning: a changed default (Keras's is 0.001)
      - pytorch: no_such_argument=1
        meaning: not a parameter
      - tensorflow: dtype=None
        meaning: taken by **kwargs, so not checked
  - concept: Keras spelling that is not the same call
    area: math and reductions
    tensorflow: tf.reduce_sum(x)
    pytorch: torch.sum(x)
    difference: none
    keras: keras.ops.mean(x)
"""


# ---------------------------------------------------------------- One run for the session


def mapping_key() -> str:
    """The execution cache's key: the data file, the broken rows, the runner, the module that loads
    rows (not the hook that renders them), the harness and the installed packages."""
    return make_key(
        "api mapping",
        DATA_FILE.read_bytes(),
        BROKEN,
        code_fingerprint(
            [
                RUNNER,
                ROOT / "tests" / "api_signatures.py",
                ROOT / "tests" / "api_surfaces.py",
                ROOT / "hooks" / "api_mapping_data.py",
                HARNESS_DIR,
            ]
        ),
        environment_fingerprint(),
    )


@pytest.fixture(scope="session")
def mapping_run(shared_tmp, executions, request) -> dict:
    """Run the real data file and the broken one in one subprocess; cached for the session, and
    between sessions by the execution cache while nothing it depends on changes (off under CI)."""
    cache = shared_tmp / "api-mapping"
    cache.mkdir(exist_ok=True)
    result = cache / "result.json"
    broken = cache / "broken.yml"
    with FileLock(str(cache / "run.lock")):
        if not result.exists():
            if LOAD_ERROR:
                pytest.fail(LOAD_ERROR, pytrace=False)
            broken.write_text(BROKEN, encoding="utf-8")
            key, identity = mapping_key(), relative(DATA_FILE)
            if entry := executions.load(MAPPING_RUNS, identity, key):
                # Messages name the broken file where an earlier session wrote it: name this one's.
                stored = json.dumps(entry.payload["report"])
                report = json.loads(stored.replace(entry.payload["broken"], str(broken)))
            else:
                report = run_mapping(broken)
                payload = {"report": report, "broken": str(broken)}
                executions.record(MAPPING_RUNS, identity, key, payload, succeeded=True)
            result.write_text(json.dumps(report), encoding="utf-8")
            if request.config.getoption("--update-outputs"):
                rows = report["files"][str(DATA_FILE)]["rows"]
                write_expectations(DATA_FILE, {r["concept"]: r["shown"] for r in rows if r["shown"]})
        report = json.loads(result.read_text(encoding="utf-8"))
    report["broken_path"] = str(broken)
    return report


def run_mapping(broken: Path) -> dict:
    """Every row of the data file and of `broken` in one fresh process; fails the test if it crashes."""
    with tempfile.TemporaryDirectory(prefix="api-mapping-cwd-") as cwd:
        output = Path(cwd) / "result.json"
        process = subprocess.run(
            [sys.executable, str(RUNNER), str(output), str(DATA_FILE), str(broken)],
            cwd=cwd,
            env=snippet_env({}),
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
        )
        if process.returncode != 0 or not output.exists():
            pytest.fail(
                f"{RUNNER.relative_to(ROOT)} failed (exit {process.returncode}):\n{process.stderr[-6000:]}",
                pytrace=False,
            )
        return json.loads(output.read_text(encoding="utf-8"))


def results_of(report: dict, path: Path | str) -> dict[str, dict]:
    data = report["files"][str(path)]
    assert data["error"] is None, data["error"]
    return {row["concept"]: row for row in data["rows"]}


def expectation_problem(path: Path, row, shown) -> str | None:
    """None if the row's `expect` matches what the run returned."""
    if row.expect is None:
        return None
    returned = yaml.safe_load(format_value(shown)) if shown is not None else None
    if returned == row.expect:
        return None
    return (
        f"{row.where(path, 'expect')}, field 'expect': the run returned {format_value(shown)}, "
        f"the file says {format_value(row.expect)}. Rewrite it with: "
        ".venv/bin/python -m pytest tests/test_api_mapping.py --update-outputs"
    )


# ---------------------------------------------------------------- The real data file


def test_the_data_file_is_valid_and_covers_every_area_and_difference():
    assert LOAD_ERROR is None, LOAD_ERROR
    assert len(ROWS) >= 200, f"{len(ROWS)} rows; the mapping promises at least 200"
    assert {row.area for row in ROWS} == set(AREAS)
    assert {row.difference for row in ROWS} == set(DIFFERENCES)
    bites = [row.bite for row in ROWS if row.bite]
    assert len(bites) >= 8, bites


def test_every_row_with_argument_or_default_differences_lists_its_arguments():
    """The arguments table is how a reader sees which argument to rename or which default to change."""
    missing = [
        f"{row.where(DATA_FILE, 'difference')}, field 'arguments': missing (difference {row.difference!r})"
        for row in ROWS
        if row.difference in ARGUMENT_DIFFERENCES and not row.arguments
    ]
    assert not missing, f"{len(missing)} rows without their arguments:\n" + "\n".join(missing)


@pytest.fixture(scope="session")
def current_rows(mapping_run) -> dict:
    """The rows as the data file holds them after the run (--update-outputs may rewrite it)."""
    return {row.concept: row for row in load_mapping().rows}


@pytest.mark.parametrize("row", ROWS, ids=[slug(row.concept) for row in ROWS])
def test_row(mapping_run, current_rows, row):
    """Both forms run; the difference the row declares is the one the run shows."""
    result = results_of(mapping_run, DATA_FILE).get(row.concept)
    assert result is not None, f"{row.label(DATA_FILE)}: was not run"
    if not result["ok"]:
        pytest.fail(result["message"], pytrace=False)
    if result.get("arguments") and result["arguments"]["problems"]:
        pytest.fail("\n".join(result["arguments"]["problems"]), pytrace=False)
    # The page says every default shown is the installed one: a side the signatures cannot confirm
    # (a name only **kwargs takes, a built-in without a signature) is left out of the data file.
    for entry, sides in unchecked([result]).get(row.concept, {}).items():
        for side, why in sides.items():
            at = f"{entry}.{side}"
            pytest.fail(
                f"{row.where(DATA_FILE, at)}, field {at!r}: not checked ({why}); leave it out", pytrace=False
            )
    problem = expectation_problem(DATA_FILE, current_rows[row.concept], result["shown"])
    if problem:
        pytest.fail(problem, pytrace=False)


def test_every_row_was_run_once(mapping_run):
    run = [row["concept"] for row in mapping_run["files"][str(DATA_FILE)]["rows"]]
    assert run == [row.concept for row in ROWS]


# ---------------------------------------------------------------- Coverage of the API surfaces

COVERAGE_DIR = "api-coverage"  # in the session's shared folder: one line per surface (conftest prints them)


@pytest.mark.parametrize("surface", SURFACES)
def test_every_public_name_is_a_row_or_left_out_or_still_to_map(mapping_run, shared_tmp, surface):
    """Each public name of the installed surface is called by a row, left out with a reason, or on
    the work list of names still to map; a listed name still exists and no row calls it. Fails
    when a new release adds a name, so the lists cannot fall behind the installed packages."""
    called = mapping_run["files"][str(DATA_FILE)]["coverage"][surface]
    left_out = {entry.name: entry for entry in load_left_out() if entry.surface == surface}
    to_map = load_unmapped().get(surface, {})
    rows = [name for name, concepts in called.items() if concepts]
    figures = (
        f"{surface}: {len(rows) + len(left_out)}/{len(called)} accounted for "
        f"({len(rows)} called by rows, {len(left_out)} left out), {len(to_map)} still to map"
    )
    (shared_tmp / COVERAGE_DIR).mkdir(exist_ok=True)
    (shared_tmp / COVERAGE_DIR / f"{surface}.txt").write_text(figures, encoding="utf-8")
    left, unmapped = relative(LEFT_OUT_FILE), relative(UNMAPPED_FILE)
    problems = [
        f"{surface}.{name}: no row calls it and neither {left} nor {unmapped} lists it (add a row to "
        f"{relative(DATA_FILE)} that calls it, or list it in {left} under {surface!r} with a one-line reason)"
        for name, concepts in called.items()
        if not concepts and name not in left_out and name not in to_map
    ]
    listed = [(left, entry.line, name) for name, entry in left_out.items()]
    listed += [(unmapped, line, name) for name, line in to_map.items()]
    for path, line, name in listed:
        if name not in called:
            problems.append(
                f"{path}:{line}: {surface}.{name} is not a public name of the installed {surface} "
                f"({SURFACES[surface]}): remove it"
            )
        elif called[name]:
            problems.append(
                f"{path}:{line}: {surface}.{name} is called by row(s) "
                f"{', '.join(repr(c) for c in called[name])}: remove it from the list"
            )
    problems += [
        f"{unmapped}:{line}: {surface}.{name} is also left out ({left}:{left_out[name].line}): keep one"
        for name, line in to_map.items()
        if name in left_out
    ]
    assert not problems, f"{figures}; {len(problems)} problem(s):\n" + "\n".join(problems)


def test_a_left_out_reason_that_names_a_row_names_a_real_one():
    """`row "Concept"` in a reason is a promise the row exists."""
    concepts = {row.concept for row in ROWS}
    bad = [
        f"{relative(LEFT_OUT_FILE)}:{entry.line}: {entry.qualified}: no row {named!r}"
        for entry in load_left_out()
        for named in re.findall(r'row "([^"]+)"', entry.reason)
        if named not in concepts
    ]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(
    ("loader", "text", "message"),
    [
        (
            load_left_out,
            "torch:\n  abs_: In-place abs.\n  abs_: Again.\n",
            r"list.yml:3: torch.abs_: listed twice \(first on line 2",
        ),
        (load_left_out, "keras.nope:\n  x: y\n", r"list.yml:1: unknown surface 'keras.nope'"),
        (load_left_out, "torch:\n  abs_:\n", r"list.yml:2: torch.abs_: the reason must be one line"),
        (load_unmapped, "torch: [abs, abs]\n", r"list.yml:1: torch.abs: listed twice"),
        (load_unmapped, "- torch.abs\n", r"list.yml:1: expected a mapping of surfaces"),
    ],
)
def test_a_malformed_left_out_or_unmapped_list_is_reported_with_its_line(tmp_path, loader, text, message):
    path = tmp_path / "list.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ApiMappingError, match=message):
        loader(path)


def test_a_list_of_only_comments_lists_nothing(tmp_path):
    """The work list once every name is accounted for: its comments stay, and it lists no name."""
    path = tmp_path / "list.yml"
    path.write_text("# Nothing left to map.\n", encoding="utf-8")
    assert load_unmapped(path) == {} and load_left_out(path) == []


# ---------------------------------------------------------------- Broken rows are reported


def broken_result(report: dict, concept: str) -> dict:
    return results_of(report, report["broken_path"])[concept]


def broken_line(needle: str) -> int:
    return next(n for n, line in enumerate(BROKEN.splitlines(), 1) if needle in line)


def test_a_correct_row_of_the_broken_file_passes(mapping_run):
    assert broken_result(mapping_run, "Fine")["ok"]


def test_a_failing_call_names_file_line_row_field_and_exception(mapping_run):
    result = broken_result(mapping_run, "Call fails")
    path, line = mapping_run["broken_path"], broken_line("tf.reduce_sum(x, axis=5)")
    assert not result["ok"]
    assert result["message"].startswith(
        f"{path}:{line}: row 2 ('Call fails'), field 'tensorflow': raised InvalidArgumentError:"
    ), result["message"]
    assert "Invalid reduction dimension" in result["message"]


def test_a_failure_inside_a_block_names_the_line_of_the_block(mapping_run):
    result = broken_result(mapping_run, "Code that fails in a block")
    path = mapping_run["broken_path"]
    assert not result["ok"]
    assert result["message"].startswith(
        f"{path}:{broken_line('total = torch.sum(x)')}: row 10 ('Code that fails in a block'), "
        "field 'torch_code': raised AttributeError:"
    ), result["message"]
    assert f"line {broken_line('no_such_method')}: total.no_such_method()" in result["message"]


@pytest.mark.parametrize(
    ("concept", "expected"),
    [
        ("Claims none but differs", "declares 'none', but the two forms disagree: values differ"),
        ("Claims defaults but agrees", "declares 'defaults', but the two forms agree when run as written"),
        ("Aligned forms still disagree", "the aligned forms still disagree: values differ"),
        ("Not a layout difference", "moving TensorFlow's last axis to position 1 does not give"),
        ("Different distributions", "statistics differ beyond rtol=0.05, atol=0.02"),
        ("Output that cannot be compared", "cannot be compared"),
        ("Keras spelling that is not the same call", "field 'keras': does not return what the 'tensorflow'"),
    ],
)
def test_a_claim_the_run_contradicts_is_reported(mapping_run, concept, expected):
    result = broken_result(mapping_run, concept)
    assert not result["ok"], f"{concept!r} passed"
    index = next(
        i
        for i, row in enumerate(load_mapping(Path(mapping_run["broken_path"])).rows, 1)
        if row.concept == concept
    )
    assert f"row {index} ({concept!r})" in result["message"], result["message"]
    assert expected in result["message"], result["message"]


def test_a_changed_default_and_an_unknown_argument_are_caught_and_kwargs_is_not_checked(mapping_run):
    path = mapping_run["broken_path"]
    arguments = broken_result(mapping_run, "A changed default")["arguments"]
    row = "row 11 ('A changed default')"
    assert arguments["problems"] == [
        f"{path}:{broken_line('epsilon=1e-05')}: {row}, field 'arguments[0].tensorflow': epsilon=1e-05: "
        "keras.layers.BatchNormalization (installed signature) gives epsilon the default 0.001; "
        "the file says 1e-05",
        f"{path}:{broken_line('no_such_argument=1')}: {row}, field 'arguments[1].pytorch': "
        "no_such_argument=1: 'no_such_argument' is not a parameter of nn.BatchNorm1d"
        + arguments["problems"][1].split("nn.BatchNorm1d", 1)[1],
    ]
    assert arguments["entries"][0]["pytorch"]["status"] == "checked"  # eps=1e-05 is right
    assert unchecked([broken_result(mapping_run, "A changed default")]) == {
        "A changed default": {
            "arguments[2]": {
                "tensorflow": "dtype is not an explicit parameter of keras.layers.BatchNormalization: "
                "**kwargs takes it"
            }
        }
    }


def test_a_stale_expectation_is_reported_with_the_fix(mapping_run):
    path = Path(mapping_run["broken_path"])
    row = next(row for row in load_mapping(path).rows if row.concept == "Stale expectation")
    result = broken_result(mapping_run, "Stale expectation")
    assert result["ok"], result["message"]  # the claim holds; only the recorded values are stale
    problem = expectation_problem(path, row, result["shown"])
    assert problem is not None
    assert problem.startswith(
        f"{path}:{broken_line('expect: {tensorflow: 1.0')}: row 9 ('Stale expectation'), field 'expect'"
    )
    assert "--update-outputs" in problem


def test_update_outputs_rewrites_only_the_expect_values(mapping_run, tmp_path):
    path = Path(mapping_run["broken_path"])
    copy = tmp_path / "copy.yml"
    copy.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    shown = broken_result(mapping_run, "Stale expectation")["shown"]
    assert write_expectations(copy, {"Stale expectation": shown}) == 1
    row = next(row for row in load_mapping(copy).rows if row.concept == "Stale expectation")
    assert expectation_problem(copy, row, shown) is None
    before, after = path.read_text().splitlines(), copy.read_text().splitlines()
    changed = [n for n, (a, b) in enumerate(zip(before, after, strict=True), 1) if a != b]
    assert changed == [broken_line("expect: {tensorflow: 1.0")]
    assert write_expectations(copy, {"Stale expectation": shown}) == 0  # idempotent


# ---------------------------------------------------------------- Validation of the data file


@pytest.fixture
def data_copy(tmp_path) -> Path:
    copy = tmp_path / "api_mapping.yml"
    copy.write_text(DATA_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    return copy


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str, after: int = 0) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if n > after and needle in line)


def row_index(path: Path, concept: str) -> int:
    text = path.read_text(encoding="utf-8")
    concepts = re.findall(r"^  - concept: (.+)$", text, re.MULTILINE)
    return concepts.index(concept) + 1


def load_error(path: Path) -> str:
    with pytest.raises(ApiMappingError) as caught:
        load_mapping(path)
    return str(caught.value)


def test_the_unbroken_copy_loads(data_copy):
    assert len(load_mapping(data_copy).rows) == len(ROWS)


def test_unknown_area_names_line_row_and_field(data_copy):
    edit(data_copy, "    area: linear algebra\n", "    area: linear algebr\n")
    line = line_of(data_copy, "area: linear algebr")
    concept = "Matrix product"
    where = f"{data_copy}:{line}: row {row_index(data_copy, concept)} ({concept!r})"
    assert f"{where}, field 'area': 'linear algebr'" in load_error(data_copy)


def test_unknown_difference_names_line_row_and_field(data_copy):
    edit(
        data_copy,
        "    pytorch: torch.zeros(2, 3)\n    difference: none\n",
        "    pytorch: torch.zeros(2, 3)\n    difference: nothing\n",
    )
    line = line_of(data_copy, "difference: nothing")
    message = load_error(data_copy)
    where = f"{data_copy}:{line}: row {row_index(data_copy, 'Zeros')} ('Zeros')"
    assert f"{where}, field 'difference': 'nothing' is not one of" in message


def test_unknown_field_names_line_row_and_field(data_copy):
    edit(
        data_copy,
        "  - concept: Zeros\n    area: tensor creation\n",
        "  - concept: Zeros\n    area: tensor creation\n    tf_setup: x = 1\n",
    )
    line = line_of(data_copy, "tf_setup: x = 1")
    where = f"{data_copy}:{line}: row {row_index(data_copy, 'Zeros')} ('Zeros')"
    assert f"{where}, field 'tf_setup': unknown field" in load_error(data_copy)


def test_missing_field_names_row_and_field(data_copy):
    edit(data_copy, "  - concept: Ones\n    area: tensor creation\n", "  - concept: Ones\n")
    line = line_of(data_copy, "- concept: Ones")
    assert (
        f"{data_copy}:{line}: row {row_index(data_copy, 'Ones')} ('Ones'), field 'area': missing"
        in load_error(data_copy)
    )


def test_malformed_row_names_line_and_row(data_copy):
    edit(data_copy, "  - concept: Zeros\n", "  - just text\n  - concept: Zeros\n")
    line = line_of(data_copy, "- just text")
    index = row_index(data_copy, "Zeros")  # the text row takes Zeros' place; Zeros moves down
    assert f"{data_copy}:{line}: row {index}: expected a mapping with fields" in load_error(data_copy)


def test_duplicate_concept_names_both_rows(data_copy):
    edit(data_copy, "  - concept: Ones\n", "  - concept: zeros\n")
    line = line_of(data_copy, "- concept: zeros")
    first = row_index(data_copy, "Zeros")
    message = load_error(data_copy)
    assert (
        f"{data_copy}:{line}: row {first + 1} ('zeros'), field 'concept': duplicates row {first}" in message
    )


def test_defaults_without_an_aligned_form_is_rejected(data_copy):
    edit(data_copy, "    tf_aligned: tf.range(0, 10, 2, dtype=tf.int64)\n", "")
    concept = "Integer range"
    message = load_error(data_copy)
    assert f"row {row_index(data_copy, concept)} ({concept!r}), field 'tf_aligned': missing" in message


def test_code_that_does_not_compile_names_the_field(data_copy):
    edit(data_copy, "    tensorflow: tf.zeros([2, 3])\n", "    tensorflow: tf.zeros([2, 3)\n")
    line = line_of(data_copy, "tf.zeros([2, 3)")
    message = load_error(data_copy)
    where = f"{data_copy}:{line}: row {row_index(data_copy, 'Zeros')} ('Zeros')"
    assert f"{where}, field 'tensorflow': does not compile" in message


def test_a_bite_needs_recorded_values(data_copy):
    text = data_copy.read_text(encoding="utf-8")
    start = text.index("  - concept: Default integer dtype")
    end = text.index("  - concept:", start + 10)
    data_copy.write_text(text[:start] + re.sub(r"    expect: .*\n", "", text[start:end]) + text[end:])
    assert "field 'expect': missing" in load_error(data_copy)


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ("    arguments:\n      - tensorflow: axis=(\n        meaning: m\n", "is not a Python expression"),
        ("    arguments:\n      - tensorflow: axis\n", "field 'arguments[0].meaning': missing or empty"),
        ("    arguments:\n      - meaning: m\n", "needs a tensorflow or a pytorch side"),
        ("    arguments:\n      - tensorflow: 1x=2\n        meaning: m\n", "is not a parameter name"),
    ],
)
def test_bad_arguments_name_line_row_and_field(data_copy, arguments, expected):
    edit(data_copy, '    note: "`tf.fill(dims, value)`', arguments + '    note: "`tf.fill(dims, value)`')
    message = load_error(data_copy)
    assert (
        f"row {row_index(data_copy, 'Filled with a value')} ('Filled with a value'), field 'arguments"
        in message
    )
    assert expected in message, message


def test_arguments_only_with_argument_or_default_differences(data_copy):
    edit(
        data_copy,
        "    pytorch: torch.zeros(2, 3)\n    difference: none\n",
        "    pytorch: torch.zeros(2, 3)\n    difference: none\n"
        "    arguments:\n      - tensorflow: shape\n        meaning: m\n",
    )
    line = line_of(data_copy, "- tensorflow: shape")  # a field's line is its value's
    assert (
        f"{data_copy}:{line}: row {row_index(data_copy, 'Zeros')} ('Zeros'), field 'arguments': only rows"
        in (load_error(data_copy))
    )


def test_invalid_yaml_names_the_file(data_copy):
    edit(data_copy, "    tensorflow: tf.zeros([2, 3])\n", "    tensorflow: tf.zeros([2, 3]): oops\n")
    message = load_error(data_copy)
    assert message.startswith(f"{data_copy}: not valid YAML")


# ---------------------------------------------------------------- Rendering


def test_rendering_escapes_html_and_keeps_code_spans(tmp_path):
    data = tmp_path / "api_mapping.yml"
    data.write_text(
        "inputs:\n  x: np.zeros(2)\nrows:\n"
        "  - concept: '<script>alert(1)</script> & co'\n    area: tensor creation\n"
        "    tensorflow: tf.zeros([2]) < 1\n    pytorch: torch.zeros(2) < 1\n    difference: semantics\n"
        "    note: 'Use `a < b` <b>not bold</b>'\n    torch_aligned: torch.zeros(2) > 1\n",
        encoding="utf-8",
    )
    mapping = load_mapping(data)
    table = render_area_table(mapping, "tensor creation")
    assert "<script>" not in table and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in table
    assert "<code>a &lt; b</code> &lt;b&gt;not bold&lt;/b&gt;" in table
    assert '<tr id="script-alert-1-script-co">' in table
    assert '<code class="api-call">tf.zeros([2]) &lt; 1</code>' in table
    assert 'aligned: <code class="api-call">torch.zeros(2) &gt; 1</code>' in table


def test_arguments_render_as_a_small_table_in_their_row(tmp_path):
    """Each argument is a line with both sides (`none` where a side has no such argument, `required`
    for a bare name) and its meaning; lines whose sides differ are marked; the table is labelled."""
    data = tmp_path / "api_mapping.yml"
    data.write_text(
        "inputs:\n  x: np.zeros(2)\nrows:\n"
        "  - concept: A <b>row</b>\n    area: tensor creation\n"
        "    tensorflow: tf.zeros([2])\n    pytorch: torch.zeros(2)\n"
        "    difference: argument names or order\n    note: n\n    arguments:\n"
        "      - {tensorflow: 'axis=None', pytorch: 'dim=None', meaning: 'the axis, `a < b`'}\n"
        "      - {tensorflow: 'dtype=None', pytorch: 'dtype=None', meaning: same}\n"
        "      - {pytorch: 'input', meaning: only PyTorch}\n",
        encoding="utf-8",
    )
    table = render_area_table(load_mapping(data), "tensor creation")
    nested = table[table.index('<table class="api-arguments"') : table.index("</table>") + len("</table>")]
    assert nested.startswith(
        '<table class="api-arguments" aria-label="Arguments of A &lt;b&gt;row&lt;/b&gt;">'
    )
    assert "<caption>" in nested and nested.count('<th scope="col">') == 3
    assert (
        '<tr class="api-arg-differs"><td><code>axis=<wbr>None</code></td><td><code>dim=<wbr>None</code></td>'
        "<td>the axis, <code>a &lt; b</code></td></tr>"
    ) in nested
    assert (
        "<tr><td><code>dtype=<wbr>None</code></td><td><code>dtype=<wbr>None</code></td><td>same</td></tr>"
        in nested
    )
    assert (
        '<tr class="api-arg-differs"><td class="api-arg-none">none</td><td><code>input</code> '
        '<span class="api-arg-none">required</span></td><td>only PyTorch</td></tr>'
    ) in nested
    assert table.index('<tr id="a-b-row-b">') < table.index(nested)  # inside its row


def test_every_row_with_arguments_shows_them_on_its_page():
    rows = [row for row in ROWS if row.arguments]
    assert rows, "no row lists its arguments"
    pages = {stem: render_area_page(MAPPING, stem) for stem in {PAGE_OF_AREA[row.area] for row in rows}}
    for row in rows:
        page = pages[PAGE_OF_AREA[row.area]]
        own = page[page.index(f'<tr id="{row.anchor}">') :].split("<tr id=", 2)[1]  # up to the next row
        assert arguments_table(row) in own, row.concept
        assert own.count("<tr") == 1 + len(row.arguments), row.concept  # its header, one per argument


def test_calls_wrap_only_between_arguments():
    """Every call shown is cut into pieces that give it back exactly, and no cut falls inside a
    name or a number: a piece ends after ", " or "; " or "(", or before "(" or "." of a chained call."""
    calls = [row.tensorflow for row in ROWS] + [row.pytorch for row in ROWS]
    calls += [row.aligned(side).strip() for row in ROWS for side in ("tf", "torch") if row.aligned(side)]
    for call in calls:
        pieces = argument_pieces(call)
        assert "".join(pieces) == call, call
        for piece, after in zip(pieces, pieces[1:], strict=False):
            assert piece.endswith((", ", "; ", "(")) or after.startswith(("(", ".")), (call, piece, after)
    assert argument_pieces("keras.layers.Dense(4)") == ["keras.layers.Dense(4)"]
    assert argument_pieces('f("a, b", c)') == ['f("a, b", ', "c)"]  # never inside a string
    assert argument_pieces("Loss(from_logits=True)(y, p)") == ["Loss(from_logits=True)", "(y, ", "p)"]
    assert call_html("tf.fill([2, 3], 7.0)") == (
        '<code class="api-args"><span>tf.fill([2, </span><wbr><span>3], </span><wbr><span>7.0)</span></code>'
    )


def test_every_area_has_one_page_and_every_page_renders_its_rows_once():
    assert set(PAGE_OF_AREA) == set(AREAS)
    assert sum(len(areas) for _, areas in AREA_PAGES.values()) == len(AREAS)  # no area on two pages
    for stem in AREA_PAGES:
        assert (ROOT / "docs" / "api-mapping" / f"{stem}.md").is_file(), stem
    pages = {stem: render_area_page(MAPPING, stem) for stem in AREA_PAGES}
    rendered = [anchor for page in pages.values() for anchor in re.findall(r'<tr id="([^"]+)">', page)]
    assert sorted(rendered) == sorted(row.anchor for row in ROWS)
    assert len(set(rendered)) == len(rendered)
    for row in ROWS:
        assert f'<tr id="{row.anchor}">' in pages[PAGE_OF_AREA[row.area]], row.concept


def test_bites_show_the_recorded_values_in_linked_tabs_and_link_their_rows():
    bites = render_bites(MAPPING)
    for row in ROWS:
        if row.bite:
            assert f"{{#bite-{row.anchor}}}" in bites
            assert f"    #> {format_value(row.expect['tensorflow'])}" in bites
            assert f"    #> {format_value(row.expect['pytorch'])}" in bites
            assert f"](api-mapping/{PAGE_OF_AREA[row.area]}.md#{row.anchor})" in bites
    assert bites.count('=== "TensorFlow"') == bites.count('=== "PyTorch"') == sum(bool(r.bite) for r in ROWS)


def test_summary_counts_every_row():
    summary = render_summary(MAPPING)
    assert f"**{len(ROWS)} rows**" in summary
    total = sum(int(n) for n in re.findall(r"(\d+) \*", summary))
    assert total == len(ROWS)


# ---------------------------------------------------------------- The built pages
# `site`, `server` and `browser` are the session's build of the real site, its server and this
# worker's Chromium (tests/conftest.py).


def built(site: Path, page: str) -> str:
    return (site / page / "index.html").read_text(encoding="utf-8")


def test_the_index_page_shows_the_areas_the_bites_and_the_versions(site):
    page = built(site, "api-mapping")
    assert not [marker for marker in PLACEHOLDERS.values() if marker in page], "a placeholder is left"
    assert "<tr id=" not in page  # the rows are on the area pages only
    for stem in AREA_PAGES:
        assert f'href="{stem}/"' in page, f"the index does not link the area page {stem}"
    for row in ROWS:
        if row.bite:
            assert f'id="bite-{row.anchor}"' in page, row.bite
            assert f'href="{PAGE_OF_AREA[row.area]}/#{row.anchor}"' in page, row.bite
    assert render_versions() in page  # read from the installed packages when the page was built
    for package in ("TensorFlow", "Keras", "PyTorch"):
        assert package in render_versions()


def test_every_row_is_on_exactly_one_area_page(site):
    found = {}
    for stem in AREA_PAGES:
        page = built(site, f"api-mapping/{stem}")
        assert not [marker for marker in PLACEHOLDERS.values() if marker in page], stem
        for anchor in re.findall(r'<tr id="([^"]+)">', page):
            assert anchor not in found, f"#{anchor} is on {found[anchor]} and {stem}"
            found[anchor] = stem
    assert found == {row.anchor: PAGE_OF_AREA[row.area] for row in ROWS}


def test_the_generated_index_covers_every_row_and_maps_every_old_anchor(site):
    """The JSON index lists every row with its page; every anchor of the old one-page mapping (a
    row or an area heading) leads to a page that has it; no element of the index page takes one."""
    index = json.loads((site / INDEX_FILE).read_text(encoding="utf-8"))
    assert [row[0] for row in index["rows"]] == [row.anchor for row in ROWS]
    assert [row[1:4] for row in index["rows"]] == [[r.concept, r.tensorflow, r.pytorch] for r in ROWS]
    assert [index["differences"][row[4]] for row in index["rows"]] == [row.difference for row in ROWS]
    pages = [url for url, _ in index["pages"]]
    assert pages == [f"api-mapping/{stem}/" for stem in AREA_PAGES]
    old_anchors = {row[0]: pages[row[5]] for row in index["rows"]}
    old_anchors.update({area: pages[number] for area, number in index["areas"].items()})
    assert set(index["areas"]) == {slug(area) for area in AREAS}
    for anchor, url in old_anchors.items():
        assert f'id="{anchor}"' in (site / url / "index.html").read_text(encoding="utf-8"), (anchor, url)
    index_ids = set(re.findall(r'\bid="([^"]+)"', built(site, "api-mapping")))
    assert not index_ids & set(old_anchors), "the index page would not redirect these anchors"
    assert not {row.anchor for row in ROWS} & PAGE_IDS


def test_the_downloads_parse_hold_every_row_and_are_linked_from_the_index(site):
    """mapping.json and mapping.csv, written by the build: they parse and hold the data file's rows,
    in its order, each field as the data file gives it (read here with plain YAML), with the schema
    note and the installed versions; the index page links both."""
    document = json.loads((site / JSON_FILE).read_text(encoding="utf-8"))
    assert document["versions"] == versions()
    assert document["schema"]["fields"] == FIELDS
    with open(site / CSV_FILE, encoding="utf-8", newline="") as handle:
        records = list(csv.DictReader(handle))
    raw_rows = yaml.load(DATA_FILE.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)["rows"]
    assert len(document["rows"]) == len(records) == len(raw_rows) == len(ROWS)
    for raw, item, record, row in zip(raw_rows, document["rows"], records, ROWS, strict=True):
        assert list(item) == list(record) == list(FIELDS), row.concept
        expected = {name: raw.get(name) for name in FIELDS}
        expected |= {"anchor": row.anchor, "url": f"api-mapping/{PAGE_OF_AREA[row.area]}/#{row.anchor}"}
        expected["compare"] = raw.get("compare", "values")
        if "arguments" in raw:
            expected["arguments"] = [
                {side: entry.get(side) for side in ("tensorflow", "pytorch", "meaning")}
                for entry in raw["arguments"]
            ]
        for name, value in expected.items():
            value = value.strip() if isinstance(value, str) else value
            assert item[name] == value, (row.concept, name)
            cell = (
                ""
                if value is None
                else json.dumps(value, ensure_ascii=False)
                if name in ("expect", "arguments")
                else str(value)
            )
            assert record[name] == cell, (row.concept, name)
    index = built(site, "api-mapping")
    for path in (JSON_FILE, CSV_FILE):
        assert f'href="{path.split("/")[1]}"' in index, f"the index page does not link {path}"


def test_the_mapping_stylesheet_and_script_load_on_its_pages_only(site):
    tag = re.compile(r'<script src="(?:\.\./)*assets/javascripts/api-mapping\.js"></script>')
    css = re.compile(r'<link rel="stylesheet" href="(?:\.\./)*assets/stylesheets/api-mapping\.css">')
    for page in ["api-mapping", *(f"api-mapping/{stem}" for stem in AREA_PAGES)]:
        html_text = built(site, page)
        assert tag.search(html_text) and css.search(html_text), page
        assert '<div class="api-filter" hidden' in html_text, page  # shown by the script only
    home = (site / "index.html").read_text(encoding="utf-8")
    assert not tag.search(home) and not css.search(home)
    assert (site / "assets" / "javascripts" / "api-mapping.js").is_file()
    assert (site / "assets" / "stylesheets" / "api-mapping.css").is_file()


def mapping_context(browser, server: str, javascript: bool = True):
    """A context of this worker's Chromium that reaches nothing outside the site and gets the search
    index without its documents (these tests do not search)."""
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 1280, "height": 900})
    context.route(
        "**/*", lambda route: route.continue_() if route.request.url.startswith(server) else route.abort()
    )
    stub = index_without_documents(server)  # routed last, so it comes first (Playwright's order)
    context.route(server + SEARCH_INDEX.lstrip("/"), lambda route: route.fulfill(**stub))
    return context


@pytest.fixture(scope="module")
def tab(browser, server):
    """One tab with JavaScript for the tests of this file, each opening its page in turn."""
    context = mapping_context(browser, server)
    yield context.new_page()
    context.close()


@pytest.fixture
def open_page(tab, browser, server):
    """Opens a page of the site in the shared tab at the given width, or, without JavaScript, in a
    context of its own."""
    contexts = []

    def open_(path: str, javascript: bool = True, width: int = 1280):
        if javascript:
            page = tab
            page.set_viewport_size({"width": width, "height": 900})
            if page.url.split("#")[0] == (server + path).split("#")[0]:
                page.goto("about:blank")  # else a new fragment would only scroll, not load
        else:
            contexts.append(mapping_context(browser, server, javascript=False))
            page = contexts[-1].new_page()
        page.goto(server + path)
        return page

    yield open_
    for context in contexts:
        context.close()


VISIBLE_ROWS = """() => [...document.querySelectorAll('table[data-api-area] > tbody > tr')]
    .filter(r => r.offsetParent !== null).map(r => r.innerText)"""


def area_rows(stem: str) -> list:
    return [row for row in ROWS if PAGE_OF_AREA[row.area] == stem]


@pytest.mark.browser
def test_the_area_filter_narrows_the_rows_and_clearing_it_restores_them(open_page):
    page = open_page("api-mapping/math/")
    rows = area_rows("math")
    box = page.locator("#api-filter-input")
    assert box.is_visible()
    assert len(page.evaluate(VISIBLE_ROWS)) == len(rows)
    box.fill("keepdims")  # the script filters on the input event, before fill returns
    shown = page.evaluate(VISIBLE_ROWS)
    assert 0 < len(shown) < len(rows)
    assert all("keepdims" in row.casefold() for row in shown), shown
    assert page.locator("#api-filter-status").inner_text() == f"{len(shown)} of {len(rows)} rows"
    box.fill("no row says this")
    assert page.evaluate(VISIBLE_ROWS) == []
    assert not page.locator("table[data-api-area]").is_visible()  # a table with no match is hidden
    box.fill("")
    assert len(page.evaluate(VISIBLE_ROWS)) == len(rows)


@pytest.mark.browser
def test_the_index_filter_finds_rows_of_every_area_and_links_them(open_page):
    page = open_page("api-mapping/")
    box = page.locator("#api-filter-input")
    assert box.is_visible()
    box.fill("weight_decay")
    page.wait_for_function("document.querySelectorAll('#api-filter-results li').length > 0")
    expected = [
        row for row in ROWS if "weight_decay" in f"{row.concept} {row.tensorflow} {row.pytorch}".casefold()
    ]
    links = page.locator("#api-filter-results li > a")
    assert links.count() == len(expected) > 0
    assert page.locator("#api-filter-status").inner_text() == f"{len(expected)} of {len(ROWS)} rows"
    first = expected[0]
    assert links.first.inner_text() == first.concept
    links.first.click()
    page.wait_for_url(f"**/api-mapping/{PAGE_OF_AREA[first.area]}/#{first.anchor}")
    assert page.locator(f"#{first.anchor}").is_visible()


@pytest.mark.browser
@pytest.mark.parametrize("anchor", ["standard-deviation", "fully-connected-layer", "linear-algebra"])
def test_an_old_anchor_reaches_its_row_on_its_area_page(open_page, anchor):
    page = open_page(f"api-mapping/#{anchor}")
    area = next((row.area for row in ROWS if row.anchor == anchor), None)
    stem = PAGE_OF_AREA[area] if area else next(PAGE_OF_AREA[a] for a in AREAS if slug(a) == anchor)
    page.wait_for_url(f"**/api-mapping/{stem}/#{anchor}", timeout=10_000)
    assert page.locator(f"#{anchor}").count() == 1


@pytest.mark.browser
def test_without_javascript_area_pages_show_every_row_and_no_filter(open_page):
    page = open_page("api-mapping/layers/", javascript=False)
    assert not page.locator("#api-filter-input").is_visible()
    assert page.locator("table[data-api-area] > tbody > tr:visible").count() == len(area_rows("layers"))


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_code_never_breaks_inside_a_name_and_tables_scroll_inside_the_page(open_page, width):
    """Every piece of code in a row is on one line (its height is one line's), and the page
    itself never scrolls sideways: a wide table scrolls inside its own container."""
    page = open_page("api-mapping/layers/", width=width)
    broken = page.evaluate(
        """() => [...document.querySelectorAll(
            'table[data-api-area] code.api-call, table[data-api-area] code.api-args > span')]
          .filter(e => e.getClientRects().length > 1).map(e => e.textContent)"""
    )
    assert broken == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
