"""Systems that work through batches: the outbound call centre and the SMS gateway.

Call centre: every site (one per city) has agents; each simulated hour every agent
leases the calls it can make in the hour, dials them, and posts the outcomes. SMS
gateway: every site (one per province) leases up to its hourly send capacity in batches
of 1,000 and posts the delivery reports per batch. A site whose queue runs dry stops
for the hour.
"""

from __future__ import annotations

from cube.simulators.system import Site, System

MAX_LEASE = 1000


class BatchSystem(System):
    """An outbound call centre or an SMS gateway."""

    def hour(self, hour: int) -> None:
        for site in self.sites:
            self.work(site, hour, honest=False)

    def close_out(self) -> None:
        """Late posts first, then one honest hour that picks up the lapsed orders."""
        super().close_out()
        for site in self.sites:
            self.work(site, self.config.hours, honest=True)

    def batches(self) -> list[int]:
        """Lease sizes of one site-hour: one per agent (calls) or capacity in 1,000s (SMS)."""
        if self.touchpoint == "outbound_call":
            return [self.config.calls_per_agent_hour] * self.config.agents_per_site
        capacity = self.config.sms_per_site_hour
        return [min(MAX_LEASE, capacity - i) for i in range(0, capacity, MAX_LEASE)]

    def work(self, site: Site, hour: int, honest: bool) -> None:
        done = 0
        for agent, n in enumerate(self.batches()):
            behaviour = "honest" if honest else self.behaviour(site.region, hour, agent)
            lease = site.client.lease(self.touchpoint, n, self.lease_seconds(behaviour))
            self.settle(site, lease, behaviour, self.at(hour, done))
            done += len(lease["orders"])
            if len(lease["orders"]) < n:
                return  # the site's queue is empty for now
