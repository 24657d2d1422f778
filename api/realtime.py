"""The real-time offers request without the framework's per-request machinery.

`GET /v1/subscribers/{id}/offers` is the one route answered a thousand times a second,
and most of its CPU went to FastAPI rather than to the work: the middleware chain,
routing, dependency resolution, and validating and serialising the response through
pydantic (docs/benchmarks.md). `OffersFastPath` answers the plain form of that request
directly: a canonical path and query (`touchpoint=...`, optional `limit=N`), a key in a
well-formed header. It does what the FastAPI route does, through the same pieces: the
key check and rate limit (`api.deps.admit`), the store's `offers_async` (scopes, caps,
quiet hours), store errors mapped by `api.errors.cube_error_response`, and the same
serialiser (`offers_json`), so both paths answer byte for byte alike.

Anything else (another spelling of the query, a value FastAPI would refuse with 422,
no key) passes on untouched to the FastAPI route, which stays the documented,
validated definition of the endpoint (it is in the OpenAPI document) and the answer to
every unusual request. It sits inside `RequestLog`, so request ids, the log line and
the latency histogram are the same for both paths.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import orjson
from fastapi.routing import APIRoute
from fastapi.security.utils import get_authorization_scheme_param
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from api.deps import admit
from api.errors import cube_error_response
from api.schemas import OffersOut, OrderOut
from cube.contract import TOUCHPOINTS
from cube.errors import CubeError
from cube.store import Order
from cube.store.store import MAX_OFFERS

OFFERS_PATH = "/v1/subscribers/{subscriber_id}/offers"
MAX_SUBSCRIBER = 2**63 - 1
DEFAULT_LIMIT = 5
# Canonical forms only: a leading zero, a sign or an escape goes the FastAPI way.
_PATH = re.compile(r"/v1/subscribers/(0|[1-9][0-9]{0,18})/offers")
_LIMIT = re.compile(rb"[1-9][0-9]?")
_TOUCHPOINTS = {t.encode(): t for t in TOUCHPOINTS}
_ORDER_FIELDS = tuple(OrderOut.model_fields)
_JSON_HEADERS = (b"content-type", b"application/json")


def offers_json(subscriber_id: int, touchpoint: str, orders: Sequence[Order]) -> bytes:
    """The `OffersOut` body for these orders, serialised once (no response validation:
    the fields are the store's, typed already; tests pin it to the model)."""
    offers = []
    for order in orders:
        item = {name: getattr(order, name) for name in _ORDER_FIELDS}
        item["explanation"] = explanation(order.explanation)
        offers.append(item)
    body = {"subscriber_id": subscriber_id, "touchpoint": touchpoint, "offers": offers}
    try:
        return orjson.dumps(body, option=orjson.OPT_UTC_Z)
    except orjson.JSONEncodeError:  # e.g. an explanation with an integer over 64 bits
        return OffersOut.model_validate(body).model_dump_json().encode()


def explanation(text: str) -> dict[str, Any]:
    """The run's JSON explanation as an object; plain text is wrapped, not dropped."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        # orjson refuses what json accepts (NaN, integers over 64 bits): ask json too.
        try:
            value = json.loads(text)
        except ValueError:
            return {"text": text}
    return value if isinstance(value, dict) else {"value": value}


def _query(raw: bytes) -> tuple[str, int] | None:
    """(touchpoint, limit) from a canonical query string, else None."""
    touchpoint: str | None = None
    limit: int | None = None
    for pair in raw.split(b"&"):
        name, _, value = pair.partition(b"=")
        if name == b"touchpoint" and touchpoint is None and value in _TOUCHPOINTS:
            touchpoint = _TOUCHPOINTS[value]
        elif name == b"limit" and limit is None and _LIMIT.fullmatch(value):
            limit = int(value)
        else:
            return None
    if touchpoint is None or (limit is not None and limit > MAX_OFFERS):
        return None
    return touchpoint, DEFAULT_LIMIT if limit is None else limit


def _token(headers: Sequence[tuple[bytes, bytes]]) -> str | None:
    """The key as `api.deps` reads it: a Bearer credential, else X-API-Key (first of each)."""
    authorization = api_key = None
    for name, value in headers:
        if name == b"authorization" and authorization is None:
            authorization = value.decode("latin-1")
        elif name == b"x-api-key" and api_key is None:
            api_key = value.decode("latin-1")
    scheme, credentials = get_authorization_scheme_param(authorization)
    if authorization and scheme and credentials and scheme.lower() == "bearer":
        return credentials
    return api_key or None


class OffersFastPath:
    """ASGI middleware: answers plain real-time offers requests, passes on the rest."""

    def __init__(self, app: ASGIApp, route: APIRoute, state: Any) -> None:
        self.app = app
        self.route = route
        self.state = state  # the app's state: store, limiter, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        ask = self._plain(scope) if scope["type"] == "http" else None
        if ask is None:
            await self.app(scope, receive, send)
            return
        subscriber_id, touchpoint, limit, token = ask
        scope["route"] = self.route
        try:
            principal = await admit(self.state, scope.setdefault("state", {}), token)
            found = await self.state.store.offers_async(principal, subscriber_id, touchpoint, limit)
        except CubeError as exc:
            await cube_error_response(Request(scope, receive), exc)(scope, receive, send)
            return
        body = offers_json(subscriber_id, touchpoint, found)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", str(len(body)).encode()), _JSON_HEADERS],
            }
        )
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    def _plain(scope: Scope) -> tuple[int, str, int, str] | None:
        if scope["method"] != "GET" or scope.get("root_path"):
            return None
        match = _PATH.fullmatch(scope["path"])
        if match is None:
            return None
        subscriber_id = int(match[1])
        query = _query(scope["query_string"])
        token = _token(scope["headers"])
        if subscriber_id > MAX_SUBSCRIBER or query is None or token is None:
            return None
        return subscriber_id, query[0], query[1], token
