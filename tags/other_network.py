"""Other-network: carrier, observed interactions by topic, port-in interest.

Interactions (app, store, web; last 30 days) are the main signal we have about a
rival's subscribers; they are observed for our own subscribers too, so the
intensity tags cover both networks. Port-in interest applies to other-network
lines only (our own cannot port in).
"""

from __future__ import annotations

from typing import Any

from cube.catalogue import TagContext, TagSet
from cube.contract import CARRIERS, INTERACTION_TOPICS
from tags._expr import band, days_since, flag

other_network = TagSet(category="other_network", owner="user-centre/other-network")

# Topics that signal interest in what we sell; "general" is browsing and is not counted.
INTEREST_TOPICS = tuple(t for t in INTERACTION_TOPICS if t != "general")
# Port-in evidence per event, by topic; a store visit counts double (walked in to ask).
PORT_IN_WEIGHTS: dict[str, float] = {
    "5g": 1.0,
    "broadband": 1.0,
    "handset": 0.6,
    "benefits": 0.8,
    "content": 0.3,
    "finance": 0.3,
    "general": 0.1,
}
STORE_WEIGHT = 2.0
# Weighted events at which the score reaches 1 - 1/e (about 0.63).
PORT_IN_SCALE = 10.0
# About 16 weighted events; flags roughly the most interested fifth of rivals' subscribers.
PORT_IN_THRESHOLD = 0.8
INTENSITY_EDGES = [(1, "none"), (5, "low"), (20, "medium")]


@other_network.tag(
    "carrier",
    "string",
    "Carrier the line belongs to (own, rival_a, rival_b).",
    allowed=CARRIERS,
    inputs=("subscribers.carrier",),
)
def carrier(ctx: TagContext) -> Any:
    return ctx.col("subscribers.carrier")


@other_network.tag(
    "interaction_events_30d",
    "int",
    "Observed app, store and web events in the last 30 days, events.",
    unit="events",
    min=0,
    source="interactions",
    inputs=("interactions.events",),
    fill=0,
)
def interaction_events_30d(ctx: TagContext) -> Any:
    return ctx.F.sum(ctx.col("interactions.events"))


@other_network.tag(
    "interaction_days_30d",
    "int",
    "Days of the last 30 with any observed interaction, days.",
    unit="days",
    min=0,
    max=30,
    source="interactions",
    inputs=("interactions.interaction_date",),
    fill=0,
)
def interaction_days_30d(ctx: TagContext) -> Any:
    # One bit per day back (the window is 30 days, a long has 64 bits), OR-ed and counted:
    # exact, and unlike countDistinct or collect_set it keeps the grouped pass one
    # code-generated hash aggregation.
    F = ctx.F
    days_back = days_since(ctx, ctx.col("interactions.interaction_date"))
    day_bit = F.pow(F.lit(2.0), days_back).cast("long")  # exact: 2^29 fits a double
    return F.bit_count(F.bit_or(day_bit))


@other_network.tag(
    "store_events_30d",
    "int",
    "Events observed in our physical stores in the last 30 days, events.",
    unit="events",
    min=0,
    source="interactions",
    inputs=("interactions.channel", "interactions.events"),
    fill=0,
)
def store_events_30d(ctx: TagContext) -> Any:
    store = ctx.col("interactions.channel") == "store"
    return ctx.F.sum(ctx.F.when(store, ctx.col("interactions.events")).otherwise(0))


def _register_topic(topic: str) -> None:
    @other_network.tag(
        f"interest_{topic}_events_30d",
        "int",
        f"Observed events about {topic} in the last 30 days, events (interest intensity).",
        unit="events",
        min=0,
        source="interactions",
        inputs=("interactions.topic", "interactions.events"),
        fill=0,
    )
    def events(ctx: TagContext) -> Any:
        on_topic = ctx.col("interactions.topic") == topic
        return ctx.F.sum(ctx.F.when(on_topic, ctx.col("interactions.events")).otherwise(0))


for _topic in INTEREST_TOPICS:
    _register_topic(_topic)


@other_network.tag(
    "top_interest_topic",
    "string",
    "Topic with the most events in the last 30 days (general browsing excluded); null "
    "without such events.",
    allowed=INTEREST_TOPICS,
    depends_on=tuple(f"interest_{t}_events_30d" for t in INTEREST_TOPICS),
)
def top_interest_topic(ctx: TagContext) -> Any:
    F = ctx.F
    # Largest count wins; a tie goes to the alphabetically later topic.
    candidates = [
        F.struct(ctx.col(f"interest_{t}_events_30d").alias("n"), F.lit(t).alias("topic"))
        for t in INTEREST_TOPICS
    ]
    best = F.greatest(*candidates)
    return F.when(best.getField("n") > 0, best.getField("topic"))


@other_network.tag(
    "interaction_intensity",
    "string",
    "Interaction intensity over 30 days: none (0 events), low (< 5), medium (< 20), high (>= 20).",
    allowed=("none", "low", "medium", "high"),
    depends_on=("interaction_events_30d",),
)
def interaction_intensity(ctx: TagContext) -> Any:
    return band(ctx, ctx.col("interaction_events_30d"), INTENSITY_EDGES, "high")


@other_network.tag(
    "port_in_interest_score",
    "double",
    "Port-in interest of a rival's subscriber (score 0-1): 1 - exp(-w / 10), w = 30-day "
    "events weighted by topic (5g, broadband 1.0; benefits 0.8; handset 0.6; content, "
    "finance 0.3; general 0.1), store events doubled.",
    unit="score",
    min=0,
    max=1,
    source="interactions",
    inputs=("interactions.topic", "interactions.channel", "interactions.events"),
    fill=0,
    networks=("other",),
)
def port_in_interest_score(ctx: TagContext) -> Any:
    F = ctx.F
    topic_weight = F.lit(0.0)
    for topic, weight in PORT_IN_WEIGHTS.items():
        topic_weight = F.when(ctx.col("interactions.topic") == topic, weight).otherwise(
            topic_weight
        )
    channel_weight = F.when(ctx.col("interactions.channel") == "store", STORE_WEIGHT).otherwise(1.0)
    weighted = F.sum(ctx.col("interactions.events") * topic_weight * channel_weight)
    return 1.0 - F.exp(-weighted / PORT_IN_SCALE)


@other_network.tag(
    "port_in_interest",
    "boolean",
    f"Rival's subscriber with port-in interest score >= {PORT_IN_THRESHOLD} "
    "(port-in campaign target).",
    depends_on=("port_in_interest_score",),
    networks=("other",),
)
def port_in_interest(ctx: TagContext) -> Any:
    return flag(ctx, ctx.col("port_in_interest_score") >= PORT_IN_THRESHOLD)
