"""Touchpoint efficiency weights learnt by the evaluation centre, as matching reads them.

`<reports>/evaluation/efficiency.json` is a JSON list of rows
`{"product_category": ..., "touchpoint": ..., "weight": >= 0}`: how well a touchpoint
sells a product category, relative to the other touchpoints seen for it (1.0 =
average). Keyed by category rather than by strategy, so a new strategy selling a
category inherits what was learnt from the others.

Files written before weights were per category hold rows
`{"strategy_id": ..., "touchpoint": ..., "weight": ...}`. They are still read, and
when a file has both kinds a strategy's own row wins for its touchpoint: it was
measured on that strategy alone. Missing file, or no row for a cell: 1.0.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from cube.contract import PRODUCT_CATEGORIES
from cube.errors import InputError

Category = Literal[PRODUCT_CATEGORIES]  # type: ignore[valid-type]


class EfficiencyWeight(BaseModel):
    """One row of efficiency.json: per product category, or (older files) per strategy."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    product_category: Category | None = None
    strategy_id: str | None = None
    touchpoint: str
    weight: float = Field(ge=0)

    @model_validator(mode="after")
    def _one_key(self) -> EfficiencyWeight:
        if (self.product_category is None) == (self.strategy_id is None):
            raise ValueError("give either product_category or strategy_id")
        return self


@dataclass(frozen=True)
class Efficiency:
    """The weights of one file: per (category, touchpoint) and per (strategy, touchpoint)."""

    by_category: Mapping[tuple[str, str], float] = field(default_factory=dict)
    by_strategy: Mapping[tuple[str, str], float] = field(default_factory=dict)

    def weight(self, strategy_id: str, category: str, touchpoint: str) -> float:
        """The strategy's own weight on the touchpoint if the file has one, else the
        category's, else 1.0."""
        own = self.by_strategy.get((strategy_id, touchpoint))
        if own is not None:
            return own
        return self.by_category.get((category, touchpoint), 1.0)

    def rows(self) -> list[tuple[str, str, str, float]]:
        """Every weight as (kind, key, touchpoint, weight), sorted (the run id hashes it)."""
        found = [("category", k, t, w) for (k, t), w in self.by_category.items()]
        found += [("strategy", k, t, w) for (k, t), w in self.by_strategy.items()]
        return sorted(found)

    def __bool__(self) -> bool:
        return bool(self.by_category or self.by_strategy)


def efficiency_file(reports_dir: Path) -> Path:
    return reports_dir / "evaluation" / "efficiency.json"


def load_efficiency(path: Path) -> Efficiency:
    """The weights of a JSON list of EfficiencyWeight rows; no file: no weights."""
    if not path.is_file():
        return Efficiency()
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not JSON: {exc}") from None
    if not isinstance(rows, list):
        raise InputError(f"{path}: expected a list of {{product_category, touchpoint, weight}}")
    by_category: dict[tuple[str, str], float] = {}
    by_strategy: dict[tuple[str, str], float] = {}
    for i, row in enumerate(rows):
        try:
            item = EfficiencyWeight.model_validate(row)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            prefix = f"{where}: " if where else ""
            message = first["msg"].removeprefix("Value error, ")
            raise InputError(f"{path}: row {i + 1}: {prefix}{message}") from None
        if item.product_category is not None:
            by_category[(item.product_category, item.touchpoint)] = item.weight
        else:
            assert item.strategy_id is not None
            by_strategy[(item.strategy_id, item.touchpoint)] = item.weight
    return Efficiency(by_category=by_category, by_strategy=by_strategy)
