"""What the store takes and returns: principals, caps, orders, leases, results.

Times cross this boundary as timezone-aware UTC datetimes; inside the database they
are integer microseconds since the epoch (`*_us` columns), identical on SQLite and
PostgreSQL and cheap to compare and index.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cube.contract import TOUCHPOINTS

Touchpoint = Literal["outbound_call", "store_popup", "internet", "sms"]
Outcome = Literal["contacted", "accepted", "declined", "no_answer", "invalid_number", "opted_out"]
OUTCOMES: tuple[str, ...] = Outcome.__args__  # type: ignore[attr-defined]
ResultStatus = Literal["recorded", "not_found", "stale_lease", "withdrawn", "conflict"]

OPEN, LEASED = "open", "leased"
WITHDRAWN, EXPIRED, DEAD_LETTER, SUPERSEDED = "withdrawn", "expired", "dead_letter", "superseded"
# An order's state is one of these; a posted outcome becomes the order's final state.
STATES: tuple[str, ...] = (OPEN, LEASED, *OUTCOMES, WITHDRAWN, EXPIRED, DEAD_LETTER, SUPERSEDED)
ALL_REGIONS = "*"

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def to_us(moment: dt.datetime) -> int:
    """A timezone-aware datetime as integer microseconds since the epoch."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: the store needs UTC times")
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(micros: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=micros)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Principal(_Model):
    """Who is calling: an API key's id and scopes."""

    key_id: str
    name: str = ""
    touchpoints: frozenset[Touchpoint] = frozenset()
    region_prefixes: tuple[str, ...] = ()
    admin: bool = False

    def sees_region(self, region_path: str) -> bool:
        """Whether `region_path` lies under one of the key's prefixes (whole segments)."""
        return any(
            p == ALL_REGIONS or region_path == p or region_path.startswith(p + ".")
            for p in self.region_prefixes
        )


class Cap(_Model):
    """At most `limit` contacts within `window_days` rolling days."""

    limit: int = Field(ge=0)
    window_days: int = Field(ge=1)


class QuietWindow(_Model):
    """Local hours [start, end) in which a touchpoint must not contact anyone; a window
    with start > end wraps midnight (21:00-09:00 is quiet at 23:00 and at 08:59)."""

    start: dt.time
    end: dt.time

    @model_validator(mode="after")
    def _proper(self) -> QuietWindow:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("quiet hours are local wall times: give them without a timezone")
        if self.start == self.end:
            raise ValueError(
                f"quiet window from {self.start:%H:%M} to {self.end:%H:%M} is empty: "
                "start and end must differ"
            )
        return self

    def contains(self, local: dt.time) -> bool:
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


def zone(name: str) -> ZoneInfo:
    """The IANA time zone `name`; ValueError with a hint when it is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone '{name}' (use an IANA name such as Asia/Shanghai)"
        ) from None


def _wall_clock_reaches(wall: dt.datetime, zone: ZoneInfo, now: dt.datetime) -> dt.datetime:
    """The first UTC instant after `now` at which the local wall clock reads `wall` (naive)
    or later: DST-safe, where `wall.replace(tzinfo=zone)` alone can be off by the shift.

    A wall time repeated when clocks go back is reached at its next occurrence; one
    skipped when clocks go forward is reached at the jump, found by bisecting between
    the readings with the two offsets (zoneinfo has no transition lookup).
    """
    fold0 = wall.replace(tzinfo=zone).astimezone(dt.UTC)  # the offset before a transition
    fold1 = wall.replace(tzinfo=zone, fold=1).astimezone(dt.UTC)  # the offset after it
    if fold0 == fold1:
        return fold0
    if fold0 < fold1:  # repeated
        return fold0 if fold0 > now else fold1
    low, high = fold1, fold0  # skipped: the jump lies in (low, high]
    while high - low > dt.timedelta(seconds=1):
        mid = low + (high - low) / 2
        low, high = (low, mid) if _local(mid, zone) >= wall else (mid, high)
    return high.replace(microsecond=0)


def _local(moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


class CapPolicy(_Model):
    """Frequency caps the store enforces when it hands out an order.

    `touchpoints` caps contacts per subscriber on one touchpoint; `total` caps them
    across all touchpoints. Live leases count as contacts until they end, so two
    touchpoints racing for one subscriber cannot both pass the cap. `quiet_hours` are
    local times in `timezone` in which a touchpoint gets nothing at all.
    """

    touchpoints: dict[Touchpoint, Cap] = Field(default_factory=dict)
    total: Cap | None = None
    timezone: str = "UTC"
    quiet_hours: dict[Touchpoint, QuietWindow] = Field(default_factory=dict)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        zone(value)
        return value

    def quiet_until(self, touchpoint: str, now: dt.datetime) -> dt.datetime | None:
        """None when `touchpoint` may contact at `now`; else the UTC instant its quiet
        window ends (the next time the local wall clock reaches the window's end)."""
        window = self.quiet_hours.get(touchpoint)  # type: ignore[call-overload]
        if window is None:
            return None
        local_zone = zone(self.timezone)
        local = now.astimezone(local_zone)
        if not window.contains(local.time()):
            return None
        # Before the end on the same local day, or (a wrapped window, after its start)
        # at the end on the next day.
        day = local.date() if local.time() < window.end else local.date() + dt.timedelta(days=1)
        return _wall_clock_reaches(dt.datetime.combine(day, window.end), local_zone, now)


class Order(_Model):
    """A work order as a touchpoint sees it."""

    order_id: str
    run_id: str
    strategy_id: str
    strategy_version: int
    subscriber_id: int
    region_path: str
    product_id: str
    touchpoint: Touchpoint
    score: float
    rank: int
    explanation: str
    script: str
    expires_at: dt.datetime
    state: str
    attempts: int


class Lease(_Model):
    """Orders handed to one caller until `expires_at`; results must quote `token`."""

    token: str
    touchpoint: Touchpoint
    expires_at: dt.datetime
    orders: tuple[Order, ...]
    quiet_until: dt.datetime | None = None  # set when the touchpoint is in its quiet hours


class ResultIn(_Model):
    """One outcome a touchpoint posts for a leased order."""

    order_id: str = Field(min_length=1, max_length=64)
    lease_token: str = Field(min_length=1, max_length=64)
    outcome: Outcome
    idempotency_key: str = Field(min_length=1, max_length=128)
    at: dt.datetime

    @field_validator("at")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            raise ValueError("must carry a timezone (UTC)")
        return value.astimezone(dt.UTC)


class ResultAnswer(_Model):
    """The store's answer to one posted result; a replay gets the identical answer."""

    order_id: str
    idempotency_key: str
    status: ResultStatus
    state: str | None = None
    detail: str = ""
    withdrawn: tuple[str, ...] = ()


class LoadReport(_Model):
    """What loading one run did."""

    run_id: str
    loaded: bool = Field(description="False when the run was already loaded (nothing changed).")
    orders: int
    superseded: int
    withdrawn_for_consent: int


class RunInfo(_Model):
    run_id: str
    period: str
    loaded_at: dt.datetime
    orders: int
    manifest_sha256: str


def check_touchpoint(touchpoint: str) -> None:
    if touchpoint not in TOUCHPOINTS:
        raise ValueError(f"unknown touchpoint '{touchpoint}' (known: {', '.join(TOUCHPOINTS)})")
