"""The evaluation centre's configuration: strategies/policy/evaluation.yaml.

Unit costs per contact, the revenue horizon, the conversion window, the operator's
value-model unit values, the policy-score weights and the routing-feedback prior.
Errors are located like strategy errors (`path:line:col CODE message`), all at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cube.configfile import load_config
from cube.contract import PRODUCT_CATEGORIES
from cube.errors import ConfigError
from cube.settings import Settings
from cube.strategy.model import Touchpoint

M = TypeVar("M", bound=BaseModel)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ValueModel(_Model):
    """The operator's touchpoint value model (DOMAIN.md, seeds/002): unit values in CNY."""

    unit_audience_value: float = Field(default=0.05, ge=0, description="Per person reached.")
    query_unit_value: float = Field(default=1.08, ge=0, description="Per answered query.")
    transaction_unit_value: float = Field(default=3.0, ge=0, description="Per transaction.")


class PolicyScore(_Model):
    """The operator's high-yield policy test: four components weighted into one score."""

    weights: dict[str, float] = Field(
        default_factory=lambda: {
            "user_revenue": 0.4,
            "break_even": 0.3,
            "churn": 0.2,
            "key_business": 0.1,
        }
    )
    target_profit: float = Field(
        default=100.0, gt=0, description="Profit per acquisition (CNY) that scores 1."
    )
    break_even_months: int = Field(default=6, ge=1, le=60)
    key_categories: tuple[str, ...] = ("home_broadband", "terminal")

    @model_validator(mode="after")
    def _check(self) -> PolicyScore:
        known = ("user_revenue", "break_even", "churn", "key_business")
        unknown = sorted(set(self.weights) - set(known))
        if unknown:
            raise ValueError(f"unknown component(s) {unknown}; known: {list(known)}")
        if any(w < 0 for w in self.weights.values()) or sum(self.weights.values()) <= 0:
            raise ValueError("weights must be >= 0 and not all 0")
        bad = sorted(set(self.key_categories) - set(PRODUCT_CATEGORIES))
        if bad:
            raise ValueError(f"unknown product categories {bad}")
        return self


class Prior(_Model):
    """Beta(alpha, beta) prior of acceptance per issued order."""

    alpha: float = Field(default=1.0, gt=0)
    beta: float = Field(default=20.0, gt=0)


class Feedback(_Model):
    """Routing feedback: Beta posteriors per touchpoint x category, Thompson-sampled."""

    prior: Prior = Prior()
    lookback_runs: int = Field(default=6, ge=1, description="Evaluated runs pooled.")
    cost_exponent: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Efficiency = acceptance per issued order / (contact cost per order) ^ "
        "this: 0 ranks touchpoints by acceptance, 1 by acceptances per CNY of contact cost.",
    )
    min_weight: float = Field(default=0.2, gt=0)
    max_weight: float = Field(default=3.0, gt=0)

    @model_validator(mode="after")
    def _range(self) -> Feedback:
        if self.min_weight > self.max_weight:
            raise ValueError("min_weight must not exceed max_weight")
        return self


class EvaluationConfig(_Model):
    """strategies/policy/evaluation.yaml."""

    conversion_window_days: int = Field(default=30, ge=1, le=366)
    revenue_horizon_months: int = Field(default=12, ge=1, le=60)
    cost_per_contact: dict[Touchpoint, float] = Field(
        default_factory=dict,
        description="Filled from the contact policy's cost_per_contact, its single home; "
        "an evaluation.yaml that sets it is refused.",
    )
    min_arm_size: int = Field(
        default=30, ge=1, description="Smallest arm for which significance is flagged."
    )
    value_model: ValueModel = ValueModel()
    policy_score: PolicyScore = PolicyScore()
    feedback: Feedback = Feedback()

    def cost(self, touchpoint: str) -> float:
        return self.cost_per_contact.get(touchpoint, 0.0)  # type: ignore[call-overload]


def config_dir(settings: Settings) -> Path:
    """evaluation.yaml and alerts.yaml live beside the contact policy."""
    return settings.policy_file.parent


def load_evaluation_config(path: Path, policy_file: Path | None = None) -> EvaluationConfig:
    """evaluation.yaml, with the cost per contact of the contact policy (default: the
    contact.yaml beside it), so forecasts, budgets and ROI all price a contact alike."""
    from cube.matching.policy import load_policy

    config = load_model(path, EvaluationConfig, "EV", "evaluation config")
    if "cost_per_contact" in config.model_fields_set:
        raise ConfigError(
            f"{path}: cost_per_contact: set it in the contact policy (contact.yaml), "
            "its single home"
        )
    policy, _ = load_policy(policy_file or path.parent / "contact.yaml")
    return config.model_copy(update={"cost_per_contact": dict(policy.cost_per_contact)})


def load_model(path: Path, model: type[M], prefix: str, what: str) -> M:
    """Validate a YAML file as `model`; every problem located (codes <prefix>001-003)."""
    return load_config(path, model, prefix, what)
