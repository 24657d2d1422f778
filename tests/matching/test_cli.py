"""The commands end to end on a hand-made home: strategy file, tag snapshot, raw extracts."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from cube.cli import match
from cube.errors import InputError
from cube.settings import PROJECT_ROOT, Settings, get_settings
from tests.matching import world as w

pytestmark = pytest.mark.spark

STRATEGY = """\
id: mobile-5g-upgrade-video-2026q4
name: 5G upgrade for heavy video users, 2026 Q4
owner: P1
active: {from: 2026-10-01, to: 2026-12-31}
cube: {business_line: mobile, scenario: heavy video, lifecycle: stable, direction: revenue_lift}
segment: heavy_video_user and age_years < 60
offers:
  - product: LA-5GUP-S
touchpoints: {allowed: [outbound_call, sms]}
holdout: 0
scripts:
  sms: "{age_years} years young: 5G for 10 CNY"
"""


def _app() -> typer.Typer:
    """The commands as the lead registers them: `match` and three under `strategies`."""
    app = typer.Typer()
    app.command("match")(match.match)
    strategies = typer.Typer()
    for name in ("forecast", "coverage", "explain"):
        strategies.command(name)(getattr(match, name))
    app.add_typer(strategies, name="strategies")
    return app


@pytest.fixture
def home(spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Subscribers 1 and 2 (C01, the second without call consent) and 3 (aged 70)."""
    from tags.jobs.publish import publish

    strategies_dir = tmp_path / "strategies"
    strategies_dir.mkdir()
    (strategies_dir / "mobile-5g-upgrade-video-2026q4.yaml").write_text(STRATEGY)
    monkeypatch.setenv("CUBE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CUBE_STRATEGIES_DIR", str(strategies_dir))
    monkeypatch.setenv("CUBE_POLICY_FILE", str(PROJECT_ROOT / "strategies/policy/contact.yaml"))
    monkeypatch.setenv("CUBE_SNAPSHOT_DATE", "2026-11-01")
    monkeypatch.setenv("CUBE_SPARK_CONF", json.dumps({"spark.sql.shuffle.partitions": "2"}))
    get_settings.cache_clear()
    settings = get_settings()
    tags = [w.tags_row(1), w.tags_row(2, p_5g_upgrade=0.7), w.tags_row(3, age_years=70)]
    consent = [w.consent_row(1), w.consent_row(2, off=("outbound_call",)), w.consent_row(3)]
    found = w.inputs(spark, tags, consent=consent)
    raw = settings.dir("raw")
    found.consent.write.parquet(str(raw / "consent"))
    found.holdings.write.parquet(str(raw / "holdings"))
    found.history.write.parquet(str(raw / "contact_history"))
    products = [
        (p.id, p.name, p.category, p.family, p.monthly_value, p.commission, p.network_scope, "")
        for p in w.PRODUCTS.products.values()
    ]
    columns = "product_id string, product_name string, category string, family string, "
    columns += "monthly_value double, commission double, network_scope string, description string"
    spark.createDataFrame(products, columns).write.parquet(str(raw / "products"))
    pairs = list(w.PRODUCTS.conflicts.pairs())
    spark.createDataFrame(pairs, "product_id string, excluded_product_id string").write.parquet(
        str(raw / "product_exclusions")
    )
    grids = ["P1.C01.K001.G0001", "P1.C03.K012.G0412"]
    regions = {"grid_id": grids, "county_id": [g[:11] for g in grids]}
    regions |= {"city_id": [g[:6] for g in grids], "province_id": ["P1", "P1"]}
    (raw / "regions").mkdir(parents=True)
    pq.write_table(pa.table(regions), raw / "regions" / "part-0.parquet")
    publish(found.tags, {}, settings.dir("warehouse"), dt.date(2026, 11, 1))
    yield settings
    get_settings.cache_clear()


def _json(args: list[str]) -> Any:
    result = CliRunner().invoke(_app(), [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_match_writes_a_run_and_the_others_explain_it(home: Settings) -> None:
    run = _json(["match"])
    assert run["counts"] == {"work_orders": 2, "holdout": 0, "funnel": 2}
    assert [s["id"] for s in run["strategies"]] == ["mobile-5g-upgrade-video-2026q4"]
    assert sorted(p.name for p in home.dir("runs").iterdir()) == [run["run_id"]]
    assert _json(["match"])["run_id"] == run["run_id"]  # same inputs, same run

    # Every subscriber lives in P1.C01: the region run issues the same orders under its own id.
    city = _json(["match", "--region", "P1.C01"])
    assert (city["region"], city["counts"]) == ("P1.C01", run["counts"])
    assert city["run_id"].startswith("20261101-P1.C01-") and city["run_id"] != run["run_id"]
    assert sorted(p.name for p in home.dir("runs").iterdir()) == sorted(
        [run["run_id"], city["run_id"]]
    )
    failed = CliRunner().invoke(_app(), ["match", "--region", "P1.C1", "--json"])
    assert isinstance(failed.exception, InputError)
    assert str(failed.exception) == "unknown region 'P1.C1' (did you mean 'P1.C01'?)"

    explained = _json(["strategies", "explain", "3"])["strategies"]
    assert explained == [
        {
            "strategy_id": "mobile-5g-upgrade-video-2026q4",
            "verdict": "dropped",
            "stage": "segment",
            "clause": "age_years < 60",
            "value": False,
        }
    ]
    path = str(home.strategies_dir / "mobile-5g-upgrade-video-2026q4.yaml")
    forecast = _json(["strategies", "forecast", path, "--region", "P1.C01"])
    assert (forecast["audience"], forecast["total"]["orders"]) == (2, 2)
    covered = _json(["strategies", "coverage"])
    assert (covered["subscribers"], covered["reached"]) == (3, 2)
