"""The API mapping as downloads: api-mapping/mapping.json and api-mapping/mapping.csv.

hooks/api_mapping.py writes both at build time from docs/data/api_mapping.yml, so they hold exactly
the rows the pages show, and links them from the index page with FIELDS as their schema note. The
JSON file also carries the versions every row was run with (read from the installed packages) and
the schema note itself; the CSV file has one record per row, in the data file's order, with the
same field names as its header.
"""

import csv
import io
import json
import platform

try:
    from hooks.api_mapping_data import AREAS, COMPARES, DIFFERENCES, Mapping, Row
    from hooks.verified_versions import installed_version
except ImportError:  # loaded by MkDocs with hooks/ on sys.path
    from api_mapping_data import AREAS, COMPARES, DIFFERENCES, Mapping, Row
    from verified_versions import installed_version

JSON_FILE = "api-mapping/mapping.json"
CSV_FILE = "api-mapping/mapping.csv"
SOURCE = "docs/data/api_mapping.yml"

# Every field of a downloaded row, in column order, with its meaning: the schema note of both files
# and of the index page. A field a row does not set is null in the JSON file and empty in the CSV.
FIELDS = {
    "anchor": "the row's id on its area page",
    "url": "the row's address, relative to the site's root (`api-mapping/<page>/#<anchor>`)",
    "concept": "what the row maps, unique",
    "area": f"one of: {', '.join(AREAS)}",
    "tensorflow": "the call as a TensorFlow / Keras user writes it",
    "pytorch": "the call as a PyTorch user writes it",
    "difference": f"one of: {', '.join(DIFFERENCES)}",
    "note": "what differs and how to align it (null when the difference is none)",
    "keras": "the same call in Keras 3's backend-neutral API; tested to return what `tensorflow` returns",
    "tf_code": "the TensorFlow code the tests ran, when it is more than the call (statements, then "
    "the expression whose value is compared)",
    "torch_code": "the PyTorch code the tests ran, likewise",
    "tf_aligned": "the TensorFlow code with the declared difference removed (tested to agree)",
    "torch_aligned": "the PyTorch code with the declared difference removed (tested to agree)",
    "compare": f"how the outputs were compared: one of {', '.join(COMPARES)}",
    "rtol": "the row's relative tolerance (null: 1e-5 for values, 0.05 for statistics)",
    "atol": "the row's absolute tolerance (null: 1e-6 for values, 0.02 for statistics)",
    "bite": 'its title under "Defaults that bite" on the index page',
    "expect": "what the two written calls returned in the last test run: "
    "{tensorflow, pytorch} (JSON text in the CSV)",
    "arguments": "per argument, a list of {tensorflow, pytorch, meaning}: each side `name=default` as "
    "Python source, a bare name when required, null where that side has no such argument; each "
    "side was checked against the installed signature (JSON text in the CSV)",
    "tf_callable": "the TensorFlow callable whose signature holds `arguments`, when it is not the "
    "outermost call of `tensorflow`",
    "torch_callable": "the PyTorch callable whose signature holds `arguments`, likewise",
}
JSON_IN_CSV = {"expect", "arguments"}  # fields that are not text: written as JSON text in a CSV cell


def versions() -> dict[str, str]:
    """The versions the rows were run with: the installed packages, as the site's footer shows."""
    return {
        "tensorflow": installed_version(["tensorflow-cpu", "tensorflow"]),
        "keras": installed_version(["keras"]),
        "torch": installed_version(["torch"]),
        "python": platform.python_version(),
    }


def export_row(row: Row, url: str) -> dict:
    """A row as a mapping of FIELDS; `url` is its page's address relative to the site root."""
    arguments = [
        {
            "tensorflow": argument.tensorflow.text if argument.tensorflow else None,
            "pytorch": argument.pytorch.text if argument.pytorch else None,
            "meaning": argument.meaning,
        }
        for argument in row.arguments
    ]
    values = {
        "anchor": row.anchor,
        "url": f"{url}#{row.anchor}",
        "arguments": arguments or None,
        **{name: getattr(row, name) for name in FIELDS if name not in {"anchor", "url", "arguments"}},
    }
    values = {name: value.strip() if isinstance(value, str) else value for name, value in values.items()}
    return {name: values[name] for name in FIELDS}


def mapping_json(mapping: Mapping, row_urls: list[str]) -> str:
    """The JSON download: versions, the schema note, the rows. `row_urls`: each row's page URL."""
    document = {
        "title": "API mapping: TensorFlow / Keras and PyTorch calls, every row run in both",
        "source": SOURCE,
        "versions": versions(),
        "schema": {
            "rows": "a list of objects with the fields below, in the data file's order",
            "fields": FIELDS,
            "csv": f"{CSV_FILE.rsplit('/', 1)[1]} holds the same rows, one record per row (RFC 4180; "
            "a multi-line code field is quoted and keeps its line breaks), with these field names "
            f"as its header; {' and '.join(sorted(JSON_IN_CSV))} are JSON text there",
        },
        "rows": [export_row(row, url) for row, url in zip(mapping.rows, row_urls, strict=True)],
    }
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


def mapping_csv(mapping: Mapping, row_urls: list[str]) -> str:
    """The CSV download: a header of FIELDS, then one record per row."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(FIELDS), lineterminator="\n")
    writer.writeheader()
    for row, url in zip(mapping.rows, row_urls, strict=True):
        writer.writerow({name: _cell(name, value) for name, value in export_row(row, url).items()})
    return out.getvalue()


def _cell(name: str, value) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False) if name in JSON_IN_CSV else value
