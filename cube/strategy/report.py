"""What `cube strategies check` reports: diagnostics, notes and audience sizes, JSON-able."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cube.errors import Diagnostic


@dataclass(frozen=True)
class Note:
    """A check that did not run, and why (never a failure)."""

    code: str
    message: str
    path: str | None = None

    def render(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"note: {where}{self.code} {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "path": self.path}


@dataclass(frozen=True)
class AudienceSize:
    """How many subscribers a strategy's segment selects on the snapshot."""

    strategy_id: str
    path: str
    population: int
    matched: int

    @property
    def share(self) -> float:
        return self.matched / self.population if self.population else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "strategy_id": self.strategy_id,
            "path": self.path,
            "population": self.population,
            "matched": self.matched,
            "share": round(self.share, 6),
        }


@dataclass
class CheckReport:
    """Every diagnostic of a check run (warnings promoted to errors when strict)."""

    files: list[str]
    strict: bool = False
    diagnostics: list[Diagnostic] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    audience: list[AudienceSize] = field(default_factory=list)
    snapshot_date: str | None = None

    @property
    def errors(self) -> int:
        return sum(d.severity == "error" for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(d.severity == "warning" for d in self.diagnostics)

    @property
    def ok(self) -> bool:
        return self.errors == 0

    def summary(self) -> str:
        """One line: files, errors, warnings, notes and the verdict."""
        verdict = "ok" if self.ok else "FAILED"
        strict = ", strict" if self.strict else ""
        return (
            f"{len(self.files)} file(s): {self.errors} error(s), {self.warnings} warning(s), "
            f"{len(self.notes)} note(s){strict} - {verdict}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "strict": self.strict,
            "files": self.files,
            "errors": self.errors,
            "warnings": self.warnings,
            "snapshot_date": self.snapshot_date,
            "diagnostics": [d.to_dict() for d in self.diagnostics],
            "notes": [n.to_dict() for n in self.notes],
            "audience": [a.to_dict() for a in self.audience],
        }
