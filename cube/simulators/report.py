"""What one simulated system did, counted: the report `cube simulate run` prints."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

COUNTS = (
    "leases",  # lease calls (batch) or impressions granted (real time)
    "leased",  # orders handed to this system
    "redelivered",  # of which had lapsed before (attempts > 0)
    "posted",  # results posted once (not counting duplicates and late posts)
    "recorded",  # answered `recorded`
    "withdrawn",  # answered `withdrawn` (a sibling was accepted elsewhere)
    "stale",  # honest posts answered `stale_lease` (the lease outlived by a slow agent)
    "vanished",  # orders whose agent vanished without posting
    "duplicates",  # results posted a second time with the same idempotency key
    "duplicate_mismatches",  # replays whose answer differed from the first (must be 0)
    "late_posted",  # results posted after their lease expired
    "late_refused",  # of which answered `stale_lease` (as they must)
    "late_recorded",  # of which recorded anyway (must be 0)
    "visits",  # customers who came to a store or opened the app
    "offers_asked",  # real-time offer requests
    "offers_shown",  # offers shown (impression granted)
    "impressions_refused",  # offer gone or subscriber at a cap by the time it was shown
)


@dataclass
class Report:
    """Counters, recorded outcomes, and per category contacts and acceptances."""

    system: str
    touchpoint: str
    counts: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)  # recorded, by state
    by_category: dict[str, Counter[str]] = field(default_factory=dict)
    accepted_pairs: set[tuple[int, str]] = field(default_factory=set)

    def add(self, name: str, n: int = 1) -> None:
        assert name in COUNTS, name
        self.counts[name] += n

    def record(self, category: str, outcome: str, subscriber: int, product_id: str) -> None:
        """One recorded outcome."""
        self.outcomes[outcome] += 1
        cell = self.by_category.setdefault(category, Counter())
        cell[outcome] += 1
        if outcome == "accepted":
            self.accepted_pairs.add((subscriber, product_id))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: every counter (zeros included), outcomes, categories."""
        return {
            "system": self.system,
            "touchpoint": self.touchpoint,
            "counts": {name: self.counts[name] for name in COUNTS},
            "outcomes": dict(sorted(self.outcomes.items())),
            "by_category": {
                c: dict(sorted(v.items())) for c, v in sorted(self.by_category.items())
            },
        }
