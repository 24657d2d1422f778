"""The earlier campaigns the contact history comes from.

Every product category was marketed on each of the four touchpoints at least once, and
more heavily on the touchpoint the operator's affinity table favours, which is what an
operator's real history looks like: lopsided, but with enough variety to learn from.
Other-network subscribers were approached only with port-in offers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from cube.contract import PRODUCT_CATEGORIES, TOUCHPOINTS
from cube.data.assortment import PRODUCTS

HISTORY_DAYS = 180
MIN_DAYS, MAX_DAYS = 7, 30
TOUCHPOINT_CODE = {"outbound_call": "OC", "store_popup": "SP", "internet": "IN", "sms": "SM"}
# The operator's first choice of touchpoint per category (its affinity table, extended to
# the two categories the table does not name).
OPERATOR_AFFINITY = {
    "light_addon": "outbound_call",
    "finance": "store_popup",
    "terminal": "store_popup",
    "home_broadband": "store_popup",
    "content": "internet",
    "scenario": "sms",
    "retention": "outbound_call",
    "membership": "internet",
}
# Relative marketing volume per category.
CATEGORY_VOLUME = {
    "light_addon": 1.5, "finance": 0.6, "terminal": 1.0, "home_broadband": 1.0,
    "content": 1.2, "scenario": 0.8, "retention": 0.8, "membership": 0.7,
}  # fmt: skip
AFFINITY_WEIGHT = 2.0
# Port-in campaigns: (product, touchpoint, weight).
PORT_IN_CAMPAIGNS = (
    ("PI-SWITCH5G", "store_popup", 2.0),
    ("PI-SWITCH5G", "outbound_call", 1.0),
    ("PI-SWITCH5G", "sms", 1.0),
    ("PI-SWITCH5G", "internet", 1.0),
    ("PI-BBBUNDLE", "outbound_call", 1.0),
    ("PI-BBBUNDLE", "store_popup", 1.0),
    ("PI-BBBUNDLE", "sms", 0.5),
)


@dataclass(frozen=True)
class Campaigns:
    """The campaign schedule as columns (one entry per campaign)."""

    ids: pa.Array
    product: np.ndarray  # int16 index into PRODUCTS
    touchpoint: np.ndarray  # int8 index into TOUCHPOINTS
    own: np.ndarray  # bool: aimed at own-network (else other-network) lines
    start_day: np.ndarray  # int32, first day contacts were made
    end_day: np.ndarray  # int32, last day
    weight: np.ndarray  # relative share of the contacts

    @property
    def category(self) -> np.ndarray:
        index = {p.product_id: PRODUCT_CATEGORIES.index(p.category) for p in PRODUCTS}
        codes = np.array([index[p.product_id] for p in PRODUCTS], np.int8)
        return codes[self.product]


def plan_campaigns(rng: np.random.Generator, as_of_day: int) -> Campaigns:
    """Draw the schedule: products, touchpoints, windows in the 180 days before as_of."""
    entries: list[tuple[int, int, bool, float]] = []
    for category in PRODUCT_CATEGORIES:
        offers = [
            i for i, p in enumerate(PRODUCTS) if p.category == category and p.scope != "other"
        ]
        touchpoints = [*TOUCHPOINTS, OPERATOR_AFFINITY[category]]
        for tp in touchpoints:
            weight = CATEGORY_VOLUME[category] * (
                AFFINITY_WEIGHT if tp == OPERATOR_AFFINITY[category] else 1.0
            )
            product = offers[int(rng.integers(len(offers)))]
            entries.append((product, TOUCHPOINTS.index(tp), True, weight))
    product_ids = [p.product_id for p in PRODUCTS]
    for product_id, tp, weight in PORT_IN_CAMPAIGNS:
        entries.append((product_ids.index(product_id), TOUCHPOINTS.index(tp), False, weight))

    count = len(entries)
    product = np.array([e[0] for e in entries], np.int16)
    touchpoint = np.array([e[1] for e in entries], np.int8)
    length = rng.integers(MIN_DAYS, MAX_DAYS + 1, count)
    start = as_of_day - HISTORY_DAYS + rng.integers(0, HISTORY_DAYS - MIN_DAYS, count)
    end = np.minimum(start + length - 1, as_of_day - 1)
    ids = [
        f"CMP{k + 1:03d}-{product_ids[product[k]]}-{TOUCHPOINT_CODE[TOUCHPOINTS[touchpoint[k]]]}"
        for k in range(count)
    ]
    return Campaigns(
        ids=pa.array(ids),
        product=product,
        touchpoint=touchpoint,
        own=np.array([e[2] for e in entries]),
        start_day=start.astype(np.int32),
        end_day=end.astype(np.int32),
        weight=np.array([e[3] for e in entries]),
    )
