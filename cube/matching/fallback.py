"""Touchpoint fallback: an offer displaced by a full touchpoint tries its next one.

Routing picks one (product, touchpoint) per subscriber and strategy before anyone knows
which touchpoints will fill up. When a touchpoint's daily capacity in a city binds, or
a strategy's own volume limit on a touchpoint does, the offers below the line would be
lost although the strategy allows other touchpoints that still have room (the call
centre is full, the SMS gateway is not). With `routing.fallback` on, each round takes
the candidates dropped at capacity or at a limit, bars the touchpoint they were
displaced from for that subscriber and strategy, and replays the per-subscriber stages
(routing, arbitration, caps) for the subscribers concerned only; the global stages
(capacity, limits, budget) then run again over every candidate still live, best score
first. The displaced candidate keeps its drop (and the stage it had reached) in the
funnel; the replacement order records `fallback_from` (the touchpoints it was displaced
from) in its explanation. Rounds stop when nothing is displaced, after at most one round per
touchpoint. A budget drop does not fall back: the budget is the strategy's, whatever
the touchpoint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cube.contract import TOUCHPOINTS
from cube.matching import frames, stages
from cube.matching.candidates import AFTER_HOLDOUT, initial_stage
from cube.matching.plan import MatchPlan

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

DISPLACED = "_displaced"
DISPLACED_AT = "_displaced_at"  # the stage the displaced candidate had reached
FALLBACK_FROM = "fallback_from"
PAIR = ["subscriber_id", "strategy_id"]
MAX_ROUNDS = len(TOUCHPOINTS) - 1


def with_fallback(
    staged: DataFrame, plan: MatchPlan, cached: list[DataFrame] | None = None
) -> DataFrame:
    """The global stages over `staged` (`stages.settle`), with the displaced offers
    re-routed while any touchpoint that still has room can take them.

    Only the candidates alive after the caps go through the global windows; a round
    replays the per-subscriber stages on the affected subscribers' rows alone and runs
    the global windows again over the live rows, so a round costs what those rows cost,
    not what the whole candidate table costs. The result is the union of the settled
    live rows, everyone else's dead rows as staged and the replayed dead rows. With
    `cached` (a list), the frames read more than once (each round's live result, the
    replayed rows) are stored (cube.matching.frames) and appended to it, for the caller
    to release once the result is written; a round releases the frames its successor
    replaces.
    """
    from pyspark.sql import functions as F

    staged = staged.withColumn(FALLBACK_FROM, F.lit(None).cast("array<string>"))
    keep = _Keeper(cached)
    done = keep(stages.settle(staged.where(stages.live()), plan))
    limited = any(s.compiled.strategy.limits for s in plan.strategies)
    if not (plan.policy.routing.fallback and (plan.policy.capacity or limited)):
        return stages.finish(done, staged.where(~stages.live()))
    # Candidates dropped at consent or holdout never change: a round replays the others.
    pool = staged.where(F.col("reached") >= F.lit(AFTER_HOLDOUT))
    barred: DataFrame | None = None
    mine: DataFrame | None = None
    affected: DataFrame | None = None  # every subscriber replayed so far
    stale: list[DataFrame | None] = []
    for _ in range(MAX_ROUNDS):
        # Stored each round: the next round's plan builds on it, and without the cut
        # every round would recompute all the rounds before it.
        displaced = keep.cut(
            _new(done.where(_displaced()), barred).select(
                *PAIR,
                "touchpoint",
                F.col("dropped_by").alias(DISPLACED),
                F.col("reached").alias(DISPLACED_AT),
            )
        )
        keep.drop(*stale)  # `done` and `mine` are stored: what they were built from can go
        if displaced.isEmpty():
            break
        earlier = barred
        barred = displaced if earlier is None else keep.cut(earlier.unionByName(displaced))
        stale = [mine, done, earlier, None if displaced is barred else displaced]
        mine = keep(_replay_round(pool, mine, displaced, barred, plan))
        affected = F.broadcast(barred.select("subscriber_id").distinct())
        others = pool.where(stages.live()).join(affected, "subscriber_id", "left_anti")
        done = keep(stages.settle(others.unionByName(mine.where(stages.live())), plan))
    if mine is None or affected is None:
        return stages.finish(done, staged.where(~stages.live()))
    dead = (
        staged.where(F.col("reached") < F.lit(AFTER_HOLDOUT))
        .unionByName(pool.where(~stages.live()).join(affected, "subscriber_id", "left_anti"))
        .unionByName(mine.where(~stages.live()))
    )
    return stages.finish(done, dead)


class _Keeper:
    """Stores (cube.matching.frames) the frames read more than once when the caller keeps
    a list of them to release; `cut` stores a frame whatever the caller keeps."""

    def __init__(self, cached: list[DataFrame] | None) -> None:
        self.cached = cached

    def __call__(self, frame: DataFrame) -> DataFrame:
        return frame if self.cached is None else self.cut(frame)

    def cut(self, frame: DataFrame) -> DataFrame:
        kept = frames.store(frame)
        if self.cached is not None:
            self.cached.append(kept)
        return kept

    def drop(self, *stale: DataFrame | None) -> None:
        """Release frames nothing will read again."""
        for frame in stale:
            if frame is not None and self.cached is not None:
                frames.release([frame])
                self.cached.remove(frame)


def _new(dropped: DataFrame, barred: DataFrame | None) -> DataFrame:
    """The drops not barred by an earlier round: a barred candidate keeps its drop, and
    taking it again would bar its touchpoint twice (the replay's join would then repeat
    the candidate) and keep the rounds going when nothing new was displaced."""
    if barred is None:
        return dropped
    from pyspark.sql import functions as F

    seen = F.broadcast(barred.select(*PAIR, "touchpoint"))
    return dropped.join(seen, [*PAIR, "touchpoint"], "left_anti")


def _displaced() -> Column:
    """Dropped by a touchpoint's capacity or by the strategy's limit on it: another
    touchpoint may still take the offer."""
    from pyspark.sql import functions as F

    reason = F.col("dropped_by")
    return reason.startswith(stages.CAPACITY) | (reason == F.lit(stages.LIMIT))


def _replay_round(
    pool: DataFrame,
    mine: DataFrame | None,
    displaced: DataFrame,
    barred: DataFrame,
    plan: MatchPlan,
) -> DataFrame:
    """Every replayed subscriber's rows after this round: those displaced this round are
    replayed (with every touchpoint barred for them so far); the rest keep the rows an
    earlier round gave them, which nothing since has changed."""
    from pyspark.sql import functions as F

    now = F.broadcast(displaced.select("subscriber_id").distinct())
    fresh = _replay(pool.join(now, "subscriber_id", "left_semi"), barred, plan)
    if mine is None:
        return fresh
    return mine.join(now, "subscriber_id", "left_anti").unionByName(fresh)


def _replay(mine: DataFrame, barred: DataFrame, plan: MatchPlan) -> DataFrame:
    """The affected subscribers' rows (`mine`) with the per-subscriber stages replayed,
    their barred candidates passed over."""
    from pyspark.sql import functions as F

    reached, dropped_by = initial_stage()
    reset = mine.drop("routed", FALLBACK_FROM).withColumns(
        {"reached": reached, "dropped_by": dropped_by}
    )
    # Broadcast (few rows): a shuffle on the join keys would undo the partitioning by
    # subscriber that the replayed windows rely on.
    marked = reset.join(F.broadcast(barred), [*PAIR, "touchpoint"], "left")
    replayed = stages.apply_caps(
        stages.arbitrate(stages.route(marked, barred=F.col(DISPLACED).isNotNull()), plan), plan
    )
    return _record(replayed, barred)


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
    joined = restored.join(F.broadcast(sources), PAIR, "left")
    new_order = F.col("routed") & F.col("_from").isNotNull()
    return joined.withColumn(
        FALLBACK_FROM, F.when(new_order, F.col("_from")).cast("array<string>")
    ).drop("_from")
