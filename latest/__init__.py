"""`make test-latest`: the site against the newest framework releases (see __main__.py)."""
