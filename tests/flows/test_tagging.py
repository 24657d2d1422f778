"""The tags flow fails fast: a missing extract and a failed quality gate are not retried,
and the failed gate's report is published for the operator."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from cube.errors import InputError
from cube.quality.gate import DataQualityError
from cube.settings import Settings
from flows.tagging import tags_flow
from tests.flows.conftest import artifacts_of, table_rows, task_runs_of

STALE = dt.date(2026, 11, 20)  # the generated usage ends on 2026-11-01


@pytest.mark.slow
def test_ingest_without_an_extract_fails_at_once(
    prefect_api: str, settings: Settings, tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    state = tags_flow(source="ingest", raw_dir=str(empty), return_state=True)
    assert state.is_failed()
    message = (
        f"{empty}: no operator extract to ingest (set the raw_dir parameter or CUBE_RAW_DIR, "
        "or run with source=generate)"
    )
    with pytest.raises(InputError) as caught:
        state.result()
    assert str(caught.value) == message
    runs = task_runs_of(state.state_details.flow_run_id)
    assert list(runs) == ["prepare operator data"]
    assert runs["prepare operator data"].run_count == 1


@pytest.mark.slow
@pytest.mark.spark
def test_failed_gate_is_published_and_not_retried(
    spark: Any, prefect_api: str, operator_settings: Settings
) -> None:
    state = tags_flow(snapshot_date=STALE, source="ingest", models="skip", return_state=True)
    assert state.is_failed()
    with pytest.raises(
        DataQualityError, match=r"^data-quality gate 'inputs' failed for 2026-11-20"
    ):
        state.result()
    flow_run_id = state.state_details.flow_run_id
    runs = task_runs_of(flow_run_id)
    assert runs["build tags"].run_count == 1
    assert runs["build tags"].state.is_failed()
    found = artifacts_of([flow_run_id])
    rows = {row["table"]: row for row in table_rows(found["data-quality"])}
    assert rows["usage_daily"]["critical"] >= 1
    assert rows["subscribers"]["rows"] == 3000
    assert found["data-quality"].description.endswith("FAILED")
    assert "# Data quality: inputs 2026-11-20 (FAILED)" in found["data-quality-report"].data
    assert "tag-build" not in found
