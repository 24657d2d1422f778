"""The match flow fails fast on strategy errors and unknown regions, before any Spark work."""

from __future__ import annotations

from pathlib import Path

import pytest

from cube.errors import DiagnosticError, InputError
from cube.settings import Settings
from flows.matching import match_flow
from tests.flows.conftest import artifacts_of, task_runs_of

MISSPELT_TAG = """\
id: benefits-club-plus-typo-2026q4
name: Benefits club Plus with a typo, 2026 Q4
owner: P1
status: active
version: 1
active: {from: 2026-10-01, to: 2026-12-31}
cube: {business_line: benefits, scenario: silent users, lifecycle: any,
       direction: silent_activation}
segment: not opted_out_evr
offers:
  - product: ME-PLUS
touchpoints: {allowed: [sms]}
holdout: 0.1
priority: 40
order_ttl_days: 14
"""


@pytest.mark.slow
def test_strategy_error_fails_before_matching(
    prefect_api: str, operator_settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "benefits-club-plus-typo-2026q4.yaml"
    path.write_text(MISSPELT_TAG)
    state = match_flow(strategies=[str(path)], return_state=True)
    assert state.is_failed()
    with pytest.raises(DiagnosticError) as caught:
        state.result()
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.headline() == (
        f"{path}:9:14 E103 unknown tag 'opted_out_evr' (did you mean 'opted_out_ever'?)"
    )
    flow_run_id = state.state_details.flow_run_id
    runs = task_runs_of(flow_run_id)
    assert list(runs) == ["check strategies"]
    assert runs["check strategies"].run_count == 1
    report = artifacts_of([flow_run_id])["strategy-check"].data
    assert diagnostic.render() in report
    assert "1 file(s): 1 error(s), 0 warning(s), 1 note(s) - FAILED" in report
    assert "note: N302 data-based checks skipped" in report


@pytest.mark.slow
def test_an_unknown_region_fails_before_any_task(
    prefect_api: str, operator_settings: Settings
) -> None:
    state = match_flow(region="P1.C3", return_state=True)
    assert state.is_failed()
    with pytest.raises(InputError) as caught:
        state.result()
    assert str(caught.value) == "unknown region 'P1.C3' (did you mean 'P1.C03'?)"
    assert task_runs_of(state.state_details.flow_run_id) == {}
