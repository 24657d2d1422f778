"""The input gate on deliberately broken extracts: exact messages, severities, reports.

Each fixture starts from the valid minimal extract (20 subscribers, 10 own-network)
and breaks one thing; its name says what.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from cube.quality import history
from cube.quality.gate import DataQualityError, check_inputs
from cube.settings import Settings
from tests.conftest import AS_OF
from tests.quality.builder import to_frames, valid_rows

pytestmark = [pytest.mark.spark, pytest.mark.usefixtures("cheap_planning")]

YESTERDAY = AS_OF - dt.timedelta(days=1)


def gate_error(frames: dict[str, Any], settings: Settings) -> DataQualityError:
    with pytest.raises(DataQualityError) as info:
        check_inputs(frames, settings=settings, snapshot_date=AS_OF)
    return info.value


def failure_messages(error: DataQualityError) -> list[str | None]:
    return [r.message for r in error.report.failures()]


@pytest.fixture
def valid_frames(rows, frames_of) -> dict[str, Any]:
    return frames_of(rows)


@pytest.fixture
def duplicate_subscriber_ids(rows, frames_of) -> dict[str, Any]:
    rows["subscribers"][1]["subscriber_id"] = 1
    return frames_of(rows)


@pytest.fixture
def negative_arpu(rows, frames_of) -> dict[str, Any]:
    rows["billing_monthly"][3]["arpu"] = -5.0
    return frames_of(rows)


@pytest.fixture
def usage_without_data_mb(rows, frames_of) -> dict[str, Any]:
    frames = frames_of(rows)
    frames["usage_daily"] = frames["usage_daily"].drop("data_mb")
    return frames


@pytest.fixture
def unknown_grid(rows, frames_of) -> dict[str, Any]:
    rows["subscribers"][4]["grid_id"] = "P1.C01.K001.G9999"
    return frames_of(rows)


@pytest.fixture
def unknown_product_in_holdings(rows, frames_of) -> dict[str, Any]:
    rows["holdings"][2]["product_id"] = "XX-NOPE"
    return frames_of(rows)


@pytest.fixture
def stale_usage(rows, frames_of) -> dict[str, Any]:
    for row in rows["usage_daily"]:
        row["usage_date"] -= dt.timedelta(days=10)
    return frames_of(rows)


@pytest.fixture
def shrunk_since_yesterday(valid_frames, settings) -> dict[str, Any]:
    """Yesterday's recorded counts were 30 subscribers and 30 usage rows; today has 20."""
    history.record_counts(settings, YESTERDAY, {"subscribers": 30, "usage_daily": 30})
    # A later snapshot must never serve as the baseline.
    history.record_counts(settings, AS_OF + dt.timedelta(days=1), {"subscribers": 1})
    return valid_frames


@pytest.fixture
def soft_problems(spark) -> dict[str, Any]:
    """200 subscribers: stale contacts, one null flag, one unknown status (each <= 1%)."""
    rows = valid_rows(subscribers=200)
    for row in rows["contact_history"]:
        row["contact_ts"] -= dt.timedelta(days=10)
    rows["consent"][7]["do_not_disturb"] = None
    rows["subscribers"][9]["status"] = "closed"
    return to_frames(spark, rows)


def test_valid_inputs_pass_and_record_row_counts(valid_frames, settings):
    report = check_inputs(valid_frames, settings=settings, snapshot_date=AS_OF)

    assert report.success and report.counts.critical == 0
    assert report.warnings() == []
    assert report.tables["usage_daily"].rows == 20
    assert report.tables["subscribers"].notes == [
        "row-count drift skipped: first snapshot (no earlier row counts)"
    ]
    assert report.tables["regions"].notes == []  # dimension tables have no drift rule
    assert history.previous_counts(settings, AS_OF + dt.timedelta(days=1)) == (
        AS_OF,
        {t.table: t.rows for t in report.tables.values()},
    )
    saved = Path(report.report_path or "")
    assert saved == settings.dir("reports") / "dq" / "2026-11-01" / "inputs.json"
    assert json.loads(saved.read_text())["success"] is True
    assert "(PASSED)" in saved.with_suffix(".md").read_text()


def test_duplicate_subscriber_ids_fail_with_full_message(duplicate_subscriber_ids, settings):
    error = gate_error(duplicate_subscriber_ids, settings)

    report_path = settings.dir("reports") / "dq" / "2026-11-01" / "inputs.json"
    assert str(error) == (
        "data-quality gate 'inputs' failed for 2026-11-01: 1 critical failure(s)\n"
        "  subscribers.subscriber_id: 2 of 20 rows (10.00%) duplicated (expect unique), e.g. 1\n"
        f"report: {report_path}"
    )
    (result,) = error.report.failures()
    assert (result.table, result.column, result.check) == (
        "subscribers",
        "subscriber_id",
        "key_unique",
    )
    assert result.expectation == "expect_key_to_be_unique"
    assert (result.unexpected_count, result.unexpected_share) == (2, 0.1)


def test_report_is_saved_before_raising_and_no_counts_are_recorded(
    duplicate_subscriber_ids, settings
):
    error = gate_error(duplicate_subscriber_ids, settings)

    saved = json.loads(Path(error.report.report_path or "").read_text())
    assert saved["success"] is False and saved["counts"]["critical"] == 1
    subscribers = saved["tables"]["subscribers"]
    assert subscribers["rows"] == 20
    assert any(r["check"] == "key_unique" and not r["success"] for r in subscribers["results"])
    markdown = Path(error.report.report_path or "").with_suffix(".md").read_text()
    assert "(FAILED)" in markdown and "duplicated (expect unique)" in markdown
    assert not (settings.dir("warehouse") / "dq" / "row_counts" / "2026-11-01.json").exists()
    assert error.to_dict()["report_path"] == error.report.report_path


def test_negative_arpu_is_critical(negative_arpu, settings):
    error = gate_error(negative_arpu, settings)

    assert failure_messages(error) == [
        "billing_monthly.arpu: 1 of 20 rows (5.00%) negative (expect >= 0), e.g. -5.0"
    ]


def test_missing_column_is_named_and_other_checks_still_run(usage_without_data_mb, settings):
    error = gate_error(usage_without_data_mb, settings)

    assert failure_messages(error) == ["usage_daily: missing column 'data_mb'"]
    usage = error.report.tables["usage_daily"]
    assert usage.rows == 20
    assert {r.column for r in usage.results if r.check == "non_negative"} == {
        "data_5g_mb", "voice_min", "sms_count", "video_mb", "game_mb", "music_mb"
    }  # fmt: skip


def test_unknown_grid_is_critical(unknown_grid, settings):
    error = gate_error(unknown_grid, settings)

    assert failure_messages(error) == [
        "subscribers.grid_id: 1 of 20 rows (5.00%) unknown (expect in regions.grid_id), "
        "e.g. 'P1.C01.K001.G9999'"
    ]
    (result,) = error.report.failures()
    assert result.expectation == "expect_column_values_to_be_in_reference"


def test_unknown_product_in_holdings_is_critical(unknown_product_in_holdings, settings):
    error = gate_error(unknown_product_in_holdings, settings)

    assert failure_messages(error) == [
        "holdings.product_id: 1 of 10 rows (10.00%) unknown (expect in products.product_id), "
        "e.g. 'XX-NOPE'"
    ]


def test_stale_usage_is_critical(stale_usage, settings):
    error = gate_error(stale_usage, settings)

    assert failure_messages(error) == [
        "usage_daily.usage_date: latest 2026-10-21 is 11 days before 2026-11-01 "
        "(expect on or after 2026-10-30)"
    ]


def test_row_count_drift_against_latest_earlier_snapshot(shrunk_since_yesterday, settings):
    error = gate_error(shrunk_since_yesterday, settings)

    assert failure_messages(error) == [
        "subscribers: 20 rows, -33.3% vs 30 on 2026-10-31 (expect change within ±20%)"
    ]
    assert [r.message for r in error.report.warnings()] == [
        "usage_daily: 20 rows, -33.3% vs 30 on 2026-10-31 (expect change within ±20%)"
    ]
    assert error.report.tables["holdings"].notes == [
        "row-count drift skipped: no row count recorded on 2026-10-31"
    ]


def test_warnings_do_not_raise(soft_problems, settings):
    report = check_inputs(soft_problems, settings=settings, snapshot_date=AS_OF)

    assert report.success
    assert [r.message for r in report.warnings()] == [
        "subscribers.status: 1 of 200 rows (0.50%) not allowed (expect one of active, "
        "suspended), e.g. 'closed'",
        "consent.do_not_disturb: 1 of 200 rows (0.50%) null (expect not null)",
        "contact_history.contact_ts: latest 2026-10-21 is 11 days before 2026-11-01 "
        "(expect on or after 2026-10-30)",
    ]
    assert {r.severity for r in report.warnings()} == {"warning"}
    assert history.previous_counts(settings, AS_OF + dt.timedelta(days=1)) is not None


def test_missing_table_is_critical(valid_frames, settings):
    del valid_frames["interactions"]

    error = gate_error(valid_frames, settings)

    assert failure_messages(error) == [
        "interactions: missing table (expect one frame per contract table)"
    ]
