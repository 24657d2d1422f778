"""The contact policy: one YAML file of rules every strategy obeys (docs/matching.md).

Frequency caps over rolling windows of the contact history, a pause after repeated
refusals, quiet hours, the maximum of offers per subscriber, daily capacity per
touchpoint and city, which touchpoints reach other-network subscribers, the
operator's touchpoint affinity, and the cost of a contact. Strategists cannot
override these; the policy file is owned by the touchpoint centre.

Errors are located like strategy errors: `path:line:col CODE message`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cube.configfile import load_config
from cube.contract import CONTACT_OUTCOMES, PRODUCT_CATEGORIES
from cube.store.model import QuietWindow, zone
from cube.strategy.model import Touchpoint

ALL = "all"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class FrequencyCap(_Model):
    """At most `max` contacts on `touchpoint` (or on all of them) in the last `days` days."""

    touchpoint: Touchpoint | Literal["all"]
    max: int = Field(ge=0)
    days: int = Field(ge=1, le=365)


class RefusalPause(_Model):
    """No contact at all after `refusals` refusals within the last `days` days."""

    refusals: int = Field(ge=1)
    days: int = Field(ge=1, le=365)
    outcomes: tuple[Literal[CONTACT_OUTCOMES], ...] = ("declined", "opted_out")  # type: ignore[valid-type]


class QuietHours(QuietWindow):
    """Local hours in which the touchpoint must not contact anyone (start > end wraps
    midnight): the store's window (cube.store.model.QuietWindow, which enforces it),
    written `from`/`to` in the policy file."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    start: dt.time = Field(alias="from")
    end: dt.time = Field(alias="to")


class CityCapacity(_Model):
    """A city's own figures, replacing the touchpoint's default."""

    seats: int | None = Field(default=None, ge=0)
    contacts_per_seat: int | None = Field(default=None, ge=0)
    daily: int | None = Field(default=None, ge=0)


class Capacity(CityCapacity):
    """Daily contacts a touchpoint can make per city: seats x contacts per seat, or `daily`."""

    cities: dict[str, CityCapacity] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_way(self) -> Capacity:
        seated = self.seats is not None or self.contacts_per_seat is not None
        if seated == (self.daily is not None):
            raise ValueError("give either 'seats' and 'contacts_per_seat', or 'daily'")
        if seated and (self.seats is None or self.contacts_per_seat is None):
            raise ValueError("'seats' needs 'contacts_per_seat' and vice versa")
        return self

    def for_city(self, city_id: str) -> int:
        """The daily capacity of one city."""
        own = self.cities.get(city_id)
        seats = own.seats if own and own.seats is not None else self.seats
        per_seat = (
            own.contacts_per_seat if own and own.contacts_per_seat is not None else None
        ) or self.contacts_per_seat
        if own and own.daily is not None:
            return own.daily
        if seats is not None and per_seat is not None:
            return seats * per_seat
        assert self.daily is not None
        return self.daily


Category = Literal[PRODUCT_CATEGORIES]  # type: ignore[valid-type]


class Routing(_Model):
    """The operator's affinity: which product categories each touchpoint serves first."""

    preferred_weight: float = Field(default=1.0, ge=0)
    other_weight: float = Field(default=0.5, ge=0)
    affinity: dict[Touchpoint, tuple[Category, ...]] = Field(default_factory=dict)
    # An offer displaced by a touchpoint's full daily capacity, or by its strategy's limit
    # on the touchpoint, tries the strategy's next touchpoint with room
    # (cube.matching.fallback).
    fallback: bool = True

    def weight(self, touchpoint: str, category: str) -> float:
        preferred = category in self.affinity.get(touchpoint, ())  # type: ignore[call-overload]
        return self.preferred_weight if preferred else self.other_weight


class ContactPolicy(_Model):
    """strategies/policy/contact.yaml."""

    timezone: str = "Asia/Shanghai"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        # Checked here so a bad zone is a located policy error, not a store start failure.
        zone(name)
        return name

    frequency_caps: tuple[FrequencyCap, ...] = ()
    refusal_pause: RefusalPause | None = None
    quiet_hours: dict[Touchpoint, QuietHours] = Field(default_factory=dict)
    max_offers_per_subscriber: int = Field(default=2, ge=1)
    capacity: dict[Touchpoint, Capacity] = Field(default_factory=dict)
    other_network_touchpoints: tuple[Touchpoint, ...] = ("outbound_call", "store_popup", "sms")
    routing: Routing = Routing()
    cost_per_contact: dict[Touchpoint, float] = Field(default_factory=dict)
    value_months: int = Field(default=12, ge=1, le=60)
    default_propensity: float = Field(default=0.02, ge=0, le=1)

    def caps_for(self, touchpoint: str) -> list[FrequencyCap]:
        return [c for c in self.frequency_caps if c.touchpoint == touchpoint]

    def cost(self, touchpoint: str) -> float:
        return self.cost_per_contact.get(touchpoint, 0.0)  # type: ignore[call-overload]

    def reaches(self, touchpoint: str, network: str) -> bool:
        return network == "own" or touchpoint in self.other_network_touchpoints

    def longest_window(self) -> int:
        """Days of contact history any rule looks at."""
        days = [c.days for c in self.frequency_caps]
        if self.refusal_pause:
            days.append(self.refusal_pause.days)
        return max(days, default=0)


def load_policy(path: Path) -> tuple[ContactPolicy, str]:
    """The policy and the sha256 of its file; every problem located, all at once."""
    policy = load_config(path, ContactPolicy, "P", "contact policy file")
    return policy, hashlib.sha256(path.read_bytes()).hexdigest()
