"""read_inputs: contract tables from Parquet, typed; missing tables and columns named."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from cube.contract import TABLES
from cube.errors import InputError
from tags.jobs.inputs import read_inputs

pytestmark = pytest.mark.spark


@pytest.fixture
def raw_copy(tiny_raw: Path, tmp_path: Path) -> Path:
    """A writable copy of the tiny extract, for tests that break it."""
    return Path(shutil.copytree(tiny_raw, tmp_path / "raw"))


def test_every_table_is_read_with_the_contract_types(spark: Any, tiny_raw: Path) -> None:
    inputs = read_inputs(spark, tiny_raw)
    assert sorted(inputs) == sorted(t.name for t in TABLES)
    assert dict(inputs["usage_daily"].dtypes) == {
        "subscriber_id": "bigint",
        "usage_date": "date",
        "data_mb": "float",
        "data_5g_mb": "float",
        "voice_min": "float",
        "sms_count": "int",
        "video_mb": "float",
        "game_mb": "float",
        "music_mb": "float",
    }


def test_a_missing_column_names_table_and_column(spark: Any, raw_copy: Path) -> None:
    usage = spark.read.parquet(str(raw_copy / "usage_daily")).drop("data_mb")
    usage.write.mode("overwrite").parquet(str(raw_copy / "usage_daily.new"))
    shutil.rmtree(raw_copy / "usage_daily")
    (raw_copy / "usage_daily.new").rename(raw_copy / "usage_daily")
    with pytest.raises(InputError) as raised:
        read_inputs(spark, raw_copy)
    assert str(raised.value) == (
        "raw/usage_daily: missing column 'data_mb' (data contract: docs/data-contract.md)"
    )


def test_a_missing_table_is_named_with_its_path(spark: Any, raw_copy: Path) -> None:
    shutil.rmtree(raw_copy / "consent")
    with pytest.raises(InputError) as raised:
        read_inputs(spark, raw_copy)
    assert str(raised.value) == (
        f"raw/consent: table not found at {raw_copy / 'consent'} "
        "(data contract: docs/data-contract.md)"
    )


def test_extra_columns_are_dropped_and_types_cast(spark: Any, raw_copy: Path) -> None:
    from pyspark.sql import functions as F

    plans = spark.read.parquet(str(raw_copy / "plans"))
    widened = plans.withColumn("voice_min", F.col("voice_min").cast("bigint")).withColumn(
        "internal_code", F.lit("x")
    )
    widened.write.mode("overwrite").parquet(str(raw_copy / "plans.new"))
    shutil.rmtree(raw_copy / "plans")
    (raw_copy / "plans.new").rename(raw_copy / "plans")
    frame = read_inputs(spark, raw_copy)["plans"]
    assert frame.columns == ["plan_id", "plan_name", "monthly_fee", "data_gb", "voice_min", "is_5g"]
    assert dict(frame.dtypes)["voice_min"] == "int"
