"""Contactability: consent per touchpoint, do-not-disturb, reachable-by-touchpoint.

A line is reachable on a touchpoint when it consented to that touchpoint, is not
on the do-not-disturb list and is active. Missing consent rows count as no
consent: outreach needs a recorded yes.
"""

from __future__ import annotations

from typing import Any

from cube.catalogue import TagContext, TagSet
from cube.contract import TOUCHPOINTS
from tags._expr import days_since, flag

contactability = TagSet(category="contactability", owner="touchpoint-centre/consent")


def _register_touchpoint(touchpoint: str) -> None:
    """Consent and reachability for one touchpoint."""
    consent_tag = f"consent_{touchpoint}"

    @contactability.tag(
        consent_tag,
        "boolean",
        f"Agreed to marketing contact via {touchpoint} (false without a consent record).",
        inputs=(f"consent.consent_{touchpoint}",),
    )
    def consent(ctx: TagContext) -> Any:
        return flag(ctx, ctx.col(f"consent.consent_{touchpoint}"))

    @contactability.tag(
        f"reachable_{touchpoint}",
        "boolean",
        f"May be contacted via {touchpoint} now: consented, not do-not-disturb, line active.",
        depends_on=(consent_tag, "do_not_disturb", "is_active"),
    )
    def reachable(ctx: TagContext) -> Any:
        allowed = ctx.col(consent_tag) & ~ctx.col("do_not_disturb")
        return flag(ctx, allowed & ctx.col("is_active"))


@contactability.tag(
    "do_not_disturb",
    "boolean",
    "On the do-not-disturb list: no outreach on any touchpoint (true without a consent "
    "record, to stay on the safe side).",
    inputs=("consent.do_not_disturb",),
)
def do_not_disturb(ctx: TagContext) -> Any:
    return ctx.F.coalesce(ctx.col("consent.do_not_disturb"), ctx.F.lit(True))


for _touchpoint in TOUCHPOINTS:
    _register_touchpoint(_touchpoint)


@contactability.tag(
    "reachable_touchpoints",
    "int",
    "Touchpoints the line may be contacted on now (0-4), touchpoints.",
    unit="touchpoints",
    min=0,
    max=len(TOUCHPOINTS),
    depends_on=tuple(f"reachable_{t}" for t in TOUCHPOINTS),
)
def reachable_touchpoints(ctx: TagContext) -> Any:
    total = ctx.F.lit(0)
    for touchpoint in TOUCHPOINTS:
        total = total + ctx.col(f"reachable_{touchpoint}").cast("int")
    return total


@contactability.tag(
    "contactable",
    "boolean",
    "Reachable on at least one touchpoint.",
    depends_on=("reachable_touchpoints",),
)
def contactable(ctx: TagContext) -> Any:
    return ctx.col("reachable_touchpoints") > 0


@contactability.tag(
    "consent_age_days",
    "int",
    "Days since any consent flag last changed, days; null without a consent record.",
    unit="days",
    min=0,
    inputs=("consent.updated_at",),
)
def consent_age_days(ctx: TagContext) -> Any:
    return days_since(ctx, ctx.col("consent.updated_at"))
