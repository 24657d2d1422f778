"""A strategy after checking: parsed, type-checked, ready for matching and real time.

The checker (cube.strategy.check) turns files into these; matching, forecast,
explain and the touchpoint centre only ever see compiled strategies, never YAML or
unparsed strings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cube.dsl import Expr
from cube.strategy.model import Strategy

if TYPE_CHECKING:
    from pyspark.sql import Column

# `{tag_name}` is a placeholder; `{{` and `}}` are literal braces.
PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([a-z_][a-z0-9_]*)\}")


@dataclass(frozen=True)
class ScriptTemplate:
    """A touchpoint script with `{tag}` placeholders, filled per subscriber."""

    text: str

    @property
    def placeholders(self) -> tuple[tuple[str, int], ...]:
        """(tag name, offset in text) of every placeholder, in order."""
        return tuple(
            (m.group(1), m.start(1)) for m in PLACEHOLDER.finditer(self.text) if m.group(1)
        )

    def parts(self) -> list[tuple[str, bool]]:
        """The text as (literal, False) and (tag, True) pieces."""
        pieces: list[tuple[str, bool]] = []
        last = 0
        for m in PLACEHOLDER.finditer(self.text):
            pieces.append((self.text[last : m.start()], False))
            if m.group(1):
                pieces.append((m.group(1), True))
            else:
                pieces.append((m.group(0)[0], False))
            last = m.end()
        pieces.append((self.text[last:], False))
        return [(text, tag) for text, tag in pieces if tag or text]

    def render(self, row: Mapping[str, object]) -> str:
        """Python rendering (real time): a null tag renders as an empty string."""
        return "".join(_show(row.get(text)) if tag else text for text, tag in self.parts())

    def to_column(self, dtypes: Mapping[str, str]) -> Column:
        """Spark rendering (batch), identical to `render`; `dtypes` are the tags' dtypes."""
        from pyspark.sql import functions as F

        columns = [
            F.coalesce(_spark_text(text, dtypes[text]), F.lit("")) if tag else F.lit(text)
            for text, tag in self.parts()
        ]
        return F.concat(*columns) if columns else F.lit("")


def _show(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def _spark_text(name: str, dtype: str) -> Column:
    """A tag as text the way `_show` prints it: doubles with at most 2 decimals."""
    from pyspark.sql import functions as F

    col = F.col(name)
    if dtype == "double":
        fixed = F.format_string("%.2f", col)
        return F.regexp_replace(F.regexp_replace(fixed, "0+$", ""), "\\.$", "")
    return col.cast("string")


@dataclass(frozen=True)
class CompiledOffer:
    """One offered product; `rank` is a type-checked numeric expression or None."""

    product_id: str
    rank: Expr | None = None


@dataclass(frozen=True)
class CompiledStrategy:
    """A strategy file that passed the checker."""

    strategy: Strategy
    path: Path
    sha256: str
    segment: Expr
    offers: tuple[CompiledOffer, ...]
    scripts: Mapping[str, ScriptTemplate]

    @property
    def id(self) -> str:
        return self.strategy.id
