"""Data-based warnings on a tiny published tag snapshot: segment size and overlaps.

The snapshot (20 subscribers: 1-16 own network, 17-20 other) is built here with the
shared Spark session and published with tags.jobs.publish, as the tag build does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cube.settings import Settings
from cube.strategy import check_strategies
from tests.conftest import AS_OF
from tests.strategy.conftest import Write

pytestmark = pytest.mark.spark

TEMPLATE = """\
id: {id}
name: {name}
owner: P1
active: {{from: 2026-10-01, to: 2026-12-31}}
cube: {{business_line: {line}, scenario: test, lifecycle: any, direction: scale}}
segment: {segment}
offers:
{offers}
touchpoints: {{allowed: [sms]}}
"""


def strategy(id: str, name: str, segment: str, *products: str, line: str = "mobile") -> str:
    offers = "\n".join(f"  - product: {p}" for p in products)
    return TEMPLATE.format(id=id, name=name, line=line, segment=segment, offers=offers)


@pytest.fixture(scope="module")
def warehouse(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny tag snapshot of AS_OF, published."""
    from tags.jobs.publish import publish

    rows = []
    for i in range(1, 21):
        own = i <= 16
        rows.append(
            (
                i,
                "own" if own else "other",
                (i <= 8) if own else None,  # heavy_video_user
                (i > 12) if own else None,  # plan_is_5g
                0.5,  # video_share
                None if own else i <= 18,  # port_in_interest
            )
        )
    schema = (
        "subscriber_id long, network string, heavy_video_user boolean, plan_is_5g boolean, "
        "video_share double, port_in_interest boolean"
    )
    path = tmp_path_factory.mktemp("strategy-warehouse")
    publish(spark.createDataFrame(rows, schema), {"rows": 20}, path, AS_OF)
    return path


@pytest.fixture
def data_settings(settings: Settings, warehouse: Path) -> Settings:
    return settings.model_copy(update={"warehouse_dir": warehouse})


@pytest.fixture
def six_files(write: Write) -> list[Path]:
    """Fine, everybody, nobody, a conflicting overlap, an unscored model, other network."""
    texts = {
        "a.yaml": strategy(
            "mobile-5g-upgrade-video-2026q4",
            "5G upgrade for video users, 2026 Q4",
            "heavy_video_user and not plan_is_5g",
            "LA-5GUP-S",
        ),
        "b.yaml": strategy(
            "content-video-all-2026q4",
            "Video membership for all, 2026 Q4",
            "video_share >= 0.5",
            "CO-VIDEO",
            line="content",
        ),
        "c.yaml": strategy(
            "mobile-data-booster-none-2026q4",
            "Data booster for nobody, 2026 Q4",
            "heavy_video_user and plan_is_5g",
            "LA-DATA10G",
        ),
        "d.yaml": strategy(
            "mobile-5g-upgrade-speed-2026q4",
            "5G upgrade Speed+ on 4G plans, 2026 Q4",
            "not plan_is_5g",
            "LA-5GUP-L",
        ),
        "e.yaml": strategy(
            "mobile-voice-pack-model-2026q4",
            "Voice pack by model score, 2026 Q4",
            "p_5g_upgrade > 0.5",
            "LA-VOICE300",
        ),
        "f.yaml": strategy(
            "acquisition-port-in-switch-2026q4",
            "Port-in switch acquisition, 2026 Q4",
            "port_in_interest",
            "PI-SWITCH5G",
            line="acquisition",
        ),
    }
    return [write(text, name=name) for name, text in texts.items()]


def test_sizes_and_overlaps_in_one_pass(six_files, data_settings, products, spark) -> None:
    report = check_strategies(six_files, settings=data_settings, products=products, spark=spark)
    assert [d.render() for d in report.diagnostics] == [
        "b.yaml:6:1 W205 segment matches 20 of 20 own and other-network subscribers (100.0%), "
        "above 90%\n"
        "   6 | segment: video_share >= 0.5\n"
        "     | ^^^^^^^\n"
        "     = hint: a segment that selects nearly everybody does not target; narrow it",
        "c.yaml:6:1 W204 segment matches 0 of 16 own-network subscribers (0.0%), below 0.1%\n"
        "   6 | segment: heavy_video_user and plan_is_5g\n"
        "     | ^^^^^^^\n"
        "     = hint: loosen the segment, or check its thresholds against the tag profile",
        "d.yaml:8:14 W206 offers 'LA-5GUP-L' while 'mobile-5g-upgrade-video-2026q4' "
        "(a.yaml:8:14) offers 'LA-5GUP-S', excluding products, to 8 of the same subscribers "
        "(100.0% of the smaller segment)\n"
        "   8 |   - product: LA-5GUP-L\n"
        "     |              ^^^^^^^^^\n"
        "     = hint: make the segments exclusive, or offer one product in one strategy",
    ]
    assert [n.render() for n in report.notes] == [
        "note: e.yaml: N303 data-based checks skipped: the snapshot lacks p_5g_upgrade"
    ]
    assert [(a.strategy_id, a.matched, a.population) for a in report.audience] == [
        ("mobile-5g-upgrade-video-2026q4", 8, 16),
        ("content-video-all-2026q4", 20, 20),
        ("mobile-data-booster-none-2026q4", 0, 16),
        ("mobile-5g-upgrade-speed-2026q4", 12, 16),
        ("acquisition-port-in-switch-2026q4", 2, 4),
    ]
    assert report.snapshot_date == "2026-11-01"
    assert (report.ok, report.errors, report.warnings) == (True, 0, 3)


def test_a_file_with_errors_gets_no_data_checks(write: Write, data_settings, products, spark):
    broken = strategy("mobile-5g-upgrade-x-2026q4", "5G upgrade, 2026", "nope", "LA-5GUP-S")
    report = check_strategies(
        [write(broken)], settings=data_settings, products=products, spark=spark
    )
    assert [d.headline() for d in report.diagnostics] == ["s.yaml:6:10 E103 unknown tag 'nope'"]
    assert [n.render() for n in report.notes] == [
        "note: s.yaml: N304 data-based checks skipped: fix the errors first"
    ]
    assert report.audience == []


def test_no_snapshot_is_a_note_not_an_error(six_files, settings, products) -> None:
    report = check_strategies(six_files[:1], settings=settings, products=products)
    warehouse = settings.dir("warehouse")
    assert [n.render() for n in report.notes] == [
        f"note: N301 data-based checks skipped: no tag snapshot under {warehouse / 'tags'}; "
        "run `cube tags build`"
    ]
    assert report.ok and report.diagnostics == []
