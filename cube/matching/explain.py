"""Why one subscriber did or did not get each strategy's offer.

The verdict comes from the matching computation itself (capacity and budget
depend on everyone else, so only a full match can say), and the segment is
explained clause by clause with the Python evaluator on the subscriber's tag row:
the first top-level `and` clause that is not true is the one that failed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cube.dsl import evaluate
from cube.dsl.ast import Binary, Expr
from cube.errors import InputError
from cube.matching.candidates import ISSUED
from cube.matching.plan import MatchPlan, StrategyPlan, holdout_draw
from cube.runs import FUNNEL_STAGES

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

# dropped_by (or its prefix) -> the stage that dropped the candidate, in funnel terms.
STAGE_OF = {
    "consent": "consent",
    "holdout": "holdout",
    "routing": "arbitration",
    "conflict": "arbitration",
    "family": "arbitration",
    "max_offers": "arbitration",
    "cap": "caps",
    "refusal_pause": "caps",
    "capacity": "capacity",
    "limit": "budget",
    "budget": "budget",
}


def clauses(expr: Expr) -> list[Expr]:
    """The top-level `and` operands, left to right (one clause if there is no `and`)."""
    if isinstance(expr, Binary) and expr.op == "and":
        return [*clauses(expr.left), *clauses(expr.right)]
    return [expr]


def segment_verdict(strategy: StrategyPlan, row: dict[str, Any]) -> dict[str, Any] | None:
    """None when the segment holds, else the first failing clause, its text and value."""
    text = strategy.compiled.strategy.segment
    for clause in clauses(strategy.compiled.segment):
        value = evaluate(clause, row)
        if value is not True:
            start, end = clause.span
            return {"clause": " ".join(text[start:end].split()), "value": value}
    return None


def explain_subscriber(
    tags: DataFrame,
    found: DataFrame,
    plan: MatchPlan,
    subscriber_id: int,
    holdings: DataFrame | None = None,
) -> dict[str, Any]:
    """Each strategy's verdict for one subscriber, from the candidates of a full match;
    `holdings` (the raw extract) names the held products that made an offer ineligible."""
    from pyspark.sql import functions as F

    rows = tags.where(F.col("subscriber_id") == F.lit(subscriber_id)).collect()
    if not rows:
        raise InputError(f"subscriber {subscriber_id} is not in the tag snapshot")
    row = rows[0].asDict()
    held = _held(holdings, subscriber_id)
    mine = [r.asDict() for r in found.where(F.col("subscriber_id") == subscriber_id).collect()]
    verdicts = [_verdict(s, row, mine, plan, held) for s in plan.strategies]
    return {
        "subscriber_id": subscriber_id,
        "network": row["network"],
        "region_path": row["grid_id"],
        "run_date": plan.run_date.isoformat(),
        "strategies": verdicts,
    }


def _verdict(
    strategy: StrategyPlan,
    row: dict[str, Any],
    found: list[dict[str, Any]],
    plan: MatchPlan,
    held: list[str] | None,
) -> dict[str, Any]:
    out: dict[str, Any] = {"strategy_id": strategy.id}
    failed = segment_verdict(strategy, row)
    if failed is not None:
        return out | {"verdict": "dropped", "stage": "segment", **failed}
    rows = [r for r in found if r["strategy_id"] == strategy.id]
    if not rows:
        why = _ineligible(strategy, row["network"], plan, held)
        return out | {"verdict": "dropped", "stage": "eligibility", **why}
    best = max(rows, key=lambda r: (r["reached"], r["score"] or 0.0, r["product_id"]))
    if best["reached"] == ISSUED:
        return out | {"verdict": "order", "order": _order(best)}
    reason = best["dropped_by"] or ""
    detail: dict[str, Any] = {
        "reason": reason,
        "passed": list(FUNNEL_STAGES[: best["reached"] + 1]),
    }
    if reason == "holdout":
        detail["holdout_draw"] = round(
            holdout_draw(row["subscriber_id"], strategy.id, plan.period), 6
        )
        detail["holdout_share"] = strategy.compiled.strategy.holdout
    stage = STAGE_OF.get(reason.split(":", 1)[0], "unknown")
    return out | {"verdict": "dropped", "stage": stage, **detail, "best": _order(best)}


def _held(holdings: DataFrame | None, subscriber_id: int) -> list[str] | None:
    """The subscriber's held products (None: holdings not given)."""
    from pyspark.sql import functions as F

    if holdings is None:
        return None
    mine = holdings.where(F.col("subscriber_id") == F.lit(subscriber_id))
    return sorted({r["product_id"] for r in mine.select("product_id").collect()})


def _ineligible(
    strategy: StrategyPlan, network: str, plan: MatchPlan, held: list[str] | None
) -> dict[str, Any]:
    """Why a strategy whose segment holds has no candidate: the network scope, holdings (each
    product is held or conflicts with a held one), or no allowed touchpoint reaching."""
    scoped = sorted({o.product_id for o in strategy.offers if o.product.reaches(network)})
    if not scoped:
        return {"reason": f"no offered product is available on the {network} network"}
    if held is None:
        return {
            "reason": "every offered product is held or conflicts with a held product, "
            "or no allowed touchpoint reaches the network"
        }
    blocks = {p: plan.holding_block(p, held) for p in scoped}
    if all(blocks.values()):
        text = "; ".join(f"{p} {why}" for p, why in blocks.items())
        return {"reason": f"holdings: {text}", "held": held}
    return {"reason": f"no allowed touchpoint reaches the {network} network"}


def _order(row: dict[str, Any]) -> dict[str, Any]:
    keys = ("product_id", "touchpoint", "score", "propensity", "propensity_source", "value")
    more = ("lever", "priority", "routing_weight", "rank")
    return {k: row.get(k) for k in (*keys, *more)}
