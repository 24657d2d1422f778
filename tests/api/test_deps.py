"""Who may call: 401 without a valid key, 403 out of scope, 404 for other regions' ids,
and 429 with Retry-After per key."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from api.limits import ApiLimits
from tests.api.conftest import Api
from tests.store.builder import order

P1 = "P1.C01.K001.G0001"
P2 = "P2.C01.K001.G0001"
LEASES = "/v1/touchpoints/outbound_call/leases"


def _unauthorized(r: httpx.Response, message: str) -> None:
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == "Bearer"
    assert (r.json()["error"], r.json()["message"]) == ("unauthorized", message)


def test_no_key_or_a_bad_key_is_401(api: Api) -> None:
    anonymous = api.client()
    _unauthorized(anonymous.post(LEASES, json={"n": 1}), "missing or malformed API key")
    bad = {"Authorization": "Bearer not-a-key"}
    _unauthorized(
        anonymous.post(LEASES, json={"n": 1}, headers=bad), "missing or malformed API key"
    )
    token = api.tokens["call"]
    wrong_secret = {"Authorization": f"Bearer {token[:-4]}AAAA"}
    _unauthorized(
        anonymous.post(LEASES, json={"n": 1}, headers=wrong_secret), "invalid or revoked API key"
    )
    unknown = {"X-API-Key": "cube_000000000000_" + "A" * 43}
    _unauthorized(anonymous.get("/v1/admin/queue", headers=unknown), "invalid or revoked API key")


def test_a_revoked_key_is_401_at_once(api: Api) -> None:
    call = api.client("call")
    assert call.post(LEASES, json={"n": 1}).status_code == 200
    api.store.revoke_key(api.key_ids["call"])
    _unauthorized(call.post(LEASES, json={"n": 1}), "invalid or revoked API key")


def test_the_x_api_key_header_authenticates_too(api: Api) -> None:
    r = api.client("call", header="x-api-key").post(LEASES, json={"n": 1})
    assert r.status_code == 200
    assert r.json()["orders"] == []


def test_a_touchpoint_outside_the_keys_scope_is_403(api: Api) -> None:
    r = api.client("call").post("/v1/touchpoints/sms/leases", json={"n": 1})
    assert r.status_code == 403
    assert r.json()["error"] == "forbidden"
    assert r.json()["message"] == f"key '{api.key_ids['call']}' may not serve sms"
    offers = api.client("call").get("/v1/subscribers/1/offers", params={"touchpoint": "internet"})
    assert offers.status_code == 403
    admin_only = api.client("call").get("/v1/admin/runs")
    assert admin_only.status_code == 403
    assert admin_only.json()["message"] == f"key '{api.key_ids['call']}' has no admin scope"


def test_guessed_ids_of_another_regions_orders_look_missing(api: Api) -> None:
    theirs = order("r1", 1, region=P1, touchpoint="outbound_call")
    api.load("r1", [theirs])
    mine = api.client("call_p2")
    lease = api.client("call").post(LEASES, json={"n": 1}).json()
    for order_id in (theirs["order_id"], "f" * 24):
        r = mine.get(f"/v1/orders/{order_id}")
        assert r.status_code == 404
        assert (r.json()["error"], r.json()["message"]) == (
            "not_found",
            f"order '{order_id}' not found",
        )
        shown = mine.post("/v1/impressions", json={"order_id": order_id})
        assert (shown.status_code, shown.json()["message"]) == (
            404,
            f"order '{order_id}' not found",
        )
        item = {
            "order_id": order_id,
            "lease_token": lease["token"],
            "outcome": "accepted",
            "idempotency_key": f"guess-{order_id}",
            "at": "2026-11-01T09:00:00Z",
        }
        answer = mine.post("/v1/results", json={"results": [item]}).json()["answers"][0]
        assert (answer["status"], answer["detail"]) == ("not_found", "no such order")
    assert mine.post(LEASES, json={"n": 10}).json()["orders"] == []
    assert api.client("call").get(f"/v1/orders/{theirs['order_id']}").json()["state"] == "leased"


def test_another_touchpoints_orders_look_missing_too(api: Api) -> None:
    sms_order = order("r1", 1, region=P1, touchpoint="sms")
    api.load("r1", [sms_order])
    r = api.client("call").get(f"/v1/orders/{sms_order['order_id']}")
    assert r.status_code == 404
    assert api.client("sms").get(f"/v1/orders/{sms_order['order_id']}").status_code == 200


def test_a_key_over_its_rate_gets_429_with_retry_after(make_api: Callable[..., Api]) -> None:
    api = make_api(ApiLimits(rate_per_second=0.5, burst=3))
    call = api.client("call")
    codes = [call.get("/v1/admin/queue").status_code for _ in range(3)]
    assert codes == [403, 403, 403]  # each authenticated request spends a token
    limited = call.get("/v1/admin/queue")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "2"
    assert limited.json()["error"] == "rate_limited"
    assert limited.json()["message"] == (
        f"key '{api.key_ids['call']}' is over its request rate; retry in 2s"
    )
    assert api.client("admin").get("/v1/admin/queue").status_code == 200
    assert api.client().get("/v1/admin/queue").status_code == 401  # no key: no bucket spent
