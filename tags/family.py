"""Family: shared-plan membership, role, home broadband (own network).

Broadband is read per line (subscribers.has_broadband, plus a held broadband
product); a family-level roll-up would need a shuffle by family_id, and the
generator and operator extracts carry the household's broadband on every line.
"""

from __future__ import annotations

from typing import Any

from cube.catalogue import TagContext, TagSet
from tags._expr import flag

family = TagSet(category="family", owner="user-centre/family")


@family.tag(
    "in_family",
    "boolean",
    "Line belongs to a family (shared) plan.",
    inputs=("subscribers.family_id",),
    networks=("own",),
)
def in_family(ctx: TagContext) -> Any:
    return ctx.col("subscribers.family_id").isNotNull()


@family.tag(
    "family_role",
    "string",
    "Role in the family plan: head (pays, decides) or member; null outside a family.",
    allowed=("head", "member"),
    inputs=("subscribers.family_role",),
    networks=("own",),
)
def family_role(ctx: TagContext) -> Any:
    return ctx.col("subscribers.family_role")


@family.tag(
    "is_family_head",
    "boolean",
    "Head of a family plan (the one to approach for household products).",
    depends_on=("family_role",),
    networks=("own",),
)
def is_family_head(ctx: TagContext) -> Any:
    return flag(ctx, ctx.col("family_role") == "head")


@family.tag(
    "has_broadband",
    "boolean",
    "Household holds our home broadband.",
    inputs=("subscribers.has_broadband",),
    networks=("own",),
)
def has_broadband(ctx: TagContext) -> Any:
    return flag(ctx, ctx.col("subscribers.has_broadband"))


@family.tag(
    "holds_broadband_product",
    "boolean",
    "Holds a home-broadband product in the product catalogue.",
    source="holdings",
    inputs=("products.category",),
    fill=False,
    networks=("own",),
)
def holds_broadband_product(ctx: TagContext) -> Any:
    return ctx.F.bool_or(ctx.col("products.category") == "home_broadband")


@family.tag(
    "family_without_broadband",
    "boolean",
    "In a family plan but without home broadband (home-broadband target).",
    depends_on=("in_family", "has_broadband", "holds_broadband_product"),
    networks=("own",),
)
def family_without_broadband(ctx: TagContext) -> Any:
    no_broadband = ~(ctx.col("has_broadband") | ctx.col("holds_broadband_product"))
    return flag(ctx, ctx.col("in_family") & no_broadband)
