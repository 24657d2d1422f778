"""One strategy file read and checked on its own: YAML, model, catalogues.

Cross-file checks (duplicate ids, conflicting offers) and the data-based checks
work on the `StrategyFile`s this module produces.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cube.dsl.source import Positions, YamlSyntaxError, load_yaml
from cube.errors import Diagnostic
from cube.strategy.compiled import CompiledOffer, CompiledStrategy, ScriptTemplate
from cube.strategy.model import Strategy
from cube.strategy.semantics import Catalogues, Semantics, check_semantics
from cube.strategy.validate import validate_strategy


@dataclass
class StrategyFile:
    """A file, what could be read from it, and its problems so far."""

    path: Path
    display: str
    sha256: str
    data: Any = None
    positions: Positions | None = None
    strategy: Strategy | None = None
    semantics: Semantics = field(default_factory=Semantics)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)

    def add(self, diagnostic: Diagnostic) -> None:
        self.diagnostics.append(diagnostic)

    def compile(self) -> CompiledStrategy:
        """The compiled strategy; only for files without errors."""
        assert self.strategy is not None and self.semantics.segment is not None
        assert not self.has_errors, f"{self.display} has errors"
        offers = tuple(
            CompiledOffer(offer.product, self.semantics.ranks.get(i))
            for i, offer in enumerate(self.strategy.offers)
        )
        scripts = {tp: ScriptTemplate(text) for tp, text in self.strategy.scripts.items()}
        return CompiledStrategy(
            strategy=self.strategy,
            path=self.path,
            sha256=self.sha256,
            segment=self.semantics.segment,
            offers=offers,
            scripts=scripts,
        )


def read_strategy_file(path: Path, display: str, known: Catalogues) -> StrategyFile:
    """Load, validate and check one file; every problem lands in `.diagnostics`."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    found = StrategyFile(path=path, display=display, sha256=digest)
    try:
        found.data, found.positions = load_yaml(path, display)
    except YamlSyntaxError as exc:
        found.add(exc.diagnostic)
        return found
    found.strategy, problems = validate_strategy(found.data, found.positions)
    found.semantics = check_semantics(found.data, found.positions, known)
    found.diagnostics = _unique([*problems, *found.semantics.diagnostics])
    return found


def _unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """In file order, each problem once (validation and semantics may meet on one spot)."""
    ordered = sorted(dict.fromkeys(diagnostics), key=lambda d: (d.line, d.col))
    return ordered
