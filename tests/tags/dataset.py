"""A tiny hand-made operator extract (5 subscribers) whose tag values are worked out by hand.

Snapshot 2026-11-01. Subscribers:
1 own, onboarding, heavy video user, family head without broadband, responsive;
2 own, pre-churn (usage falling, commitment ending), high value, old 4G Xiaomi, quiet
  this week (silent);
3 own, silent (no usage rows), no consent row, in arrears;
4 other network, rival_a, interested in porting in (5G and broadband interactions);
5 other network, rival_b, suspended, do-not-disturb, nothing observed.
Rows dated outside the contract windows (before the 30 days / 6 months, after the
snapshot) are included on purpose: the build must ignore them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cube.contract import SPARK_TYPES, TABLES, TableSpec

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

SNAPSHOT = dt.date(2026, 11, 1)
D = dt.date
TS = dt.datetime

GRID = {
    "province_id": "P1",
    "city_id": "P1.C01",
    "county_id": "P1.C01.K001",
    "grid_id": "P1.C01.K001.G0001",
}


def _sub(subscriber_id: int, network: str, carrier: str, **fields: Any) -> dict[str, Any]:
    return {
        "subscriber_id": subscriber_id,
        "network": network,
        "carrier": carrier,
        **GRID,
        **fields,
    }


ROWS: dict[str, list[dict[str, Any]]] = {
    "regions": [
        {
            "grid_id": GRID["grid_id"],
            "grid_name": "Grid 1",
            "county_id": GRID["county_id"],
            "county_name": "County 1",
            "city_id": GRID["city_id"],
            "city_name": "City 1",
            "province_id": "P1",
            "province_name": "Province 1",
        }
    ],
    "plans": [
        {
            "plan_id": "P5G",
            "plan_name": "5G 128",
            "monthly_fee": 128.0,
            "data_gb": 30.0,
            "voice_min": 1000,
            "is_5g": True,
        },
        {
            "plan_id": "P4G",
            "plan_name": "4G 58",
            "monthly_fee": 58.0,
            "data_gb": 10.0,
            "voice_min": 300,
            "is_5g": False,
        },
    ],
    "products": [
        {
            "product_id": pid,
            "product_name": pid,
            "category": cat,
            "family": pid,
            "monthly_value": value,
            "commission": 5.0,
            "network_scope": "any",
            "description": pid,
        }
        for pid, cat, value in [
            ("LA-5GBOOST", "light_addon", 10.0),
            ("CT-VIDEO", "content", 20.0),
            ("BB-HOME", "home_broadband", 100.0),
            ("RT-LOYAL", "retention", 0.0),
        ]
    ],
    "product_exclusions": [],
    "subscribers": [
        _sub(
            1,
            "own",
            "own",
            age=30,
            gender="F",
            status="active",
            activation_date=D(2026, 9, 15),
            plan_id="P5G",
            handset_brand="Apple",
            handset_5g=True,
            handset_purchase_date=D(2025, 10, 1),
            has_broadband=False,
            family_id=100,
            family_role="head",
        ),
        _sub(
            2,
            "own",
            "own",
            age=52,
            gender="M",
            status="active",
            activation_date=D(2020, 1, 10),
            plan_id="P4G",
            contract_end_date=D(2026, 12, 1),
            handset_brand="Xiaomi",
            handset_5g=False,
            handset_purchase_date=D(2023, 6, 1),
            has_broadband=True,
            family_id=200,
            family_role="member",
        ),
        _sub(
            3,
            "own",
            "own",
            age=22,
            gender="M",
            status="active",
            activation_date=D(2024, 3, 1),
            plan_id="P4G",
            has_broadband=False,
        ),
        _sub(
            4,
            "other",
            "rival_a",
            status="active",
            handset_brand="Huawei",
            handset_5g=True,
            handset_purchase_date=D(2026, 1, 1),
        ),
        _sub(
            5,
            "other",
            "rival_b",
            age=41,
            gender="F",
            status="suspended",
            handset_brand="Nokia",
            handset_5g=False,
            handset_purchase_date=D(2022, 1, 1),
        ),
    ],
    "usage_daily": [
        # subscriber 1: 20 GB in the last 7 days (16 GB video), 1 GB before.
        {
            "subscriber_id": 1,
            "usage_date": D(2026, 10, 31),
            "data_mb": 20480.0,
            "data_5g_mb": 10240.0,
            "voice_min": 10.0,
            "sms_count": 1,
            "video_mb": 16384.0,
            "game_mb": 0.0,
            "music_mb": 100.0,
        },
        {
            "subscriber_id": 1,
            "usage_date": D(2026, 10, 10),
            "data_mb": 1024.0,
            "data_5g_mb": 0.0,
            "voice_min": 20.0,
            "sms_count": 0,
            "video_mb": 512.0,
            "game_mb": 0.0,
            "music_mb": 0.0,
        },
        # voice-only days: active, but no data.
        *[
            {
                "subscriber_id": 1,
                "usage_date": D(2026, 10, d),
                "data_mb": 0.0,
                "data_5g_mb": 0.0,
                "voice_min": 5.0,
                "sms_count": 0,
                "video_mb": 0.0,
                "game_mb": 0.0,
                "music_mb": 0.0,
            }
            for d in (27, 28, 29)
        ],
        # outside the window: before the 30 days, after the snapshot.
        {
            "subscriber_id": 1,
            "usage_date": D(2026, 10, 2),
            "data_mb": 99999.0,
            "data_5g_mb": 0.0,
            "voice_min": 999.0,
            "sms_count": 99,
            "video_mb": 0.0,
            "game_mb": 0.0,
            "music_mb": 0.0,
        },
        {
            "subscriber_id": 1,
            "usage_date": D(2026, 11, 2),
            "data_mb": 99999.0,
            "data_5g_mb": 0.0,
            "voice_min": 999.0,
            "sms_count": 99,
            "video_mb": 0.0,
            "game_mb": 0.0,
            "music_mb": 0.0,
        },
        # subscriber 2: falling sharply (per day: data 100 -> 10 MB, voice 10 -> 1.43 min).
        {
            "subscriber_id": 2,
            "usage_date": D(2026, 10, 5),
            "data_mb": 2300.0,
            "data_5g_mb": 0.0,
            "voice_min": 230.0,
            "sms_count": 4,
            "video_mb": 0.0,
            "game_mb": 600.0,
            "music_mb": 0.0,
        },
        {
            "subscriber_id": 2,
            "usage_date": D(2026, 10, 30),
            "data_mb": 70.0,
            "data_5g_mb": 0.0,
            "voice_min": 10.0,
            "sms_count": 0,
            "video_mb": 0.0,
            "game_mb": 0.0,
            "music_mb": 0.0,
        },
    ],
    "billing_monthly": [
        {
            "subscriber_id": 1,
            "bill_month": D(2026, 10, 1),
            "arpu": 130.0,
            "arrears": 0.0,
            "paid_on_time": True,
        },
        *[
            {
                "subscriber_id": 2,
                "bill_month": D(2026, m, 1),
                "arpu": arpu,
                "arrears": 0.0,
                "paid_on_time": m != 7,
            }
            for m, arpu in [(5, 150.0), (6, 150.0), (7, 150.0), (8, 90.0), (9, 90.0), (10, 90.0)]
        ],
        # seventh month back: outside the 6-month window.
        {
            "subscriber_id": 2,
            "bill_month": D(2026, 4, 1),
            "arpu": 999.0,
            "arrears": 0.0,
            "paid_on_time": False,
        },
        {
            "subscriber_id": 3,
            "bill_month": D(2026, 9, 1),
            "arpu": 20.0,
            "arrears": 0.0,
            "paid_on_time": True,
        },
        {
            "subscriber_id": 3,
            "bill_month": D(2026, 10, 1),
            "arpu": 30.0,
            "arrears": 15.5,
            "paid_on_time": False,
        },
    ],
    "holdings": [
        {"subscriber_id": 1, "product_id": "CT-VIDEO", "start_date": D(2026, 9, 20)},
        {"subscriber_id": 2, "product_id": "BB-HOME", "start_date": D(2021, 5, 1)},
        {"subscriber_id": 2, "product_id": "RT-LOYAL", "start_date": D(2025, 1, 1)},
    ],
    "consent": [
        {
            "subscriber_id": 1,
            "consent_outbound_call": True,
            "consent_store_popup": True,
            "consent_internet": True,
            "consent_sms": True,
            "do_not_disturb": False,
            "updated_at": D(2026, 10, 1),
        },
        {
            "subscriber_id": 2,
            "consent_outbound_call": True,
            "consent_store_popup": False,
            "consent_internet": False,
            "consent_sms": True,
            "do_not_disturb": False,
            "updated_at": D(2026, 10, 1),
        },
        {
            "subscriber_id": 4,
            "consent_outbound_call": False,
            "consent_store_popup": False,
            "consent_internet": True,
            "consent_sms": False,
            "do_not_disturb": False,
            "updated_at": D(2026, 10, 1),
        },
        {
            "subscriber_id": 5,
            "consent_outbound_call": True,
            "consent_store_popup": True,
            "consent_internet": True,
            "consent_sms": True,
            "do_not_disturb": True,
            "updated_at": D(2026, 10, 1),
        },
    ],
    "contact_history": [
        {
            "contact_id": cid,
            "subscriber_id": sid,
            "campaign_id": "C1",
            "product_id": pid,
            "touchpoint": tp,
            "contact_ts": ts,
            "outcome": outcome,
        }
        for cid, sid, pid, tp, ts, outcome in [
            ("c1", 1, "LA-5GBOOST", "outbound_call", TS(2026, 10, 20, 10), "accepted"),
            ("c2", 1, "CT-VIDEO", "store_popup", TS(2026, 10, 25, 15), "declined"),
            ("c3", 1, "LA-5GBOOST", "sms", TS(2026, 8, 1, 9), "accepted"),
            ("c4", 1, "LA-5GBOOST", "sms", TS(2026, 11, 5, 9), "declined"),  # after snapshot
            ("c5", 2, "RT-LOYAL", "sms", TS(2026, 10, 30, 12), "opted_out"),
            ("c6", 2, "RT-LOYAL", "outbound_call", TS(2026, 10, 28, 18), "no_answer"),
            ("c7", 4, "LA-5GBOOST", "internet", TS(2026, 10, 15, 8), "ignored"),
        ]
    ],
    "interactions": [
        {"subscriber_id": sid, "interaction_date": day, "channel": ch, "topic": topic, "events": n}
        for sid, day, ch, topic, n in [
            (4, D(2026, 10, 20), "app", "5g", 8),
            (4, D(2026, 10, 21), "store", "broadband", 5),
            (4, D(2026, 10, 21), "web", "general", 5),
            (4, D(2026, 9, 1), "app", "5g", 100),  # before the 30 days
            (1, D(2026, 10, 30), "app", "content", 4),
        ]
    ],
}


def schema(spec: TableSpec) -> str:
    """The contract's Spark schema as a DDL string."""
    return ", ".join(f"{c.name} {SPARK_TYPES[c.dtype]}" for c in spec.columns)


def frames(
    spark: SparkSession, rows: dict[str, list[dict[str, Any]]] | None = None
) -> dict[str, DataFrame]:
    """Every contract table as a DataFrame (columns absent from a row dict are null)."""
    rows = rows or ROWS
    out = {}
    for spec in TABLES:
        data = [tuple(r.get(c) for c in spec.column_names) for r in rows[spec.name]]
        out[spec.name] = spark.createDataFrame(data, schema(spec))
    return out


def write_raw(spark: SparkSession, raw_dir: Path) -> Path:
    """The tiny extract as Parquet folders under raw_dir, the way an operator delivers it."""
    for name, frame in frames(spark).items():
        frame.coalesce(1).write.mode("overwrite").parquet(str(raw_dir / name))
    return raw_dir
