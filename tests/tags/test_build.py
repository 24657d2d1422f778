"""build_tags end to end on the hand-made extract (and on generated data when available)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from cube.catalogue import Catalogue
from cube.settings import Settings
from tags.jobs.build import build_tags, load_snapshot
from tests.conftest import TEST_SPARK_CONF
from tests.tags.dataset import SNAPSHOT

pytestmark = pytest.mark.spark


@pytest.fixture
def tiny_settings(tiny_raw: Path, tmp_path: Path) -> Settings:
    """Settings reading the hand-made extract and writing under a fresh home."""
    return Settings(
        home=tmp_path / "home", raw_dir=tiny_raw, snapshot_date=SNAPSHOT, spark_conf=TEST_SPARK_CONF
    )


def test_build_publishes_the_snapshot_and_reports_each_stage(
    spark: Any, tiny_settings: Settings, catalogue: Catalogue
) -> None:
    seen: list[str] = []

    @contextmanager
    def on_stage(name: str) -> Iterator[dict[str, Any]]:
        seen.append(name)
        yield {}

    report = build_tags(
        tiny_settings, spark=spark, validate=False, models="skip", on_stage=on_stage
    )
    warehouse = tiny_settings.dir("warehouse")
    assert seen == ["read inputs", "compute tags", "profile tags", "publish"]
    assert list(report.seconds) == seen
    assert report.snapshot == SNAPSHOT
    assert (report.rows, report.rows_by_network) == (5, {"own": 3, "other": 2})
    assert report.tags == len(catalogue)
    assert report.tags_path == warehouse / "tags" / "snapshot_date=2026-11-01"
    assert report.metadata_path == warehouse / "catalogue" / "snapshot_date=2026-11-01.json"
    assert json.loads(report.metadata_path.read_text())["rows"] == 5
    published = load_snapshot(spark, warehouse)
    assert len(published.columns) == 6 + len(catalogue)
    row = published.where("subscriber_id = 2").select("lifecycle_stage", "arpu_avg_6m").first()
    assert (row["lifecycle_stage"], row["arpu_avg_6m"]) == ("pre_churn", 120.0)


def test_build_report_refuses_unknown_fields() -> None:
    from pydantic import ValidationError

    from tags.jobs.build import BuildReport

    with pytest.raises(ValidationError, match="extra_forbidden"):
        BuildReport.model_validate({"unexpected": 1})


def test_build_on_generated_data(spark: Any, operator_home: Path, tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path / "home",
        raw_dir=operator_home / "raw",
        snapshot_date=SNAPSHOT,
        spark_conf=TEST_SPARK_CONF,
    )
    report = build_tags(settings, spark=spark, validate=False, models="skip")
    metadata = json.loads(report.metadata_path.read_text())
    tags = metadata["tags"]
    assert report.rows == 3000
    assert sum(report.rows_by_network.values()) == 3000
    # Every tag says something: no tag is entirely null on its own networks.
    assert [n for n, s in tags.items() if s["null_share"] == 1.0] == []
    # Contract windows hold on generated data: at most 30 active days, shares within 0-1.
    assert tags["active_days_30d"]["max"] <= 30
    assert 0 <= tags["video_share"]["min"] and tags["video_share"]["max"] <= 1
    stages = {v["value"] for v in tags["lifecycle_stage"]["top_values"]}
    assert stages == {"onboarding", "stable", "pre_churn"}
