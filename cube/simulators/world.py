"""The simulated customers: who they are, where they live, what they hold, what they want.

Loaded once per simulator process from the operator extracts (subscribers, holdings,
products) and the hidden truth (per-subscriber base logits, behaviour parameters). The
truth decides every answer; the extracts decide who can take what (a customer refuses a
product they hold, one excluded by a held product, or one outside its network scope).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cube.contract import CONTACT_OUTCOMES, PRODUCT_CATEGORIES
from cube.data.truth import (
    TruthParams,
    load_truth,
    logit_column,
    organic_probability,
    outcome_probabilities,
)
from cube.errors import InputError
from cube.products import ProductCatalogue, load_products
from cube.simulators.randomness import uniform

# What a truth outcome is called in the API: a contact that reached the person but got
# no answer either way (an unread SMS, an ignored banner) is `contacted`.
API_OUTCOME = {
    "accepted": "accepted",
    "declined": "declined",
    "no_answer": "no_answer",
    "ignored": "contacted",
    "opted_out": "opted_out",
}
# Touchpoints that dial or text a number, where a dead number is possible.
NUMBERED = ("outbound_call", "sms")
SIMULATED_PREFIX = "part-simulated-"


@dataclass
class World:
    """Customers, their holdings and appetites, and the behaviour parameters."""

    params: TruthParams
    products: ProductCatalogue
    logits: dict[int, np.ndarray]  # subscriber -> base logit per PRODUCT_CATEGORIES
    network: dict[int, str]
    grid: dict[int, str]
    holdings: dict[int, set[str]] = field(default_factory=dict)
    invalid_rate: float = 0.0  # share of subscribers whose number is dead
    _by_prefix: dict[str, list[int]] | None = field(default=None, repr=False, compare=False)

    def customers(self, prefix: str) -> np.ndarray:
        """Sorted ids of the subscribers whose grid lies under a region prefix ('*': all)."""
        if prefix == "*":
            return np.array(sorted(self.grid), dtype=np.int64)
        return np.array(sorted(self._under().get(prefix, ())), dtype=np.int64)

    def _under(self) -> dict[str, list[int]]:
        """Subscribers under every region prefix, built once: a system with a site per
        county asks for each of them, and scanning every grid per site was quadratic."""
        if self._by_prefix is None:
            index: dict[str, list[int]] = {}
            for subscriber, grid in self.grid.items():
                parts = grid.split(".")
                for depth in range(1, len(parts) + 1):
                    index.setdefault(".".join(parts[:depth]), []).append(subscriber)
            self._by_prefix = index
        return self._by_prefix

    def eligible(self, subscriber: int, product_id: str) -> bool:
        """Whether the customer could take the product at all (not held, not excluded)."""
        if product_id not in self.products or subscriber not in self.network:
            return False
        if not self.products[product_id].reaches(self.network[subscriber]):
            return False
        held = self.holdings.get(subscriber, set())
        return product_id not in held and not (
            held & self.products.conflicts.excluded_by(product_id)
        )

    def logit(self, subscriber: int, product_id: str) -> float:
        category = self.products[product_id].category
        return float(self.logits[subscriber][PRODUCT_CATEGORIES.index(category)])

    def outcome(
        self, seed: int, touchpoint: str, order_id: str, subscriber: int, product_id: str,
        attempt: int,
    ) -> str:  # fmt: skip
        """The customer's answer to this offer on this attempt, as an API outcome."""
        if subscriber not in self.logits or product_id not in self.products:
            return "no_answer"  # a customer the truth does not know never picks up
        if touchpoint in NUMBERED and uniform(seed, "dead", subscriber) < self.invalid_rate:
            return "invalid_number"
        category = self.products[product_id].category
        probs = outcome_probabilities(
            np.array([self.logit(subscriber, product_id)]), category, touchpoint, self.params
        )[0]
        u = uniform(seed, "answer", order_id, attempt)
        drawn = CONTACT_OUTCOMES[min(int(np.searchsorted(np.cumsum(probs), u, "right")), 4)]
        if drawn == "accepted" and not self.eligible(subscriber, product_id):
            return "declined"
        return API_OUTCOME[drawn]

    def buys_on_own(self, seed: int, subscriber: int, product_id: str) -> bool:
        """Whether the customer takes the product within the cycle without any contact."""
        if subscriber not in self.logits or not self.eligible(subscriber, product_id):
            return False
        category = self.products[product_id].category
        p = organic_probability(self.logit(subscriber, product_id), category, self.params)
        return uniform(seed, "organic", subscriber, product_id) < float(p)


def load_world(
    raw_dir: Path, truth_dir: Path, invalid_rate: float = 0.0, skip_holdings: str = ""
) -> World:
    """Read extracts and truth; `skip_holdings` names a holdings file to leave out (the
    delta this very run wrote before, so a re-run draws the same organic purchases)."""
    import pyarrow.parquet as pq

    truth = load_truth(truth_dir)
    columns = ["subscriber_id", *(logit_column(c) for c in PRODUCT_CATEGORIES)]
    table = truth.propensity(columns)
    ids = table["subscriber_id"].to_numpy()
    matrix = np.column_stack([table[c].to_numpy() for c in columns[1:]])
    subs = _read(raw_dir / "subscribers", ["subscriber_id", "network", "grid_id"])
    world = World(
        params=truth.params,
        products=load_products(raw_dir),
        logits=dict(zip(ids.tolist(), matrix, strict=True)),
        network=dict(zip(subs["subscriber_id"].to_pylist(), subs["network"].to_pylist(),
                         strict=True)),
        grid=dict(zip(subs["subscriber_id"].to_pylist(), subs["grid_id"].to_pylist(),
                      strict=True)),
        invalid_rate=invalid_rate,
    )  # fmt: skip
    for path in sorted((raw_dir / "holdings").glob("*.parquet")):
        if path.name == skip_holdings:
            continue
        held = pq.read_table(path, columns=["subscriber_id", "product_id"])
        for s, p in zip(held["subscriber_id"].to_pylist(), held["product_id"].to_pylist(),
                        strict=True):  # fmt: skip
            world.holdings.setdefault(s, set()).add(p)
    return world


def _read(path: Path, columns: list[str]):  # type: ignore[no-untyped-def]
    import pyarrow.parquet as pq

    if not path.exists():
        raise InputError(f"{path}: missing (the simulators need the operator extracts)")
    try:
        return pq.read_table(path, columns=columns)
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"{path}: unreadable Parquet: {exc}") from None
