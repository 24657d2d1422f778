"""Publishing snapshots: metadata in one pass, atomic replace, latest-snapshot lookup."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from cube.catalogue import Catalogue
from tags.jobs.metadata import tag_metadata
from tags.jobs.publish import (
    SnapshotNotFoundError,
    load_metadata,
    load_snapshot,
    publish,
    snapshot_dates,
)

pytestmark = pytest.mark.spark

DAY = dt.date(2026, 11, 1)


@pytest.fixture(scope="module")
def metadata(tiny_tags: Any, catalogue: Catalogue) -> dict[str, Any]:
    return tag_metadata(tiny_tags, catalogue)


def test_metadata_counts_rows_and_profiles_each_tag(metadata: dict[str, Any]) -> None:
    assert metadata["rows"] == 5
    assert metadata["rows_by_network"] == {"own": 3, "other": 2}
    assert metadata["tags"]["arpu_avg_6m"] == {
        "dtype": "double",
        "category": "value",
        "networks": ["own"],
        "rows": 3,
        "min": 25.0,
        "max": 130.0,
        "null_share": 0.0,
        "distinct_count": 3,
    }
    lifecycle = metadata["tags"]["lifecycle_stage"]
    assert lifecycle["top_values"] == [
        {"value": "pre_churn", "count": 2},
        {"value": "onboarding", "count": 1},
    ]
    # Over both networks: subscribers 3 (own) and 5 (other) were never contacted.
    assert metadata["tags"]["response_rate"]["null_share"] == 0.4
    assert metadata["tags"]["tenure_months"]["null_share"] == 0.0


def test_publish_then_load_round_trip(
    spark: Any, tiny_tags: Any, metadata: dict[str, Any], tmp_path: Path
) -> None:
    path = publish(tiny_tags, metadata, tmp_path, DAY)
    assert path == tmp_path / "tags" / "snapshot_date=2026-11-01"
    loaded = load_snapshot(spark, tmp_path)
    assert loaded.columns == tiny_tags.columns
    assert loaded.count() == 5
    document = load_metadata(tmp_path)
    assert document["snapshot_date"] == "2026-11-01"
    assert document["tags"]["arpu_avg_6m"]["max"] == 130.0
    assert sorted(p.name for p in (tmp_path / "tags").iterdir()) == ["snapshot_date=2026-11-01"]
    assert sorted(p.name for p in (tmp_path / "catalogue").iterdir()) == [
        "snapshot_date=2026-11-01.json"
    ]


def test_a_rerun_replaces_the_snapshot(
    spark: Any, tiny_tags: Any, metadata: dict[str, Any], tmp_path: Path
) -> None:
    publish(tiny_tags, metadata, tmp_path, DAY)
    fewer = tiny_tags.where("network = 'own'")
    publish(fewer, {**metadata, "rows": 3}, tmp_path, DAY)
    assert load_snapshot(spark, tmp_path, DAY).count() == 3
    assert load_metadata(tmp_path, DAY)["rows"] == 3
    assert sorted(p.name for p in (tmp_path / "tags").iterdir()) == ["snapshot_date=2026-11-01"]


def test_a_failed_run_leaves_the_previous_snapshot_intact(
    spark: Any, tiny_tags: Any, metadata: dict[str, Any], tmp_path: Path
) -> None:
    from pyspark.sql import functions as F

    publish(tiny_tags, metadata, tmp_path, DAY)
    # Fails while writing: ANSI mode turns the division by zero into an error.
    broken = tiny_tags.withColumn("age_years", (F.col("age_years") / F.lit(0)).cast("int"))
    with pytest.raises(Exception, match="DIVIDE_BY_ZERO"):
        publish(broken, {**metadata, "rows": -1}, tmp_path, DAY)
    assert load_snapshot(spark, tmp_path, DAY).count() == 5
    assert load_metadata(tmp_path, DAY)["rows"] == 5
    assert sorted(p.name for p in (tmp_path / "tags").iterdir()) == ["snapshot_date=2026-11-01"]
    assert sorted(p.name for p in (tmp_path / "catalogue").iterdir()) == [
        "snapshot_date=2026-11-01.json"
    ]


def test_latest_snapshot_and_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(SnapshotNotFoundError) as raised:
        load_metadata(tmp_path)
    assert str(raised.value) == f"no tag snapshot under {tmp_path / 'tags'}; run `cube tags build`"
    for day in ("2026-10-01", "2026-11-01"):
        (tmp_path / "tags" / f"snapshot_date={day}").mkdir(parents=True)
        (tmp_path / "catalogue").mkdir(exist_ok=True)
        (tmp_path / "catalogue" / f"snapshot_date={day}.json").write_text(
            json.dumps({"snapshot_date": day})
        )
    (tmp_path / "tags" / ".staging-2026-12-01-abc").mkdir()
    assert snapshot_dates(tmp_path) == [dt.date(2026, 10, 1), dt.date(2026, 11, 1)]
    assert load_metadata(tmp_path)["snapshot_date"] == "2026-11-01"
    with pytest.raises(SnapshotNotFoundError) as raised:
        load_metadata(tmp_path, dt.date(2026, 9, 1))
    assert str(raised.value) == (
        f"no tag snapshot for 2026-09-01 under {tmp_path / 'tags'} "
        "(published: 2026-10-01, 2026-11-01); run `cube tags build`"
    )
