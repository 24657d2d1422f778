"""Responsiveness: how subscribers answered earlier campaigns (contact_history).

All contacts up to the snapshot date count. Response rate = accepted / contacts;
per touchpoint and per product category it is null where the subscriber was never
contacted that way, so "no evidence" is not mistaken for "never accepts".
High / medium / low responders follow the VGOP customer response analysis (seeds/003).
"""

from __future__ import annotations

from typing import Any

from cube.catalogue import TagContext, TagSet
from cube.contract import CONTACT_OUTCOMES, PRODUCT_CATEGORIES, TOUCHPOINTS
from tags._expr import band, days_since, ratio, within_days

responsiveness = TagSet(category="responsiveness", owner="evaluation-centre/response")

MIN_CONTACTS_TO_CLASSIFY = 2
# Response-rate bands: low < 10 %, medium < 30 %, high >= 30 %.
RESPONDER_EDGES = [(0.1, "low"), (0.3, "medium")]
FATIGUE_CONTACTS_30D = 4
REFUSALS = ("declined", "opted_out")


def _accepted(ctx: TagContext) -> Any:
    return ctx.col("contact_history.outcome") == "accepted"


def _rate_where(ctx: TagContext, condition: Any) -> Any:
    """Accepted share of the contacts matching `condition`; null when none match."""
    F = ctx.F
    contacts = F.count_if(condition)
    accepted = F.count_if(condition & _accepted(ctx))
    return ratio(ctx, accepted, contacts)


@responsiveness.tag(
    "contacts_total",
    "int",
    "Campaign contacts received up to the snapshot date, contacts.",
    unit="contacts",
    min=0,
    source="contact_history",
    inputs=("contact_history.contact_id",),
    fill=0,
)
def contacts_total(ctx: TagContext) -> Any:
    return ctx.F.count(ctx.col("contact_history.contact_id"))


@responsiveness.tag(
    "contacts_30d",
    "int",
    "Campaign contacts received in the last 30 days, contacts (contact fatigue).",
    unit="contacts",
    min=0,
    source="contact_history",
    inputs=("contact_history.contact_ts",),
    fill=0,
)
def contacts_30d(ctx: TagContext) -> Any:
    day = ctx.F.to_date(ctx.col("contact_history.contact_ts"))
    return ctx.F.count_if(within_days(ctx, day, 30))


@responsiveness.tag(
    "accepted_total",
    "int",
    "Offers accepted up to the snapshot date, offers.",
    unit="offers",
    min=0,
    source="contact_history",
    inputs=("contact_history.outcome",),
    fill=0,
)
def accepted_total(ctx: TagContext) -> Any:
    return ctx.F.count_if(_accepted(ctx))


@responsiveness.tag(
    "refusals_total",
    "int",
    "Contacts answered with an explicit refusal (declined or opted out), contacts.",
    unit="contacts",
    min=0,
    source="contact_history",
    inputs=("contact_history.outcome",),
    fill=0,
)
def refusals_total(ctx: TagContext) -> Any:
    return ctx.F.count_if(ctx.col("contact_history.outcome").isin(*REFUSALS))


@responsiveness.tag(
    "opted_out_ever",
    "boolean",
    "Answered at least one contact by opting out.",
    source="contact_history",
    inputs=("contact_history.outcome",),
    fill=False,
)
def opted_out_ever(ctx: TagContext) -> Any:
    return ctx.F.bool_or(ctx.col("contact_history.outcome") == "opted_out")


@responsiveness.tag(
    "response_rate",
    "double",
    "Accepted share of all contacts (fraction 0-1); null when never contacted.",
    unit="fraction",
    min=0,
    max=1,
    source="contact_history",
    inputs=("contact_history.outcome",),
)
def response_rate(ctx: TagContext) -> Any:
    return ratio(ctx, ctx.F.count_if(_accepted(ctx)), ctx.F.count(ctx.F.lit(1)))


def _register_rate(dimension: str, ref: str, value: str) -> None:
    """Response rate of the contacts whose `ref` equals `value`."""

    @responsiveness.tag(
        f"response_rate_{value}",
        "double",
        f"Accepted share of contacts with {dimension} {value} (fraction 0-1); null when "
        f"never contacted that way.",
        unit="fraction",
        min=0,
        max=1,
        source="contact_history",
        inputs=(ref, "contact_history.outcome"),
    )
    def rate(ctx: TagContext) -> Any:
        return _rate_where(ctx, ctx.col(ref) == value)


for _touchpoint in TOUCHPOINTS:
    _register_rate("touchpoint", "contact_history.touchpoint", _touchpoint)
for _category in PRODUCT_CATEGORIES:
    _register_rate("product category", "products.category", _category)


@responsiveness.tag(
    "days_since_last_contact",
    "int",
    "Days since the latest contact, days (0 = contacted on the snapshot date); null when "
    "never contacted.",
    unit="days",
    min=0,
    source="contact_history",
    inputs=("contact_history.contact_ts",),
)
def days_since_last_contact(ctx: TagContext) -> Any:
    return days_since(ctx, ctx.F.to_date(ctx.F.max(ctx.col("contact_history.contact_ts"))))


@responsiveness.tag(
    "last_contact_outcome",
    "string",
    "Outcome of the latest contact; null when never contacted.",
    allowed=CONTACT_OUTCOMES,
    source="contact_history",
    inputs=("contact_history.outcome", "contact_history.contact_ts"),
)
def last_contact_outcome(ctx: TagContext) -> Any:
    # max_by over the outcome's position, not the string: a fixed-width buffer keeps the
    # whole contact_history pass a hash aggregation (a string buffer forces a sort).
    F = ctx.F
    outcomes = F.array(*(F.lit(o) for o in CONTACT_OUTCOMES))
    position = F.array_position(outcomes, ctx.col("contact_history.outcome"))
    latest = F.max_by(position, ctx.col("contact_history.contact_ts"))
    return F.when(latest > 0, F.element_at(outcomes, latest.cast("int")))


@responsiveness.tag(
    "responder_class",
    "string",
    f"Responder class on response rate: high (>= 30 %), medium (>= 10 %), low (< 10 %); "
    f"untested with fewer than {MIN_CONTACTS_TO_CLASSIFY} contacts.",
    allowed=("high", "medium", "low", "untested"),
    depends_on=("response_rate", "contacts_total"),
)
def responder_class(ctx: TagContext) -> Any:
    untested = ctx.col("contacts_total") < MIN_CONTACTS_TO_CLASSIFY
    rated = band(ctx, ctx.col("response_rate"), RESPONDER_EDGES, "high")
    return ctx.F.when(untested, ctx.F.lit("untested")).otherwise(rated)


@responsiveness.tag(
    "contact_fatigue",
    "boolean",
    f"Contacted at least {FATIGUE_CONTACTS_30D} times in the last 30 days (rest before the "
    "next contact).",
    depends_on=("contacts_30d",),
)
def contact_fatigue(ctx: TagContext) -> Any:
    return ctx.col("contacts_30d") >= FATIGUE_CONTACTS_30D
