"""The HTTP contract: request and response bodies of the touchpoint API, with examples.

These models are the public API, kept apart from the store's internal models so the
store can change without breaking touchpoint systems. Every string a client sends is
pinned to printable ASCII by a pattern: ids and keys reach the database, and a NUL or
a lone surrogate must be a 422 naming the field, never a database error.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from cube.store import Lease, Order, ResultIn
from cube.store.model import Outcome, ResultStatus, Touchpoint
from cube.store.store import MAX_LEASE_BATCH, MAX_LEASE_SECONDS, MAX_RESULTS_BATCH

ORDER_ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
IDEMPOTENCY_PATTERN = r"^[!-~]{1,128}$"  # visible ASCII, no spaces

_ORDER_ID = "4f1c2a9be07d5c3a81f0d2e6"
_TOKEN = "9b2e4c6d8f0a1b3c5d7e9f1a2b4c6d8e"
_EXPIRES = "2026-11-08T08:00:00Z"
_LEASE_EXPIRES = "2026-11-01T09:05:00Z"
_EXPLANATION = {"formula": "propensity x value x lever", "propensity": 0.42, "value": 38.0}
_RESULT: dict[str, Any] = {
    "order_id": _ORDER_ID,
    "lease_token": _TOKEN,
    "outcome": "accepted",
    "idempotency_key": "call-centre-7:2026-11-01:000123",
    "at": "2026-11-01T08:42:10Z",
}
_ANSWER: dict[str, Any] = {
    "order_id": _ORDER_ID,
    "idempotency_key": "call-centre-7:2026-11-01:000123",
    "status": "recorded",
    "state": "accepted",
    "detail": "",
}
_RUN: dict[str, Any] = {
    "run_id": "2026-11-r1",
    "period": "2026-11",
    "loaded_at": "2026-11-01T07:30:00Z",
    "orders": 18000000,
    "manifest_sha256": "3f" * 32,
}
_STRATEGY: dict[str, Any] = {
    "strategy_id": "s-5g-upgrade",
    "version": 3,
    "runs": 2,
    "open_orders": 120345,
}


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"examples": list(examples)})


# -- requests -----------------------------------------------------------------------------


class LeaseRequest(BaseModel):
    """Ask for up to `n` open orders of one touchpoint in the key's regions."""

    model_config = _examples({"n": 500, "lease_seconds": 600}, {"n": 50})

    n: int = Field(ge=1, le=MAX_LEASE_BATCH, description="How many orders at most.")
    lease_seconds: int | None = Field(
        default=None,
        ge=1,
        le=MAX_LEASE_SECONDS,
        description="How long the orders stay yours; default the server's lease time.",
    )


class ResultItem(BaseModel):
    """One outcome for a leased (or shown) order, quoting its lease token."""

    model_config = _examples(_RESULT)

    order_id: str = Field(pattern=ORDER_ID_PATTERN)
    lease_token: str = Field(pattern=TOKEN_PATTERN)
    outcome: Outcome
    idempotency_key: str = Field(
        pattern=IDEMPOTENCY_PATTERN,
        description="Unique per API key; posting the same result again replays the answer.",
    )
    at: AwareDatetime = Field(description="When it happened, with a timezone.")

    def to_store(self) -> ResultIn:
        return ResultIn(**self.model_dump())


class ResultsRequest(BaseModel):
    """A batch of outcomes; each is answered on its own."""

    model_config = _examples({"results": [_RESULT]})

    results: list[ResultItem] = Field(min_length=1, max_length=MAX_RESULTS_BATCH)


class ImpressionRequest(BaseModel):
    """An offer was shown to a customer present now: lease it to the caller."""

    model_config = _examples({"order_id": _ORDER_ID}, {"order_id": _ORDER_ID, "lease_seconds": 900})

    order_id: str = Field(pattern=ORDER_ID_PATTERN)
    lease_seconds: int | None = Field(default=None, ge=1, le=MAX_LEASE_SECONDS)


# -- responses ----------------------------------------------------------------------------

_ORDER_EXAMPLE: dict[str, Any] = {
    "order_id": _ORDER_ID,
    "run_id": "2026-11-r1",
    "strategy_id": "s-5g-upgrade",
    "strategy_version": 3,
    "subscriber_id": 100234,
    "region_path": "P1.C03.K002.G0107",
    "product_id": "P5G-129",
    "touchpoint": "outbound_call",
    "score": 15.96,
    "rank": 1,
    "explanation": _EXPLANATION,
    "script": "Offer the 5G 129 plan: 30 GB more for 10 yuan.",
    "expires_at": _EXPIRES,
    "state": "leased",
    "attempts": 0,
}


class OrderOut(BaseModel):
    """A work order as the calling touchpoint may see it."""

    model_config = _examples(_ORDER_EXAMPLE)

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
    explanation: dict[str, Any] = Field(description="Why this offer: the formula and factors.")
    script: str = Field(description="What to say or show.")
    expires_at: dt.datetime
    state: str
    attempts: int = Field(description="Leases of this order that ended without a result.")

    @classmethod
    def of(cls, order: Order) -> OrderOut:
        data = order.model_dump()
        data["explanation"] = _explanation(order.explanation)
        return cls(**data)


def _explanation(text: str) -> dict[str, Any]:
    """The run's JSON explanation; a plain text one is wrapped rather than dropped."""
    try:
        value = json.loads(text)
    except ValueError:
        return {"text": text}
    return value if isinstance(value, dict) else {"value": value}


class LeaseOut(BaseModel):
    """Orders handed to the caller until `expires_at`; post results quoting `token`."""

    model_config = _examples(
        {
            "token": _TOKEN,
            "touchpoint": "outbound_call",
            "expires_at": _LEASE_EXPIRES,
            "orders": [_ORDER_EXAMPLE],
            "quiet_until": None,
        },
        {
            "token": _TOKEN,
            "touchpoint": "outbound_call",
            "expires_at": "2026-11-01T13:05:00Z",
            "orders": [],
            "quiet_until": "2026-11-02T01:00:00Z",
        },
    )

    token: str
    touchpoint: Touchpoint
    expires_at: dt.datetime
    orders: list[OrderOut] = Field(
        description="Best first; empty when the queue is empty or during quiet hours."
    )
    quiet_until: dt.datetime | None = Field(
        default=None,
        description="Set when the touchpoint is inside its quiet hours: nothing is leased "
        "until then.",
    )

    @classmethod
    def of(cls, lease: Lease) -> LeaseOut:
        return cls(
            token=lease.token,
            touchpoint=lease.touchpoint,
            expires_at=lease.expires_at,
            orders=[OrderOut.of(o) for o in lease.orders],
            quiet_until=lease.quiet_until,
        )


class ResultAnswerOut(BaseModel):
    """The answer to one posted result; a replay gets the identical answer."""

    model_config = _examples(
        _ANSWER,
        {
            "order_id": _ORDER_ID,
            "idempotency_key": "call-centre-7:2026-11-01:000124",
            "status": "stale_lease",
            "state": None,
            "detail": "lease has expired or ended",
        },
    )

    order_id: str
    idempotency_key: str
    status: ResultStatus
    state: str | None = Field(default=None, description="The order's state after this result.")
    detail: str = ""


class ResultsOut(BaseModel):
    """One answer per posted item, in order, and how many of each status."""

    model_config = _examples(
        {
            "answers": [_ANSWER],
            "summary": {"recorded": 1},
        }
    )

    answers: list[ResultAnswerOut]
    summary: dict[ResultStatus, int]

    @classmethod
    def of(cls, answers: list[Any]) -> ResultsOut:
        summary: dict[str, int] = {}
        for a in answers:
            summary[a.status] = summary.get(a.status, 0) + 1
        return cls(
            answers=[ResultAnswerOut(**a.model_dump(exclude={"withdrawn"})) for a in answers],
            summary=summary,  # type: ignore[arg-type]
        )


class OffersOut(BaseModel):
    """The best open offers for a subscriber at a touchpoint now, best first."""

    model_config = _examples(
        {
            "subscriber_id": 100234,
            "touchpoint": "store_popup",
            "offers": [{**_ORDER_EXAMPLE, "touchpoint": "store_popup", "state": "open"}],
        }
    )

    subscriber_id: int
    touchpoint: Touchpoint
    offers: list[OrderOut] = Field(
        description="Empty when none is open, a cap is reached or during quiet hours."
    )


class RunOut(BaseModel):
    model_config = _examples(_RUN)

    run_id: str
    period: str
    loaded_at: dt.datetime
    orders: int
    manifest_sha256: str


class StrategyOut(BaseModel):
    model_config = _examples(_STRATEGY)

    strategy_id: str
    version: int = Field(description="Newest version loaded.")
    runs: int = Field(description="Runs that brought this strategy.")
    open_orders: int


class Page(BaseModel):
    """Where a page starts and how many items there are in all."""

    model_config = ConfigDict(extra="forbid")

    limit: int
    offset: int
    total: int


class RunsPage(Page):
    model_config = _examples(
        {
            "items": [_RUN],
            "limit": 100,
            "offset": 0,
            "total": 1,
        }
    )

    items: list[RunOut]


class StrategiesPage(Page):
    model_config = _examples(
        {
            "items": [_STRATEGY],
            "limit": 100,
            "offset": 0,
            "total": 1,
        }
    )

    items: list[StrategyOut]


class CountsOut(BaseModel):
    """Orders by touchpoint, then state."""

    model_config = _examples({"counts": {"outbound_call": {"open": 900, "leased": 100}}})

    counts: dict[str, dict[str, int]]


class QueueOut(BaseModel):
    """Orders still servable (open, unexpired) by touchpoint."""

    model_config = _examples({"queue_depth": {"outbound_call": 900, "sms": 12000}})

    queue_depth: dict[str, int]


class HealthOut(BaseModel):
    """Whether the store answers and its schema is the one this code needs."""

    model_config = _examples(
        {"status": "ok", "database": "postgresql", "schema_version": 2, "latest_version": 2}
    )

    status: Literal["ok", "unavailable"]
    database: str
    schema_version: int | None
    latest_version: int | None
    detail: str = ""
