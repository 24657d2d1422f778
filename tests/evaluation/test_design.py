"""Forecasts beside the actuals: what `cube strategies forecast --json` saved before launch."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from cube.errors import InputError
from cube.evaluation.design import add_forecast, read_forecasts

CALL = {"touchpoint": "outbound_call", "orders": 4, "acceptances": 2.0, "revenue": 480.0,
        "cost": 4.32, "commission": 6.0, "roi": 111.111, "roi_with_commission": 46.332}  # fmt: skip


def _save(directory: Path, strategy_id: str, touchpoints: list[dict], total: dict) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    data = {"strategy_id": strategy_id, "touchpoints": touchpoints, "total": total}
    (directory / f"{strategy_id}.json").write_text(json.dumps(data), encoding="utf-8")


def _metrics() -> pd.DataFrame:
    rows = [
        ("strategy", "s-boost", "all", "", 3.0, 600.0),
        ("touchpoint", "s-boost", "outbound_call", "", 3.0, 600.0),
        ("city", "s-boost", "outbound_call", "P1.C01", 3.0, 600.0),
    ]
    columns = ["level", "strategy_id", "touchpoint", "drill", "accepted", "revenue"]
    return pd.DataFrame(rows, columns=columns)


def test_a_forecast_lands_on_strategy_and_touchpoint_rows_with_actual_over_forecast(
    tmp_path: Path,
) -> None:
    _save(tmp_path, "s-boost", [CALL], CALL | {"touchpoint": "all"})
    merged = add_forecast(_metrics(), read_forecasts(tmp_path, ["s-boost", "s-none"]))
    by_level = merged.set_index("level")
    assert by_level.loc["touchpoint", "forecast_cost"] == 4.32
    assert by_level.loc["strategy", "forecast_roi"] == 111.111
    assert by_level.loc["touchpoint", "accepted_vs_forecast"] == 1.5
    assert by_level.loc["strategy", "revenue_vs_forecast"] == 1.25
    assert by_level.loc["city", ["forecast_orders", "accepted_vs_forecast"]].isna().all()


def test_a_forecast_saved_with_commission_in_its_cost_keeps_cost_and_roi_empty(
    tmp_path: Path,
) -> None:
    earlier = {k: v for k, v in CALL.items() if k not in ("commission", "roi_with_commission")}
    earlier |= {"cost": 10.32, "roi": 46.512}
    _save(tmp_path, "s-boost", [earlier], earlier | {"touchpoint": "all"})
    forecast = read_forecasts(tmp_path, ["s-boost"])
    assert forecast["forecast_orders"].tolist() == [4, 4]
    assert forecast[["forecast_cost", "forecast_roi"]].isna().all().all()


def test_a_file_that_is_not_a_forecast_is_named(tmp_path: Path) -> None:
    tmp_path.joinpath("s-boost.json").write_text('{"total": {}}', encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_forecasts(tmp_path, ["s-boost"])
    assert str(caught.value) == (
        f"{tmp_path / 's-boost.json'}: not a forecast (cube strategies forecast --json): "
        "'touchpoints'"
    )
