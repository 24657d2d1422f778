"""evaluation.yaml: the shipped file loads; mistakes are located, all at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from cube.errors import ConfigError, DiagnosticError
from cube.evaluation.config import load_evaluation_config
from cube.settings import PROJECT_ROOT


def test_shipped_config_loads() -> None:
    config = load_evaluation_config(PROJECT_ROOT / "strategies/policy/evaluation.yaml")
    assert config.cost("outbound_call") == 1.08
    assert config.policy_score.break_even_months == 6


def test_cost_per_contact_comes_from_the_contact_policy_only(tmp_path: Path) -> None:
    policy = PROJECT_ROOT / "strategies/policy/contact.yaml"
    priced = tmp_path / "contact.yaml"
    priced.write_text(policy.read_text().replace("outbound_call: 1.08", "outbound_call: 2.5"))
    path = tmp_path / "evaluation.yaml"
    path.write_text("conversion_window_days: 14\n")
    assert load_evaluation_config(path).cost("outbound_call") == 2.5
    path.write_text("cost_per_contact: {sms: 0.1}\n")
    with pytest.raises(ConfigError) as caught:
        load_evaluation_config(path, policy)
    assert str(caught.value) == (
        f"{path}: cost_per_contact: set it in the contact policy (contact.yaml), its single home"
    )


def test_mistakes_are_located(tmp_path: Path) -> None:
    path = tmp_path / "evaluation.yaml"
    path.write_text(
        "revenue_horizon_months: 0\n"
        "policy_score:\n  weights: {revenue: 1}\n"
        "feedback:\n  prior: {alpha: 1, betta: 2}\n"
    )
    with pytest.raises(DiagnosticError) as caught:
        load_evaluation_config(path)
    assert [d.headline() for d in caught.value.diagnostics] == [
        f"{path}:1:25 EV003 revenue_horizon_months: Input should be greater than or equal to 1",
        f"{path}:3:3 EV003 policy_score: unknown component(s) ['revenue']; known: "
        "['user_revenue', 'break_even', 'churn', 'key_business']",
        f"{path}:5:21 EV002 unknown key 'betta'",
    ]
    assert caught.value.diagnostics[2].hint == "did you mean 'beta'?"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DiagnosticError) as caught:
        load_evaluation_config(tmp_path / "none.yaml")
    assert caught.value.diagnostics[0].headline() == (
        f"{tmp_path / 'none.yaml'}:1:1 EV001 evaluation config not found"
    )
