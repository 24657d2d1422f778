"""GX custom expectations where the built-ins are too slow at operator scale on Spark.

Both are registered with GX on import and run inside ordinary suites.

Referential integrity.

`ExpectColumnValuesToBeInSet` carries its values in the expectation's kwargs: GX copies
and hashes them many times while planning metrics, `Column.isin` makes one py4j round
trip per value, and Spark re-analyses an N-literal IN for every query. With the 2,000
grid ids of a 1M-subscriber operator that is ~20 s for one check (measured); a
national grid table is 25x bigger.

`ExpectColumnValuesToBeInReference` names its value set instead
(`reference="regions.grid_id"`, which also reads better in the suite) and its metric
counts unknown values with one broadcast anti-join against the dimension frame. The
frames live in a registry the gate fills for the duration of a run
(`reference_frames`). Metric `column.unknown_reference_values`, expectation
`expect_column_values_to_be_in_reference`.

Key uniqueness. `ExpectCompoundColumnsToBeUnique` partitions a window by a struct of
the key columns; on 12M usage rows that sort costs ~15 CPU-seconds, twice a window over
a 64-bit hash of the key (measured). `ExpectKeyToBeUnique` windows over
`xxhash64(key)` and then verifies the (rare) colliding rows exactly, so the count is
exact. Metric `key.duplicate_rows`, expectation `expect_key_to_be_unique`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import reduce
from operator import and_
from typing import TYPE_CHECKING, Any, ClassVar

from great_expectations.compatibility.pyspark import functions as F
from great_expectations.core.metric_domain_types import MetricDomainTypes
from great_expectations.execution_engine import SparkDFExecutionEngine
from great_expectations.expectations.expectation import BatchExpectation, ColumnAggregateExpectation
from great_expectations.expectations.metrics import ColumnAggregateMetricProvider
from great_expectations.expectations.metrics.metric_provider import metric_value
from great_expectations.expectations.metrics.table_metric_provider import TableMetricProvider

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

EXAMPLES = 3
_VALUE = "__reference_value"
# reference name ('table.column') -> one-column frame of its values; see reference_frames.
_REFERENCES: dict[str, DataFrame] = {}


@contextmanager
def reference_frames(frames: Mapping[str, DataFrame]) -> Iterator[None]:
    """Make dimension columns available to `expect_column_values_to_be_in_reference`.

    `frames` maps 'table.column' to the dimension frame holding that column.
    """
    for name, df in frames.items():
        column = name.split(".", 1)[1]
        _REFERENCES[name] = df.select(F.col(column).alias(_VALUE)).distinct()
    try:
        yield
    finally:
        for name in frames:
            _REFERENCES.pop(name, None)


class ColumnUnknownReferenceValues(ColumnAggregateMetricProvider):
    """Rows whose non-null value is missing from the reference, plus a few such values."""

    metric_name = "column.unknown_reference_values"
    value_keys = ("reference",)

    @metric_value(engine=SparkDFExecutionEngine)
    def _spark(
        cls,
        execution_engine: SparkDFExecutionEngine,
        metric_domain_kwargs: dict,
        metric_value_kwargs: dict,
        metrics: dict[str, Any],
        runtime_configuration: dict,
    ) -> dict[str, Any]:
        reference = metric_value_kwargs["reference"]
        if reference not in _REFERENCES:
            raise KeyError(f"reference '{reference}' is not registered")
        df, _, accessor = execution_engine.get_compute_domain(
            metric_domain_kwargs, domain_type=MetricDomainTypes.COLUMN
        )
        values = df.select(F.col(accessor["column"]).alias("value")).where("value IS NOT NULL")
        ref = F.broadcast(_REFERENCES[reference])
        unknown = values.join(ref, values["value"] == ref[_VALUE], "left_anti")
        count = unknown.count()
        examples = []
        if count:  # a second, small job only when something is wrong
            sample = unknown.distinct().orderBy("value").limit(EXAMPLES).collect()
            examples = [row[0] for row in sample]
        return {"unexpected_count": count, "examples": examples}


class ExpectColumnValuesToBeInReference(ColumnAggregateExpectation):
    """Expect every non-null value of a column to exist in a reference column.

    E.g. `column="grid_id", reference="regions.grid_id"`. The result has the shape of
    a column map expectation (element_count, unexpected_count, unexpected_percent,
    partial_unexpected_list). Spark only.
    """

    reference: str

    metric_dependencies: ClassVar[tuple[str, ...]] = (
        "column.unknown_reference_values",
        "table.row_count",
    )
    args_keys: ClassVar[tuple[str, ...]] = ("column", "reference")
    success_keys: ClassVar[tuple[str, ...]] = ("reference",)
    library_metadata: ClassVar[dict[str, Any]] = {
        "maturity": "experimental",
        "tags": ["strategy cube", "referential integrity"],
        "contributors": ["strategy-cube"],
        "requirements": [],
    }

    def _validate(
        self,
        metrics: dict[str, Any],
        runtime_configuration: dict | None = None,
        execution_engine: Any = None,
    ) -> dict[str, Any]:
        return _map_shaped(metrics["column.unknown_reference_values"], metrics["table.row_count"])


def _map_shaped(found: dict[str, Any], rows: int) -> dict[str, Any]:
    """A result shaped like a column map expectation's, from a failing-rows count."""
    count = found["unexpected_count"]
    return {
        "success": count == 0,
        "result": {
            "observed_value": count,
            "element_count": rows,
            "unexpected_count": count,
            "unexpected_percent": 100 * count / rows if rows else None,
            "partial_unexpected_list": found["examples"],
        },
    }


class KeyDuplicateRows(TableMetricProvider):
    """Rows sharing their (non-null) key with another row, plus a few such keys."""

    metric_name = "key.duplicate_rows"
    value_keys = ("key",)

    @metric_value(engine=SparkDFExecutionEngine)
    def _spark(
        cls,
        execution_engine: SparkDFExecutionEngine,
        metric_domain_kwargs: dict,
        metric_value_kwargs: dict,
        metrics: dict[str, Any],
        runtime_configuration: dict,
    ) -> dict[str, Any]:
        key = list(metric_value_kwargs["key"])
        df, _, _ = execution_engine.get_compute_domain(
            metric_domain_kwargs, domain_type=MetricDomainTypes.TABLE
        )
        rows = df.select(*key).where(reduce(and_, (F.col(c).isNotNull() for c in key)))
        # One hash aggregation on a 64-bit hash of the key (no sort, no window): a hash
        # shared by several rows flags every true duplicate, plus the odd collision.
        hashed = rows.select(F.xxhash64(*key).alias("__h"))
        shared = hashed.groupBy("__h").agg(F.count(F.lit(1)).alias("__n")).where("__n > 1")
        if not shared.limit(1).collect():
            return {"unexpected_count": 0, "examples": []}
        # Something is wrong: resolve the exact duplicates (a second job, broken data only).
        suspects = rows.withColumn("__h", F.xxhash64(*key)).join(shared.select("__h"), "__h")
        duplicated = suspects.groupBy(*key).count().where("count > 1")
        total = duplicated.agg(F.sum("count")).first()[0] or 0
        sample = duplicated.orderBy(*key).limit(EXAMPLES).collect() if total else []
        examples = [row[0] if len(key) == 1 else tuple(row[: len(key)]) for row in sample]
        return {"unexpected_count": int(total), "examples": examples}


class ExpectKeyToBeUnique(BatchExpectation):
    """Expect no two rows to share a key (one or more columns; rows with a null key part
    are left to the not-null checks). Result shape of a map expectation. Spark only."""

    key: list[str]

    metric_dependencies: ClassVar[tuple[str, ...]] = ("key.duplicate_rows", "table.row_count")
    args_keys: ClassVar[tuple[str, ...]] = ("key",)
    success_keys: ClassVar[tuple[str, ...]] = ("key",)
    library_metadata: ClassVar[dict[str, Any]] = {
        "maturity": "experimental",
        "tags": ["strategy cube", "uniqueness"],
        "contributors": ["strategy-cube"],
        "requirements": [],
    }

    def _validate(
        self,
        metrics: dict[str, Any],
        runtime_configuration: dict | None = None,
        execution_engine: Any = None,
    ) -> dict[str, Any]:
        return _map_shaped(metrics["key.duplicate_rows"], metrics["table.row_count"])
