"""What a match run will do, worked out in Python before Spark sees a row.

Everything here is small and per strategy or per product: which strategies are
active, each offer's value and propensity source, the routing weight of each
(strategy, product, touchpoint), the holdout period, efficiency weights (per
touchpoint and product category, cube.matching.efficiency, whose names are re-exported
here for the evaluation centre). The Spark pass (`cube.matching.candidates`) turns the
plan into columns; explain and forecast read the same plan, so their numbers cannot
drift from matching.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from cube.catalogue.spec import ModelSpec
from cube.errors import InputError
from cube.matching.efficiency import Efficiency
from cube.matching.efficiency import EfficiencyWeight as EfficiencyWeight  # re-exported
from cube.matching.efficiency import efficiency_file as efficiency_file  # re-exported
from cube.matching.efficiency import load_efficiency as load_efficiency  # re-exported
from cube.matching.policy import ContactPolicy
from cube.products import Product, ProductCatalogue
from cube.strategy.compiled import CompiledOffer, CompiledStrategy

NETWORKS = ("own", "other")
LEVER_BASE = 50.0  # priority 50 (the default) is a neutral lever of 1.0


def holdout_period(run_date: dt.date) -> str:
    """The holdout hash input: a month, so a subscriber stays in or out all month."""
    return f"{run_date:%Y-%m}"


def holdout_draw(subscriber_id: int, strategy_id: str, period: str) -> float:
    """A uniform number in [0, 1) fixed by (subscriber, strategy, period); Spark computes the
    same from the first 8 hex digits of sha256('subscriber|strategy|period')."""
    text = f"{subscriber_id}|{strategy_id}|{period}"
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) / 2**32


def acceptance_value(product: Product, policy: ContactPolicy) -> float:
    """Value of one acceptance, CNY: value_months of revenue less the channel commission."""
    return max(product.monthly_value * policy.value_months - product.commission, 0.0)


def lever(priority: int) -> float:
    """The business lever of a strategy: its priority relative to the default 50."""
    return priority / LEVER_BASE


@dataclass(frozen=True)
class OfferPlan:
    """One offered product of one strategy, with everything matching needs about it."""

    index: int  # position among all offers of the run (the candidate key)
    strategy_index: int
    offer: CompiledOffer
    product: Product
    value: float
    models: Mapping[str, str | None]  # network -> model score tag (None: default propensity)
    weights: Mapping[str, float]  # touchpoint -> routing weight (allowed touchpoints only)
    order: Mapping[str, int]  # touchpoint -> routing preference (0 first)

    @property
    def product_id(self) -> str:
        return self.product.id

    def propensity_source(self, network: str) -> str:
        if self.offer.rank is not None:
            return "rank"
        model = self.models.get(network)
        return f"model:{model}" if model else "default"


@dataclass(frozen=True)
class StrategyPlan:
    index: int
    compiled: CompiledStrategy
    offers: tuple[OfferPlan, ...]

    @property
    def id(self) -> str:
        return self.compiled.id


@dataclass(frozen=True)
class MatchPlan:
    """The run's strategies and offers, the policy and the conflict relation."""

    run_date: dt.date
    period: str
    policy: ContactPolicy
    strategies: tuple[StrategyPlan, ...]
    products: ProductCatalogue
    efficiency: Efficiency = field(default_factory=Efficiency)

    @property
    def offers(self) -> list[OfferPlan]:
        return [o for s in self.strategies for o in s.offers]

    def strategy(self, strategy_id: str) -> StrategyPlan:
        for plan in self.strategies:
            if plan.id == strategy_id:
                return plan
        raise KeyError(strategy_id)

    def held_products(self) -> list[str]:
        """Products whose holding rules an offer out: the offered ones and those they exclude."""
        offered = {o.product_id for o in self.offers}
        found = set(offered)
        for product_id in offered:
            found |= self.products.conflicts.excluded_by(product_id)
        return sorted(found)

    def holding_block(self, product_id: str, held: Iterable[str]) -> str | None:
        """Why holding `held` rules out an offer of `product_id`, or None: the Python twin of
        the eligibility filter in cube.matching.candidates.expand (explain uses it)."""
        held = set(held)
        if product_id in held:
            return "already held"
        clash = sorted(held & self.products.conflicts.excluded_by(product_id))
        return "conflicts with held " + ", ".join(clash) if clash else None

    def excluded(self) -> dict[str, list[str]]:
        """product -> products it excludes, for the offered products that exclude any."""
        offered = {o.product_id for o in self.offers}
        found = {p: sorted(self.products.conflicts.excluded_by(p)) for p in offered}
        return {p: ex for p, ex in sorted(found.items()) if ex}


def is_active(strategy: CompiledStrategy, run_date: dt.date) -> bool:
    """Status active and the active window covers the run date."""
    window = strategy.strategy.active
    return strategy.strategy.status == "active" and window.start <= run_date <= window.end


def model_for(category: str, network: str, models: Iterable[ModelSpec]) -> str | None:
    """The score tag of the model for a product category on a network, if any."""
    for model in models:
        if category in model.target_categories and network in model.networks:
            return model.name
    return None


def build_plan(
    strategies: Sequence[CompiledStrategy],
    *,
    run_date: dt.date,
    policy: ContactPolicy,
    products: ProductCatalogue,
    models: Iterable[ModelSpec],
    efficiency: Efficiency | None = None,
) -> MatchPlan:
    """The plan of a run over `strategies` (already filtered to those that take part)."""
    models = list(models)
    efficiency = efficiency or Efficiency()
    plans, next_offer = [], 0
    for s_index, compiled in enumerate(sorted(strategies, key=lambda c: c.id)):
        offers = []
        for offer in compiled.offers:
            if offer.product_id not in products:
                raise InputError(
                    f"{compiled.path}: strategy '{compiled.id}' offers unknown product "
                    f"'{offer.product_id}'"
                )
            product = products[offer.product_id]
            offers.append(
                OfferPlan(
                    index=next_offer,
                    strategy_index=s_index,
                    offer=offer,
                    product=product,
                    value=acceptance_value(product, policy),
                    models={n: model_for(product.category, n, models) for n in NETWORKS},
                    weights=_weights(compiled, product, policy, efficiency),
                    order=_order(compiled),
                )
            )
            next_offer += 1
        plans.append(StrategyPlan(index=s_index, compiled=compiled, offers=tuple(offers)))
    return MatchPlan(
        run_date=run_date,
        period=holdout_period(run_date),
        policy=policy,
        strategies=tuple(plans),
        products=products,
        efficiency=efficiency,
    )


def _weights(
    compiled: CompiledStrategy,
    product: Product,
    policy: ContactPolicy,
    efficiency: Efficiency,
) -> dict[str, float]:
    """Routing weight per allowed touchpoint: affinity (choose: affinity only) x efficiency
    of the touchpoint for the product's category (the strategy's own row if any)."""
    choose = compiled.strategy.touchpoints.choose
    weights = {}
    for touchpoint in compiled.strategy.touchpoints.allowed:
        learned = efficiency.weight(compiled.id, product.category, touchpoint)
        base = policy.routing.weight(touchpoint, product.category) if choose == "affinity" else 1.0
        weights[touchpoint] = base * learned
    return weights


def _order(compiled: CompiledStrategy) -> dict[str, int]:
    """Routing preference: the fixed order first (choose: fixed), else the allowed order."""
    policy = compiled.strategy.touchpoints
    ranked = list(policy.order or ()) if policy.choose == "fixed" else []
    ranked += [t for t in policy.allowed if t not in ranked]
    return {t: i for i, t in enumerate(ranked)}
