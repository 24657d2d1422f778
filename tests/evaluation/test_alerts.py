"""Alert rules: validation with located messages, breaches, and the webhook over real HTTP."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cube.errors import DiagnosticError
from cube.evaluation.alerts import AlertRules, Rule, Webhook, evaluate, load_rules, send
from tests.evaluation.conftest import Hook


def metrics() -> pd.DataFrame:
    rows = [
        {"level": "touchpoint", "strategy_id": "s-a", "touchpoint": "sms", "drill": "",
         "conversion": 0.01, "contacted": 500, "roi": 0.8},
        {"level": "touchpoint", "strategy_id": "s-a", "touchpoint": "outbound_call", "drill": "",
         "conversion": 0.2, "contacted": 10, "roi": float("nan")},
        {"level": "touchpoint", "strategy_id": "s-b", "touchpoint": "sms", "drill": "",
         "conversion": 0.03, "contacted": 20, "roi": 2.0},
    ]  # fmt: skip
    return pd.DataFrame(rows)


def test_breaches_respect_level_filters_volume_and_missing_values() -> None:
    rules = AlertRules(
        rules=(
            Rule(
                name="low",
                metric="conversion",
                op="<",
                threshold=0.05,
                where={"touchpoint": "sms"},
                min_volume={"contacted": 100},
            ),  # fmt: skip
            Rule(name="roi", metric="roi", op="<", threshold=1, severity="critical"),
        )
    )
    found = evaluate(rules, metrics())
    assert [(b["rule"], b["strategy_id"], b["touchpoint"]) for b in found] == [
        ("low", "s-a", "sms"),
        ("roi", "s-a", "sms"),
    ]
    assert found[0]["message"] == "conversion 0.01 < 0.05 at touchpoint s-a/sms"


def test_unknown_metric_is_located_with_a_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "alerts.yaml"
    path.write_text("rules:\n  - name: r\n    metric: conversoin\n    op: '<'\n    threshold: 1\n")
    with pytest.raises(DiagnosticError) as caught:
        load_rules(path)
    assert [d.headline() for d in caught.value.diagnostics] == [
        f"{path}:3:13 AL003 rules.0.metric: unknown metric 'conversoin' "
        "(did you mean 'conversion'?)"
    ]


def test_unknown_key_and_bad_operator_are_reported_together(tmp_path: Path) -> None:
    path = tmp_path / "alerts.yaml"
    path.write_text("rules:\n  - name: r\n    metric: roi\n    op: '=<'\n    threshold: 1\n"
                    "    severty: critical\n")  # fmt: skip
    with pytest.raises(DiagnosticError) as caught:
        load_rules(path)
    assert [d.headline() for d in caught.value.diagnostics] == [
        f"{path}:4:9 AL003 rules.0.op: Input should be '<', '<=', '>', '>=', '==' or '!='",
        f"{path}:6:5 AL002 unknown key 'severty'",
    ]
    assert caught.value.diagnostics[1].hint == "did you mean 'severity'?"


@pytest.mark.parametrize("hook", [[500, 200]], indirect=True)
def test_webhook_retries_a_server_error_then_delivers(hook: Hook) -> None:
    answer = send(Webhook(url=hook.url, retries=2), {"run_id": "r1", "breaches": []})
    assert answer == {"status": "sent", "http_status": 200, "attempts": 2}
    assert hook.bodies == [{"run_id": "r1", "breaches": []}] * 2


@pytest.mark.parametrize("hook", [[503, 503]], indirect=True)
def test_webhook_failure_is_reported_not_raised(hook: Hook) -> None:
    answer = send(Webhook(url=hook.url, retries=1), {"run_id": "r1"})
    assert answer == {"status": "failed", "error": "HTTP 503", "attempts": 2}


def test_unreachable_webhook_times_out_and_is_reported() -> None:
    answer = send(Webhook(url="http://127.0.0.1:9/hook", retries=0, timeout_seconds=1), {})
    assert answer["status"] == "failed" and answer["error"].startswith("ConnectError")
