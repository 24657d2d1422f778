"""The matching stages after eligibility, consent and holdout, as window functions.

Per subscriber (no shuffle: candidates are already partitioned by subscriber):
routing picks one (product, touchpoint) per strategy; arbitration folds the
subscriber's routed offers best first, rejecting conflicting products, a second
offer of a product family and offers beyond the per-cycle maximum; frequency caps
and the refusal pause count this run's orders on top of the contact history.

Global, best score first: daily capacity per touchpoint and city, then each
strategy's per-touchpoint limits and its contact budget. Every candidate keeps
`reached` (the last FUNNEL_STAGES index it passed) and `dropped_by` (why it stopped).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cube.matching.candidates import (
    AFTER_ARBITRATION,
    AFTER_CAPACITY,
    AFTER_CAPS,
    AFTER_HOLDOUT,
    ISSUED,
)
from cube.matching.plan import MatchPlan

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

ALL_TOUCHPOINTS = "all"
CAPACITY = "capacity:"  # dropped_by prefix: capacity:<touchpoint>@<city>
LIMIT = "limit"  # dropped_by of a candidate over its strategy's limit on the touchpoint


def _advance(stage: int, passed: Column, reason: Column) -> list[Column]:
    """`reached` and `dropped_by` after a stage that candidates at stage-1 may pass."""
    from pyspark.sql import functions as F

    # A candidate at stage-1 that already carries a drop (an offer displaced by a full
    # touchpoint or a strategy's limit, cube.matching.fallback) is not at the gate any more.
    at = (F.col("reached") == F.lit(stage - 1)) & F.col("dropped_by").isNull()
    return [
        F.when(at & passed, F.lit(stage)).otherwise(F.col("reached")).alias("reached"),
        F.when(at & ~passed, reason).otherwise(F.col("dropped_by")).alias("dropped_by"),
    ]


def _replace(frame: DataFrame, columns: list[Column]) -> DataFrame:
    names = {"reached", "dropped_by"}
    return frame.select(*(c for c in frame.columns if c not in names), *columns)


def _best_first() -> list[Column]:
    """The arbitration order: strategy priority, then score, then stable ids."""
    from pyspark.sql import functions as F

    return [
        F.col("priority").desc(),
        F.col("score").desc(),
        F.col("strategy_id"),
        F.col("product_id"),
        F.col("touchpoint"),
    ]


def route(frame: DataFrame, barred: Column | None = None) -> DataFrame:
    """One (product, touchpoint) per subscriber and strategy: the fixed order first (choose:
    fixed), then the best score (propensity x value x lever x routing weight). `barred`
    marks candidates routing must pass over (a touchpoint that displaced them)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    alive = F.col("reached") >= F.lit(AFTER_HOLDOUT)
    if barred is not None:
        alive = alive & ~F.coalesce(barred, F.lit(False))
    window = Window.partitionBy("subscriber_id", "strategy_id").orderBy(
        alive.desc(),
        F.col("route_key"),
        F.col("score").desc(),
        F.col("route_order"),
        F.col("product_id"),
    )
    return frame.withColumn("routed", alive & (F.row_number().over(window) == 1))


def arbitrate(frame: DataFrame, plan: MatchPlan) -> DataFrame:
    """Greedy per subscriber over the routed offers, best first (a fold, not a loop)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    item = F.struct(
        (-F.col("priority")).alias("np"),
        (-F.col("score")).alias("ns"),
        F.col("strategy_id").alias("s"),
        F.col("product_id").alias("p"),
        F.col("product_family").alias("f"),
        F.col("excludes").alias("x"),
    )
    items = F.array_sort(
        F.collect_list(F.when(F.col("routed"), item)).over(Window.partitionBy("subscriber_id"))
    )
    limit = plan.policy.max_offers_per_subscriber
    empty = F.array().cast("array<string>")
    start = F.struct(
        empty.alias("kept"),
        empty.alias("blocked"),
        empty.alias("families"),
        F.array().cast("array<struct<s:string,v:string>>").alias("verdicts"),
    )

    def step(acc: Column, x: Column) -> Column:
        verdict = (
            F.when(F.array_contains(acc["blocked"], x["p"]), F.lit("conflict"))
            .when(F.array_contains(acc["families"], x["f"]), F.lit("family"))
            .when(F.size(acc["kept"]) >= F.lit(limit), F.lit("max_offers"))
            .otherwise(F.lit("kept"))
        )
        ok = verdict == F.lit("kept")
        return F.struct(
            F.when(ok, F.concat(acc["kept"], F.array(x["s"]))).otherwise(acc["kept"]).alias("kept"),
            F.when(ok, F.concat(acc["blocked"], F.coalesce(x["x"], empty)))
            .otherwise(acc["blocked"])
            .alias("blocked"),
            F.when(ok, F.concat(acc["families"], F.array(x["f"])))
            .otherwise(acc["families"])
            .alias("families"),
            F.concat(
                acc["verdicts"], F.array(F.struct(x["s"].alias("s"), verdict.alias("v")))
            ).alias("verdicts"),
        )

    verdicts = F.aggregate(items, start, step)["verdicts"]
    mine = F.get(F.filter(verdicts, lambda v: v["s"] == F.col("strategy_id")), 0)["v"]
    # A column of its own, so the fold runs once per row and not once per use.
    frame = frame.withColumn("_verdict", F.when(F.col("routed"), mine).otherwise("routing"))
    passed = F.coalesce(F.col("_verdict") == F.lit("kept"), F.lit(False))
    advanced = _replace(frame, _advance(AFTER_ARBITRATION, passed, F.col("_verdict")))
    return advanced.drop("_verdict")


def apply_caps(frame: DataFrame, plan: MatchPlan) -> DataFrame:
    """Frequency caps (history + this run's better orders) and the refusal pause."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    policy = plan.policy
    kept = F.col("reached") >= F.lit(AFTER_ARBITRATION)
    paused = F.lit(False)
    if policy.refusal_pause is not None:
        paused = F.coalesce(F.col("refusals"), F.lit(0)) >= F.lit(policy.refusal_pause.refusals)
    room_tp = _room(plan, per_touchpoint=True)
    by_touchpoint = Window.partitionBy("subscriber_id", "touchpoint").orderBy(
        kept.desc(), *_best_first()
    )
    rn_tp = F.row_number().over(by_touchpoint)
    pass_tp = kept & ~paused & (room_tp.isNull() | (rn_tp <= room_tp))
    frame = frame.withColumn("_pass_tp", pass_tp)
    room_all = _room(plan, per_touchpoint=False)
    by_subscriber = Window.partitionBy("subscriber_id").orderBy(
        F.col("_pass_tp").desc(), *_best_first()
    )
    rn_all = F.row_number().over(by_subscriber)
    passed = F.col("_pass_tp") & (room_all.isNull() | (rn_all <= room_all))
    reason = (
        F.when(paused, F.lit("refusal_pause"))
        .when(~F.col("_pass_tp"), F.concat(F.lit("cap:"), F.col("touchpoint")))
        .otherwise(F.lit("cap:all"))
    )
    return _replace(frame, _advance(AFTER_CAPS, passed, reason)).drop("_pass_tp")


def _room(plan: MatchPlan, *, per_touchpoint: bool) -> Column:
    """Contacts still allowed by the tightest cap (null: no cap applies)."""
    from pyspark.sql import functions as F

    caps = list(enumerate(plan.policy.frequency_caps))
    if per_touchpoint:
        room: Column | None = None
        for touchpoint in sorted({c.touchpoint for _, c in caps} - {ALL_TOUCHPOINTS}):
            left = [_left(i, c.max) for i, c in caps if c.touchpoint == touchpoint]
            value = left[0] if len(left) == 1 else F.least(*left)
            branch = F.col("touchpoint") == F.lit(touchpoint)
            room = F.when(branch, value) if room is None else room.when(branch, value)
        return room if room is not None else F.lit(None).cast("long")
    left = [_left(i, c.max) for i, c in caps if c.touchpoint == ALL_TOUCHPOINTS]
    if not left:
        return F.lit(None).cast("long")
    return left[0] if len(left) == 1 else F.least(*left)


def _left(index: int, most: int) -> Column:
    from pyspark.sql import functions as F

    return F.lit(most) - F.coalesce(F.col(f"cap{index}"), F.lit(0))


def apply_capacity(frame: DataFrame, plan: MatchPlan) -> DataFrame:
    """Daily capacity per touchpoint and city, filled best score first, over the `live()`
    candidates (`settle`)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    capacity: Column | None = None
    for touchpoint, rule in sorted(plan.policy.capacity.items()):
        value: Column = F.lit(rule.for_city(""))
        for city in sorted(rule.cities):
            value = F.when(F.col("city_id") == F.lit(city), F.lit(rule.for_city(city))).otherwise(
                value
            )
        branch = F.col("touchpoint") == F.lit(touchpoint)
        capacity = F.when(branch, value) if capacity is None else capacity.when(branch, value)
    if capacity is None:
        capacity = F.lit(None).cast("long")
    # Every row here is live (`settle` sees nothing else), so the order is the score's.
    window = Window.partitionBy("touchpoint", "city_id").orderBy(
        F.col("score").desc(), F.col("subscriber_id"), F.col("strategy_id")
    )
    passed = capacity.isNull() | (F.row_number().over(window) <= capacity)
    reason = F.concat(F.lit(CAPACITY), F.col("touchpoint"), F.lit("@"), F.col("city_id"))
    return _replace(frame, _advance(AFTER_CAPACITY, passed, reason))


def apply_limits(frame: DataFrame, plan: MatchPlan) -> DataFrame:
    """Each strategy's per-touchpoint limit, then its contact budget, best score first."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    alive = F.col("reached") >= F.lit(AFTER_CAPACITY)
    order = [F.col("score").desc(), F.col("subscriber_id"), F.col("touchpoint")]
    limit: Column | None = None
    budget: Column | None = None
    for strategy in plan.strategies:
        spec = strategy.compiled.strategy
        mine = F.col("strategy_id") == F.lit(strategy.id)
        for touchpoint, most in sorted(spec.limits.items()):
            branch = mine & (F.col("touchpoint") == F.lit(touchpoint))
            limit = F.when(branch, F.lit(most)) if limit is None else limit.when(branch, most)
        if spec.budget is not None:
            amount = F.lit(float(spec.budget))
            budget = F.when(mine, amount) if budget is None else budget.when(mine, amount)
    limit = limit if limit is not None else F.lit(None).cast("int")
    budget = budget if budget is not None else F.lit(None).cast("double")
    # Partitioned by strategy once: that clustering serves the limit's (strategy,
    # touchpoint) window and the budget's strategy window, one shuffle for both.
    frame = frame.repartition("strategy_id")
    by_touchpoint = Window.partitionBy("strategy_id", "touchpoint").orderBy(alive.desc(), *order)
    pass_limit = alive & (limit.isNull() | (F.row_number().over(by_touchpoint) <= limit))
    frame = frame.withColumn("_pass_limit", pass_limit)
    spent = F.sum(F.when(F.col("_pass_limit"), F.col("contact_cost")).otherwise(0.0)).over(
        Window.partitionBy("strategy_id")
        .orderBy(F.col("_pass_limit").desc(), *order)
        .rowsBetween(Window.unboundedPreceding, Window.currentRow)
    )
    passed = F.col("_pass_limit") & (budget.isNull() | (spent <= budget + F.lit(1e-9)))
    reason = F.when(~F.col("_pass_limit"), F.lit(LIMIT)).otherwise(F.lit("budget"))
    return _replace(frame, _advance(ISSUED, passed, reason)).drop("_pass_limit")


def rank_orders(frame: DataFrame) -> DataFrame:
    """Rank among the subscriber's issued orders (1 = best), null for other candidates."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    issued = F.col("reached") == F.lit(ISSUED)
    window = Window.partitionBy("subscriber_id").orderBy(issued.desc(), *_best_first())
    return frame.withColumn("rank", F.when(issued, F.row_number().over(window)).cast("int"))


def live() -> Column:
    """Alive after the per-subscriber stages: what the global stages see."""
    from pyspark.sql import functions as F

    return (F.col("reached") >= F.lit(AFTER_CAPS)) & F.col("dropped_by").isNull()


def settle(alive: DataFrame, plan: MatchPlan) -> DataFrame:
    """Capacity, limits and budget, best score first, over the `live()` candidates only:
    the global windows shuffle and sort these rows and no others."""
    return apply_limits(apply_capacity(alive, plan), plan)


def finish(settled: DataFrame, dead: DataFrame) -> DataFrame:
    """Every candidate: the settled live ones, ranked, and the rest (dropped before the
    caps passed them), which carry no rank. Ranked here and not in `settle`: a fallback
    round only needs to know what was displaced, so the rank's shuffle by subscriber is
    paid once, after the last round, instead of once per round."""
    from pyspark.sql import functions as F

    return rank_orders(settled).unionByName(dead.withColumn("rank", F.lit(None).cast("int")))
