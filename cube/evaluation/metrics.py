"""Metrics of one cycle per strategy x touchpoint, drillable by region, product and cube cell.

Every row of the metrics table is one group at one level:

| level | group | holdout compared with |
|---|---|---|
| run | everything | every holdout row |
| strategy | strategy (touchpoint 'all') | the strategy's holdout |
| touchpoint | strategy x touchpoint | the strategy's holdout |
| province, city, county, grid | strategy x touchpoint x region prefix | same strategy and region |
| product, category, cell | strategy x touchpoint x product / category / cube cell | same |

Counts are summed per group first; every rate, interval and money figure is then
derived from the sums, so a row's numbers always agree with each other. Formulas are
in docs/evaluation.md.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from cube.evaluation import stats
from cube.evaluation.config import EvaluationConfig
from cube.evaluation.outcomes import Cycle

ALL = "all"
REACHED = ("contacted", "accepted", "declined", "opted_out")
UNREACHABLE = ("no_answer", "invalid_number")
# state (or group of states) -> funnel column
FUNNEL = {
    "contacted": REACHED,
    "accepted": ("accepted",),
    "declined": ("declined",),
    "opted_out": ("opted_out",),
    "unreachable": UNREACHABLE,
    "expired": ("expired",),
    "withdrawn": ("withdrawn",),
    "superseded": ("superseded",),
    "dead_lettered": ("dead_letter",),
    "pending": ("open", "leased"),
    "unloaded": ("unloaded",),
}
REGION_LEVELS = ("province", "city", "county", "grid")
# level -> the column beyond strategy and touchpoint that groups it (None: none)
DRILLS: dict[str, str | None] = {
    "touchpoint": None,
    **{level: level for level in REGION_LEVELS},
    "product": "product_id",
    "category": "product_category",
    "cell": "cell",
}
KEYS = ("run_id", "level", "strategy_id", "touchpoint", "drill")
MONEY = ("offered_value", "accepted_value", "commission_paid", "contact_cost")
SUMS = (
    "issued",
    "delivered",
    *FUNNEL,
    "attempted",
    "converted",
    "offered_value",
    "accepted_value",
    "commission_paid",
    "contact_cost",
    "churned",
    "key_accepted",
)


def with_regions(frame: pd.DataFrame) -> pd.DataFrame:
    """Add province, city, county and grid: the first 1-4 segments of region_path.

    Worked out once per distinct path (there are far fewer paths than rows)."""
    paths = frame["region_path"].unique()
    out = frame.copy()
    for depth, level in enumerate(REGION_LEVELS):
        prefix = {p: ".".join(str(p).split(".")[: depth + 1]) for p in paths}
        out[level] = frame["region_path"].map(prefix)
    return out


def treated_counts(treated: pd.DataFrame, config: EvaluationConfig) -> pd.DataFrame:
    """Per-order 0/1 counts and money, ready to be summed per group."""
    state = treated["state"]
    accepted = state.eq("accepted")
    unit_cost = treated["touchpoint"].map(config.cost).astype(float)
    attempted = state.isin(REACHED + UNREACHABLE)
    key = treated["product_category"].isin(config.policy_score.key_categories)
    counts = {
        "issued": np.ones(len(treated), dtype=np.int64),
        "delivered": treated["delivered"].astype(np.int64),
        **{name: state.isin(states).astype(np.int64) for name, states in FUNNEL.items()},
        "attempted": attempted.astype(np.int64),
        "converted": treated["converted"].astype(np.int64),
        "offered_value": treated["monthly_value"].astype(float),
        "accepted_value": treated["monthly_value"].where(accepted, 0.0),
        "commission_paid": treated["commission"].where(accepted, 0.0),
        "contact_cost": unit_cost.where(attempted, 0.0),
        "churned": (treated["churned"] & accepted).astype(np.int64),
        "key_accepted": (key & accepted).astype(np.int64),
    }
    return treated.assign(**counts)


def _groups(frame: pd.DataFrame, keys: list[str], sums: tuple[str, ...]) -> pd.DataFrame:
    if not keys:
        return frame[list(sums)].sum().to_frame().T
    return frame.groupby(keys, sort=True, dropna=False)[list(sums)].sum().reset_index()


def aggregate(
    cycle: Cycle, config: EvaluationConfig, levels: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """Summed counts of every group at each level (all by default), treated and holdout
    side by side."""
    treated = with_regions(treated_counts(cycle.treated, config))
    holdout = with_regions(cycle.holdout).assign(
        holdout_n=1, holdout_converted=cycle.holdout["converted"].astype(np.int64)
    )
    hold_sums = ("holdout_n", "holdout_converted")
    parts = []
    plans: list[tuple[str, list[str]]] = [("run", []), ("strategy", ["strategy_id"])]
    plans += [
        (level, ["strategy_id", "touchpoint", *([drill] if drill else [])])
        for level, drill in DRILLS.items()
    ]
    for level, keys in plans:
        if levels is not None and level not in levels:
            continue
        sums = _groups(treated, keys, SUMS)
        hold_keys = [k for k in keys if k != "touchpoint"]
        held = _groups(holdout, hold_keys, hold_sums)
        merged = sums.merge(held, on=hold_keys, how="left") if hold_keys else sums.join(held)
        drill = keys[2] if len(keys) > 2 else None
        parts.append(
            merged.assign(
                run_id=cycle.run_id,
                level=level,
                strategy_id=merged["strategy_id"] if "strategy_id" in keys else ALL,
                touchpoint=merged["touchpoint"] if "touchpoint" in keys else ALL,
                drill=merged[drill].astype(str) if drill else "",
            )[[*KEYS, *SUMS, *hold_sums]]
        )
    frame = pd.concat(parts, ignore_index=True).fillna({"holdout_n": 0, "holdout_converted": 0})
    counts = [c for c in (*SUMS, *hold_sums) if c not in MONEY]
    return frame.astype(dict.fromkeys(counts, np.int64))


def derive(frame: pd.DataFrame, config: EvaluationConfig) -> pd.DataFrame:
    """Rates, intervals, money, the operator's value components and the policy score."""
    out = frame.copy()
    out["conversion"] = stats.proportion(out["accepted"], out["contacted"])
    out["conversion_low"], out["conversion_high"] = stats.wilson(out["accepted"], out["contacted"])
    out["conversion_per_attempt"] = stats.proportion(out["accepted"], out["attempted"])
    out["takeup"] = stats.proportion(out["converted"], out["issued"])
    out["holdout_takeup"] = stats.proportion(out["holdout_converted"], out["holdout_n"])
    uplift, low, high = stats.newcombe(
        out["converted"], out["issued"], out["holdout_converted"], out["holdout_n"]
    )
    out["uplift"], out["uplift_low"], out["uplift_high"] = uplift, low, high
    enough = np.minimum(out["issued"], out["holdout_n"]) >= config.min_arm_size
    out["significant"] = pd.array(
        np.where(enough, stats.significant(low, high), None), dtype="boolean"
    )
    _money(out, config)
    _policy_score(out, config)
    return out


def _money(out: pd.DataFrame, config: EvaluationConfig) -> None:
    horizon = config.revenue_horizon_months
    vm = config.value_model
    out["revenue"] = out["accepted_value"] * horizon
    out["incremental_revenue"] = out["uplift"] * out["offered_value"] * horizon
    # Cost is what contacting costs (the touchpoint's unit cost per contact), as the
    # operator's value model allocates channel cost; the channel commission is what a
    # touchpoint earns per sale (marketing value), so it is reported beside the ratio,
    # not folded into it.
    out["cost"] = out["contact_cost"]
    out["value"] = out["revenue"] - out["cost"]
    out["roi"] = stats.proportion(out["revenue"], out["cost"])
    out["cost_with_commission"] = out["contact_cost"] + out["commission_paid"]
    out["roi_with_commission"] = stats.proportion(out["revenue"], out["cost_with_commission"])
    out["cost_per_contact"] = stats.proportion(out["contact_cost"], out["attempted"])
    out["publicity_value"] = out["contacted"] * vm.unit_audience_value
    out["service_value"] = (out["contacted"] - out["accepted"]) * vm.query_unit_value + out[
        "accepted"
    ] * vm.transaction_unit_value
    out["marketing_value"] = out["commission_paid"]
    parts = out["publicity_value"] + out["service_value"] + out["marketing_value"]
    out["touchpoint_value"] = parts - out["cost"]


def _policy_score(out: pd.DataFrame, config: EvaluationConfig) -> None:
    """The operator's policy test on the subscribers the group acquired (accepted)."""
    policy = config.policy_score
    # The policy test is the operator's commission test: an acquisition pays back its
    # contacts and the commission paid for it.
    paid = out["cost_with_commission"]
    out["profit_per_acquisition"] = stats.proportion(out["revenue"] - paid, out["accepted"])
    out["break_even_months"] = stats.proportion(paid, out["accepted_value"])
    out["churn_rate"] = stats.proportion(out["churned"], out["accepted"])
    out["key_business_share"] = stats.proportion(out["key_accepted"], out["accepted"])
    months = out["break_even_months"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        break_even = np.where(
            months <= policy.break_even_months, 1.0, policy.break_even_months / months
        )
    components = {
        "user_revenue": np.clip(out["profit_per_acquisition"] / policy.target_profit, 0.0, 1.0),
        "break_even": np.where(out["accepted_value"] > 0, break_even, 0.0),
        "churn": 1.0 - out["churn_rate"],
        "key_business": out["key_business_share"],
    }
    total = sum(policy.weights.values())
    score = sum(w * np.asarray(components[name], dtype=float) for name, w in policy.weights.items())
    out["policy_score"] = np.where(out["accepted"] > 0, 100.0 * score / total, np.nan)


def add_budget(frame: pd.DataFrame, budgets: Mapping[str, float | None]) -> pd.DataFrame:
    """budget and budget_used = cost / budget on strategy rows (NaN elsewhere)."""
    is_strategy = frame["level"].eq("strategy")
    budget = frame["strategy_id"].map(lambda s: budgets.get(s)).astype(float)
    budget = budget.where(is_strategy)
    return frame.assign(budget=budget, budget_used=stats.proportion(frame["cost"], budget))


def compute(
    cycle: Cycle, config: EvaluationConfig, levels: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """The cycle's metrics table at `levels` (all by default; see the module docstring)."""
    if cycle.treated.empty:
        return derive(_empty(), config)
    return derive(aggregate(cycle, config, levels), config)


def _empty() -> pd.DataFrame:
    columns = {k: pd.Series(dtype=str) for k in KEYS}
    columns |= {s: pd.Series(dtype=float) for s in (*SUMS, "holdout_n", "holdout_converted")}
    return pd.DataFrame(columns)


# Columns added after `compute` (budget, forecast, data quality): rules may use them too.
EXTRA_METRICS = (
    "budget",
    "budget_used",
    "forecast_orders",
    "forecast_acceptances",
    "forecast_revenue",
    "forecast_cost",
    "forecast_roi",
    "accepted_vs_forecast",
    "revenue_vs_forecast",
    "dq_warnings",
)


def metric_names() -> tuple[str, ...]:
    """Every numeric column of the metrics table, in table order."""
    from cube.evaluation.config import EvaluationConfig

    frame = derive(_empty(), EvaluationConfig())
    return (*[c for c in frame.columns if c not in KEYS], *EXTRA_METRICS)
