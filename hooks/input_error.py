"""The base of every error a hook raises for bad input (a data row, a results file, an include).

It is a MkDocs BuildError: `mkdocs build` prints the message, which names the file and line, and
stops without a traceback. It is also a ValueError, for code that validates outside a build.
"""

from mkdocs.exceptions import PluginError


class InputError(PluginError, ValueError):
    pass
