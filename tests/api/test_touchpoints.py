"""Touchpoint routes over HTTP: leases, results, real time, single orders, and the races."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx

from tests.api.conftest import Api, together
from tests.store.builder import order

P1 = "P1.C01.K001.G0001"
P2 = "P2.C01.K001.G0001"
LEASES = "/v1/touchpoints/outbound_call/leases"


def _calls(subscribers: range, region: str = P1, **kw: Any) -> list[dict[str, Any]]:
    return [order("r1", s, region=region, score=float(s), **kw) for s in subscribers]


def _result(lease: dict[str, Any], outcome: str, key: str, i: int = 0) -> dict[str, Any]:
    return {
        "order_id": lease["orders"][i]["order_id"],
        "lease_token": lease["token"],
        "outcome": outcome,
        "idempotency_key": key,
        "at": "2026-11-01T09:00:00Z",
    }


def _lease(client: httpx.Client, n: int, touchpoint: str = "outbound_call") -> dict[str, Any]:
    r = client.post(f"/v1/touchpoints/{touchpoint}/leases", json={"n": n})
    assert r.status_code == 200, r.text
    return r.json()


# -- leases ---------------------------------------------------------------------------------


def test_lease_hands_out_the_best_orders_in_the_keys_regions(api: Api) -> None:
    api.load("r1", _calls(range(1, 6)) + _calls(range(100, 103), region=P2))
    r = api.client("call").post(LEASES, json={"n": 3, "lease_seconds": 600})
    assert r.status_code == 200
    body = r.json()
    assert [o["subscriber_id"] for o in body["orders"]] == [5, 4, 3]
    assert {o["state"] for o in body["orders"]} == {"leased"}
    assert body["expires_at"] == "2026-11-01T09:10:00Z"
    assert body["orders"][0]["explanation"] == {"score": 5.0}
    assert body["orders"][0]["script"] == "Offer P5G to 5"
    rest = _lease(api.client("call"), 10)
    assert [o["subscriber_id"] for o in rest["orders"]] == [2, 1]
    assert _lease(api.client("call"), 10)["orders"] == []


def test_expired_lease_redelivers_and_the_late_result_is_refused(api: Api) -> None:
    api.load("r1", _calls(range(1, 2)))
    call = api.client("call")
    first = _lease(call, 1)
    api.clock.advance(seconds=301)  # the store's default lease is 300 s
    second = _lease(call, 1)
    assert second["orders"][0]["order_id"] == first["orders"][0]["order_id"]
    assert second["orders"][0]["attempts"] == 1
    late = call.post("/v1/results", json={"results": [_result(first, "accepted", "late")]})
    assert late.status_code == 200
    assert late.json()["answers"][0]["status"] == "stale_lease"
    on_time = call.post("/v1/results", json={"results": [_result(second, "accepted", "ok")]})
    assert on_time.json()["answers"][0]["status"] == "recorded"
    assert api.store.contact_history().num_rows == 1


def test_sixteen_concurrent_leasers_never_hold_the_same_order(api: Api) -> None:
    api.load("r1", _calls(range(1, 241)))
    held: list[list[str]] = [[] for _ in range(16)]
    barrier = threading.Barrier(16)

    def pull(i: int) -> None:
        client = api.client("call")
        barrier.wait()
        while orders := _lease(client, 8)["orders"]:
            held[i] += [o["order_id"] for o in orders]

    threads = [threading.Thread(target=pull, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    leased = [o for h in held for o in h]
    leftover = [o["order_id"] for o in _lease(api.client("call"), 1000)["orders"]]
    assert len(set(leased)) == len(leased)
    assert sorted(leased + leftover) == sorted(r["order_id"] for r in _calls(range(1, 241)))
    assert sum(1 for h in held if h) > 1


# -- results --------------------------------------------------------------------------------


def test_the_same_result_posted_twice_gets_the_same_answer(api: Api) -> None:
    api.load("r1", _calls(range(1, 2)))
    call = api.client("call")
    item = _result(_lease(call, 1), "accepted", "idem-1")
    first = call.post("/v1/results", json={"results": [item]})
    api.clock.advance(minutes=10)  # the lease has ended; the replay still answers
    again = call.post("/v1/results", json={"results": [item]})
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert first.json() == {
        "answers": [
            {
                "order_id": item["order_id"],
                "idempotency_key": "idem-1",
                "status": "recorded",
                "state": "accepted",
                "detail": "",
            }
        ],
        "summary": {"recorded": 1},
    }
    assert api.store.contact_history().num_rows == 1


def test_a_conflicting_result_alone_is_409_and_in_a_mixed_batch_200(api: Api) -> None:
    api.load("r1", _calls(range(1, 3)))
    call = api.client("call")
    lease = _lease(call, 2)
    call.post("/v1/results", json={"results": [_result(lease, "declined", "k1")]})
    conflicting = _result(lease, "accepted", "k1")
    alone = call.post("/v1/results", json={"results": [conflicting]})
    assert alone.status_code == 409
    assert alone.json()["answers"][0] == {
        "order_id": conflicting["order_id"],
        "idempotency_key": "k1",
        "status": "conflict",
        "state": None,
        "detail": "idempotency key already used for a different result",
    }
    mixed = call.post(
        "/v1/results", json={"results": [conflicting, _result(lease, "no_answer", "k2", i=1)]}
    )
    assert mixed.status_code == 200
    assert [a["status"] for a in mixed.json()["answers"]] == ["conflict", "recorded"]
    assert mixed.json()["summary"] == {"conflict": 1, "recorded": 1}


def test_a_wrong_lease_token_is_stale(api: Api) -> None:
    api.load("r1", _calls(range(1, 2)))
    call = api.client("call")
    item = {**_result(_lease(call, 1), "contacted", "k"), "lease_token": "0" * 32}
    answer = call.post("/v1/results", json={"results": [item]}).json()["answers"][0]
    assert (answer["status"], answer["detail"]) == (
        "stale_lease",
        "lease token is not the order's current lease",
    )


def test_the_acceptance_race_between_two_touchpoints_has_one_winner(api: Api) -> None:
    subscribers = range(1, 6)
    api.load("r1", _calls(subscribers) + _calls(subscribers, touchpoint="sms"))
    racers = {"call": "outbound_call", "sms": "sms"}
    leases = {k: _lease(api.client(k), 5, touchpoint=t) for k, t in racers.items()}
    clients = {k: api.client(k) for k in racers}

    def accept(key: str, i: int) -> Callable[[], str]:
        item = _result(leases[key], "accepted", f"{key}-{i}", i=i)
        return lambda: (
            clients[key]
            .post("/v1/results", json={"results": [item]})
            .json()["answers"][0]["status"]
        )

    for i in range(5):
        statuses = together(*(accept(k, i) for k in racers))
        assert sorted(statuses) == ["recorded", "withdrawn"]
    counts = api.client("admin").get("/v1/admin/counts").json()["counts"]
    states: dict[str, int] = {}
    for by_state in counts.values():
        for state, n in by_state.items():
            states[state] = states.get(state, 0) + n
    assert states == {"accepted": 5, "withdrawn": 5}


def test_opted_out_withdraws_the_subscribers_orders_on_that_touchpoint_at_once(api: Api) -> None:
    sms = [order("r1", 1, product=p, touchpoint="sms", region=P1) for p in ("PA", "PB")]
    call = order("r1", 1, product="PC", touchpoint="outbound_call", region=P1)
    api.load("r1", [*sms, call])
    client = api.client("sms")
    lease = _lease(client, 1, touchpoint="sms")
    posted = client.post("/v1/results", json={"results": [_result(lease, "opted_out", "o-1")]})
    assert posted.json()["answers"][0]["state"] == "opted_out"
    other = next(o["order_id"] for o in sms if o["order_id"] != lease["orders"][0]["order_id"])
    assert client.get(f"/v1/orders/{other}").json()["state"] == "withdrawn"
    assert api.client("call").get(f"/v1/orders/{call['order_id']}").json()["state"] == "open"
    assert api.store.consent_overrides().to_pylist()[0]["consent"] is False


# -- real time ------------------------------------------------------------------------------


def test_offers_are_ranked_with_explanation_and_script(api: Api) -> None:
    popup = [
        order("r1", 7, product=p, touchpoint="store_popup", region=P1, score=s)
        for p, s in (("PA", 1.0), ("PB", 3.0), ("PC", 2.0))
    ]
    api.load("r1", popup)
    r = api.client("popup").get("/v1/subscribers/7/offers", params={"touchpoint": "store_popup"})
    assert r.status_code == 200
    body = r.json()
    assert (body["subscriber_id"], body["touchpoint"]) == (7, "store_popup")
    assert [(o["product_id"], o["explanation"], o["script"]) for o in body["offers"]] == [
        ("PB", {"score": 3.0}, "Offer PB to 7"),
        ("PC", {"score": 2.0}, "Offer PC to 7"),
        ("PA", {"score": 1.0}, "Offer PA to 7"),
    ]
    one = api.client("popup").get(
        "/v1/subscribers/7/offers", params={"touchpoint": "store_popup", "limit": 1}
    )
    assert [o["product_id"] for o in one.json()["offers"]] == ["PB"]


def test_an_impression_leases_the_offer_and_its_outcome_posts_back(api: Api) -> None:
    api.load("r1", [order("r1", 7, touchpoint="store_popup", region=P1)])
    popup = api.client("popup")
    offer = popup.get("/v1/subscribers/7/offers", params={"touchpoint": "store_popup"})
    order_id = offer.json()["offers"][0]["order_id"]
    shown = popup.post("/v1/impressions", json={"order_id": order_id})
    assert shown.status_code == 200
    lease = shown.json()
    assert [o["state"] for o in lease["orders"]] == ["leased"]
    again = popup.post("/v1/impressions", json={"order_id": order_id})
    assert again.status_code == 409
    assert again.json()["error"] == "conflict"
    assert again.json()["message"] == f"order '{order_id}' is no longer open (leased)"
    posted = popup.post("/v1/results", json={"results": [_result(lease, "accepted", "i-1")]})
    assert posted.json()["answers"][0]["status"] == "recorded"
    assert popup.get(f"/v1/orders/{order_id}").json()["state"] == "accepted"


def test_a_capped_subscriber_gets_no_offers_and_a_cap_reached_impression(capped_api: Api) -> None:
    api = capped_api
    api.load(
        "r1",
        [
            order("r1", 7, product="PA", touchpoint="store_popup", region=P1),
            order("r1", 7, product="PB", touchpoint="internet", region=P1),
        ],
    )
    popup = api.client("popup")
    offers = {
        t: popup.get("/v1/subscribers/7/offers", params={"touchpoint": t}).json()["offers"]
        for t in ("store_popup", "internet")
    }
    ids = [offers["store_popup"][0]["order_id"], offers["internet"][0]["order_id"]]
    clients = [api.client("popup"), api.client("popup")]
    results = together(
        *(
            lambda c=c, i=i: c.post("/v1/impressions", json={"order_id": i})
            for c, i in zip(clients, ids, strict=True)
        )
    )
    assert sorted(r.status_code for r in results) == [200, 409]
    refused = next(r for r in results if r.status_code == 409).json()
    assert refused["error"] == "cap_reached"
    assert refused["message"].startswith("subscriber 7 has reached the contact cap on ")
    left = popup.get("/v1/subscribers/7/offers", params={"touchpoint": "internet"})
    assert left.json()["offers"] == []


def test_get_order_shows_an_order_in_scope(api: Api) -> None:
    api.load("r1", _calls(range(1, 2)))
    order_id = _calls(range(1, 2))[0]["order_id"]
    r = api.client("call").get(f"/v1/orders/{order_id}")
    assert r.status_code == 200
    assert r.json()["order_id"] == order_id
    assert (r.json()["state"], r.json()["region_path"]) == ("open", P1)
