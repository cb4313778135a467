"""Checks that need no snippet run: every include resolves, every section is shown and paired."""

from tests.harness.integrity import check_tree


def test_includes_sections_and_pairs_are_consistent():
    errors = check_tree()
    assert not errors, "\n".join(errors)
