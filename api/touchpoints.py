"""Touchpoint routes: batch leases, results, real-time offers and impressions, one order.

Each route is a thin call into `Store` with the caller's principal; the store enforces
scopes, caps and consistency. Routes are plain `def` (FastAPI runs them in its thread
pool) except real-time offers, the hot read, which awaits the store's async read and
never leaves the event loop (see cube.store.aio).

A results batch answers per item. HTTP 200 carries the answers whatever they are,
except when every item is a `conflict` (an idempotency key reused for a different
result): then the same body comes with 409, so a single conflicting post gets 409.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse, Response

from api.deps import MetricsDep, PrincipalDep, StoreDep
from api.errors import error_responses
from api.realtime import DEFAULT_LIMIT, MAX_SUBSCRIBER, offers_json
from api.schemas import (
    ORDER_ID_PATTERN,
    ImpressionRequest,
    LeaseOut,
    LeaseRequest,
    OffersOut,
    OrderOut,
    ResultsOut,
    ResultsRequest,
)
from cube.store.model import Touchpoint
from cube.store.store import MAX_OFFERS

router = APIRouter(prefix="/v1", tags=["touchpoints"])


@router.post(
    "/touchpoints/{touchpoint}/leases",
    response_model=LeaseOut,
    summary="Lease up to n open orders of a touchpoint (batch pull)",
    responses=error_responses(401, 403, 422, 429, 503),
)
def lease(
    touchpoint: Annotated[Touchpoint, Path(description="The touchpoint pulling work.")],
    body: LeaseRequest,
    principal: PrincipalDep,
    store: StoreDep,
    metrics: MetricsDep,
) -> LeaseOut:
    """The best open orders of `touchpoint` in the key's regions, leased to the caller
    until `expires_at`. Nobody else gets them while the lease lives; unanswered, they
    return to the queue (after K attempts they are dead-lettered). An empty queue
    answers 200 with no orders; so does a touchpoint inside its quiet hours, with
    `quiet_until` saying when they end."""
    result = store.lease(principal, touchpoint, body.n, body.lease_seconds)
    metrics.lease(result)
    return LeaseOut.of(result)


@router.post(
    "/results",
    response_model=ResultsOut,
    summary="Post outcomes in a batch (one answer per item)",
    responses={
        409: {"model": ResultsOut, "description": "Every item was a conflicting replay."},
        **error_responses(401, 422, 429, 503),
    },
)
def post_results(
    body: ResultsRequest, principal: PrincipalDep, store: StoreDep, metrics: MetricsDep
) -> ResultsOut | JSONResponse:
    """Each item quotes its lease token and an idempotency key (unique per API key).
    Answers: `recorded`; `stale_lease` (not the current token, or the lease ended);
    `withdrawn` (a sibling was accepted elsewhere); `not_found` (missing or out of
    scope); `conflict` (the key was used for a different result). Posting the same
    result again returns the same answer. Status 200, or 409 when every item is a
    conflict (same body)."""
    items = [item.to_store() for item in body.results]
    answers = store.post_results(principal, items)
    metrics.answered(items, answers)
    out = ResultsOut.of(answers)
    if all(a.status == "conflict" for a in answers):
        return JSONResponse(out.model_dump(mode="json"), status_code=409)
    return out


@router.get(
    "/subscribers/{subscriber_id}/offers",
    response_model=OffersOut,
    summary="Best open offers for a subscriber present now (real time)",
    responses=error_responses(401, 403, 422, 429, 503),
)
async def offers(
    subscriber_id: Annotated[int, Path(ge=0, le=MAX_SUBSCRIBER)],
    touchpoint: Annotated[Touchpoint, Query(description="Where the customer is.")],
    principal: PrincipalDep,
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=MAX_OFFERS)] = DEFAULT_LIMIT,
) -> Response:
    """Open, unexpired offers in the key's scope, best first, with explanation and
    script; empty when none is open, the subscriber has reached a contact cap or the
    touchpoint is inside its quiet hours.
    Showing one is an impression: post it to /v1/impressions to get its lease token."""
    # Plain requests are answered by api.realtime.OffersFastPath before routing; this
    # route answers the rest, with the same serialiser.
    found = await store.offers_async(principal, subscriber_id, touchpoint, limit)
    return Response(offers_json(subscriber_id, touchpoint, found), media_type="application/json")


@router.post(
    "/impressions",
    response_model=LeaseOut,
    summary="Record that an offer was shown; lease it to the caller",
    responses=error_responses(401, 404, 409, 422, 429, 503),
)
def impression(
    body: ImpressionRequest,
    principal: PrincipalDep,
    store: StoreDep,
    metrics: MetricsDep,
) -> LeaseOut:
    """Leases the shown order to the caller (caps checked again under lock); post its
    outcome to /v1/results with the returned token. 409 `conflict` when the order is
    no longer open or its touchpoint is inside its quiet hours, 409 `cap_reached` when
    the subscriber is at a contact cap."""
    result = store.record_impression(principal, body.order_id, body.lease_seconds)
    metrics.impressions.labels(result.touchpoint).inc()
    return LeaseOut.of(result)


@router.get(
    "/orders/{order_id}",
    response_model=OrderOut,
    summary="One order in the key's scope",
    responses=error_responses(401, 404, 422, 429, 503),
)
def get_order(
    order_id: Annotated[str, Path(pattern=ORDER_ID_PATTERN)],
    principal: PrincipalDep,
    store: StoreDep,
) -> OrderOut:
    """404 for a missing order and, identically, for another touchpoint's or region's."""
    return OrderOut.of(store.get_order(principal, order_id))
