"""Bad input is a 422 that names the field; every error has the same body and request id."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api

LEASES = "/v1/touchpoints/outbound_call/leases"


def _invalid(r: Any) -> list[tuple[str, str]]:
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "invalid"
    assert body["request_id"] == r.headers["X-Request-ID"]
    return [(f["field"], f["message"]) for f in body["fields"]]


def test_a_batch_over_the_hard_cap_names_n(api: Api) -> None:
    r = api.client("call").post(LEASES, json={"n": 1001})
    assert _invalid(r) == [("n", "Input should be less than or equal to 1000")]
    assert r.json()["message"] == "n: Input should be less than or equal to 1000"


def test_unknown_fields_and_touchpoints_are_named(api: Api) -> None:
    call = api.client("call")
    assert _invalid(call.post(LEASES, json={"n": 1, "count": 2})) == [
        ("count", "Extra inputs are not permitted")
    ]
    fields = _invalid(call.post("/v1/touchpoints/fax/leases", json={"n": 1}))
    assert fields == [
        ("touchpoint", "Input should be 'outbound_call', 'store_popup', 'internet' or 'sms'")
    ]


def test_a_bad_result_item_is_named_by_its_position(api: Api) -> None:
    good = {
        "order_id": "a" * 24,
        "lease_token": "b" * 32,
        "outcome": "accepted",
        "idempotency_key": "k1",
        "at": "2026-11-01T09:00:00Z",
    }
    bad = {**good, "outcome": "maybe", "at": "2026-11-01T09:00:00"}
    r = api.client("call").post("/v1/results", json={"results": [good, bad]})
    assert _invalid(r) == [
        (
            "results[1].outcome",
            "Input should be 'contacted', 'accepted', 'declined', 'no_answer', "
            "'invalid_number' or 'opted_out'",
        ),
        ("results[1].at", "Input should have timezone info"),
    ]


def test_a_nul_in_an_id_is_a_422_not_a_database_error(api: Api) -> None:
    r = api.client("popup").post("/v1/impressions", json={"order_id": "ab\u0000cd"})
    assert _invalid(r) == [("order_id", "String should match pattern '^[A-Za-z0-9_.:-]{1,64}$'")]


def test_an_empty_or_oversized_results_batch_is_422(api: Api) -> None:
    call = api.client("call")
    assert _invalid(call.post("/v1/results", json={"results": []})) == [
        ("results", "List should have at least 1 item after validation, not 0")
    ]
    item = {
        "order_id": "a",
        "lease_token": "b",
        "outcome": "contacted",
        "idempotency_key": "k",
        "at": "2026-11-01T09:00:00Z",
    }
    fields = _invalid(call.post("/v1/results", json={"results": [item] * 1001}))
    assert fields == [("results", "List should have at most 1000 items after validation, not 1001")]


def test_a_body_that_is_not_json_is_422(api: Api) -> None:
    r = api.client("call").post(
        LEASES, content=b"{n: 1", headers={"Content-Type": "application/json"}
    )
    assert _invalid(r) == [
        (
            "body",
            "JSON decode error at character 1: Expecting property name enclosed in double quotes",
        )
    ]


def test_query_and_path_numbers_are_bounded(api: Api) -> None:
    popup = api.client("popup")
    r = popup.get("/v1/subscribers/1/offers", params={"touchpoint": "internet", "limit": 51})
    assert _invalid(r) == [("limit", "Input should be less than or equal to 50")]
    huge = popup.get(f"/v1/subscribers/{2**63}/offers", params={"touchpoint": "internet"})
    assert _invalid(huge) == [
        ("subscriber_id", "Input should be less than or equal to 9223372036854775807")
    ]
    assert _invalid(popup.get("/v1/subscribers/1/offers")) == [("touchpoint", "Field required")]


def test_unknown_routes_and_methods_use_the_error_body(api: Api) -> None:
    missing = api.client().get("/v1/nothing")
    assert missing.status_code == 404
    assert missing.json() == {
        "error": "not_found",
        "message": "Not Found",
        "fields": [],
        "request_id": missing.headers["X-Request-ID"],
    }
    wrong = api.client().delete("/v1/results")
    assert wrong.status_code == 405
    assert wrong.json()["error"] == "method_not_allowed"
