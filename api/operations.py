"""Operations routes without a key: /healthz for load balancers, /metrics for Prometheus.

Neither reveals orders: health is the database kind and schema version, metrics are
counters and queue depth per touchpoint.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from api.deps import MetricsDep, StoreDep
from api.metrics import CONTENT_TYPE
from api.schemas import HealthOut

router = APIRouter(tags=["operations"])


@router.get(
    "/healthz",
    response_model=HealthOut,
    summary="Database reachable and schema current",
    responses={503: {"model": HealthOut, "description": "Database unreachable or schema stale."}},
)
def healthz(store: StoreDep) -> HealthOut | JSONResponse:
    """200 when the store answers and its schema is the version this code needs, else 503."""
    database = store.backend.name
    try:
        current, latest = store.schema_version()
    except Exception as exc:  # any database failure means "not healthy", never a 500
        health = HealthOut(
            status="unavailable",
            database=database,
            schema_version=None,
            latest_version=None,
            detail=str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
        )
        return JSONResponse(health.model_dump(mode="json"), status_code=503)
    if current != latest:
        health = HealthOut(
            status="unavailable",
            database=database,
            schema_version=current,
            latest_version=latest,
            detail="schema is not current: run `cube store migrate`",
        )
        return JSONResponse(health.model_dump(mode="json"), status_code=503)
    return HealthOut(status="ok", database=database, schema_version=current, latest_version=latest)


@router.get(
    "/metrics",
    summary="Prometheus metrics (text exposition format)",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE: {"schema": {"type": "string"}}}}},
)
def metrics(metrics: MetricsDep) -> Response:
    return Response(metrics.exposition(), media_type=CONTENT_TYPE)
