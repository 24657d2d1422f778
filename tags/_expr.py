"""Small expression helpers shared by the tag modules.

They build Columns from a `TagContext` (ctx.F), so like the tag modules they
never import pyspark themselves and the catalogue loads without a JVM.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cube.catalogue import TagContext


def band(ctx: TagContext, value: Any, edges: Sequence[tuple[float, str]], top: str) -> Any:
    """The label of the first edge `value` is below, `top` at or above the last; null stays null.

    `edges` are (upper bound, label) pairs in ascending order, e.g.
    [(40, "low"), (80, "medium")] with top "high": 39.9 -> low, 40 -> medium, 80 -> high.
    """
    expr = ctx.F.when(value.isNull(), ctx.F.lit(None).cast("string"))
    for upper, label in edges:
        expr = expr.when(value < upper, ctx.F.lit(label))
    return expr.otherwise(ctx.F.lit(top))


def ratio(ctx: TagContext, numerator: Any, denominator: Any) -> Any:
    """numerator / denominator, null when the denominator is 0 or null (ANSI-safe)."""
    return ctx.F.try_divide(numerator.cast("double"), denominator.cast("double"))


def flag(ctx: TagContext, condition: Any) -> Any:
    """A boolean that is false, not null, when an operand of `condition` is null."""
    return ctx.F.coalesce(condition, ctx.F.lit(False))


def days_since(ctx: TagContext, date: Any) -> Any:
    """Whole days from `date` to the snapshot date (0 on the snapshot day)."""
    return ctx.F.datediff(ctx.snapshot, date)


def months_since(ctx: TagContext, date: Any) -> Any:
    """Whole calendar months from `date` to the snapshot date (floored)."""
    return ctx.F.floor(ctx.F.months_between(ctx.snapshot, date))


def within_days(ctx: TagContext, date: Any, days: int) -> Any:
    """`date` is one of the `days` days ending on the snapshot date (inclusive)."""
    diff = ctx.F.datediff(ctx.snapshot, date)
    return (diff >= 0) & (diff < days)
