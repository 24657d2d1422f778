"""Candidates: one scan of the tag table for every strategy, then per-subscriber facts.

`scan` reads each tag row once and emits one row per (subscriber, offer) whose
strategy segment is true and whose product the subscriber's network can take,
carrying the offer's propensity. `expand` joins the per-subscriber facts
(consent, products held, contact counts over the policy windows), drops offers of
products already held or excluded by a held product (the conflict graph), fans each
offer out to the allowed touchpoints that reach the subscriber's network (a broadcast
join with the plan's offer table), and marks consent and holdout. Stage numbers index
`cube.runs.FUNNEL_STAGES`.

No Python UDFs and no SQL text: conditions are compiled Columns (cube.dsl).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cube.contract import TOUCHPOINTS
from cube.dsl import tag_refs
from cube.dsl.columns import to_column
from cube.matching.plan import NETWORKS, MatchPlan, OfferPlan, StrategyPlan, lever

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

ID_COLUMNS = ("subscriber_id", "network", "city_id", "grid_id")
OFFER_KEYS = ("offer", "network", "touchpoint")  # a row of the plan's offer table
# Offer-table columns no stage reads: the outputs' factors, expiry and provenance.
OFFER_DETAILS = (
    "strategy_version",
    "lever",
    "holdout_share",
    "product_category",
    "value",
    "monthly_value",
    "commission",
    "routing_weight",
    "ttl_days",
    "propensity_source",
)
CONSENT_FLAGS = (*(f"consent_{t}" for t in TOUCHPOINTS), "do_not_disturb")
# Stage index reached by a candidate: FUNNEL_STAGES[i] counts rows with reached >= i.
ELIGIBLE, AFTER_CONSENT, AFTER_HOLDOUT, AFTER_ARBITRATION = 0, 1, 2, 3
AFTER_CAPS, AFTER_CAPACITY, ISSUED = 4, 5, 6


def needed_tags(plan: MatchPlan) -> list[str]:
    """Tag columns the run reads: segments, rank expressions, model scores, scripts."""
    names: set[str] = set()
    for strategy in plan.strategies:
        names.update(r.name for r in tag_refs(strategy.compiled.segment))
        for template in strategy.compiled.scripts.values():
            names.update(name for name, _ in template.placeholders)
        for offer in strategy.offers:
            if offer.offer.rank is not None:
                names.update(r.name for r in tag_refs(offer.offer.rank))
            elif any(offer.models.values()):
                names.update(m for m in offer.models.values() if m)
    return sorted(names)


def script_tags(plan: MatchPlan) -> list[str]:
    names = {
        n for s in plan.strategies for t in s.compiled.scripts.values() for n, _ in t.placeholders
    }
    return sorted(names)


def scan(
    tags: DataFrame,
    plan: MatchPlan,
    strategies: Sequence[StrategyPlan] | None = None,
    carry: Sequence[str] = (),
) -> DataFrame:
    """One row per (subscriber, offer) in segment and in the product's network scope.

    `strategies` limits the scan to some strategies (the naive benchmark scans once per
    strategy); `carry` keeps extra tag columns (script placeholders, cube cells).
    """
    from pyspark.sql import functions as F

    chosen = plan.strategies if strategies is None else strategies
    keep = [*ID_COLUMNS, *carry]
    segments = [
        F.coalesce(to_column(s.compiled.segment), F.lit(False)).alias(f"_seg{s.index}")
        for s in chosen
    ]
    # Segments first, in their own projection, so each is computed once per row.
    flagged = tags.select(*keep, *_score_inputs(plan, chosen), *segments)
    elements = [
        F.when(
            F.col(f"_seg{s.index}") & _in_scope(offer),
            F.struct(F.lit(offer.index).alias("offer"), _propensity(offer, plan).alias("p")),
        )
        for s in chosen
        for offer in s.offers
    ]
    offers = F.filter(F.array(*elements), lambda x: x.isNotNull())
    # explode drops a row whose array is empty; a size filter here would be pushed
    # into the scan and evaluate every segment and propensity a second time.
    found = flagged.select(*keep, offers.alias("_offers"))
    exploded = found.select(*keep, F.explode("_offers").alias("_o"))
    return exploded.select(
        *keep, F.col("_o.offer").alias("offer"), F.col("_o.p").alias("propensity")
    )


def _score_inputs(plan: MatchPlan, chosen: Sequence[StrategyPlan]) -> list[str]:
    """Tag columns the propensities of `chosen` read (kept through the segment projection)."""
    names: set[str] = set()
    for strategy in chosen:
        for offer in strategy.offers:
            if offer.offer.rank is not None:
                names.update(r.name for r in tag_refs(offer.offer.rank))
            else:
                names.update(m for m in offer.models.values() if m)
    return sorted(names)


def _in_scope(offer: OfferPlan) -> Column:
    from pyspark.sql import functions as F

    scope = offer.product.network_scope
    return F.lit(True) if scope == "any" else F.col("network") == F.lit(scope)


def _propensity(offer: OfferPlan, plan: MatchPlan) -> Column:
    """The rank expression (clipped to [0, 1]) or the network's model score; else default."""
    from pyspark.sql import functions as F

    default = F.lit(plan.policy.default_propensity)
    if offer.offer.rank is not None:
        value: Column | None = to_column(offer.offer.rank).cast("double")
    else:
        value = None
        for network in NETWORKS:
            model = offer.models.get(network)
            if model:
                branch = F.col("network") == F.lit(network)
                value = (
                    F.when(branch, F.col(model))
                    if value is None
                    else value.when(branch, F.col(model))
                )
    clipped = F.coalesce(value, default) if value is not None else default
    return F.least(F.greatest(clipped.cast("double"), F.lit(0.0)), F.lit(1.0))


def offer_table(spark: SparkSession, plan: MatchPlan) -> DataFrame:
    """One row per (offer, network, touchpoint) a candidate may be served on, with factors."""
    from pyspark.sql import types as T

    excluded = plan.excluded()
    rows = []
    for strategy in plan.strategies:
        spec = strategy.compiled.strategy
        for offer in strategy.offers:
            for network in NETWORKS:
                for touchpoint in spec.touchpoints.allowed:
                    if not plan.policy.reaches(touchpoint, network):
                        continue
                    rows.append(
                        (
                            offer.index,
                            network,
                            touchpoint,
                            strategy.id,
                            spec.version,
                            spec.priority,
                            lever(spec.priority),
                            float(spec.holdout),
                            offer.product_id,
                            offer.product.family,
                            offer.product.category,
                            offer.value,
                            offer.product.monthly_value,
                            offer.product.commission,
                            offer.weights[touchpoint],
                            offer.order[touchpoint] if spec.touchpoints.choose == "fixed" else 0,
                            offer.order[touchpoint],
                            plan.policy.cost(touchpoint),
                            excluded.get(offer.product_id, []),
                            spec.order_ttl_days,
                            offer.propensity_source(network),
                        )
                    )
    schema = T.StructType(
        [
            T.StructField("offer", T.IntegerType()),
            T.StructField("network", T.StringType()),
            T.StructField("touchpoint", T.StringType()),
            T.StructField("strategy_id", T.StringType()),
            T.StructField("strategy_version", T.IntegerType()),
            T.StructField("priority", T.IntegerType()),
            T.StructField("lever", T.DoubleType()),
            T.StructField("holdout_share", T.DoubleType()),
            T.StructField("product_id", T.StringType()),
            T.StructField("product_family", T.StringType()),
            T.StructField("product_category", T.StringType()),
            T.StructField("value", T.DoubleType()),
            T.StructField("monthly_value", T.DoubleType()),
            T.StructField("commission", T.DoubleType()),
            T.StructField("routing_weight", T.DoubleType()),
            T.StructField("route_key", T.IntegerType()),
            T.StructField("route_order", T.IntegerType()),
            T.StructField("contact_cost", T.DoubleType()),
            T.StructField("excludes", T.ArrayType(T.StringType())),
            T.StructField("ttl_days", T.IntegerType()),
            T.StructField("propensity_source", T.StringType()),
        ]
    )
    return spark.createDataFrame(rows, schema)


def subscriber_facts(
    consent: DataFrame, holdings: DataFrame, history: DataFrame, plan: MatchPlan
) -> tuple[DataFrame, DataFrame, DataFrame]:
    """Per subscriber: consent flags; held products that rule an offer out (the offered ones
    and the products they exclude); contacts in each policy window."""
    from pyspark.sql import functions as F

    held = (
        holdings.where(F.col("product_id").isin(*plan.held_products()))
        .groupBy("subscriber_id")
        .agg(F.collect_set("product_id").alias("held"))
    )
    flags = consent.select(
        "subscriber_id", *(f"consent_{t}" for t in TOUCHPOINTS), "do_not_disturb"
    )
    return flags, held, _contact_counts(history, plan)


def window_start(run_date: dt.date, days: int) -> dt.datetime:
    """Start (UTC) of the `days` calendar days ending with the run date."""
    day = run_date - dt.timedelta(days=days - 1)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _contact_counts(history: DataFrame, plan: MatchPlan) -> DataFrame:
    """cap{i}: contacts counted by frequency cap i; refusals: those the pause counts."""
    from pyspark.sql import functions as F

    policy, run_date = plan.policy, plan.run_date
    end = window_start(run_date, 0)  # midnight after the run date
    aggs = []
    for i, cap in enumerate(policy.frequency_caps):
        since = F.col("contact_ts") >= F.lit(window_start(run_date, cap.days))
        on = F.lit(True) if cap.touchpoint == "all" else F.col("touchpoint") == cap.touchpoint
        aggs.append(F.count_if(since & on).alias(f"cap{i}"))
    pause = policy.refusal_pause
    if pause is not None:
        since = F.col("contact_ts") >= F.lit(window_start(run_date, pause.days))
        refused = F.col("outcome").isin(*pause.outcomes)
        aggs.append(F.count_if(since & refused).alias("refusals"))
    if not aggs:
        aggs.append(F.count_if(F.lit(False)).alias("refusals"))
    days = policy.longest_window() or 1
    recent = history.where(
        (F.col("contact_ts") >= F.lit(window_start(run_date, days)))
        & (F.col("contact_ts") < F.lit(end))
    )
    return recent.groupBy("subscriber_id").agg(*aggs)


def expand(
    scanned: DataFrame,
    facts: tuple[DataFrame, DataFrame, DataFrame],
    offers: DataFrame,
    plan: MatchPlan,
) -> DataFrame:
    """Candidates per touchpoint with score, consent and holdout; `reached` is the stage."""
    from pyspark.sql import functions as F

    consent, held, counts = facts
    # The broadcast join fans each offer out to the touchpoints reaching the network.
    joined = scanned.join(held, "subscriber_id", "left").join(
        F.broadcast(offers), ["offer", "network"]
    )
    joined = joined.where(~_held_or_conflicting()).drop("held")
    joined = joined.join(consent, "subscriber_id", "left").join(counts, "subscriber_id", "left")
    consented = _consent(plan) & ~F.coalesce(F.col("do_not_disturb"), F.lit(True))
    draw = F.conv(
        F.substring(
            F.sha2(
                F.concat_ws(
                    "|", F.col("subscriber_id").cast("string"), "strategy_id", F.lit(plan.period)
                ),
                256,
            ),
            1,
            8,
        ),
        16,
        10,
    ).cast("double") / F.lit(float(2**32))
    score = F.col("propensity") * F.col("value") * F.col("lever") * F.col("routing_weight")
    staged = joined.select(
        "*",
        consented.alias("consented"),
        (draw < F.col("holdout_share")).alias("held_out"),
        score.alias("score"),
    )
    reached, dropped_by = initial_stage()
    # The stages sort and shuffle every column they carry: the offer's descriptive
    # columns and the consent flags leave here and `widen` brings the former back.
    narrow = [c for c in staged.columns if c not in (*OFFER_DETAILS, *CONSENT_FLAGS)]
    return staged.select(*narrow, reached.alias("reached"), dropped_by.alias("dropped_by"))


def widen(found: DataFrame, offers: DataFrame) -> DataFrame:
    """The candidates with the offer's descriptive columns (`OFFER_DETAILS`) back, from
    the plan's offer table (a broadcast join: no shuffle)."""
    from pyspark.sql import functions as F

    details = offers.select(*OFFER_KEYS, *OFFER_DETAILS)
    return found.join(F.broadcast(details), list(OFFER_KEYS))


def initial_stage() -> tuple[Column, Column]:
    """`reached` and `dropped_by` from consent and holdout, before routing."""
    from pyspark.sql import functions as F

    reached = (
        F.when(~F.col("consented"), F.lit(ELIGIBLE))
        .when(F.col("held_out"), F.lit(AFTER_CONSENT))
        .otherwise(F.lit(AFTER_HOLDOUT))
    )
    return reached, _first_drop()


def _held_or_conflicting() -> Column:
    """The subscriber holds the product, or a product the conflict graph says it excludes
    (`excludes`, from the plan's ConflictGraph): not eligible. No holdings row: false."""
    from pyspark.sql import functions as F

    holds = F.array_contains(F.col("held"), F.col("product_id"))
    clashes = F.arrays_overlap(F.col("held"), F.col("excludes"))
    return F.coalesce(holds, F.lit(False)) | F.coalesce(clashes, F.lit(False))


def _consent(plan: MatchPlan) -> Column:
    from pyspark.sql import functions as F

    flag: Column | None = None
    for touchpoint in TOUCHPOINTS:
        value = F.col(f"consent_{touchpoint}")
        branch = F.col("touchpoint") == F.lit(touchpoint)
        flag = F.when(branch, value) if flag is None else flag.when(branch, value)
    assert flag is not None
    return F.coalesce(flag, F.lit(False))


def _first_drop() -> Column:
    from pyspark.sql import functions as F

    return F.when(~F.col("consented"), F.lit("consent")).when(F.col("held_out"), F.lit("holdout"))
