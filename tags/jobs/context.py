"""The Spark implementation of `TagContext`: columns only for what a tag declares.

`ctx.col` refuses anything the tag's spec does not declare, and `check_used`
refuses declarations the compute function never read, so a spec's inputs and
depends_on are exactly its real dependencies (the graph, impact analysis and
`cube tags graph` rely on that).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from cube.catalogue import TagSpec
from cube.errors import ConfigError

if TYPE_CHECKING:
    from pyspark.sql import Column

# Physical names of input columns inside the build; tag names start with a letter,
# so these never collide with a tag.
INPUT_PREFIX = "_in__"

SPARK_TYPES: dict[str, str] = {
    "string": "string",
    "int": "int",
    "double": "double",
    "boolean": "boolean",
    "date": "date",
}


class UndeclaredReferenceError(ConfigError):
    """A compute function used a column its spec does not declare (or the reverse)."""


def input_column(ref: str) -> str:
    """The build's column name for input 'table.column'."""
    table, column = ref.split(".", 1)
    return f"{INPUT_PREFIX}{table}__{column}"


class SparkTagContext:
    """What one tag's compute function sees: F, the snapshot date, its declared columns."""

    def __init__(self, spec: TagSpec, snapshot_date: dt.date):
        from pyspark.sql import functions

        self.F: Any = functions
        self.snapshot: Column = functions.lit(snapshot_date)
        self.spec = spec
        self._declared = {*spec.inputs, *spec.depends_on}
        self._used: set[str] = set()

    def col(self, ref: str) -> Column:
        if ref not in self._declared:
            raise UndeclaredReferenceError(
                f"tag '{self.spec.name}': ctx.col('{ref}') is not declared in its "
                "inputs or depends_on"
            )
        self._used.add(ref)
        name = input_column(ref) if "." in ref else ref
        return self.F.col(name)

    def check_used(self) -> None:
        unused = sorted(self._declared - self._used)
        if unused:
            listed = ", ".join(f"'{u}'" for u in unused)
            raise UndeclaredReferenceError(
                f"tag '{self.spec.name}': declares {listed} but its compute function never reads it"
            )


def tag_expression(spec: TagSpec, snapshot_date: dt.date) -> Column:
    """The tag's compute result, cast to its dtype (not yet named or network-masked)."""
    assert spec.compute is not None, f"tag {spec.name} has no compute function"
    ctx = SparkTagContext(spec, snapshot_date)
    expr = spec.compute(ctx)
    ctx.check_used()
    return expr.cast(SPARK_TYPES[spec.dtype])
