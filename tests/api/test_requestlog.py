"""Request ids in and out, and one JSON log line per request."""

from __future__ import annotations

import json
import logging
import re
import sys
import time

import pytest

from api.requestlog import JsonFormatter
from tests.api.conftest import Api


def _logged(caplog: pytest.LogCaptureFixture, request_id: str) -> list[logging.LogRecord]:
    """The request's log line; it is written just after the response is sent, so wait."""
    deadline = time.monotonic() + 5
    while True:
        found = [
            r for r in caplog.records if getattr(r, "fields", {}).get("request_id") == request_id
        ]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.01)


def test_a_sane_request_id_is_kept_and_logged(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="cube.api")
    r = api.client("call").post(
        "/v1/touchpoints/outbound_call/leases", json={"n": 1}, headers={"X-Request-ID": "pos-7:42"}
    )
    assert r.headers["X-Request-ID"] == "pos-7:42"
    [record] = _logged(caplog, "pos-7:42")
    fields = record.fields  # type: ignore[attr-defined]
    assert fields == {
        "request_id": "pos-7:42",
        "method": "POST",
        "path": "/v1/touchpoints/outbound_call/leases",
        "route": "/v1/touchpoints/{touchpoint}/leases",
        "status": 200,
        "duration_ms": fields["duration_ms"],
        "key_id": api.key_ids["call"],
    }
    assert fields["duration_ms"] > 0


def test_a_bad_request_id_is_replaced_and_quoted_in_errors(api: Api) -> None:
    r = api.client().get("/v1/admin/runs", headers={"X-Request-ID": "no spaces please"})
    assert re.fullmatch(r"[0-9a-f]{32}", r.headers["X-Request-ID"])
    assert r.json()["request_id"] == r.headers["X-Request-ID"]


def test_json_lines_carry_fields_and_tracebacks() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("cube.api", logging.ERROR, __file__, 1, "failed", (), None)
        record.exc_info = sys.exc_info()
    record.fields = {"request_id": "r-1"}  # type: ignore[attr-defined]
    entry = json.loads(JsonFormatter().format(record))
    assert (entry["level"], entry["logger"], entry["message"], entry["request_id"]) == (
        "error",
        "cube.api",
        "failed",
        "r-1",
    )
    assert entry["exception"].endswith("ValueError: boom")


def test_an_unexpected_error_is_a_logged_500_with_the_error_body(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    rename = "ALTER TABLE work_orders RENAME TO work_orders_gone"  # a broken database
    api.store.backend.transact(lambda tx: tx.run(rename))
    r = api.client("call").post(
        "/v1/touchpoints/outbound_call/leases", json={"n": 1}, headers={"X-Request-ID": "bug-1"}
    )
    assert r.status_code == 500
    assert (r.headers["X-Request-ID"], r.json()) == (
        "bug-1",
        {
            "error": "internal",
            "message": "internal error; quote request id bug-1",
            "fields": [],
            "request_id": "bug-1",
        },
    )
    [logged] = [rec for rec in caplog.records if rec.getMessage() == "unhandled error"]
    assert logged.fields == {"request_id": "bug-1"}  # type: ignore[attr-defined]
    assert logged.exc_info is not None
