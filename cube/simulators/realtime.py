"""Systems that ask at the moment a customer is present: store pop-ups and the app.

Every simulated hour, customers of a site's region arrive (store pop-ups: a site per
county, customers of that county walk in; the app: a site per province, its own-network
customers open a session), each at a Poisson rate. The system asks the API for the customer's
best offers, shows the first one (posting the impression, which leases it), and posts
the customer's answer. In the closing phase, customers whose agent vanished come back.
"""

from __future__ import annotations

import numpy as np

from cube.simulators.randomness import rng
from cube.simulators.system import Site, System


class RealtimeSystem(System):
    """Store pop-ups (store_popup) or the app (internet)."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._customers = {s.region: self._present(s.region) for s in self.sites}
        self._walked_away: list[tuple[Site, int]] = []

    def _present(self, region: str) -> np.ndarray:
        """Who can turn up: anyone in the region walks into a store, but only the
        operator's own subscribers have its app (other-network customers never open it)."""
        customers = self.world.customers(region)
        if self.touchpoint != "internet":
            return customers
        own = [c for c in customers.tolist() if self.world.network.get(c) == "own"]
        return np.array(own, dtype=np.int64)

    @property
    def rate(self) -> float:
        """Visits (stores) or sessions (app) per customer per hour."""
        if self.touchpoint == "store_popup":
            return self.config.visit_rate
        return self.config.session_rate

    def hour(self, hour: int) -> None:
        for site in self.sites:
            for i, subscriber in enumerate(self.arrivals(site, hour)):
                self.visit(site, int(subscriber), hour, i, self.behaviour(site.region, hour, i))

    def arrivals(self, site: Site, hour: int) -> np.ndarray:
        """Who comes in this hour, in arrival order (a customer may come twice)."""
        customers = self._customers[site.region]
        if customers.size == 0:
            return customers
        draw = rng(self.config.seed, "arrivals", self.spec.name, site.region, hour)
        return draw.choice(customers, size=draw.poisson(self.rate * customers.size))

    def visit(self, site: Site, subscriber: int, hour: int, i: int, behaviour: str) -> None:
        self.report.add("visits")
        self.report.add("offers_asked")
        offers = site.client.offers(subscriber, self.touchpoint)
        if not offers:
            return
        lease = site.client.impression(offers[0]["order_id"], self.lease_seconds(behaviour))
        if lease is None:
            self.report.add("impressions_refused")
            return
        self.report.add("offers_shown")
        if behaviour == "vanish":
            self._walked_away.append((site, subscriber))
        self.settle(site, lease, behaviour, self.at(hour, i))

    def close_out(self) -> None:
        """Late posts first, then the customers whose agent vanished come back, honestly."""
        super().close_out()
        for i, (site, subscriber) in enumerate(self._walked_away):
            self.visit(site, subscriber, self.config.hours, i, "honest")
        self._walked_away.clear()
