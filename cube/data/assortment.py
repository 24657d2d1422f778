"""What the operator sells: tariff plans, the product catalogue and its exclusions.

These are fixed reference data, the same in every generated world, so strategies and tests
can name products (LA-5GUP-S, HB-1000M, PI-SWITCH5G ...). Generator-only attributes ride
along (how long a product stays held, who is eligible) but never reach the contract tables.
Prices are CNY and follow a provincial operator's price list.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Literal

import numpy as np
import pyarrow as pa

from cube.contract import PRODUCT_CATEGORIES

Eligibility = Literal["all", "non_5g_plan", "broadband_household"]


@dataclass(frozen=True)
class Plan:
    """One tariff plan."""

    plan_id: str
    name: str
    monthly_fee: float
    data_gb: float
    voice_min: int
    is_5g: bool


@dataclass(frozen=True)
class Product:
    """One product; `held_days` None = held until cancelled, else it lapses after that long."""

    product_id: str
    name: str
    category: str
    family: str
    monthly_value: float
    commission: float
    scope: Literal["own", "other", "any"]
    description: str
    held_days: int | None = None
    eligibility: Eligibility = "all"


PLANS: tuple[Plan, ...] = (
    Plan("PL-4G-19", "4G Basic 19", 19.0, 5.0, 100, False),
    Plan("PL-4G-39", "4G Smart 39", 39.0, 15.0, 200, False),
    Plan("PL-4G-59", "4G Smart 59", 59.0, 30.0, 300, False),
    Plan("PL-4G-79", "4G Max 79", 79.0, 40.0, 500, False),
    Plan("PL-5G-69", "5G Start 69", 69.0, 30.0, 300, True),
    Plan("PL-5G-99", "5G Smart 99", 99.0, 60.0, 500, True),
    Plan("PL-5G-129", "5G Smart 129", 129.0, 80.0, 800, True),
    Plan("PL-5G-169", "5G Premium 169", 169.0, 100.0, 1000, True),
    Plan("PL-5G-239", "5G Premium 239", 239.0, 150.0, 1500, True),
    Plan("PL-FAM-199", "5G Family Share 199", 199.0, 120.0, 2000, True),
    Plan("PL-SENIOR-8", "Senior Care 8", 8.0, 1.0, 100, False),
    Plan("PL-CAMPUS-29", "5G Campus 29", 29.0, 40.0, 100, True),
)
# Plan choice by value tier (0 = lowest): the 4G and 5G ladders.
PLAN_LADDER_4G = ("PL-4G-19", "PL-4G-39", "PL-4G-59", "PL-4G-79", "PL-4G-79")
PLAN_LADDER_5G = ("PL-5G-69", "PL-5G-99", "PL-5G-129", "PL-5G-169", "PL-5G-239")
FAMILY_PLAN, SENIOR_PLAN, CAMPUS_PLAN = "PL-FAM-199", "PL-SENIOR-8", "PL-CAMPUS-29"
# A family-plan member line pays only the secondary-card fee; the head pays the plan.
FAMILY_MEMBER_FEE = 10.0

_P = Product
# fmt: off
PRODUCTS: tuple[Product, ...] = (
    _P("LA-DATA10G", "Data booster 10 GB", "light_addon", "data_booster", 10, 1, "own",
       "10 GB extra data valid for 30 days.", held_days=30),
    _P("LA-DATA30G", "Data booster 30 GB", "light_addon", "data_booster", 25, 2, "own",
       "30 GB extra data valid for 30 days.", held_days=30),
    _P("LA-5GUP-S", "5G upgrade add-on", "light_addon", "5g_upgrade", 10, 5, "own",
       "5G network access on a 4G plan, standard speed.", eligibility="non_5g_plan"),
    _P("LA-5GUP-L", "5G upgrade add-on Speed+", "light_addon", "5g_upgrade", 20, 8, "own",
       "5G network access on a 4G plan with priority speed.", eligibility="non_5g_plan"),
    _P("LA-VOICE300", "Voice pack 300 min", "light_addon", "voice_pack", 8, 1, "own",
       "300 extra domestic minutes a month."),
    _P("FI-INSTAL12", "Handset instalments, 12 months", "finance", "instalment", 12, 30,
       "own", "Interest-free handset instalments over 12 bills.", held_days=365),
    _P("FI-INSTAL24", "Handset instalments, 24 months", "finance", "instalment", 10, 40,
       "own", "Handset instalments over 24 bills.", held_days=730),
    _P("FI-CREDIT", "Credit-score plan", "finance", "credit", 20, 50, "own",
       "Deposit-free contract backed by a credit score.", held_days=730),
    _P("TE-5G-MID", "5G handset deal, mid-range", "terminal", "handset_deal", 30, 80, "own",
       "Mid-range 5G handset with a 24-month plan commitment.", held_days=730),
    _P("TE-5G-FLAG", "5G handset deal, flagship", "terminal", "handset_deal", 60, 150,
       "own", "Flagship 5G handset with a 24-month plan commitment.", held_days=730),
    _P("TE-TRADEIN", "Handset trade-in bonus", "terminal", "trade_in", 5, 40, "own",
       "Trade the old handset in for a bill credit.", held_days=30),
    _P("PI-SWITCH5G", "Port-in 5G switch offer", "terminal", "port_in", 99, 200, "other",
       "Move your number to us: 5G plan with a handset subsidy."),
    _P("HB-300M", "Home broadband 300 Mbps", "home_broadband", "broadband", 50, 150, "own",
       "Fibre home broadband, 300 Mbps, for the household."),
    _P("HB-1000M", "Home broadband gigabit", "home_broadband", "broadband", 100, 200, "own",
       "Fibre home broadband, 1000 Mbps, for the household."),
    _P("HB-FTTR", "Whole-home fibre Wi-Fi", "home_broadband", "broadband_extra", 30, 100,
       "own", "Fibre-to-the-room Wi-Fi for a broadband household.",
       eligibility="broadband_household"),
    _P("PI-BBBUNDLE", "Port-in broadband bundle", "home_broadband", "port_in", 129, 300,
       "other", "Move your number to us and get a year of free home broadband."),
    _P("CO-VIDEO", "Video membership", "content", "video", 15, 10, "any",
       "Streaming video membership, HD, 2 screens."),
    _P("CO-VIDEO-PRO", "Video membership Pro", "content", "video", 25, 12, "any",
       "Streaming video membership, 4K, 4 screens."),
    _P("CO-MUSIC", "Music membership", "content", "music", 10, 6, "any",
       "Lossless music streaming membership."),
    _P("CO-GAME", "Game accelerator", "content", "game", 12, 6, "own",
       "Low-latency gaming lane on our network."),
    _P("SC-ROAM-ASIA", "Asia roaming pack", "scenario", "roaming", 68, 5, "own",
       "7 days of data and calls in 20 Asian destinations.", held_days=7),
    _P("SC-TRAVEL", "Domestic travel pack", "scenario", "travel", 18, 3, "own",
       "15 days of extra data for a trip.", held_days=15),
    _P("SC-EVENT", "Event day pass", "scenario", "event", 6, 1, "own",
       "Unlimited data at a stadium or concert for a day.", held_days=1),
    _P("RE-LOYALTY", "Loyalty discount", "retention", "loyalty", 20, 20, "own",
       "20 % off the plan for 12 months for staying with us.", held_days=365),
    _P("RE-RENEW", "Contract renewal bonus", "retention", "loyalty", 30, 40, "own",
       "Renew the commitment for 24 months and get bonus data.", held_days=730),
    _P("ME-PLUS", "Benefits club Plus", "membership", "club", 15, 8, "any",
       "Monthly coupons for coffee, rides and cinema."),
    _P("ME-FAMILY", "Family benefits club", "membership", "club", 25, 10, "own",
       "Benefits club shared by every line of a family plan."),
    _P("ME-CAR", "Car-owner benefits", "membership", "car", 12, 6, "own",
       "Car wash, parking and roadside assistance coupons."),
)
# fmt: on
# Families whose products exclude one another (tiers of the same thing).
EXCLUSIVE_FAMILIES = (
    "5g_upgrade",
    "instalment",
    "handset_deal",
    "broadband",
    "port_in",
    "video",
    "loyalty",
    "club",
)
# Products held by the whole household: every line of a family holds them.
HOUSEHOLD_FAMILIES = ("broadband", "broadband_extra")
BRANDS = ("Huawei", "Apple", "Xiaomi", "OPPO", "vivo", "Honor", "Samsung", "OnePlus")


@dataclass(frozen=True)
class Assortment:
    """Plans and products as numpy columns, for vectorised lookups by index."""

    plan_ids: tuple[str, ...]
    plan_fee: np.ndarray
    plan_data_gb: np.ndarray
    plan_is_5g: np.ndarray
    product_ids: tuple[str, ...]
    category: np.ndarray  # int8 index into PRODUCT_CATEGORIES
    family: np.ndarray  # int8 index into families
    families: tuple[str, ...]
    monthly_value: np.ndarray
    held_days: np.ndarray  # int32, -1 = until cancelled
    exclusive: np.ndarray  # bool: the product's family is exclusive
    household: np.ndarray  # bool: held by every line of the household
    scope: tuple[str, ...]
    eligibility: tuple[Eligibility, ...]

    def plan(self, plan_id: str) -> int:
        return self.plan_ids.index(plan_id)

    def product(self, product_id: str) -> int:
        return self.product_ids.index(product_id)


def build_assortment() -> Assortment:
    """The fixed plans and products as an `Assortment`."""
    families = tuple(dict.fromkeys(p.family for p in PRODUCTS))
    assert len(families) < 63, "family bitmasks are int64"
    return Assortment(
        plan_ids=tuple(p.plan_id for p in PLANS),
        plan_fee=np.array([p.monthly_fee for p in PLANS]),
        plan_data_gb=np.array([p.data_gb for p in PLANS]),
        plan_is_5g=np.array([p.is_5g for p in PLANS]),
        product_ids=tuple(p.product_id for p in PRODUCTS),
        category=np.array([PRODUCT_CATEGORIES.index(p.category) for p in PRODUCTS], np.int8),
        family=np.array([families.index(p.family) for p in PRODUCTS], np.int8),
        families=families,
        monthly_value=np.array([p.monthly_value for p in PRODUCTS], np.float64),
        held_days=np.array([p.held_days or -1 for p in PRODUCTS], np.int32),
        exclusive=np.array([p.family in EXCLUSIVE_FAMILIES for p in PRODUCTS]),
        household=np.array([p.family in HOUSEHOLD_FAMILIES for p in PRODUCTS]),
        scope=tuple(p.scope for p in PRODUCTS),
        eligibility=tuple(p.eligibility for p in PRODUCTS),
    )


def exclusion_pairs() -> list[tuple[str, str]]:
    """Every pair of products in the same exclusive family, each pair once."""
    pairs = []
    for family in EXCLUSIVE_FAMILIES:
        members = [p.product_id for p in PRODUCTS if p.family == family]
        pairs.extend(combinations(members, 2))
    return pairs


def plans_columns() -> dict[str, pa.Array]:
    """The `plans` table's columns."""
    return {
        "plan_id": pa.array([p.plan_id for p in PLANS]),
        "plan_name": pa.array([p.name for p in PLANS]),
        "monthly_fee": pa.array([p.monthly_fee for p in PLANS], pa.float64()),
        "data_gb": pa.array([p.data_gb for p in PLANS], pa.float64()),
        "voice_min": pa.array([p.voice_min for p in PLANS], pa.int32()),
        "is_5g": pa.array([p.is_5g for p in PLANS]),
    }


def products_columns() -> dict[str, pa.Array]:
    """The `products` table's columns."""
    return {
        "product_id": pa.array([p.product_id for p in PRODUCTS]),
        "product_name": pa.array([p.name for p in PRODUCTS]),
        "category": pa.array([p.category for p in PRODUCTS]),
        "family": pa.array([p.family for p in PRODUCTS]),
        "monthly_value": pa.array([float(p.monthly_value) for p in PRODUCTS], pa.float64()),
        "commission": pa.array([float(p.commission) for p in PRODUCTS], pa.float64()),
        "network_scope": pa.array([p.scope for p in PRODUCTS]),
        "description": pa.array([p.description for p in PRODUCTS]),
    }


def exclusions_columns() -> dict[str, pa.Array]:
    """The `product_exclusions` table's columns."""
    pairs = exclusion_pairs()
    return {
        "product_id": pa.array([a for a, _ in pairs]),
        "excluded_product_id": pa.array([b for _, b in pairs]),
    }
