"""A hand-made matching world: a few subscribers, products, strategies and a policy.

Tag rows are written out by hand (no tag build), so each test states exactly which
tags a subscriber has and asserts exactly which orders come out and why.
Run date 2026-11-01 (a Sunday), holdout period 2026-11.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cube.catalogue import Catalogue
from cube.dsl import parse
from cube.matching.engine import MatchInputs, candidates
from cube.matching.plan import MatchPlan, build_plan
from cube.matching.policy import ContactPolicy
from cube.products import ConflictGraph, Product, ProductCatalogue
from cube.strategy.compiled import CompiledOffer, CompiledStrategy, ScriptTemplate
from cube.strategy.model import Strategy

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

RUN_DATE = dt.date(2026, 11, 1)
TOUCHPOINTS = ("outbound_call", "store_popup", "internet", "sms")


def _product(pid: str, category: str, family: str, value: float, commission: float, scope: str):
    return Product(pid, pid.lower(), category, family, value, commission, scope)


PRODUCTS = ProductCatalogue(
    products={
        p.id: p
        for p in (
            _product("LA-5GUP-S", "light_addon", "5g_upgrade", 10.0, 5.0, "own"),
            _product("LA-5GUP-L", "light_addon", "5g_upgrade", 20.0, 8.0, "own"),
            _product("LA-DATA10G", "light_addon", "data_booster", 10.0, 1.0, "own"),
            _product("CO-VIDEO", "content", "video", 15.0, 10.0, "any"),
            _product("CO-MUSIC", "content", "music", 10.0, 6.0, "any"),
            _product("PI-SWITCH5G", "terminal", "port_in", 99.0, 200.0, "other"),
            _product("SC-TRAVEL", "scenario", "travel", 18.0, 3.0, "own"),
        )
    },
    conflicts=ConflictGraph([("LA-5GUP-S", "LA-5GUP-L"), ("CO-VIDEO", "LA-DATA10G")]),
)

TAG_COLUMNS: dict[str, str] = {
    "subscriber_id": "bigint",
    "network": "string",
    "city_id": "string",
    "grid_id": "string",
    "heavy_video_user": "boolean",
    "lifecycle_stage": "string",
    "value_band": "string",
    "plan_monthly_fee": "double",
    "age_years": "int",
    "p_5g_upgrade": "double",
    "p_content": "double",
    "p_port_in": "double",
    "p_handset_upgrade": "double",
}
TAG_DEFAULTS: dict[str, Any] = {
    "network": "own",
    "city_id": "P1.C01",
    "grid_id": "P1.C01.K001.G0001",
    "heavy_video_user": True,
    "lifecycle_stage": "stable",
    "value_band": "medium",
    "plan_monthly_fee": 58.0,
    "age_years": 30,
    "p_5g_upgrade": 0.5,
    "p_content": 0.3,
    "p_port_in": None,
    "p_handset_upgrade": 0.2,
}


def tags_row(subscriber_id: int, **tags: Any) -> dict[str, Any]:
    """One tag row: the defaults, overridden; other-network rows get their own grid."""
    row = {**TAG_DEFAULTS, "subscriber_id": subscriber_id, **tags}
    if row["network"] == "other" and "p_5g_upgrade" not in tags:
        row["p_5g_upgrade"] = None
    return row


def consent_row(subscriber_id: int, *, dnd: bool = False, off: tuple[str, ...] = ()) -> dict:
    row: dict[str, Any] = {"subscriber_id": subscriber_id, "do_not_disturb": dnd}
    row.update({f"consent_{t}": t not in off for t in TOUCHPOINTS})
    return row


def contact(subscriber_id: int, touchpoint: str, day: dt.date, outcome: str = "ignored") -> dict:
    return {
        "subscriber_id": subscriber_id,
        "touchpoint": touchpoint,
        "contact_ts": dt.datetime(day.year, day.month, day.day, 10, tzinfo=dt.UTC),
        "outcome": outcome,
    }


def strategy(
    sid: str,
    segment: str = "heavy_video_user",
    offers: tuple[tuple[str, str | None], ...] = (("LA-5GUP-S", None),),
    allowed: tuple[str, ...] = ("outbound_call", "sms"),
    *,
    scripts: dict[str, str] | None = None,
    choose: str = "affinity",
    order: tuple[str, ...] | None = None,
    **fields: Any,
) -> CompiledStrategy:
    """A compiled strategy without a file (holdout 0 unless given)."""
    body = {
        "id": sid,
        "name": f"{sid} test strategy",
        "owner": "P1",
        "active": {"from": "2026-10-01", "to": "2026-12-31"},
        "cube": {
            "business_line": "mobile",
            "scenario": "test",
            "lifecycle": "stable",
            "direction": "revenue_lift",
        },
        "segment": segment,
        "offers": [{"product": p, "rank": r} for p, r in offers],
        "touchpoints": {"allowed": list(allowed), "choose": choose, "order": order},
        "holdout": 0.0,
        "scripts": scripts or {},
        **fields,
    }
    spec = Strategy(**body)
    return CompiledStrategy(
        strategy=spec,
        path=Path(f"strategies/{sid}.yaml"),
        sha256=hashlib.sha256(repr(body).encode()).hexdigest(),
        segment=parse(segment),
        offers=tuple(CompiledOffer(p, parse(r) if r else None) for p, r in offers),
        scripts={t: ScriptTemplate(text) for t, text in (scripts or {}).items()},
    )


def policy(**fields: Any) -> ContactPolicy:
    """The test policy: no caps, no capacity limits unless given."""
    base: dict[str, Any] = {
        "max_offers_per_subscriber": 3,
        "routing": {
            "preferred_weight": 1.0,
            "other_weight": 0.5,
            "affinity": {
                "outbound_call": ["light_addon"],
                "store_popup": ["terminal"],
                "internet": ["content"],
                "sms": ["scenario"],
            },
        },
        "cost_per_contact": {"outbound_call": 1.0, "sms": 0.1, "internet": 0.05, "store_popup": 2},
    }
    return ContactPolicy.model_validate({**base, **fields})


def plan(strategies: list[CompiledStrategy], contact_policy: ContactPolicy | None = None, **kw):
    return build_plan(
        strategies,
        run_date=kw.pop("run_date", RUN_DATE),
        policy=contact_policy or policy(),
        products=PRODUCTS,
        models=Catalogue.load().models.values(),
        **kw,
    )


def frame(spark: SparkSession, rows: list[dict[str, Any]], columns: dict[str, str]) -> DataFrame:
    schema = ", ".join(f"{name} {dtype}" for name, dtype in columns.items())
    return spark.createDataFrame([tuple(r.get(c) for c in columns) for r in rows], schema)


def inputs(
    spark: SparkSession,
    tags: list[dict[str, Any]],
    consent: list[dict[str, Any]] | None = None,
    holdings: list[tuple[int, str]] = (),  # type: ignore[assignment]
    history: list[dict[str, Any]] = (),  # type: ignore[assignment]
) -> MatchInputs:
    """Inputs from hand-made rows; consent defaults to yes everywhere for every row."""
    consent = consent if consent is not None else [consent_row(r["subscriber_id"]) for r in tags]
    consent_cols = {"subscriber_id": "bigint", **{f"consent_{t}": "boolean" for t in TOUCHPOINTS}}
    history_cols = {
        "subscriber_id": "bigint",
        "touchpoint": "string",
        "contact_ts": "timestamp",
        "outcome": "string",
    }
    return MatchInputs(
        tags=frame(spark, tags, TAG_COLUMNS),
        consent=frame(spark, consent, {**consent_cols, "do_not_disturb": "boolean"}),
        holdings=frame(
            spark,
            [{"subscriber_id": s, "product_id": p} for s, p in holdings],
            {"subscriber_id": "bigint", "product_id": "string"},
        ),
        history=frame(spark, list(history), history_cols),
        snapshot_date=RUN_DATE,
    )


def run(match_inputs: MatchInputs, match_plan: MatchPlan, **kw: Any) -> list[dict[str, Any]]:
    """Every candidate as a dict, sorted by subscriber, strategy, product, touchpoint."""
    found = candidates(match_inputs, match_plan, persist=False, **kw).collect()
    rows = [r.asDict() for r in found]
    return sorted(
        rows, key=lambda r: (r["subscriber_id"], r["strategy_id"], r["product_id"], r["touchpoint"])
    )


def issued(rows: list[dict[str, Any]]) -> list[tuple[int, str, str, str]]:
    """(subscriber, strategy, product, touchpoint) of the issued candidates."""
    return [
        (r["subscriber_id"], r["strategy_id"], r["product_id"], r["touchpoint"])
        for r in rows
        if r["reached"] == 6
    ]


def drops(rows: list[dict[str, Any]]) -> dict[tuple[int, str, str, str], str | None]:
    return {
        (r["subscriber_id"], r["strategy_id"], r["product_id"], r["touchpoint"]): r["dropped_by"]
        for r in rows
    }
