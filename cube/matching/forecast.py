"""Forecast of one strategy before launch, and the strategy cube's coverage.

Both run the matching computation without writing a run. A forecast matches the
strategy alongside the active ones (it competes with them in arbitration and for
capacity) on the current tag snapshot, optionally on one region only (the operator
forecasts a policy on another city before rolling it out; cube.matching.region), and
reports:

- audience: subscribers in its segment who can take an offer (eligible);
- orders per touchpoint, expected acceptances = sum of the orders' propensities;
- revenue = sum(propensity x monthly_value x value_months);
- cost = orders x cost per contact (the touchpoint's unit cost, as the evaluation counts it);
- ROI = revenue / cost (the operator's input-output ratio);
- commission = sum(propensity x commission) and ROI with commission = revenue /
  (cost + commission), for the managers who pay the channel commission;
- capacity it would use per touchpoint and city against the policy's capacity.

Coverage counts issued orders per cube cell (lifecycle x value band x product
category x touchpoint) and lists the white space: populated lifecycle x value-band
cells no strategy reaches, and strategy-less category x touchpoint pairs.
"""

from __future__ import annotations

from itertools import product
from typing import TYPE_CHECKING, Any

from cube.contract import PRODUCT_CATEGORIES, TOUCHPOINTS
from cube.matching.candidates import ISSUED
from cube.matching.plan import MatchPlan

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

CELL_TAGS = ("lifecycle_stage", "value_band")


def forecast_strategy(found: DataFrame, plan: MatchPlan, strategy_id: str) -> dict[str, Any]:
    """Audience, orders, acceptances, revenue, cost, ROI and capacity use of one strategy."""
    from pyspark.sql import functions as F

    policy = plan.policy
    mine = found.where(F.col("strategy_id") == F.lit(strategy_id))
    audience = mine.select("subscriber_id").distinct().count()
    orders = mine.where(F.col("reached") == F.lit(ISSUED))
    revenue = F.col("propensity") * F.col("monthly_value") * F.lit(float(policy.value_months))
    per_touchpoint = (
        orders.groupBy("touchpoint")
        .agg(
            F.count("*").alias("orders"),
            F.sum("propensity").alias("acceptances"),
            F.sum(revenue).alias("revenue"),
            F.sum(F.col("propensity") * F.col("commission")).alias("commission"),
            F.sum("contact_cost").alias("contact_cost"),
        )
        .orderBy("touchpoint")
        .collect()
    )
    rows = [_money(r.asDict()) for r in per_touchpoint]
    summed = ("orders", "acceptances", "revenue", "cost", "commission")
    total: dict[str, Any] = {k: sum(r[k] for r in rows) for k in summed}
    return {
        "strategy_id": strategy_id,
        "audience": audience,
        "touchpoints": rows,
        "total": _ratios(total | {"orders": int(total["orders"])}),
        "capacity": capacity_use(found, orders, plan),
    }


def _money(row: dict[str, Any]) -> dict[str, Any]:
    row["cost"] = row.pop("contact_cost")
    return _ratios(row)


def _ratios(row: dict[str, Any]) -> dict[str, Any]:
    """Rounded money with ROI = revenue / cost and ROI with commission."""
    cost, commission, revenue = row["cost"], row["commission"], row["revenue"]
    row["roi"] = round(revenue / cost, 3) if cost else None
    paid = cost + commission
    row["roi_with_commission"] = round(revenue / paid, 3) if paid else None
    for key in ("acceptances", "revenue", "cost", "commission"):
        row[key] = round(row[key], 2)
    return row


def capacity_use(found: DataFrame, orders: DataFrame, plan: MatchPlan) -> list[dict[str, Any]]:
    """Per capacity-bound touchpoint and city: this strategy's orders, all orders, capacity."""
    from pyspark.sql import functions as F

    bound = sorted(plan.policy.capacity)
    if not bound:
        return []
    issued = found.where((F.col("reached") == F.lit(ISSUED)) & F.col("touchpoint").isin(*bound))
    everyone = {
        (r["touchpoint"], r["city_id"]): r["n"]
        for r in issued.groupBy("touchpoint", "city_id").agg(F.count("*").alias("n")).collect()
    }
    own = orders.where(F.col("touchpoint").isin(*bound))
    use = own.groupBy("touchpoint", "city_id").agg(F.count("*").alias("n")).collect()
    out = []
    for r in sorted(use, key=lambda r: (r["touchpoint"], r["city_id"])):
        capacity = plan.policy.capacity[r["touchpoint"]].for_city(r["city_id"])
        out.append(
            {
                "touchpoint": r["touchpoint"],
                "city_id": r["city_id"],
                "orders": r["n"],
                "all_orders": everyone.get((r["touchpoint"], r["city_id"]), 0),
                "capacity": capacity,
                "share": round(r["n"] / capacity, 4) if capacity else None,
            }
        )
    return out


def _cell(name: str) -> Column:
    """A cube dimension with own-network-only tags labelled for rivals' subscribers."""
    from pyspark.sql import functions as F

    other = F.when(F.col("network") == F.lit("other"), F.lit("other_network"))
    return F.coalesce(F.col(name), other, F.lit("unknown")).alias(name)


def coverage(tags: DataFrame, found: DataFrame) -> dict[str, Any]:
    """Share reached, orders per cube cell, and the white space."""
    from pyspark.sql import functions as F

    population = {
        (r[CELL_TAGS[0]], r[CELL_TAGS[1]]): r["n"]
        for r in tags.select(*(_cell(c) for c in CELL_TAGS))
        .groupBy(*CELL_TAGS)
        .agg(F.count("*").alias("n"))
        .collect()
    }
    issued = found.where(F.col("reached") == F.lit(ISSUED)).select(
        "subscriber_id", *(_cell(c) for c in CELL_TAGS), "product_category", "touchpoint"
    )
    cells = (
        issued.groupBy(*CELL_TAGS, "product_category", "touchpoint")
        .agg(F.countDistinct("subscriber_id").alias("subscribers"), F.count("*").alias("orders"))
        .collect()
    )
    reached_by_pair = (
        issued.groupBy(*CELL_TAGS).agg(F.countDistinct("subscriber_id").alias("n")).collect()
    )
    reached = {(r[CELL_TAGS[0]], r[CELL_TAGS[1]]): r["n"] for r in reached_by_pair}
    total = sum(population.values())
    reached_total = issued.select("subscriber_id").distinct().count()
    used = {(r["product_category"], r["touchpoint"]) for r in cells}
    return {
        "subscribers": total,
        "reached": reached_total,
        "share_reached": round(reached_total / total, 4) if total else 0.0,
        "segments": [
            {
                CELL_TAGS[0]: key[0],
                CELL_TAGS[1]: key[1],
                "subscribers": n,
                "reached": reached.get(key, 0),
                "share": round(reached.get(key, 0) / n, 4),
            }
            for key, n in sorted(population.items())
        ],
        "cells": sorted(
            (r.asDict() for r in cells),
            key=lambda c: tuple(str(c[k]) for k in (*CELL_TAGS, "product_category", "touchpoint")),
        ),
        "white_space": {
            "segments": [
                {CELL_TAGS[0]: k[0], CELL_TAGS[1]: k[1], "subscribers": n}
                for k, n in sorted(population.items())
                if not reached.get(k)
            ],
            "category_touchpoint": [
                {"product_category": c, "touchpoint": t}
                for c, t in product(PRODUCT_CATEGORIES, TOUCHPOINTS)
                if (c, t) not in used
            ],
        },
    }
