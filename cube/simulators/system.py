"""What every simulated touchpoint system does with a lease: answer, misbehave, count.

A lease (a batch pull, or the one-order lease an impression grants) is worked by one
agent. The agent is honest, or, at the configured rate, one of three misbehaviours the
API must survive: it vanishes (never posts; the lease lapses and the order is
redelivered), it posts late (after the lease expired; the API must refuse), or it posts
twice with the same idempotency keys (the API must answer the replay identically).
Late posts are held until the run's closing phase, after the leases have lapsed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from cube.simulators.client import ApiClient, SimulatorError
from cube.simulators.config import SimConfig, SystemSpec
from cube.simulators.randomness import uniform
from cube.simulators.report import Report
from cube.simulators.world import World

MISBEHAVIOURS = ("vanish", "late", "duplicate")
MAX_RESULTS = 1000


@dataclass
class Site:
    """One site of a system (a city's call centre, a county's stores) and its key."""

    region: str
    client: ApiClient


class System:
    """Shared machinery; subclasses define `hour` (one simulated hour) and `close_out`."""

    def __init__(self, spec: SystemSpec, config: SimConfig, world: World, api_url: str) -> None:
        self.spec = spec
        self.config = config
        self.world = world
        self.touchpoint = spec.touchpoint
        self.sites = [
            Site(s.region, ApiClient(api_url, s.token, f"{spec.name}-{s.region}"))
            for s in spec.sites
        ]
        self.report = Report(spec.name, spec.touchpoint)
        self._late: list[tuple[ApiClient, list[dict[str, Any]], list[dict[str, Any]]]] = []

    def hour(self, hour: int) -> None:
        raise NotImplementedError

    def close_out(self) -> None:
        """After every lease of the run has lapsed: post the late results, serve what came back."""
        self.post_late()

    def close(self) -> None:
        for site in self.sites:
            site.client.close()

    # -- one lease ------------------------------------------------------------------------

    def behaviour(self, *parts: object) -> str:
        """honest, or (at the misbehave rate) vanish, late or duplicate, for this agent."""
        seed = self.config.seed
        if uniform(seed, "misbehave", self.spec.name, *parts) >= self.config.misbehave:
            return "honest"
        return MISBEHAVIOURS[int(uniform(seed, "kind", self.spec.name, *parts) * 3)]

    def lease_seconds(self, behaviour: str) -> int:
        """Agents about to vanish or be late hold short leases, so they lapse soon."""
        short = behaviour in ("vanish", "late")
        return self.config.short_lease_seconds if short else self.config.lease_seconds

    def at(self, hour: int, second: int) -> dt.datetime:
        """Simulated time of the `second`th event of an hour."""
        return self.config.start + dt.timedelta(hours=hour, seconds=min(second, 3599))

    def settle(self, site: Site, lease: dict[str, Any], behaviour: str, at: dt.datetime) -> None:
        """Work a lease: draw each customer's answer and post (or misbehave)."""
        orders = lease["orders"]
        self.report.add("leases")
        self.report.add("leased", len(orders))
        self.report.add("redelivered", sum(1 for o in orders if o["attempts"] > 0))
        if not orders:
            return
        if behaviour == "vanish":
            self.report.add("vanished", len(orders))
            return
        items = [self.result(o, lease["token"], at) for o in orders]
        if behaviour == "late":
            self._late.append((site.client, items, orders))
            return
        for start in range(0, len(items), MAX_RESULTS):
            chunk = slice(start, start + MAX_RESULTS)
            self.post(site.client, items[chunk], orders[chunk], behaviour == "duplicate")

    def result(self, order: dict[str, Any], token: str, at: dt.datetime) -> dict[str, Any]:
        outcome = self.world.outcome(
            self.config.seed, self.touchpoint, order["order_id"], order["subscriber_id"],
            order["product_id"], order["attempts"],
        )  # fmt: skip
        return {
            "order_id": order["order_id"],
            "lease_token": token,
            "outcome": outcome,
            "idempotency_key": f"{self.spec.name}:{order['order_id']}:{order['attempts']}",
            "at": at.isoformat(),
        }

    def post(
        self, client: ApiClient, items: list[dict[str, Any]], orders: list[dict[str, Any]],
        replay: bool,
    ) -> None:  # fmt: skip
        """Post a batch, count its answers; a duplicating agent posts it again and compares."""
        answers = client.post_results(items)["answers"]
        self.report.add("posted", len(items))
        for answer, order in zip(answers, orders, strict=True):
            self.tally(answer, order)
        if replay:
            again = client.post_results(items)["answers"]
            self.report.add("duplicates", len(items))
            self.report.add(
                "duplicate_mismatches", sum(a != b for a, b in zip(answers, again, strict=True))
            )

    def tally(self, answer: dict[str, Any], order: dict[str, Any]) -> None:
        status = answer["status"]
        if status == "recorded":
            self.report.add("recorded")
            product = order["product_id"]
            category = self.world.products[product].category if product in self.world.products \
                else "unknown"  # fmt: skip
            self.report.record(category, answer["state"], order["subscriber_id"], product)
        elif status == "withdrawn":
            self.report.add("withdrawn")
        elif status == "stale_lease":
            self.report.add("stale")
        else:  # not_found or conflict: the simulator, not the customer, is wrong
            raise SimulatorError(f"{self.spec.name}: result for {order['order_id']}: {answer}")

    def post_late(self) -> None:
        """Post the results held back by late agents; the API must refuse every one."""
        for client, items, _orders in self._late:
            answers = client.post_results(items)["answers"]
            self.report.add("late_posted", len(items))
            recorded = sum(1 for a in answers if a["status"] == "recorded")
            self.report.add("late_recorded", recorded)
            self.report.add("late_refused", len(items) - recorded)
        self._late.clear()
