"""What a test does when something it needs is not installed.

It is skipped with a message that says what is missing and how to install it; under CI
(REQUIRE_ALL_FRAMEWORKS=1, set by .ci/run) it fails instead, because there nothing may be skipped.
"""

import importlib.util
import os

import pytest

REQUIRE_ALL = os.environ.get("REQUIRE_ALL_FRAMEWORKS") == "1"


def skip_or_fail(message: str) -> None:
    if REQUIRE_ALL:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def require_module(module: str, message: str) -> None:
    """Skip or fail with `message` unless `module` can be imported."""
    if importlib.util.find_spec(module) is None:
        skip_or_fail(message)
