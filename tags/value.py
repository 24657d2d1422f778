"""Value: ARPU over the 6 billed months, payment behaviour, value bands, products held.

Billing aggregates read billing_monthly (own network, last 6 months); the value
band falls back to the plan fee for lines too new to have a bill.
"""

from __future__ import annotations

from typing import Any

from cube.catalogue import TagContext, TagSet
from tags._expr import band, flag, ratio

value = TagSet(category="value", owner="user-centre/value")

# Value bands on 6-month average ARPU, CNY per month (operator-style tiers).
VALUE_BAND_EDGES = [(50.0, "low"), (100.0, "medium"), (200.0, "high")]
VALUE_BANDS = ("low", "medium", "high", "premium")
RECENT_MONTHS = 3


def _months_back(ctx: TagContext) -> Any:
    """Months between a bill and the snapshot's month: 1 = the month before the snapshot's."""
    this_month = ctx.F.trunc(ctx.snapshot, "month")
    return ctx.F.months_between(this_month, ctx.col("billing_monthly.bill_month"))


@value.tag(
    "arpu_avg_6m",
    "double",
    "Average monthly revenue (ARPU) over the billed months of the last 6, CNY per month; "
    "null before the first bill.",
    unit="CNY/month",
    min=0,
    source="billing_monthly",
    inputs=("billing_monthly.arpu",),
    networks=("own",),
)
def arpu_avg_6m(ctx: TagContext) -> Any:
    return ctx.F.avg(ctx.col("billing_monthly.arpu"))


@value.tag(
    "arpu_last_month",
    "double",
    "ARPU of the latest billed month, CNY per month; null before the first bill.",
    unit="CNY/month",
    min=0,
    source="billing_monthly",
    inputs=("billing_monthly.arpu", "billing_monthly.bill_month"),
    networks=("own",),
)
def arpu_last_month(ctx: TagContext) -> Any:
    return ctx.F.max_by(ctx.col("billing_monthly.arpu"), ctx.col("billing_monthly.bill_month"))


@value.tag(
    "arpu_trend_ratio",
    "double",
    "Average ARPU of the latest 3 billed months divided by that of the 3 before (ratio; "
    "below 1 = spending less); null without bills in both periods.",
    unit="ratio",
    min=0,
    source="billing_monthly",
    inputs=("billing_monthly.arpu", "billing_monthly.bill_month"),
    networks=("own",),
)
def arpu_trend_ratio(ctx: TagContext) -> Any:
    recent = _months_back(ctx) <= RECENT_MONTHS
    arpu = ctx.col("billing_monthly.arpu")
    recent_avg = ctx.F.avg(ctx.F.when(recent, arpu))
    earlier_avg = ctx.F.avg(ctx.F.when(~recent, arpu))
    return ratio(ctx, recent_avg, earlier_avg)


@value.tag(
    "arrears_current",
    "double",
    "Unpaid balance at the end of the latest billed month, CNY; null before the first bill.",
    unit="CNY",
    min=0,
    source="billing_monthly",
    inputs=("billing_monthly.arrears", "billing_monthly.bill_month"),
    networks=("own",),
)
def arrears_current(ctx: TagContext) -> Any:
    return ctx.F.max_by(ctx.col("billing_monthly.arrears"), ctx.col("billing_monthly.bill_month"))


@value.tag(
    "late_payments_6m",
    "int",
    "Bills of the last 6 months not settled by their due date, bills.",
    unit="bills",
    min=0,
    max=6,
    source="billing_monthly",
    inputs=("billing_monthly.paid_on_time",),
    fill=0,
    networks=("own",),
)
def late_payments_6m(ctx: TagContext) -> Any:
    return ctx.F.count_if(~ctx.col("billing_monthly.paid_on_time"))


@value.tag(
    "has_arrears",
    "boolean",
    "An unpaid balance remains at the end of the latest billed month.",
    depends_on=("arrears_current",),
    networks=("own",),
)
def has_arrears(ctx: TagContext) -> Any:
    return flag(ctx, ctx.col("arrears_current") > 0)


@value.tag(
    "value_band",
    "string",
    "Value band on 6-month average ARPU (plan fee before the first bill), CNY per month: "
    "low < 50, medium < 100, high < 200, premium >= 200.",
    allowed=VALUE_BANDS,
    depends_on=("arpu_avg_6m", "plan_monthly_fee"),
    networks=("own",),
)
def value_band(ctx: TagContext) -> Any:
    basis = ctx.F.coalesce(ctx.col("arpu_avg_6m"), ctx.col("plan_monthly_fee"))
    return band(ctx, basis, VALUE_BAND_EDGES, "premium")


@value.tag(
    "high_value",
    "boolean",
    "Value band is high or premium (6-month ARPU >= 100 CNY per month).",
    depends_on=("value_band",),
    networks=("own",),
)
def high_value(ctx: TagContext) -> Any:
    return flag(ctx, ctx.col("value_band").isin("high", "premium"))


@value.tag(
    "out_of_bundle_spend",
    "double",
    "6-month average ARPU minus the plan's monthly fee, CNY per month (positive = spends "
    "beyond the plan: an upgrade lever; negative = discounts).",
    unit="CNY/month",
    depends_on=("arpu_avg_6m", "plan_monthly_fee"),
    networks=("own",),
)
def out_of_bundle_spend(ctx: TagContext) -> Any:
    return ctx.col("arpu_avg_6m") - ctx.col("plan_monthly_fee")


@value.tag(
    "products_held",
    "int",
    "Products currently held, products.",
    unit="products",
    min=0,
    source="holdings",
    inputs=("holdings.product_id",),
    fill=0,
)
def products_held(ctx: TagContext) -> Any:
    return ctx.F.count(ctx.col("holdings.product_id"))


@value.tag(
    "held_products_monthly_value",
    "double",
    "Monthly revenue of the products currently held, CNY per month.",
    unit="CNY/month",
    min=0,
    source="holdings",
    inputs=("products.monthly_value",),
    fill=0,
)
def held_products_monthly_value(ctx: TagContext) -> Any:
    return ctx.F.sum(ctx.col("products.monthly_value"))


@value.tag(
    "holds_finance_product",
    "boolean",
    "Holds at least one finance product.",
    source="holdings",
    inputs=("products.category",),
    fill=False,
)
def holds_finance_product(ctx: TagContext) -> Any:
    return ctx.F.bool_or(ctx.col("products.category") == "finance")
