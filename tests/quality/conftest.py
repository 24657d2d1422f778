"""Fixtures of the data-quality tests: valid minimal inputs, cheap Spark planning."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.quality.builder import Rows, to_frames, valid_rows

# The gates run ~140 Spark jobs per call whatever the data size; on 20-row frames their
# planning and code generation is all the cost. Interpreted expressions, one shuffle
# partition and no adaptive re-planning halve it. Restored after this package.
CHEAP_PLANNING = {
    "spark.sql.shuffle.partitions": "1",
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
}


@pytest.fixture(scope="package")
def cheap_planning(spark: Any) -> Iterator[None]:
    before = {key: spark.conf.get(key, None) for key in CHEAP_PLANNING}
    for key, value in CHEAP_PLANNING.items():
        spark.conf.set(key, value)
    yield
    for key, value in before.items():
        if value is None:
            spark.conf.unset(key)
        else:
            spark.conf.set(key, value)


@pytest.fixture
def rows() -> Rows:
    """Fresh valid rows of all 11 tables (tests edit them freely)."""
    return valid_rows()


@pytest.fixture
def frames_of(spark: Any):
    """Rows -> contract-typed DataFrames."""

    def build(rows: Rows) -> dict[str, Any]:
        return to_frames(spark, rows)

    return build
