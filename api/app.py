"""The touchpoint API: a FastAPI app over the work-order store, versioned under /v1.

`create_app()` with no arguments reads the settings, opens the store they name with
the contact policy's frequency caps, and closes it on shutdown; `cube serve` runs it
under uvicorn (as a factory, so every worker opens its own store). Tests pass their
own store (fake clock, chosen caps) and limits. Evaluation reports are read from the
settings' reports directory unless `reports_dir` is given.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from api import admin, operations, reports, touchpoints
from api.errors import install_error_handlers
from api.limits import ApiLimits, RateLimiter
from api.metrics import Metrics
from api.realtime import OFFERS_PATH, OffersFastPath
from api.requestlog import RequestLog
from cube.settings import get_settings
from cube.store import Store, open_store
from cube.store.caps import caps_from_policy

if TYPE_CHECKING:
    from cube.settings import Settings

API_VERSION = "1.0.0"
_DESCRIPTION = """
Touchpoint systems (call centre, SMS gateway, store pop-up, app) pull and answer work
orders here. Authenticate with `Authorization: Bearer <key>` or `X-API-Key: <key>`; a
key is scoped to touchpoints and region prefixes (plus an admin scope).

Errors share one body (`ErrorBody`): 401 no or bad key, 403 out of scope, 404 missing
or out of scope (indistinguishable), 409 conflict, 422 bad input with the fields named,
429 over the key's rate (see `Retry-After`), 503 store unavailable. Every response
carries `X-Request-ID` (yours if you sent a sane one).

A results batch answers each item; the status is 200 unless every item is a
conflicting replay (409, same body). See docs/api.md.
"""
_TAGS = [
    {"name": "touchpoints", "description": "Leases, results, real-time offers, impressions."},
    {"name": "admin", "description": "Runs, strategies, counts, queue depth (admin scope)."},
    {"name": "reports", "description": "Evaluation reports as HTML pages (admin scope)."},
    {"name": "operations", "description": "Health and Prometheus metrics (no key)."},
]


def create_app(
    settings: Settings | None = None,
    store: Store | None = None,
    *,
    limits: ApiLimits | None = None,
    reports_dir: Path | None = None,
) -> FastAPI:
    """The app; `store` defaults to the settings' store (owned: closed on shutdown);
    `reports_dir` to the settings' reports directory (read per request when the app was
    given a store and limits instead of settings)."""
    if settings is None and (store is None or limits is None):
        settings = get_settings()
    owned = store is None
    if store is None:
        assert settings is not None
        store = store_from_settings(settings)
    if limits is None:
        assert settings is not None
        limits = limits_from_settings(settings)
    the_store = store

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        the_store.check_schema()  # refuse to serve on a stale schema
        yield
        if owned:
            the_store.close()

    app = FastAPI(
        title="Strategy Cube touchpoint API",
        version=API_VERSION,
        description=_DESCRIPTION,
        openapi_tags=_TAGS,
        lifespan=lifespan,
        # Metrics are Prometheus (/metrics) and logs JSON lines; FastAPI's own
        # OpenTelemetry hooks would only cost a provider lookup on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.store = store
    app.state.reports_dir = reports_dir or (settings.dir("reports") if settings else None)
    app.state.metrics = Metrics(store)
    app.state.limiter = RateLimiter(limits)
    install_error_handlers(app)
    for module in (touchpoints, admin, reports, operations):
        app.include_router(module.router)
    # Inside RequestLog (added after it), so both paths get request ids, logs and metrics.
    app.add_middleware(
        OffersFastPath, route=_route(touchpoints.router, OFFERS_PATH), state=app.state
    )
    app.add_middleware(RequestLog, metrics=app.state.metrics)
    return app


def _route(router: APIRouter, path: str) -> APIRoute:
    return next(r for r in router.routes if isinstance(r, APIRoute) and r.path == path)


def store_from_settings(settings: Settings) -> Store:
    """The settings' store with the contact policy's caps and the lease settings."""
    return open_store(
        settings,
        caps=caps_from_policy(settings.policy_file),
        lease_seconds=settings.store_lease_seconds,
        max_attempts=settings.store_max_attempts,
        key_cache_seconds=settings.api_key_cache_seconds,
    )


def limits_from_settings(settings: Settings) -> ApiLimits:
    return ApiLimits(rate_per_second=settings.api_rate_per_second, burst=settings.api_rate_burst)
