"""The simulators as separate processes against the real API: store state, misbehaviour,
agreement with the hidden truth, determinism."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from cube.data.truth import expected_conversion
from cube.simulators.config import SimConfig
from cube.simulators.world import World
from tests.simulators.conftest import Played, played, store_rows

CONFIG = SimConfig(seed=5, hours=3, misbehave=0.15, visit_rate=0.5, session_rate=0.5)
COUNTIES = 8


@pytest.fixture(scope="module")
def cycle(
    operator_home: Path, world: World, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Played]:
    with played(operator_home, world, tmp_path_factory.mktemp("cycle"), CONFIG, COUNTIES) as p:
        yield p


def test_every_recorded_result_is_counted_once(cycle: Played) -> None:
    totals = cycle.report["totals"]
    contacts = store_rows(cycle.api, "SELECT COUNT(*) FROM contact_history")[0][0]
    answered = store_rows(
        cycle.api, "SELECT COUNT(*) FROM work_orders WHERE state NOT IN ('open', 'leased')"
    )[0][0]
    dead = sum(s["outcomes"].get("invalid_number", 0) for s in cycle.report["systems"])
    assert answered == totals["recorded"] == totals["posted"]
    assert contacts == answered - dead  # a dead number reached nobody


def test_duplicates_are_answered_identically(cycle: Played) -> None:
    assert cycle.report["totals"]["duplicates"] > 0
    assert cycle.report["totals"]["duplicate_mismatches"] == 0


def test_late_posts_are_refused(cycle: Played) -> None:
    totals = cycle.report["totals"]
    assert totals["late_posted"] > 0
    assert totals["late_refused"] == totals["late_posted"]
    assert totals["late_recorded"] == 0


def test_vanished_leases_are_redelivered(cycle: Played) -> None:
    totals = cycle.report["totals"]
    lapsed = store_rows(cycle.api, "SELECT COUNT(*) FROM work_orders WHERE attempts > 0")[0][0]
    assert totals["vanished"] > 0
    assert lapsed == totals["vanished"] + totals["late_posted"]
    assert totals["redelivered"] >= totals["vanished"]
    left = store_rows(
        cycle.api,
        "SELECT COUNT(*) FROM work_orders WHERE attempts > 0 AND state IN ('open', 'leased') "
        "AND touchpoint IN ('outbound_call', 'sms')",
    )[0][0]
    assert left == 0  # the closing hour served every lapsed batch order


def test_acceptance_matches_the_truth(cycle: Played, world: World) -> None:
    """Per touchpoint, accepted contacts are within 4 sigma of the truth's expectation."""
    answered = store_rows(
        cycle.api,
        "SELECT touchpoint, subscriber_id, product_id, state FROM work_orders "
        "WHERE state NOT IN ('open', 'leased', 'invalid_number')",
    )
    by_touchpoint: dict[str, list[tuple[float, bool]]] = {}
    for touchpoint, subscriber, product, state in answered:
        category = world.products[product].category
        p = float(expected_conversion(world.logit(subscriber, product), category, touchpoint,
                                      world.params))  # fmt: skip
        by_touchpoint.setdefault(touchpoint, []).append((p, state == "accepted"))
    assert set(by_touchpoint) == {"outbound_call", "sms", "store_popup", "internet"}
    for touchpoint, cells in by_touchpoint.items():
        expected = sum(p for p, _ in cells)
        sigma = math.sqrt(sum(p * (1 - p) for p, _ in cells))
        observed = sum(a for _, a in cells)
        assert abs(observed - expected) <= 4 * sigma + 1, (touchpoint, observed, expected)


def test_organic_purchases_and_accepted_offers_land_in_the_holdings(cycle: Played) -> None:
    organic = cycle.report["organic"]
    table = pq.read_table(organic["holdings_file"]).to_pylist()
    accepted = store_rows(
        cycle.api, "SELECT subscriber_id, product_id FROM work_orders WHERE state = 'accepted'"
    )
    assert organic["provisioned"] == len(accepted) > 0
    assert organic["purchases"] + organic["provisioned"] == len(table)
    rows = {(r["subscriber_id"], r["product_id"]): r["start_date"] for r in table}
    assert {rows[(s, p)].isoformat() for s, p in accepted} == {"2026-11-01"}
    assert {r["start_date"].isoformat()[:7] for r in table} <= {"2026-11", "2026-12"}
    held = pq.read_table(cycle.raw_dir / "holdings").to_pylist()
    pairs = [(r["subscriber_id"], r["product_id"]) for r in held]
    assert len(pairs) == len(set(pairs))  # no product held twice


def test_a_seed_repeats_the_cycle(
    operator_home: Path, world: World, tmp_path: Path, cycle: Played
) -> None:
    with played(operator_home, world, tmp_path, CONFIG, COUNTIES) as again:
        states = "SELECT order_id, state, attempts FROM work_orders ORDER BY order_id"
        assert store_rows(again.api, states) == store_rows(cycle.api, states)
        assert again.report["systems"] == cycle.report["systems"]
        assert again.report["organic"]["purchases"] == cycle.report["organic"]["purchases"]


def test_a_simulator_that_dies_is_named_with_its_exit_code() -> None:
    import multiprocessing as mp
    import os

    from cube.simulators.client import SimulatorError
    from cube.simulators.runner import _expect

    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=os._exit, args=(3,), name="sim-sms")
    process.start()
    child.close()
    with pytest.raises(SimulatorError) as caught:
        _expect([("sms", process, parent)], "paused")
    assert str(caught.value) == "simulator sms exited (3) without sending 'paused'"
