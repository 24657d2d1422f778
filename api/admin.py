"""Admin routes (admin scope): runs, strategies, order counts by state, queue depth."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import PrincipalDep, StoreDep
from api.errors import error_responses
from api.limits import DEFAULT_PAGE, MAX_PAGE
from api.schemas import CountsOut, QueueOut, RunOut, RunsPage, StrategiesPage, StrategyOut

router = APIRouter(prefix="/v1/admin", tags=["admin"])
_ERRORS = error_responses(401, 403, 422, 429, 503)
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Items per page.")]
Offset = Annotated[int, Query(ge=0, le=2**31 - 1, description="Items to skip.")]


@router.get("/runs", response_model=RunsPage, summary="Loaded match runs", responses=_ERRORS)
def runs(
    principal: PrincipalDep, store: StoreDep, limit: Limit = DEFAULT_PAGE, offset: Offset = 0
) -> RunsPage:
    """Runs in load order, oldest first."""
    found = store.runs(principal)
    page = [RunOut(**r.model_dump()) for r in found[offset : offset + limit]]
    return RunsPage(items=page, limit=limit, offset=offset, total=len(found))


@router.get(
    "/strategies", response_model=StrategiesPage, summary="Loaded strategies", responses=_ERRORS
)
def strategies(
    principal: PrincipalDep, store: StoreDep, limit: Limit = DEFAULT_PAGE, offset: Offset = 0
) -> StrategiesPage:
    """Each strategy's newest loaded version, how many runs brought it, its open orders."""
    found = store.strategies(principal)
    page = [StrategyOut(**s) for s in found[offset : offset + limit]]
    return StrategiesPage(items=page, limit=limit, offset=offset, total=len(found))


@router.get(
    "/counts",
    response_model=CountsOut,
    summary="Orders by touchpoint and state",
    responses=_ERRORS,
)
def counts(principal: PrincipalDep, store: StoreDep) -> CountsOut:
    return CountsOut(counts=store.counts(principal))


@router.get(
    "/queue", response_model=QueueOut, summary="Queue depth by touchpoint", responses=_ERRORS
)
def queue(principal: PrincipalDep, store: StoreDep) -> QueueOut:
    """Open, unexpired orders per touchpoint (what leases and offers can still serve)."""
    return QueueOut(queue_depth=store.queue_depth(principal))
