"""The one exception the package raises for bad input."""

from __future__ import annotations

from typing import List

from ._types import Issue


class BatonError(ValueError):
    """Bad input: every issue the core found, each ``{code, path, message}``.

    ``code`` and ``path`` are the first issue's, for ``except`` blocks that
    only look at one; ``errors`` holds them all in the order SPEC.md §4 fixes.
    """

    errors: List[Issue]
    code: str
    path: str

    def __init__(self, errors: List[Issue]) -> None:
        first = errors[0]
        where = first["path"] or "(root)"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(f"{first['code']} at {where}: {first['message']}{more}")
        self.errors = errors
        self.code = first["code"]
        self.path = first["path"]
