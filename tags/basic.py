"""Basic attributes: demographics, line status, tenure, tariff plan and commitment.

Row tags over the subscriber grain (subscribers + plans). Demographics and status
exist for both networks; plan, tenure and contract only for own-network lines.
"""

from __future__ import annotations

from typing import Any

from cube.catalogue import TagContext, TagSet
from tags._expr import band, flag, months_since

basic = TagSet(category="basic", owner="user-centre/profile")

AGE_BANDS = ("under_25", "25_34", "35_44", "45_59", "60_plus")


@basic.tag(
    "age_years",
    "int",
    "Age of the subscriber in years; null when unknown.",
    unit="years",
    min=10,
    max=100,
    inputs=("subscribers.age",),
)
def age_years(ctx: TagContext) -> Any:
    return ctx.col("subscribers.age")


@basic.tag(
    "age_band",
    "string",
    "Age band (years): under_25, 25_34, 35_44, 45_59, 60_plus; null when age is unknown.",
    allowed=AGE_BANDS,
    depends_on=("age_years",),
)
def age_band(ctx: TagContext) -> Any:
    edges = [(25, "under_25"), (35, "25_34"), (45, "35_44"), (60, "45_59")]
    return band(ctx, ctx.col("age_years"), edges, "60_plus")


@basic.tag(
    "gender",
    "string",
    "Gender as registered (F or M); null when unknown.",
    allowed=("F", "M"),
    inputs=("subscribers.gender",),
)
def gender(ctx: TagContext) -> Any:
    return ctx.col("subscribers.gender")


@basic.tag(
    "is_active",
    "boolean",
    "Line is active (not suspended) on the snapshot date.",
    inputs=("subscribers.status",),
)
def is_active(ctx: TagContext) -> Any:
    return ctx.col("subscribers.status") == "active"


@basic.tag(
    "tenure_months",
    "int",
    "Whole months since line activation, in months (0 in the first month).",
    unit="months",
    min=0,
    inputs=("subscribers.activation_date",),
    networks=("own",),
)
def tenure_months(ctx: TagContext) -> Any:
    return months_since(ctx, ctx.col("subscribers.activation_date"))


@basic.tag(
    "plan_id",
    "string",
    "Current tariff plan id (see the plans table).",
    inputs=("subscribers.plan_id",),
    networks=("own",),
)
def plan_id(ctx: TagContext) -> Any:
    return ctx.col("subscribers.plan_id")


@basic.tag(
    "plan_monthly_fee",
    "double",
    "Monthly fee of the current plan, CNY per month.",
    unit="CNY/month",
    min=0,
    inputs=("plans.monthly_fee",),
    networks=("own",),
)
def plan_monthly_fee(ctx: TagContext) -> Any:
    return ctx.col("plans.monthly_fee")


@basic.tag(
    "plan_data_gb",
    "double",
    "Mobile data included in the current plan, GB per month.",
    unit="GB/month",
    min=0,
    inputs=("plans.data_gb",),
    networks=("own",),
)
def plan_data_gb(ctx: TagContext) -> Any:
    return ctx.col("plans.data_gb")


@basic.tag(
    "plan_is_5g",
    "boolean",
    "Current plan includes 5G access.",
    inputs=("plans.is_5g",),
    networks=("own",),
)
def plan_is_5g(ctx: TagContext) -> Any:
    return ctx.col("plans.is_5g")


@basic.tag(
    "has_contract",
    "boolean",
    "Line is under a commitment that ends on or after the snapshot date.",
    inputs=("subscribers.contract_end_date",),
    networks=("own",),
)
def has_contract(ctx: TagContext) -> Any:
    return flag(ctx, ctx.col("subscribers.contract_end_date") >= ctx.snapshot)


@basic.tag(
    "contract_days_left",
    "int",
    "Days until the commitment ends, in days (0 = ends on the snapshot date); "
    "null when there is no running commitment.",
    unit="days",
    min=0,
    inputs=("subscribers.contract_end_date",),
    networks=("own",),
)
def contract_days_left(ctx: TagContext) -> Any:
    days = ctx.F.datediff(ctx.col("subscribers.contract_end_date"), ctx.snapshot)
    return ctx.F.when(days >= 0, days)
