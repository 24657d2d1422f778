"""Reference for the usage-aggregation stage: the build's Spark pass against DuckDB.

Both compute the same per-subscriber aggregates of the usage_daily tags over the
same Parquet files and write them as Parquet; the results are compared so the
ratio compares equal work.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

from cube.catalogue import Catalogue

# The usage_daily aggregate tags, as DuckDB SQL. Kept in step with tags/usage.py and
# tags/preference.py by `compare`, which fails when a column differs.
DUCKDB_SQL = """
COPY (
  WITH u AS (
    SELECT *, date_diff('day', usage_date, DATE '{snapshot}') AS age
    FROM read_parquet('{raw}/usage_daily/*.parquet')
    WHERE usage_date <= DATE '{snapshot}' AND usage_date > DATE '{snapshot}' - INTERVAL 30 DAY
  )
  SELECT subscriber_id,
    sum(data_mb) AS data_mb_30d,
    sum(data_5g_mb) AS data_5g_mb_30d,
    sum(voice_min) AS voice_min_30d,
    sum(sms_count) AS sms_count_30d,
    count(*) FILTER (WHERE data_mb > 0 OR voice_min > 0 OR sms_count > 0) AS active_days_30d,
    count(*) FILTER (WHERE age < 7 AND (data_mb > 0 OR voice_min > 0 OR sms_count > 0))
      AS active_days_7d,
    (sum(CASE WHEN age < 7 THEN data_mb ELSE 0 END) / 7)
      / nullif(sum(CASE WHEN age < 7 THEN 0 ELSE data_mb END) / 23, 0) AS data_trend_ratio,
    (sum(CASE WHEN age < 7 THEN voice_min ELSE 0 END) / 7)
      / nullif(sum(CASE WHEN age < 7 THEN 0 ELSE voice_min END) / 23, 0) AS voice_trend_ratio,
    sum(video_mb) AS video_mb_30d,
    sum(game_mb) AS game_mb_30d,
    sum(music_mb) AS music_mb_30d
  FROM u GROUP BY subscriber_id
) TO '{out}' (FORMAT parquet)
"""


def usage_specs(catalogue: Catalogue) -> list[Any]:
    return sorted(
        (t for t in catalogue.tags.values() if t.source == "usage_daily"), key=lambda t: t.name
    )


def run_spark(spark: Any, raw_dir: Path, out: Path, snapshot: dt.date) -> None:
    """The build's own aggregation of usage_daily, written as Parquet."""
    from tags.jobs.compute import aggregate_source
    from tags.jobs.inputs import read_inputs

    inputs = read_inputs(spark, raw_dir)
    frame = aggregate_source(inputs, "usage_daily", usage_specs(Catalogue.load()), snapshot)
    frame.write.mode("overwrite").parquet(str(out))


def run_duckdb(raw_dir: Path, out: Path, snapshot: dt.date) -> None:
    """The same aggregates in DuckDB, written as one Parquet file."""
    import duckdb

    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute(DUCKDB_SQL.format(raw=raw_dir, snapshot=snapshot, out=out / "part-0.parquet"))


def compare(spark_out: Path, duckdb_out: Path) -> float:
    """Largest relative difference over every cell; raises if rows or columns differ."""
    import numpy as np
    import pandas as pd

    left = pd.read_parquet(spark_out).sort_values("subscriber_id").reset_index(drop=True)
    right = pd.read_parquet(duckdb_out).sort_values("subscriber_id").reset_index(drop=True)
    if sorted(left.columns) != sorted(right.columns) or len(left) != len(right):
        raise AssertionError(
            f"Spark and DuckDB disagree on shape: {sorted(left.columns)} x {len(left)} vs "
            f"{sorted(right.columns)} x {len(right)}"
        )
    worst = 0.0
    for column in left.columns:
        a = left[column].astype("float64").to_numpy()
        b = right[column].astype("float64").to_numpy()
        if not np.array_equal(np.isnan(a), np.isnan(b)):
            raise AssertionError(f"{column}: nulls differ between Spark and DuckDB")
        both = ~np.isnan(a)
        denom = np.maximum(np.abs(b[both]), 1e-9)
        worst = max(worst, float(np.max(np.abs(a[both] - b[both]) / denom, initial=0.0)))
    return worst
