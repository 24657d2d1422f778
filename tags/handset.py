"""Handset: brand and tier, 5G capability, age, upgrade candidates.

Handset fields are observed for both networks (other-network handsets from app
and store sightings), so these tags cover everyone unless they need our plan or
our 5G cells.
"""

from __future__ import annotations

from typing import Any

from cube.catalogue import TagContext, TagSet
from tags._expr import flag, months_since

handset = TagSet(category="handset", owner="user-centre/terminal")

OLD_HANDSET_MONTHS = 24
# Brand tiers by typical price position in the market (lower-case brand names).
BRAND_TIERS: dict[str, tuple[str, ...]] = {
    "flagship": ("apple", "huawei", "samsung"),
    "mid": ("xiaomi", "oppo", "vivo", "honor", "oneplus"),
}


@handset.tag(
    "handset_brand",
    "string",
    "Handset brand as observed; null when unknown.",
    inputs=("subscribers.handset_brand",),
)
def handset_brand(ctx: TagContext) -> Any:
    return ctx.col("subscribers.handset_brand")


@handset.tag(
    "handset_brand_tier",
    "string",
    "Brand tier: flagship (Apple, Huawei, Samsung), mid (Xiaomi, OPPO, vivo, Honor, "
    "OnePlus), budget (any other brand); null when the brand is unknown.",
    allowed=("flagship", "mid", "budget"),
    depends_on=("handset_brand",),
)
def handset_brand_tier(ctx: TagContext) -> Any:
    F = ctx.F
    brand = F.lower(F.trim(ctx.col("handset_brand")))
    expr = F.when(brand.isNull(), F.lit(None).cast("string"))
    for tier, brands in BRAND_TIERS.items():
        expr = expr.when(brand.isin(*brands), F.lit(tier))
    return expr.otherwise(F.lit("budget"))


@handset.tag(
    "handset_is_5g",
    "boolean",
    "Handset is 5G capable; null when unknown.",
    inputs=("subscribers.handset_5g",),
)
def handset_is_5g(ctx: TagContext) -> Any:
    return ctx.col("subscribers.handset_5g")


@handset.tag(
    "handset_age_months",
    "int",
    "Whole months since the handset was first seen, months; null when unknown.",
    unit="months",
    min=0,
    inputs=("subscribers.handset_purchase_date",),
)
def handset_age_months(ctx: TagContext) -> Any:
    return months_since(ctx, ctx.col("subscribers.handset_purchase_date"))


@handset.tag(
    "old_handset",
    "boolean",
    f"Handset is at least {OLD_HANDSET_MONTHS} months old.",
    depends_on=("handset_age_months",),
)
def old_handset(ctx: TagContext) -> Any:
    return flag(ctx, ctx.col("handset_age_months") >= OLD_HANDSET_MONTHS)


@handset.tag(
    "old_non_5g_handset",
    "boolean",
    f"Handset is at least {OLD_HANDSET_MONTHS} months old and not 5G capable "
    "(5G handset upgrade target).",
    depends_on=("old_handset", "handset_is_5g"),
)
def old_non_5g_handset(ctx: TagContext) -> Any:
    return flag(ctx, ctx.col("old_handset") & ~ctx.col("handset_is_5g"))


@handset.tag(
    "handset_upgrade_candidate",
    "boolean",
    f"Active line whose handset is old (>= {OLD_HANDSET_MONTHS} months) or not 5G capable.",
    depends_on=("old_handset", "handset_is_5g", "is_active"),
)
def handset_upgrade_candidate(ctx: TagContext) -> Any:
    dated = ctx.col("old_handset") | flag(ctx, ~ctx.col("handset_is_5g"))
    return flag(ctx, ctx.col("is_active") & dated)


@handset.tag(
    "plan_5g_handset_4g",
    "boolean",
    "Pays for a 5G plan but the handset is not 5G capable (cannot use what it pays for).",
    depends_on=("plan_is_5g", "handset_is_5g"),
    networks=("own",),
)
def plan_5g_handset_4g(ctx: TagContext) -> Any:
    return flag(ctx, ctx.col("plan_is_5g") & ~ctx.col("handset_is_5g"))


@handset.tag(
    "uses_5g_network",
    "boolean",
    "Carried any data on our 5G cells in the last 30 days.",
    depends_on=("data_5g_mb_30d",),
    networks=("own",),
)
def uses_5g_network(ctx: TagContext) -> Any:
    return flag(ctx, ctx.col("data_5g_mb_30d") > 0)
