"""A valid, minimal operator extract (all 11 contract tables) as editable rows.

Tests take `valid_rows()`, break exactly one thing, and turn the rows into Spark
DataFrames with `to_frames`, whose schemas come from the contract (every column
nullable, so a fixture can put a null where the contract forbids one).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from cube.contract import SPARK_TYPES, TABLES, DType, TableSpec
from tests.conftest import AS_OF

Rows = dict[str, list[dict[str, Any]]]

SUBSCRIBERS = 20
GRIDS = ("P1.C01.K001.G0001", "P1.C01.K001.G0002")
PRODUCTS = (
    ("LA-5GBOOST", "light_addon", "boost", "own"),
    ("FIN-LOAN", "finance", "loan", "any"),
    ("BB-HOME", "home_broadband", "broadband", "own"),
)


def valid_rows(subscribers: int = SUBSCRIBERS) -> Rows:
    """Rows of every table that pass the input gate for snapshot AS_OF."""
    ids = list(range(1, subscribers + 1))
    own = [i for i in ids if i % 2 == 1]
    return {
        "regions": [_region(grid) for grid in GRIDS],
        "plans": [_plan("PL1", 58.0, False), _plan("PL2", 128.0, True)],
        "products": [_product(*p) for p in PRODUCTS],
        "product_exclusions": [{"product_id": "LA-5GBOOST", "excluded_product_id": "FIN-LOAN"}],
        "subscribers": [_subscriber(i, i in own) for i in ids],
        "usage_daily": [_usage(i, AS_OF - dt.timedelta(days=d)) for i in own for d in (1, 2)],
        "billing_monthly": [_bill(i, month) for i in own for month in (9, 10)],
        "holdings": [
            {"subscriber_id": i, "product_id": "LA-5GBOOST", "start_date": dt.date(2026, 5, 1)}
            for i in own
        ],
        "consent": [_consent(i) for i in ids],
        "contact_history": [_contact(i) for i in ids],
        "interactions": [_interaction(i) for i in ids],
    }


def to_frames(spark: Any, rows: Rows) -> dict[str, Any]:
    """One DataFrame per table in `rows`, typed as the contract says."""
    specs = {spec.name: spec for spec in TABLES}
    return {name: _frame(spark, specs[name], table) for name, table in rows.items()}


def schema(spec: TableSpec, dtypes: dict[str, DType] | None = None) -> str:
    """A DDL schema string for a contract table (optionally overriding some types)."""
    overrides = dtypes or {}
    return ", ".join(
        f"{c.name} {SPARK_TYPES[overrides.get(c.name, c.dtype)]}" for c in spec.columns
    )


def _frame(spark: Any, spec: TableSpec, rows: list[dict[str, Any]]) -> Any:
    """Via pandas and Arrow: the frame is a JVM-side relation. (From a list of tuples,
    PySpark builds a Python RDD, and every Spark job on it would start Python workers.)"""
    names = list(spec.column_names)
    data = pd.DataFrame([[r.get(n) for n in names] for r in rows], columns=names, dtype=object)
    return spark.createDataFrame(data, schema(spec))


def _region(grid: str) -> dict[str, Any]:
    county, city, province = grid.rsplit(".", 1)[0], grid[:6], grid[:2]
    return {
        "grid_id": grid,
        "grid_name": f"Grid {grid[-4:]}",
        "county_id": county,
        "county_name": "Kaiyuan",
        "city_id": city,
        "city_name": "Chengdong",
        "province_id": province,
        "province_name": "Province One",
    }


def _plan(plan_id: str, fee: float, is_5g: bool) -> dict[str, Any]:
    return {
        "plan_id": plan_id,
        "plan_name": f"Plan {plan_id}",
        "monthly_fee": fee,
        "data_gb": 20.0,
        "voice_min": 300,
        "is_5g": is_5g,
    }


def _product(product_id: str, category: str, family: str, scope: str) -> dict[str, Any]:
    return {
        "product_id": product_id,
        "product_name": product_id.title(),
        "category": category,
        "family": family,
        "monthly_value": 10.0,
        "commission": 5.0,
        "network_scope": scope,
        "description": f"The {family} offer.",
    }


def _subscriber(i: int, own: bool) -> dict[str, Any]:
    grid = GRIDS[i % 2]
    return {
        "subscriber_id": i,
        "network": "own" if own else "other",
        "carrier": "own" if own else "rival_a",
        "province_id": grid[:2],
        "city_id": grid[:6],
        "county_id": grid.rsplit(".", 1)[0],
        "grid_id": grid,
        "age": 20 + i % 60,
        "gender": "F" if i % 3 else "M",
        "status": "active",
        "activation_date": dt.date(2020, 1, 1) if own else None,
        "plan_id": ("PL1" if i % 4 == 1 else "PL2") if own else None,
        "contract_end_date": None,
        "handset_brand": "Huawei",
        "handset_5g": i % 2 == 0,
        "handset_purchase_date": dt.date(2024, 6, 1),
        "has_broadband": False if own else None,
        "family_id": None,
        "family_role": None,
    }


def _usage(i: int, day: dt.date) -> dict[str, Any]:
    return {
        "subscriber_id": i,
        "usage_date": day,
        "data_mb": 800.0,
        "data_5g_mb": 200.0,
        "voice_min": 12.0,
        "sms_count": 1,
        "video_mb": 300.0,
        "game_mb": 20.0,
        "music_mb": 10.0,
    }


def _bill(i: int, month: int) -> dict[str, Any]:
    return {
        "subscriber_id": i,
        "bill_month": dt.date(2026, month, 1),
        "arpu": 58.0,
        "arrears": 0.0,
        "paid_on_time": True,
    }


def _consent(i: int) -> dict[str, Any]:
    flags = {f"consent_{t}": True for t in ("outbound_call", "store_popup", "internet", "sms")}
    return {"subscriber_id": i, **flags, "do_not_disturb": False, "updated_at": dt.date(2026, 1, 1)}


def _contact(i: int) -> dict[str, Any]:
    return {
        "contact_id": f"C{i:05d}",
        "subscriber_id": i,
        "campaign_id": "CMP-1",
        "product_id": "LA-5GBOOST",
        "touchpoint": "sms",
        "contact_ts": dt.datetime.combine(AS_OF - dt.timedelta(days=1), dt.time(10)),
        "outcome": "declined",
    }


def _interaction(i: int) -> dict[str, Any]:
    return {
        "subscriber_id": i,
        "interaction_date": AS_OF - dt.timedelta(days=1),
        "channel": "app",
        "topic": "5g",
        "events": 2,
    }
