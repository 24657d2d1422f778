"""The contract between matching and the touchpoint centre: what a match run writes.

A match run (`cube match`) writes one directory, `<runs>/<run_id>/`, holding:

- `work_orders/`  Parquet, one row per order (WORK_ORDERS below);
- `holdout/`      Parquet, one row per subscriber held out of a strategy (HOLDOUT);
- `funnel/`       Parquet, one row per strategy x touchpoint x city (FUNNEL);
- `manifest.json` the run: id, period, snapshot date, strategies with version and file
  hash, policy hash, counts (RunManifest).

The directory is written under a temporary name and renamed into place, so a reader
that sees `manifest.json` sees a complete run. The work-order store (touchpoint centre)
loads runs from here; the evaluation centre reads the holdout and funnel.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from pydantic import BaseModel, ConfigDict, Field

from cube.contract import TOUCHPOINTS, TableSpec, column

FUNNEL_STAGES: tuple[str, ...] = (
    "eligible",
    "after_consent",
    "after_holdout",
    "after_arbitration",
    "after_caps",
    "after_capacity",
    "issued",
)


_c = column


WORK_ORDERS = TableSpec(
    name="work_orders",
    description="Offers to make: one subscriber, one product, one touchpoint, one strategy.",
    grain="one row per work order",
    key=("order_id",),
    columns=(
        _c(
            "order_id",
            "string",
            "Deterministic: order_id(run, subscriber, strategy, product, touchpoint).",
        ),
        _c("run_id", "string", "Match run that issued it."),
        _c("strategy_id", "string", "Strategy id."),
        _c(
            "strategy_version",
            "int32",
            "Strategy version; a newer one supersedes the orders of older ones.",
            min=1,
        ),
        _c("subscriber_id", "int64", "Subscriber key."),
        _c("network", "string", "own or other.", allowed=("own", "other")),
        _c("region_path", "string", "Province.city.county.grid, e.g. P1.C03.K021.G0412."),
        _c("product_id", "string", "Product offered."),
        _c("product_family", "string", "Product family (one offer per family a cycle)."),
        _c("product_category", "string", "Product category."),
        _c("touchpoint", "string", "Touchpoint that serves it.", allowed=TOUCHPOINTS),
        _c("score", "double", "propensity x value x lever x routing weight.", min=0),
        _c("propensity", "double", "Probability of acceptance used in the score.", min=0, max=1),
        _c("value", "double", "Value of an acceptance, CNY.", min=0),
        _c("lever", "double", "Business lever (strategy priority).", min=0),
        _c("routing_weight", "double", "Touchpoint affinity x learned efficiency.", min=0),
        _c("priority", "int32", "Strategy priority, 0-100.", min=0, max=100),
        _c("rank", "int32", "Rank among the subscriber's orders this run (1 = best).", min=1),
        _c("explanation", "string", "JSON: the formula, its factors and the stages passed."),
        _c("script", "string", "Rendered script or message for the touchpoint."),
        _c("issued_at", "timestamp", "When the run issued it (UTC)."),
        _c("expires_at", "timestamp", "After this the order is no longer served (UTC)."),
    ),
)

HOLDOUT = TableSpec(
    name="holdout",
    description="Eligible subscribers deliberately not contacted, to measure uplift.",
    grain="one row per strategy and subscriber held out",
    key=("run_id", "strategy_id", "subscriber_id"),
    columns=(
        _c("run_id", "string", "Match run."),
        _c("strategy_id", "string", "Strategy id."),
        _c("strategy_version", "int32", "Strategy version.", min=1),
        _c("subscriber_id", "int64", "Subscriber key."),
        _c("network", "string", "own or other.", allowed=("own", "other")),
        _c("region_path", "string", "Province.city.county.grid."),
        _c("product_id", "string", "Best product the subscriber would have been offered."),
        _c("period", "string", "Holdout period (the hash input), e.g. 2026-11."),
    ),
)

FUNNEL = TableSpec(
    name="funnel",
    description="How many candidates each matching stage kept.",
    grain="one row per strategy, touchpoint and city",
    key=("run_id", "strategy_id", "touchpoint", "city_id"),
    columns=(
        _c("run_id", "string", "Match run."),
        _c("strategy_id", "string", "Strategy id."),
        _c("touchpoint", "string", "Touchpoint.", allowed=TOUCHPOINTS),
        _c("city_id", "string", "City (second level of the region path), e.g. P1.C03."),
        *(_c(stage, "int64", f"Candidates at stage '{stage}'.", min=0) for stage in FUNNEL_STAGES),
    ),
)

RUN_TABLES: tuple[TableSpec, ...] = (WORK_ORDERS, HOLDOUT, FUNNEL)


class StrategyRef(BaseModel):
    """A strategy as a run used it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    version: int = Field(ge=1)
    path: str
    sha256: str


# A run id names directories and the store's partitions: no separators, never hidden.
RUN_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"


class RunManifest(BaseModel):
    """manifest.json of a match run: written last, so its presence means the run is whole."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    run_id: str = Field(pattern=RUN_ID_PATTERN)
    period: str
    snapshot_date: dt.date
    created_at: dt.datetime
    strategies: tuple[StrategyRef, ...]
    policy_sha256: str
    counts: dict[str, int] = Field(description="Rows per table: work_orders, holdout, funnel.")


def order_id(
    run_id: str, subscriber_id: int, strategy_id: str, product_id: str, touchpoint: str
) -> str:
    """The deterministic order id (Spark computes the same with sha2 over the joined parts)."""
    return order_id_of_key("|".join((run_id, str(subscriber_id), strategy_id, product_id,
                                     touchpoint)))  # fmt: skip


def order_id_of_key(key: str) -> str:
    """The order id of "run|subscriber|strategy|product|touchpoint"."""
    return hashlib.sha256(key.encode()).hexdigest()[:24]
