"""What a strategy file states (docs/strategy-dsl.md is the reference).

Pydantic models with extra="forbid": an unknown key is an error, reported at the
key's position with the closest known key as a suggestion. Conditions and rank
expressions stay strings here; the checker parses and type-checks them against
the tag catalogue.

Validators that know a checker code raise `PydanticCustomError(code, ...)`, so the
checker reports them under that code; `at` in the error context narrows the spot
(an item of a list) below the field pydantic names.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from cube.contract import TOUCHPOINTS
from cube.errors import did_you_mean

HOLDOUT_MAX = 0.5
ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
OWNER_PATTERN = r"^[A-Za-z0-9]+(\.[A-Za-z0-9]+)*$"

BusinessLine = Literal[
    "mobile", "broadband", "terminal", "content", "finance", "benefits", "acquisition"
]
Lifecycle = Literal["onboarding", "stable", "pre_churn", "any"]
Direction = Literal["scale", "revenue_lift", "retention", "silent_activation", "ecosystem"]
Routing = Literal["affinity", "fixed", "learned"]


def coded(code: str, message: str, **context: Any) -> PydanticCustomError:
    """A validation error the checker reports as `code` with `message` verbatim."""
    return PydanticCustomError(code, "{message}", {"message": message, **context})


def _known_touchpoint(value: object) -> object:
    """Unknown touchpoints get their own code and a suggestion, not a generic enum error."""
    if isinstance(value, str) and value not in TOUCHPOINTS:
        hint = did_you_mean(value, TOUCHPOINTS)
        known = f"did you mean '{hint}'?" if hint else "known: " + ", ".join(TOUCHPOINTS)
        raise coded("E121", f"unknown touchpoint '{value}' ({known})")
    return value


Touchpoint = Annotated[
    Literal["outbound_call", "store_popup", "internet", "sms"],
    BeforeValidator(_known_touchpoint),
]
assert set(Touchpoint.__origin__.__args__) == set(TOUCHPOINTS)  # type: ignore[attr-defined]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Window(_Model):
    """When the strategy may issue work orders (inclusive dates, UTC)."""

    start: dt.date = Field(alias="from", description="First day orders may be issued.")
    end: dt.date = Field(alias="to", description="Last day orders may be issued (inclusive).")

    @field_validator("end")
    @classmethod
    def _not_reversed(cls, end: dt.date, info: ValidationInfo) -> dt.date:
        start = info.data.get("start")
        if start is not None and end < start:
            raise coded("E123", f"active window ends ({end}) before it starts ({start})")
        return end

    def covers(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


class CubeCell(_Model):
    """The strategy's place in the cube: business line x scenario x lifecycle x direction."""

    business_line: BusinessLine
    scenario: str = Field(min_length=1, description="Free text, e.g. 'video heavy users'.")
    lifecycle: Lifecycle
    direction: Direction


class Offer(_Model):
    """A product to offer, with an optional rank expression (higher ranks first)."""

    product: str = Field(description="A product_id of the products extract.")
    rank: str | None = Field(
        default=None, description="Numeric expression over tags; default: the model score."
    )


class TouchpointPolicy(_Model):
    """Which touchpoints may serve the strategy, and how one is chosen per order."""

    allowed: tuple[Touchpoint, ...] = Field(min_length=1)
    choose: Routing = "affinity"
    order: tuple[Touchpoint, ...] | None = Field(
        default=None, description="Preference order for choose: fixed (subset of allowed)."
    )

    @model_validator(mode="after")
    def _order_fits(self) -> TouchpointPolicy:
        if self.choose == "fixed" and not self.order:
            raise coded("E130", "choose: fixed needs an 'order' of touchpoints", at=("choose",))
        for i, touchpoint in enumerate(self.order or ()):
            if touchpoint not in self.allowed:
                message = f"touchpoint '{touchpoint}' is in order but not in allowed"
                raise coded("E130", message, at=("order", i))
        return self


class Strategy(_Model):
    """One strategy file."""

    id: str = Field(pattern=ID_PATTERN, max_length=64, description="Unique; see the naming rule.")
    name: str = Field(min_length=3, description="Says business, product and period.")
    owner: str = Field(pattern=OWNER_PATTERN, description="Organisation path, e.g. P1 or P1.C03.")
    description: str | None = None
    status: Literal["active", "paused", "draft"] = "active"
    version: int = Field(default=1, ge=1)
    active: Window
    cube: CubeCell
    segment: str = Field(min_length=1, description="Condition over tags: who is eligible.")
    offers: tuple[Offer, ...] = Field(min_length=1)
    touchpoints: TouchpointPolicy
    holdout: float = Field(default=0.1, description="Share kept out as a control group, 0-0.5.")
    priority: int = Field(default=50, ge=0, le=100, description="Lever in scoring, 0-100.")
    limits: dict[Touchpoint, Annotated[int, Field(ge=0)]] = Field(
        default_factory=dict, description="Most orders per touchpoint per match run."
    )
    budget: float | None = Field(
        default=None, ge=0, description="Most contact cost per match run, CNY."
    )
    order_ttl_days: int = Field(default=7, ge=1, le=90, description="Work-order lifetime.")
    scripts: dict[Touchpoint, str] = Field(
        default_factory=dict, description="Text shown per touchpoint; {tag} placeholders."
    )

    @field_validator("holdout")
    @classmethod
    def _holdout_in_range(cls, holdout: float) -> float:
        if not 0 <= holdout <= HOLDOUT_MAX:
            raise coded("E126", f"holdout {holdout:g} is outside [0, {HOLDOUT_MAX:g}]")
        return holdout
