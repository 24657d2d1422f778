"""Lifecycle stage: onboarding, stable, pre-churn (own network).

Business rules (benefits operations, seeds/004): a line is onboarding for its
first 3 months; after that it is pre-churn when any churn signal shows (usage
falling sharply, commitment ending within 60 days, unpaid arrears), else stable.
"""

from __future__ import annotations

from typing import Any

from cube.catalogue import TagContext, TagSet
from tags._expr import band, flag

lifecycle = TagSet(category="lifecycle", owner="user-centre/lifecycle")

ONBOARDING_MONTHS = 3
SHARP_FALL_RATIO = 0.5
CONTRACT_ENDING_DAYS = 60
STAGES = ("onboarding", "stable", "pre_churn")


@lifecycle.tag(
    "tenure_band",
    "string",
    "Tenure band: 0_3m (< 3 months), 3_12m, 1_3y, 3y_plus (>= 36 months).",
    allowed=("0_3m", "3_12m", "1_3y", "3y_plus"),
    depends_on=("tenure_months",),
    networks=("own",),
)
def tenure_band(ctx: TagContext) -> Any:
    edges = [(ONBOARDING_MONTHS, "0_3m"), (12, "3_12m"), (36, "1_3y")]
    return band(ctx, ctx.col("tenure_months"), edges, "3y_plus")


@lifecycle.tag(
    "usage_falling_sharply",
    "boolean",
    "Average daily data or voice use of the last 7 days is below half that of the 23 days "
    "before (data_trend_ratio or voice_trend_ratio < 0.5).",
    depends_on=("data_trend_ratio", "voice_trend_ratio"),
    networks=("own",),
)
def usage_falling_sharply(ctx: TagContext) -> Any:
    data = flag(ctx, ctx.col("data_trend_ratio") < SHARP_FALL_RATIO)
    voice = flag(ctx, ctx.col("voice_trend_ratio") < SHARP_FALL_RATIO)
    return data | voice


@lifecycle.tag(
    "contract_ending_soon",
    "boolean",
    f"The commitment ends within {CONTRACT_ENDING_DAYS} days of the snapshot date.",
    depends_on=("contract_days_left",),
    networks=("own",),
)
def contract_ending_soon(ctx: TagContext) -> Any:
    return flag(ctx, ctx.col("contract_days_left") <= CONTRACT_ENDING_DAYS)


@lifecycle.tag(
    "churn_signal_count",
    "int",
    "Churn signals present (0-3), signals: usage falling sharply, commitment ending soon, "
    "unpaid arrears.",
    unit="signals",
    min=0,
    max=3,
    depends_on=("usage_falling_sharply", "contract_ending_soon", "has_arrears"),
    networks=("own",),
)
def churn_signal_count(ctx: TagContext) -> Any:
    signals = ("usage_falling_sharply", "contract_ending_soon", "has_arrears")
    total = ctx.F.lit(0)
    for name in signals:
        total = total + ctx.col(name).cast("int")
    return total


@lifecycle.tag(
    "lifecycle_stage",
    "string",
    f"Lifecycle stage: onboarding (tenure < {ONBOARDING_MONTHS} months), pre_churn (any "
    "churn signal), else stable.",
    allowed=STAGES,
    depends_on=("tenure_months", "churn_signal_count"),
    networks=("own",),
)
def lifecycle_stage(ctx: TagContext) -> Any:
    F = ctx.F
    return (
        F.when(ctx.col("tenure_months") < ONBOARDING_MONTHS, F.lit("onboarding"))
        .when(ctx.col("churn_signal_count") > 0, F.lit("pre_churn"))
        .otherwise(F.lit("stable"))
    )


@lifecycle.tag(
    "high_value_pre_churn",
    "boolean",
    "High or premium value line in the pre-churn stage (retention priority).",
    depends_on=("high_value", "lifecycle_stage"),
    networks=("own",),
)
def high_value_pre_churn(ctx: TagContext) -> Any:
    return flag(ctx, ctx.col("high_value") & (ctx.col("lifecycle_stage") == "pre_churn"))


@lifecycle.tag(
    "revenue_at_risk",
    "double",
    "Monthly revenue that churn would lose, CNY per month: 6-month average ARPU for "
    "pre-churn lines, 0 otherwise (null before the first bill).",
    unit="CNY/month",
    min=0,
    depends_on=("arpu_avg_6m", "lifecycle_stage"),
    networks=("own",),
)
def revenue_at_risk(ctx: TagContext) -> Any:
    pre_churn = ctx.col("lifecycle_stage") == "pre_churn"
    return ctx.F.when(pre_churn, ctx.col("arpu_avg_6m")).otherwise(
        ctx.F.when(ctx.col("arpu_avg_6m").isNotNull(), ctx.F.lit(0.0))
    )


@lifecycle.tag(
    "holds_retention_offer",
    "boolean",
    "Already holds a retention offer (so another retention offer is redundant).",
    source="holdings",
    inputs=("products.category",),
    fill=False,
)
def holds_retention_offer(ctx: TagContext) -> Any:
    return ctx.F.bool_or(ctx.col("products.category") == "retention")
