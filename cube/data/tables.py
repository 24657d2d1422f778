"""Contract columns of the per-subscriber tables, from one chunk's drawn world.

This is the only place that decides what the warehouse shows: which fields are null for
other-network lines, how codes become labels, how ids are formed. Each function returns
the columns of one contract table for `cube.data.arrow.build_table`.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from cube.contract import (
    CARRIERS,
    CONTACT_OUTCOMES,
    INTERACTION_CHANNELS,
    INTERACTION_TOPICS,
    NETWORKS,
    TOUCHPOINTS,
)
from cube.data.arrow import Column, dates, pick, prefixed_numbers, timestamps, values
from cube.data.assortment import BRANDS, Assortment
from cube.data.campaigns import Campaigns
from cube.data.consent import Consent
from cube.data.contacts import Contacts
from cube.data.holdings import Holdings
from cube.data.households import SINGLE
from cube.data.population import FAMILY_ID_BASE, Population
from cube.data.regions import PROVINCE_ID, Regions

# Contact ids: "CT" + chunk index * CONTACTS_PER_CHUNK + position, zero-padded.
CONTACTS_PER_CHUNK = 10**9
CONTACT_ID_DIGITS = 15

_labels = pa.array
_NETWORK, _CARRIER = _labels(NETWORKS), _labels(CARRIERS)
_GENDER, _STATUS = _labels(["M", "F"]), _labels(["active", "suspended"])
_ROLE = _labels(["member", "head", "member"])  # index by household role; SINGLE is null
_BRAND = _labels(BRANDS)


def subscribers(
    pop: Population,
    regions: Regions,
    assortment: Assortment,
    has_broadband: np.ndarray,
    as_of_day: int,
) -> dict[str, Column]:
    """The `subscribers` table: full rows for own lines, sparse ones for rivals'."""
    acc, own, other = pop.accounts, pop.own, ~pop.own
    county = regions.county_of_grid[pop.grid]
    single = pop.households.role == SINGLE
    return {
        "subscriber_id": pop.subscriber_id,
        "network": pick(_NETWORK, (~own).astype(np.int64)),
        "carrier": pick(_CARRIER, pop.carrier),
        "province_id": pa.array([PROVINCE_ID] * pop.n, pa.string()),
        "city_id": pick(regions.city_ids, regions.city_of_county[county]),
        "county_id": pick(regions.county_ids, county),
        "grid_id": pick(regions.grid_ids, pop.grid),
        "age": values(pop.age.astype(np.int32), ~pop.age_known),
        "gender": pick(_GENDER, pop.female.astype(np.int64), ~pop.gender_known),
        "status": pick(_STATUS, acc.suspended.astype(np.int64)),
        "activation_date": dates(acc.activation_day, other),
        "plan_id": pick(pa.array(assortment.plan_ids), np.maximum(acc.plan, 0), other),
        "contract_end_date": dates(acc.contract_end_day, other | (acc.contract_end_day < 0)),
        "handset_brand": pick(_BRAND, pop.brand, ~pop.handset_seen),
        "handset_5g": values(pop.handset_5g, ~pop.handset_seen),
        "handset_purchase_date": dates(as_of_day - pop.handset_age_days, ~pop.purchase_seen),
        "has_broadband": values(has_broadband, other),
        "family_id": values(FAMILY_ID_BASE + pop.index[pop.households.head], single),
        "family_role": pick(_ROLE, pop.households.role.astype(np.int64), single),
    }


def usage_daily(pop: Population, usage: dict[str, np.ndarray]) -> dict[str, Column]:
    """The `usage_daily` table."""
    measures = ("data_mb", "data_5g_mb", "voice_min", "sms_count", "video_mb", "game_mb",
                "music_mb")  # fmt: skip
    return {
        "subscriber_id": pop.subscriber_id[usage["sub"]],
        "usage_date": dates(usage["day"]),
        **{name: usage[name] for name in measures},
    }


def billing_monthly(pop: Population, bills: dict[str, np.ndarray]) -> dict[str, Column]:
    """The `billing_monthly` table."""
    return {
        "subscriber_id": pop.subscriber_id[bills["sub"]],
        "bill_month": dates(bills["month_day"]),
        "arpu": bills["arpu"],
        "arrears": bills["arrears"],
        "paid_on_time": bills["paid_on_time"],
    }


def holdings(pop: Population, held: Holdings, assortment: Assortment) -> dict[str, Column]:
    """The `holdings` table."""
    return {
        "subscriber_id": pop.subscriber_id[held.sub],
        "product_id": pick(pa.array(assortment.product_ids), held.product),
        "start_date": dates(held.start_day),
    }


def consent(pop: Population, state: Consent) -> dict[str, Column]:
    """The `consent` table: one row per line, both networks."""
    flags = {f"consent_{tp}": state.flags[:, i] for i, tp in enumerate(TOUCHPOINTS)}
    return {
        "subscriber_id": pop.subscriber_id,
        **flags,
        "do_not_disturb": state.do_not_disturb,
        "updated_at": dates(state.updated_day),
    }


def contact_history(
    pop: Population, contacts: Contacts, campaigns: Campaigns, assortment: Assortment, chunk: int
) -> dict[str, Column]:
    """The `contact_history` table; contact ids are unique across chunks."""
    number = chunk * CONTACTS_PER_CHUNK + np.arange(contacts.sub.size, dtype=np.int64)
    product_ids = pa.array(assortment.product_ids)
    return {
        "contact_id": prefixed_numbers("CT", number, CONTACT_ID_DIGITS),
        "subscriber_id": pop.subscriber_id[contacts.sub],
        "campaign_id": pick(campaigns.ids, contacts.campaign),
        "product_id": pick(product_ids, campaigns.product[contacts.campaign]),
        "touchpoint": pick(_labels(TOUCHPOINTS), campaigns.touchpoint[contacts.campaign]),
        "contact_ts": timestamps(contacts.micros),
        "outcome": pick(_labels(CONTACT_OUTCOMES), contacts.outcome),
    }


def interactions(pop: Population, rows: dict[str, np.ndarray]) -> dict[str, Column]:
    """The `interactions` table."""
    return {
        "subscriber_id": pop.subscriber_id[rows["sub"]],
        "interaction_date": dates(rows["day"]),
        "channel": pick(_labels(INTERACTION_CHANNELS), rows["channel"]),
        "topic": pick(_labels(INTERACTION_TOPICS), rows["topic"]),
        "events": rows["events"],
    }
