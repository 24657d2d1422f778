"""Read the raw operator extracts for the input gate: <raw>/<table> Parquet per contract table.

Deliberately minimal (no casting, no renaming): the gate must see the extracts as
they are. A table whose directory is absent is left out, and the gate reports it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cube.contract import TABLES
from cube.errors import InputError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


def read_raw(spark: SparkSession, raw_dir: Path) -> dict[str, DataFrame]:
    """One lazily read frame per contract table found under `raw_dir`."""
    if not raw_dir.is_dir():
        raise InputError(
            f"{raw_dir}: no raw data directory (generate data with `cube data generate` "
            "or point CUBE_RAW_DIR at the operator extracts)"
        )
    frames: dict[str, DataFrame] = {}
    for spec in TABLES:
        path = raw_dir / spec.name
        if path.exists():
            frames[spec.name] = spark.read.parquet(str(path))
    if not frames:
        raise InputError(f"{raw_dir}: none of the contract tables is there")
    return frames
