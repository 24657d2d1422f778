"""What a strategy file states (docs/strategy-dsl.md is the reference).

Pydantic models with extra="forbid": an unknown key is an error, reported at the
key's position with the closest known key as a suggestion. Conditions and rank
expressions stay strings here; the checker parses and type-checks them against
the tag catalogue.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cube.contract import TOUCHPOINTS

Touchpoint = Literal["outbound_call", "store_popup", "internet", "sms"]
assert set(Touchpoint.__args__) == set(TOUCHPOINTS)  # type: ignore[attr-defined]

BusinessLine = Literal["mobile", "broadband", "terminal", "content", "finance", "acquisition"]
Lifecycle = Literal["onboarding", "stable", "pre_churn", "any"]
Direction = Literal["scale", "revenue_lift", "retention", "silent_activation", "ecosystem"]
Routing = Literal["affinity", "fixed", "learned"]
ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Window(_Model):
    """When the strategy may issue work orders (inclusive dates, UTC)."""

    start: dt.date = Field(alias="from")
    end: dt.date = Field(alias="to")


class CubeCell(_Model):
    """The strategy's place in the cube: business line x scenario x lifecycle x direction."""

    business_line: BusinessLine
    scenario: str = Field(min_length=1)
    lifecycle: Lifecycle
    direction: Direction


class Offer(_Model):
    """A product to offer, with an optional rank expression (higher ranks first)."""

    product: str
    rank: str | None = None


class TouchpointPolicy(_Model):
    """Which touchpoints may serve the strategy, and how one is chosen per order."""

    allowed: tuple[Touchpoint, ...] = Field(min_length=1)
    choose: Routing = "affinity"
    order: tuple[Touchpoint, ...] | None = None

    @model_validator(mode="after")
    def _order_fits(self) -> TouchpointPolicy:
        if self.choose == "fixed" and not self.order:
            raise ValueError("choose: fixed needs an 'order' of touchpoints")
        stray = [t for t in self.order or () if t not in self.allowed]
        if stray:
            raise ValueError(f"order names touchpoints not in allowed: {', '.join(stray)}")
        return self


class Strategy(_Model):
    """One strategy file."""

    id: str = Field(pattern=ID_PATTERN, max_length=64)
    name: str = Field(min_length=3)
    owner: str = Field(description="Organisation path, e.g. P1 or P1.C03.")
    status: Literal["active", "paused", "draft"] = "active"
    version: int = Field(default=1, ge=1)
    active: Window
    cube: CubeCell
    segment: str = Field(min_length=1)
    offers: tuple[Offer, ...] = Field(min_length=1)
    touchpoints: TouchpointPolicy
    holdout: float = Field(default=0.1)
    priority: int = Field(default=50, ge=0, le=100)
    limits: dict[Touchpoint, int] = Field(default_factory=dict)
    budget: float | None = Field(default=None, ge=0)
    order_ttl_days: int = Field(default=7, ge=1, le=90)
    scripts: dict[Touchpoint, str] = Field(default_factory=dict)
