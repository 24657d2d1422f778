"""Errors of the condition language: a code, a message and a span in the expression text.

The strategy checker turns them into file diagnostics by adding the expression's
position in the YAML file.
"""

from __future__ import annotations

from cube.errors import CubeError


class DslError(CubeError):
    """A syntax or type error at [offset, offset + width) of the expression."""

    def __init__(
        self, code: str, message: str, offset: int, width: int = 1, hint: str | None = None
    ):
        self.code = code
        self.message = message
        self.offset = offset
        self.width = max(width, 1)
        self.hint = hint
        super().__init__(f"{code} {message}")
