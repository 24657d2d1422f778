"""Typed dependencies: the store, the metrics, and the calling key (authenticated and
rate-limited) that every /v1 route takes.

Authentication accepts `Authorization: Bearer <key>` or `X-API-Key: <key>`; both are
declared as security schemes so the OpenAPI shows them. The rate limit is charged
after authentication, per key id, so nobody can spend another key's budget by sending
its id with a wrong secret.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.errors import RateLimitedError
from api.limits import RateLimiter
from api.metrics import Metrics
from cube.store import Principal, Store

_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer cube_<key_id>_<secret>`")
_api_key = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="`X-API-Key: cube_<key_id>_<secret>`"
)


async def get_store(request: Request) -> Store:
    return request.app.state.store


async def get_metrics(request: Request) -> Metrics:
    return request.app.state.metrics


StoreDep = Annotated[Store, Depends(get_store)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]


async def get_principal(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> Principal:
    """The key's principal; AuthError (401) without a valid key, 429 over its rate."""
    token = bearer.credentials if bearer is not None else api_key
    return await admit(request.app.state, request.scope.setdefault("state", {}), token)


async def admit(app_state: Any, request_state: dict[str, Any], token: str | None) -> Principal:
    """Authenticate `token` and charge its key's rate limit; the key id goes into the
    request's state (for the log line) before the limit can refuse it. Shared by the
    dependency above and the real-time fast path (api.realtime)."""
    principal = await app_state.store.authenticate_async(token)
    request_state["key_id"] = principal.key_id
    limiter: RateLimiter = app_state.limiter
    try:
        limiter.take(principal.key_id)
    except RateLimitedError:
        app_state.metrics.rate_limited.inc()
        raise
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]
