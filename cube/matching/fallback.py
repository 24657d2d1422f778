"""Touchpoint fallback: an offer displaced by a full touchpoint tries its next one.

Routing picks one (product, touchpoint) per subscriber and strategy before anyone knows
which touchpoints will fill up. When a touchpoint's daily capacity in a city binds, or
a strategy's own volume limit on a touchpoint does, the offers below the line would be
lost although the strategy allows other touchpoints that still have room (the call
centre is full, the SMS gateway is not). With `routing.fallback` on, each round takes
the candidates dropped at capacity or at a limit, bars the touchpoint they were
displaced from for that subscriber and strategy, and replays the per-subscriber stages
(routing, arbitration, caps) for the subscribers concerned only; the global stages
(capacity, limits, budget) then run again over everyone, best score first. The
displaced candidate keeps its drop (and the stage it had reached) in the funnel; the
replacement order records `fallback_from` (the touchpoints it was displaced from) in
its explanation. Rounds stop when nothing is displaced, after at most one round per
touchpoint. A budget drop does not fall back: the budget is the strategy's, whatever
the touchpoint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cube.contract import TOUCHPOINTS
from cube.matching import stages
from cube.matching.candidates import initial_stage
from cube.matching.plan import MatchPlan

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

DISPLACED = "_displaced"
DISPLACED_AT = "_displaced_at"  # the stage the displaced candidate had reached
FALLBACK_FROM = "fallback_from"
PAIR = ["subscriber_id", "strategy_id"]
MAX_ROUNDS = len(TOUCHPOINTS) - 1


def with_fallback(staged: DataFrame, plan: MatchPlan, *, split: bool) -> DataFrame:
    """The global stages over `staged` (cube.matching.stages.global_stages), with the
    displaced offers re-routed while any touchpoint that still has room can take them.

    With `split` (large inputs, `staged` persisted) each round's replay and result are
    persisted too: the global stages read the replay twice (live rows and the rest), the
    next round reads the result, and the run's tables read the last one. A round's frames
    are released once the next round's are materialised; the result is returned
    persisted, for the caller to release.
    """
    from pyspark.sql import functions as F

    staged = staged.withColumn(FALLBACK_FROM, F.lit(None).cast("array<string>"))
    found = _keep(stages.global_stages(staged, plan, split=split), split)
    limited = any(s.compiled.strategy.limits for s in plan.strategies)
    if not (plan.policy.routing.fallback and (plan.policy.capacity or limited)):
        return found
    barred: DataFrame | None = None
    spent: list[DataFrame] = []
    for _ in range(MAX_ROUNDS):
        # Materialised each round: the next round's plan builds on it, and without the
        # cut every round would recompute all the rounds before it.
        displaced = (
            _new(found.where(_displaced()), barred)
            .select(
                *PAIR,
                "touchpoint",
                F.col("dropped_by").alias(DISPLACED),
                F.col("reached").alias(DISPLACED_AT),
            )
            .localCheckpoint()
        )
        spent = _release(spent)  # `found` is materialised now
        if displaced.isEmpty():
            break
        barred = displaced if barred is None else barred.unionByName(displaced).localCheckpoint()
        replayed = _keep(_replay(staged, barred, plan), split)
        spent = [replayed, found] if split else []
        found = _keep(stages.global_stages(replayed, plan, split=split), split)
    if spent:  # the rounds ran out: materialise the last result before releasing its inputs
        found.count()
        _release(spent)
    return found


def _keep(frame: DataFrame, split: bool) -> DataFrame:
    from pyspark import StorageLevel

    return frame.persist(StorageLevel.MEMORY_AND_DISK) if split else frame


def _release(frames: list[DataFrame]) -> list[DataFrame]:
    for frame in frames:
        frame.unpersist()
    return []


def _new(dropped: DataFrame, barred: DataFrame | None) -> DataFrame:
    """The drops not barred by an earlier round: a barred candidate keeps its drop, and
    taking it again would bar its touchpoint twice (the replay's join would then repeat
    the candidate) and keep the rounds going when nothing new was displaced."""
    if barred is None:
        return dropped
    return dropped.join(barred.select(*PAIR, "touchpoint"), [*PAIR, "touchpoint"], "left_anti")


def _displaced() -> Column:
    """Dropped by a touchpoint's capacity or by the strategy's limit on it: another
    touchpoint may still take the offer."""
    from pyspark.sql import functions as F

    reason = F.col("dropped_by")
    return reason.startswith(stages.CAPACITY) | (reason == F.lit(stages.LIMIT))


def _replay(staged: DataFrame, barred: DataFrame, plan: MatchPlan) -> DataFrame:
    """`staged` with the per-subscriber stages replayed for subscribers holding a barred
    candidate; every other subscriber's rows are left as they were."""
    from pyspark.sql import functions as F

    affected = barred.select("subscriber_id").distinct()
    others = staged.join(affected, "subscriber_id", "left_anti")
    mine = staged.join(affected, "subscriber_id", "left_semi")
    reached, dropped_by = initial_stage()
    reset = mine.drop("routed", FALLBACK_FROM).withColumns(
        {"reached": reached, "dropped_by": dropped_by}
    )
    marked = reset.join(barred, [*PAIR, "touchpoint"], "left")
    replayed = stages.apply_caps(
        stages.arbitrate(stages.route(marked, barred=F.col(DISPLACED).isNotNull()), plan), plan
    )
    replayed = _record(replayed, barred)
    return others.unionByName(replayed)


def _record(replayed: DataFrame, barred: DataFrame) -> DataFrame:
    """Barred candidates keep their drop and the stage they had reached; the pair's new
    order names where it was displaced from."""
    from pyspark.sql import functions as F

    is_barred = F.col(DISPLACED).isNotNull()
    restored = replayed.withColumns(
        {
            "reached": F.when(is_barred, F.col(DISPLACED_AT)).otherwise(F.col("reached")),
            "dropped_by": F.when(is_barred, F.col(DISPLACED)).otherwise(F.col("dropped_by")),
        }
    ).drop(DISPLACED, DISPLACED_AT)
    sources = barred.groupBy(*PAIR).agg(F.array_sort(F.collect_set("touchpoint")).alias("_from"))
    joined = restored.join(sources, PAIR, "left")
    new_order = F.col("routed") & F.col("_from").isNotNull()
    return joined.withColumn(
        FALLBACK_FROM, F.when(new_order, F.col("_from")).cast("array<string>")
    ).drop("_from")
