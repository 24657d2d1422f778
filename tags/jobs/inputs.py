"""Reading the operator's extracts: one Parquet folder per contract table.

Every table of the data contract is read and cast to the contract's types; a
missing table or column stops the build with the table and column named, before
any Spark job runs (only Parquet footers are read here).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from cube.contract import SPARK_TYPES, TABLES, TableSpec
from cube.errors import InputError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

CONTRACT_DOC = "docs/data-contract.md"
READ_THREADS = 4


def read_inputs(spark: SparkSession, raw_dir: Path) -> dict[str, DataFrame]:
    """Every contract table under raw_dir, contract columns only, contract types.

    Tables are opened on a few threads: each open lists files and reads Parquet footers
    on the driver, which is latency, not work. The first problem found is raised, in
    contract order.
    """
    with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
        futures = [pool.submit(read_table, spark, raw_dir, spec) for spec in TABLES]
    return {spec.name: future.result() for spec, future in zip(TABLES, futures, strict=True)}


def read_table(spark: SparkSession, raw_dir: Path, spec: TableSpec) -> DataFrame:
    """One table; raises InputError naming the table (and columns) that break the contract."""
    from pyspark.errors import AnalysisException

    label = f"{raw_dir.name}/{spec.name}"
    path = raw_dir / spec.name
    if not path.is_dir():
        raise InputError(f"{label}: table not found at {path} (data contract: {CONTRACT_DOC})")
    try:
        frame = spark.read.parquet(str(path))
    except AnalysisException as exc:
        first = str(exc).splitlines()[0]
        raise InputError(f"{label}: unreadable Parquet ({first})") from None
    present = set(frame.columns)
    missing = [c for c in spec.column_names if c not in present]
    if missing:
        noun = "column" if len(missing) == 1 else "columns"
        listed = ", ".join(f"'{c}'" for c in missing)
        raise InputError(f"{label}: missing {noun} {listed} (data contract: {CONTRACT_DOC})")
    return frame.select(
        *(frame[c.name].cast(SPARK_TYPES[c.dtype]).alias(c.name) for c in spec.columns)
    )
