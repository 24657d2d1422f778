"""Alert rules (strategies/policy/alerts.yaml): thresholds on any metric, every cycle.

A rule picks the metrics rows of one level, optionally filtered (`where`: exact
strategy_id, touchpoint or drill value) and limited to rows with enough volume
(`min_volume`: column -> minimum), and compares one metric with a threshold. Each row
that satisfies the comparison is a breach. A missing value (no contacts, no cost)
never breaches. Breaches go into the cycle's report, mark the Prefect run (the flow
decides) and are posted as JSON to the configured webhook.
"""

from __future__ import annotations

import math
import operator
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cube.errors import did_you_mean
from cube.evaluation.config import load_model

Op = Literal["<", "<=", ">", ">=", "==", "!="]
OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
FILTERS = ("strategy_id", "touchpoint", "drill")


def _known(kind: str) -> tuple[str, ...]:
    from cube.evaluation import metrics

    if kind == "level":
        return ("run", "strategy", *metrics.DRILLS)
    if kind == "volume":
        return (*metrics.SUMS, "holdout_n", "holdout_converted")
    return metrics.metric_names()


def _check_name(value: str, kind: str) -> str:
    known = _known(kind)
    if value not in known:
        hint = did_you_mean(value, known)
        suggestion = f" (did you mean '{hint}'?)" if hint else ""
        raise ValueError(f"unknown {kind} '{value}'{suggestion}")
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rule(_Model):
    """One threshold rule."""

    name: str = Field(min_length=1)
    metric: str
    op: Op
    threshold: float
    level: str = "touchpoint"
    where: dict[str, str] = Field(default_factory=dict)
    min_volume: dict[str, int] = Field(default_factory=dict)
    severity: Literal["info", "warning", "critical"] = "warning"

    @field_validator("metric")
    @classmethod
    def _metric(cls, value: str) -> str:
        return _check_name(value, "metric")

    @field_validator("level")
    @classmethod
    def _level(cls, value: str) -> str:
        return _check_name(value, "level")

    @model_validator(mode="after")
    def _filters(self) -> Rule:
        for key in self.where:
            if key not in FILTERS:
                raise ValueError(f"where: unknown filter '{key}' (known: {', '.join(FILTERS)})")
        for key in self.min_volume:
            _check_name(key, "volume")
        return self


class Webhook(_Model):
    """Where breaches are posted (no url: not sent)."""

    url: str | None = None
    timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    retries: int = Field(default=2, ge=0, le=10)


class AlertRules(_Model):
    webhook: Webhook = Webhook()
    rules: tuple[Rule, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> AlertRules:
        names = [r.name for r in self.rules]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate rule name(s): {', '.join(duplicates)}")
        return self


def load_rules(path: Path) -> AlertRules:
    return load_model(path, AlertRules, "AL", "alert rules")


def evaluate(rules: AlertRules, metrics: pd.DataFrame) -> list[dict[str, Any]]:
    """Every breach of every rule, in rule order then row order."""
    breaches = []
    for rule in rules.rules:
        rows = metrics[metrics["level"] == rule.level]
        for key, value in rule.where.items():
            rows = rows[rows[key].astype(str) == value]
        for key, minimum in rule.min_volume.items():
            rows = rows[rows[key] >= minimum]
        for _, row in rows.iterrows():
            value = row.get(rule.metric)
            if value is None or pd.isna(value):
                continue
            if OPS[rule.op](float(value), rule.threshold):
                breaches.append(_breach(rule, row, float(value)))
    return breaches


def _breach(rule: Rule, row: pd.Series, value: float) -> dict[str, Any]:
    where = "/".join(str(row[k]) for k in FILTERS if row[k] not in ("", "all")) or "all"
    shown = f"{value:.4g}" if math.isfinite(value) else str(value)
    return {
        "rule": rule.name,
        "severity": rule.severity,
        "metric": rule.metric,
        "op": rule.op,
        "threshold": rule.threshold,
        "value": value,
        "level": rule.level,
        "strategy_id": row["strategy_id"],
        "touchpoint": row["touchpoint"],
        "drill": row["drill"],
        "message": f"{rule.metric} {shown} {rule.op} {rule.threshold:g} at {rule.level} {where}",
    }


def send(webhook: Webhook, payload: dict[str, Any]) -> dict[str, Any]:
    """POST the payload as JSON; retry transport errors and 5xx answers. Never raises: the
    outcome (sent, failed with the last error, or skipped without a url) is returned."""
    import httpx

    if not webhook.url:
        return {"status": "skipped", "reason": "no webhook url configured"}
    error = ""
    for attempt in range(1, webhook.retries + 2):
        try:
            answer = httpx.post(webhook.url, json=payload, timeout=webhook.timeout_seconds)
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        else:
            if answer.status_code < 500:
                status = "sent" if answer.is_success else "rejected"
                return {"status": status, "http_status": answer.status_code, "attempts": attempt}
            error = f"HTTP {answer.status_code}"
        if attempt <= webhook.retries:
            time.sleep(0.2 * attempt)  # brief backoff before the next try
    return {"status": "failed", "error": error, "attempts": webhook.retries + 1}
