"""Errors and diagnostics.

A `Diagnostic` is one located problem (file, line, column, code, message, hint)
rendered the way compilers do, with a caret under the spot. Checkers collect
every diagnostic and raise one `DiagnosticError` at the end, so a user sees all
problems in one run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


class CubeError(Exception):
    """Base of every error the cube reports to a user (exit code 1, no traceback)."""

    exit_code = 1

    def to_dict(self) -> dict[str, object]:
        return {"error": type(self).__name__, "message": str(self)}


class ConfigError(CubeError):
    """Settings, profiles or definitions that cannot be used as given."""


class InputError(CubeError):
    """Input data that does not meet the data contract (file, table, column named)."""


class CycleError(CubeError):
    """A dependency cycle; the message lists the cycle in order."""

    def __init__(self, cycle: list[str]):
        self.cycle = cycle
        super().__init__("dependency cycle: " + " -> ".join([*cycle, cycle[0]]))


@dataclass(frozen=True)
class Diagnostic:
    """One located problem in a user's file."""

    path: str
    line: int
    col: int
    code: str
    message: str
    severity: Severity = "error"
    hint: str | None = None
    source_line: str | None = field(default=None, compare=False)
    width: int = field(default=1, compare=False)

    def headline(self) -> str:
        return f"{self.path}:{self.line}:{self.col} {self.code} {self.message}"

    def render(self) -> str:
        """Headline, the offending source line, and a caret under the spot."""
        out = [self.headline()]
        if self.source_line is not None:
            gutter = f"{self.line:>4} | "
            out.append(gutter + self.source_line.rstrip("\n"))
            pad = " " * (len(gutter) - 2) + "| " + " " * max(self.col - 1, 0)
            out.append(pad + "^" * max(self.width, 1))
        if self.hint:
            out.append(f"     = hint: {self.hint}")
        return "\n".join(out)

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
        }


class DiagnosticError(CubeError):
    """Raised once, after collecting, when any diagnostic is an error."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = list(diagnostics)
        errors = sum(d.severity == "error" for d in self.diagnostics)
        super().__init__(f"{errors} error(s)")

    def to_dict(self) -> dict[str, object]:
        return {
            "error": type(self).__name__,
            "message": str(self),
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """The closest known name, for '(did you mean ...?)' suggestions."""
    import difflib

    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return match[0] if match else None
