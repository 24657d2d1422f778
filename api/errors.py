"""One error model for every failure, and the map from store errors to status codes.

AuthError 401, ForbiddenError 403, NotFoundError 404 (out of scope looks exactly like
missing), ConflictError 409 (CapReachedError says `cap_reached`), InputError and bad
requests 422 naming the field, rate limits 429 with Retry-After, a store that cannot
answer 503. The body is always an `ErrorBody` carrying the request id, so a touchpoint
operator can quote it and we can find the log line.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from cube.errors import CubeError, InputError
from cube.store import AuthError, CapReachedError, ConflictError, ForbiddenError, NotFoundError
from cube.store.errors import StoreError

ErrorCode = Literal[
    "unauthorized",
    "forbidden",
    "not_found",
    "method_not_allowed",
    "conflict",
    "cap_reached",
    "invalid",
    "rate_limited",
    "unavailable",
    "internal",
    "http_error",
]
# How many field problems one 422 message spells out (the list has them all).
_MESSAGE_FIELDS = 3
_FIELD_PREFIX = re.compile(r"^([a-z_][a-z0-9_\[\].]*): (.+)$", re.DOTALL)


class FieldError(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"field": "n", "message": "must be at most 1000"}]},
    )

    field: str = Field(description="Dotted path into the request, e.g. results[3].outcome.")
    message: str


class ErrorBody(BaseModel):
    """What every error response carries."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "error": "invalid",
                    "message": "n: Input should be less than or equal to 1000",
                    "fields": [
                        {"field": "n", "message": "Input should be less than or equal to 1000"}
                    ],
                    "request_id": "6f1d0c5e2b8a4d7c9e0f1a2b3c4d5e6f",
                }
            ]
        },
    )

    error: ErrorCode
    message: str
    fields: list[FieldError] = Field(default_factory=list)
    request_id: str | None = None


class RateLimitedError(CubeError):
    """The key has used up its request budget for now."""

    def __init__(self, key_id: str, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"key '{key_id}' is over its request rate; retry in {retry_after}s")


_DESCRIPTIONS = {
    401: "No key, a malformed, unknown or revoked key.",
    403: "The key is valid but may not serve this touchpoint or read admin data.",
    404: "No such object in the key's scope (another region's or touchpoint's looks the same).",
    409: "The request contradicts the stored state.",
    422: "Bad input; `fields` names each offending field.",
    429: "Too many requests for this key; retry after the Retry-After seconds.",
    503: "The store cannot answer (database unreachable or pool exhausted).",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these status codes, all with the ErrorBody model."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        out[code] = {"model": ErrorBody, "description": _DESCRIPTIONS[code]}
        if code == 429:
            out[code]["headers"] = {
                "Retry-After": {
                    "description": "Seconds until the key may send again.",
                    "schema": {"type": "integer"},
                }
            }
    return out


def request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def error_response(
    request: Request,
    status: int,
    code: ErrorCode,
    message: str,
    fields: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = ErrorBody(
        error=code, message=message, fields=fields or [], request_id=request_id(request)
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    """('body', 'results', 3, 'outcome') -> 'results[3].outcome'; the location kind goes."""
    parts = list(loc[1:] if loc and loc[0] in ("body", "query", "path", "header") else loc)
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    if out:
        return out
    return str(loc[0]) if loc else "body"


def _field_error(error: dict[str, Any]) -> FieldError:
    if error.get("type") == "json_invalid":  # loc is ('body', offset): name the body
        reason = error.get("ctx", {}).get("error", "")
        where = error["loc"][-1]
        return FieldError(field="body", message=f"{error['msg']} at character {where}: {reason}")
    return FieldError(field=_field(tuple(error["loc"])), message=error["msg"])


def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = [_field_error(e) for e in exc.errors()]
    shown = "; ".join(f"{f.field}: {f.message}" for f in fields[:_MESSAGE_FIELDS])
    more = len(fields) - _MESSAGE_FIELDS
    message = shown + (f" (and {more} more)" if more > 0 else "")
    return error_response(request, 422, "invalid", message, fields)


# Most specific first: CapReachedError is a ConflictError.
_STATUS: tuple[tuple[type[CubeError], int, ErrorCode], ...] = (
    (AuthError, 401, "unauthorized"),
    (ForbiddenError, 403, "forbidden"),
    (NotFoundError, 404, "not_found"),
    (CapReachedError, 409, "cap_reached"),
    (ConflictError, 409, "conflict"),
    (RateLimitedError, 429, "rate_limited"),
    (InputError, 422, "invalid"),
    (StoreError, 503, "unavailable"),
)


def cube_error_response(request: Request, exc: Exception) -> JSONResponse:
    """The error response for a CubeError (the handler FastAPI calls, and the real-time
    fast path's own)."""
    status, code = next(((s, c) for t, s, c in _STATUS if isinstance(exc, t)), (500, "internal"))
    message = str(exc)
    headers: dict[str, str] = {}
    fields: list[FieldError] = []
    if isinstance(exc, AuthError):
        headers["WWW-Authenticate"] = "Bearer"
    elif isinstance(exc, RateLimitedError):
        headers["Retry-After"] = str(exc.retry_after)
    elif isinstance(exc, InputError) and (match := _FIELD_PREFIX.match(message)):
        fields.append(FieldError(field=match[1], message=match[2]))
    return error_response(request, status, code, message, fields, headers)


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 400:  # FastAPI's "error parsing the body" (e.g. not UTF-8)
        fields = [FieldError(field="body", message=str(exc.detail))]
        return error_response(request, 422, "invalid", f"body: {exc.detail}", fields)
    code: ErrorCode = {404: "not_found", 405: "method_not_allowed"}.get(  # type: ignore[assignment]
        exc.status_code, "http_error"
    )
    return error_response(
        request, exc.status_code, code, str(exc.detail), headers=getattr(exc, "headers", None)
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(CubeError, cube_error_response)
    app.add_exception_handler(HTTPException, _http_error)
