"""MkDocs hook: stamp every page's footer with the versions the snippets were verified with.

The versions are read from the installed packages at build time (the same environment
`make test` runs the snippets in), never typed by hand.
"""

import platform
from importlib import metadata

# (label shown, distributions that provide it; the first one installed wins)
PACKAGES = [
    ("TensorFlow", ["tensorflow-cpu", "tensorflow"]),
    ("Keras", ["keras"]),
    ("PyTorch", ["torch"]),
]


def installed_version(distributions: list[str]) -> str:
    for name in distributions:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    raise RuntimeError(
        f"cannot stamp the verified versions: none of {distributions} is installed. "
        "Build the site from the environment `make test` uses (make serve creates it)."
    )


def verified_versions() -> str:
    parts = [f"{label} {installed_version(names)}" for label, names in PACKAGES]
    return "Snippets verified with " + ", ".join(parts) + f" on Python {platform.python_version()}."


def on_config(config, **kwargs):
    config["copyright"] = verified_versions()
    return config
