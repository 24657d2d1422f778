"""The plan, before Spark: efficiency weights per touchpoint and product category, run ids."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cube.errors import InputError
from cube.matching.efficiency import Efficiency, load_efficiency
from cube.matching.engine import run_id_for
from tests.matching import world as w

VIDEO = w.strategy("video-5g", offers=(("LA-5GUP-S", None),), allowed=("outbound_call", "sms"))
# A strategy the evaluation never saw, selling the same category (light add-ons).
NEW = w.strategy("new-data", offers=(("LA-DATA10G", None),), allowed=("outbound_call", "sms"))
CONTENT = w.strategy("content", offers=(("CO-MUSIC", None),), allowed=("internet", "sms"))
FILE_ROWS = [
    {"product_category": "light_addon", "touchpoint": "outbound_call", "weight": 0.3},
    {"product_category": "light_addon", "touchpoint": "sms", "weight": 2.0},
    {"product_category": "content", "touchpoint": "sms", "weight": 0.4},
    # A row of the older per-strategy format: it wins for video-5g's own call cell.
    {"strategy_id": "video-5g", "touchpoint": "outbound_call", "weight": 1.5},
]


def _write(tmp_path: Path, rows: object) -> Path:
    path = tmp_path / "efficiency.json"
    path.write_text(json.dumps(rows))
    return path


def test_file_rows_are_read_per_category_and_per_strategy(tmp_path: Path) -> None:
    assert load_efficiency(_write(tmp_path, FILE_ROWS)) == Efficiency(
        by_category={
            ("light_addon", "outbound_call"): 0.3,
            ("light_addon", "sms"): 2.0,
            ("content", "sms"): 0.4,
        },
        by_strategy={("video-5g", "outbound_call"): 1.5},
    )
    assert load_efficiency(tmp_path / "missing.json") == Efficiency()


def test_routing_weights_look_up_the_product_category(tmp_path: Path) -> None:
    plan = w.plan([VIDEO, NEW, CONTENT], efficiency=load_efficiency(_write(tmp_path, FILE_ROWS)))
    weights = {s.id: dict(s.offers[0].weights) for s in plan.strategies}
    # affinity (call: light add-ons, internet: content; others 0.5) x efficiency
    assert weights == {
        "video-5g": {"outbound_call": 1.0 * 1.5, "sms": 0.5 * 2.0},  # own call row wins
        "new-data": {"outbound_call": 1.0 * 0.3, "sms": 0.5 * 2.0},  # inherits light_addon
        "content": {"internet": 1.0 * 1.0, "sms": 0.5 * 0.4},  # no internet row: 1.0
    }


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            {"product_category": "content", "strategy_id": "s", "touchpoint": "sms", "weight": 1},
            "row 2: give either product_category or strategy_id",
        ),
        (
            {"touchpoint": "sms", "weight": 1},
            "row 2: give either product_category or strategy_id",
        ),
        (
            {"product_category": "gadgets", "touchpoint": "sms", "weight": 1},
            "row 2: product_category: Input should be 'light_addon', 'finance', 'terminal', "
            "'home_broadband', 'content', 'scenario', 'retention' or 'membership'",
        ),
        (
            {"product_category": "content", "touchpoint": "sms", "weight": -0.5},
            "row 2: weight: Input should be greater than or equal to 0",
        ),
    ],
)
def test_bad_rows_are_named(tmp_path: Path, row: dict[str, object], message: str) -> None:
    path = _write(tmp_path, [FILE_ROWS[0], row])
    with pytest.raises(InputError) as caught:
        load_efficiency(path)
    assert str(caught.value) == f"{path}: {message}"


def test_run_id_names_the_region_and_hashes_region_and_weights() -> None:
    plan = w.plan([VIDEO])
    day = w.RUN_DATE
    whole = run_id_for(plan, day, "0" * 64, [VIDEO])
    city = run_id_for(plan, day, "0" * 64, [VIDEO], region="P1.C03")
    county = run_id_for(plan, day, "0" * 64, [VIDEO], region="P1.C03.K012")
    assert whole.startswith("20261101-") and len(whole) == len("20261101-") + 10
    assert city.startswith("20261101-P1.C03-") and city[-10:] != whole[-10:]
    assert county.startswith("20261101-P1.C03.K012-") and county[-10:] != city[-10:]
    assert run_id_for(plan, day, "0" * 64, [VIDEO], region="P1.C03") == city
    learnt = w.plan([VIDEO], efficiency=Efficiency(by_category={("light_addon", "sms"): 2.0}))
    assert run_id_for(learnt, day, "0" * 64, [VIDEO]) != whole
