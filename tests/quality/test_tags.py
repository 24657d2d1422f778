"""The tag gate: key, each tag's allowed values and range, null share per population."""

from __future__ import annotations

from typing import Any

import pytest

from cube.catalogue import Catalogue
from cube.catalogue.spec import TagSpec
from cube.quality.gate import DataQualityError, check_tags
from tests.conftest import AS_OF

pytestmark = [pytest.mark.spark, pytest.mark.usefixtures("cheap_planning")]

SCHEMA = (
    "subscriber_id bigint, network string, age_band string, arpu_3m double, "
    "p_accept double, tenure_months int"
)


def _tag(name: str, dtype: Any, **fields: Any) -> TagSpec:
    return TagSpec(
        name=name,
        dtype=dtype,
        description=f"Test tag {name}.",
        category="value",
        owner="tests",
        compute=lambda ctx: None,
        **fields,
    )


CATALOGUE = Catalogue(
    [
        _tag("age_band", "string", allowed=("young", "old")),
        _tag("arpu_3m", "double", min=0, networks=("own",)),
        _tag("p_accept", "double", min=0, max=1),
        _tag("tenure_months", "int", min=0, networks=("own",)),
    ]
)


def tag_rows() -> list[dict[str, Any]]:
    """10 subscribers: 1-5 own-network (ARPU, tenure), 6-10 other-network (those null)."""
    return [
        {
            "subscriber_id": i,
            "network": "own" if i <= 5 else "other",
            "age_band": "young" if i % 2 else "old",
            "arpu_3m": 50.0 + i if i <= 5 else None,
            "p_accept": i / 20,
            "tenure_months": 12 * i if i <= 5 else None,
        }
        for i in range(1, 11)
    ]


def tag_frame(spark: Any, rows: list[dict[str, Any]], drop: tuple[str, ...] = ()) -> Any:
    import pandas as pd

    names = [part.split()[0] for part in SCHEMA.split(", ")]
    data = pd.DataFrame([[r[n] for n in names] for r in rows], columns=names, dtype=object)
    return spark.createDataFrame(data, SCHEMA).drop(*drop)


def gate(df: Any, settings: Any):
    return check_tags(df, CATALOGUE, settings=settings, snapshot_date=AS_OF)


def critical(df: Any, settings: Any) -> list[str | None]:
    with pytest.raises(DataQualityError) as info:
        gate(df, settings)
    return [r.message for r in info.value.report.failures()]


@pytest.fixture
def score_above_one(spark):
    rows = tag_rows()
    rows[3]["p_accept"] = 1.5
    return tag_frame(spark, rows)


@pytest.fixture
def unknown_age_band(spark):
    rows = tag_rows()
    rows[0]["age_band"] = "ancient"
    return tag_frame(spark, rows)


@pytest.fixture
def arpu_lost_for_own_network(spark):
    rows = tag_rows()
    for row in rows:
        row["arpu_3m"] = None
    return tag_frame(spark, rows)


@pytest.fixture
def duplicate_subscriber(spark):
    rows = tag_rows()
    rows[1]["subscriber_id"] = 1
    return tag_frame(spark, rows)


@pytest.fixture
def no_network_and_no_tenure(spark):
    return tag_frame(spark, tag_rows(), drop=("network", "tenure_months"))


def test_valid_tags_pass(spark, settings):
    report = gate(tag_frame(spark, tag_rows()), settings)

    assert report.success and report.warnings() == []
    table = report.tables["tags"]
    assert table.rows == 10 and table.notes == []
    assert {r.check for r in table.results} >= {"key_unique", "in_set", "in_range", "null_share"}
    assert report.report_path is not None and report.report_path.endswith("dq/2026-11-01/tags.json")


def test_value_outside_range_is_critical(score_above_one, settings):
    assert critical(score_above_one, settings) == [
        "tags.p_accept: 1 of 10 rows (10.00%) out of range (expect between 0 and 1), e.g. 1.5"
    ]


def test_value_not_allowed_is_critical(unknown_age_band, settings):
    assert critical(unknown_age_band, settings) == [
        "tags.age_band: 1 of 10 rows (10.00%) not allowed (expect one of young, old), "
        "e.g. 'ancient'"
    ]


def test_tag_null_for_its_whole_population_warns(arpu_lost_for_own_network, settings):
    report = gate(arpu_lost_for_own_network, settings)

    assert report.success
    assert [r.message for r in report.warnings()] == [
        "tags.arpu_3m: 5 of 5 own rows (100.00%) null (expect at most 95% null)"
    ]


def test_duplicate_subscriber_is_critical(duplicate_subscriber, settings):
    assert critical(duplicate_subscriber, settings) == [
        "tags.subscriber_id: 2 of 10 rows (20.00%) duplicated (expect unique), e.g. 1"
    ]


def test_missing_tag_warns_and_network_rules_need_the_network_column(
    no_network_and_no_tenure, settings
):
    report = gate(no_network_and_no_tenure, settings)

    assert report.success
    assert [r.message for r in report.warnings()] == ["tags: missing tag column 'tenure_months'"]
    assert report.tables["tags"].notes == [
        "arpu_3m: null-share check skipped (no 'network' column)"
    ]
