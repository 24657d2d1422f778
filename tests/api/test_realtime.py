"""The real-time offers fast path (api.realtime): which requests it takes, and that it
answers exactly as the FastAPI route does, errors, limits, logs and metrics included."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

import pytest

from api.limits import ApiLimits
from api.realtime import OffersFastPath, explanation, offers_json
from api.schemas import OffersOut, OrderOut
from cube.store import Order
from tests.api.conftest import Api
from tests.store.builder import order

P1 = "P1.C01.K001.G0001"
OFFERS = "/v1/subscribers/{}/offers"


def _scope(path: str, query: bytes, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": query,
        "headers": headers,
    }


BEARER = [(b"authorization", b"Bearer cube_0123456789ab_secret")]


@pytest.mark.parametrize(
    ("path", "query", "headers", "plain"),
    [
        ("/v1/subscribers/7/offers", b"touchpoint=internet", BEARER, (7, "internet", 5)),
        ("/v1/subscribers/0/offers", b"limit=50&touchpoint=sms", BEARER, (0, "sms", 50)),
        ("/v1/subscribers/7/offers", b"touchpoint=sms", [(b"x-api-key", b"k")], (7, "sms", 5)),
        # Everything else is the FastAPI route's (422s, 401s and other spellings).
        ("/v1/subscribers/07/offers", b"touchpoint=sms", BEARER, None),
        (f"/v1/subscribers/{2**63}/offers", b"touchpoint=sms", BEARER, None),
        ("/v1/subscribers/7/offers", b"touchpoint=shop", BEARER, None),
        ("/v1/subscribers/7/offers", b"touchpoint=sms&limit=51", BEARER, None),
        ("/v1/subscribers/7/offers", b"touchpoint=sms&limit=05", BEARER, None),
        ("/v1/subscribers/7/offers", b"touchpoint=sms&limit=3&limit=4", BEARER, None),
        ("/v1/subscribers/7/offers", b"touchpoint=sms&touchpoint=sms", BEARER, None),
        ("/v1/subscribers/7/offers", b"touchpoint=sms&x=1", BEARER, None),
        ("/v1/subscribers/7/offers", b"limit=3", BEARER, None),
        ("/v1/subscribers/7/offers", b"", BEARER, None),
        ("/v1/subscribers/7/offers", b"touchpoint=sms", [], None),
        ("/v1/subscribers/7/offers", b"touchpoint=sms", [(b"authorization", b"Basic x")], None),
        ("/v1/subscribers/7/offers/", b"touchpoint=sms", BEARER, None),
    ],
)
def test_only_the_plain_form_takes_the_fast_path(
    path: str, query: bytes, headers: list[tuple[bytes, bytes]], plain: tuple | None
) -> None:
    found = OffersFastPath._plain(_scope(path, query, headers))
    assert (found[:3] if found else None) == plain


def test_a_bearer_key_wins_over_x_api_key_as_in_the_dependency() -> None:
    headers = [(b"x-api-key", b"second"), (b"authorization", b"bearer  first ")]
    found = OffersFastPath._plain(_scope("/v1/subscribers/1/offers", b"touchpoint=sms", headers))
    assert found is not None and found[3] == "first"


def _order(**changes: Any) -> Order:
    values: dict[str, Any] = {
        "order_id": "o-1",
        "run_id": "r1",
        "strategy_id": "s-5g",
        "strategy_version": 2,
        "subscriber_id": 7,
        "region_path": P1,
        "product_id": "P5G",
        "touchpoint": "store_popup",
        "score": 0.1 + 0.2,
        "rank": 1,
        "explanation": '{"formula": "p x v", "propensity": 0.42, "deep": {"a": [1, 2.5e-7]}}',
        "script": "Offer 5G \u2014 \u4e2d\u6587",
        "expires_at": dt.datetime(2026, 11, 8, 8, 0, 0, 120000, tzinfo=dt.UTC),
        "state": "open",
        "attempts": 0,
    }
    return Order(**{**values, **changes})


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"expires_at": dt.datetime(2026, 11, 8, 8, tzinfo=dt.UTC), "score": 15.96},
        {"explanation": "plain words"},
        {"explanation": "[1, 2]"},
        {"explanation": '{"big": 123456789012345678901234567890, "nan": NaN}'},
    ],
)
def test_the_body_is_the_documented_model_byte_for_byte(changes: dict[str, Any]) -> None:
    orders = [_order(**changes), _order(order_id="o-2", rank=2, score=1e-9)]
    model = OffersOut(
        subscriber_id=7, touchpoint="store_popup", offers=[OrderOut.of(o) for o in orders]
    )
    assert offers_json(7, "store_popup", orders) == model.model_dump_json().encode()


def test_an_explanation_is_always_an_object() -> None:
    assert explanation('{"a": 1}') == {"a": 1}
    assert explanation("because") == {"text": "because"}
    assert explanation("3") == {"value": 3}


def test_both_paths_answer_alike_and_log_the_route(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    api.load("r1", [order("r1", 7, product=p, touchpoint="store_popup", region=P1) for p in "AB"])
    popup = api.client("popup")
    caplog.set_level(logging.INFO, logger="cube.api")
    fast = popup.get(OFFERS.format(7), params={"touchpoint": "store_popup", "limit": 3})
    routed = popup.get(OFFERS.format(7), params={"touchpoint": "store_popup", "limit": "03"})
    assert (fast.status_code, routed.status_code) == (200, 200)
    assert fast.content == routed.content
    assert len(fast.json()["offers"]) == 2
    assert fast.headers["content-type"] == routed.headers["content-type"] == "application/json"
    metrics = api.client().get("/metrics").text
    assert (
        'cube_api_request_duration_seconds_count{method="GET",'
        'route="/v1/subscribers/{subscriber_id}/offers",status="200"} 2.0'
    ) in metrics
    # After another request: a line is written just after its response went out.
    lines = [
        r.fields
        for r in caplog.records
        if getattr(r, "fields", {}).get("path", "")[:15] == "/v1/subscribers"
    ]
    assert [(f["route"], f["key_id"]) for f in lines[-2:]] == [
        ("/v1/subscribers/{subscriber_id}/offers", api.key_ids["popup"])
    ] * 2


def test_the_fast_path_keeps_the_routes_errors(make_api: Callable[..., Api]) -> None:
    api = make_api(ApiLimits(rate_per_second=0.5, burst=2))
    popup, call = api.client("popup"), api.client("call")
    forbidden = call.get(OFFERS.format(7), params={"touchpoint": "store_popup"})
    assert forbidden.status_code == 403
    assert forbidden.json()["message"] == f"key '{api.key_ids['call']}' may not serve store_popup"
    assert forbidden.json()["request_id"] == forbidden.headers["X-Request-ID"]
    wrong = api.client().get(
        OFFERS.format(7),
        params={"touchpoint": "store_popup"},
        headers={"Authorization": "Bearer " + api.tokens["popup"][:-1] + "x"},
    )
    assert (wrong.status_code, wrong.json()["message"]) == (401, "invalid or revoked API key")
    assert wrong.headers["WWW-Authenticate"] == "Bearer"
    codes = [popup.get(OFFERS.format(7), params={"touchpoint": "internet"}) for _ in range(3)]
    assert [c.status_code for c in codes] == [200, 200, 429]
    assert codes[2].headers["Retry-After"] == "2"
    assert codes[2].json()["message"] == (
        f"key '{api.key_ids['popup']}' is over its request rate; retry in 2s"
    )
    assert "cube_api_rate_limited_total 1.0" in api.client().get("/metrics").text
