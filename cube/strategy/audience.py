"""Data-based checks on the current tag snapshot, all files in ONE Spark pass.

For each strategy: how many subscribers on its products' networks its segment
selects. For each pair of strategies offering conflicting products (excluding
each other in the conflict graph, or of the same family): how many subscribers
both select. All counts are conditional sums of one aggregation over the tag
table, so the table is scanned once however many files are checked.

Thresholds (shares of the strategy's population, i.e. the subscribers on the
networks its products reach):
- W204 below MIN_SHARE (0.1 %; at the operator's 27M subscribers, 27,000), or zero;
- W205 above MAX_SHARE (90 %): a segment that selects almost everyone targets nobody;
- W206 an overlap of at least OVERLAP_SHARE (1 %) of the smaller segment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cube.dsl import tag_refs
from cube.dsl.columns import to_column
from cube.products import ProductCatalogue
from cube.strategy.files import StrategyFile

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

MIN_SHARE = 0.001
MAX_SHARE = 0.9
OVERLAP_SHARE = 0.01
NETWORKS = ("own", "other")


@dataclass(frozen=True)
class Conflict:
    """Two strategies (indexes) and the first pair of their offers that conflict."""

    first: int
    second: int
    first_offer: int
    second_offer: int
    reason: str


@dataclass(frozen=True)
class Audience:
    """What the pass counted: per strategy and per conflicting pair."""

    population: dict[int, int]
    matched: dict[int, int]
    overlap: dict[tuple[int, int], int]


def networks_of(found: StrategyFile, products: ProductCatalogue) -> tuple[str, ...]:
    """The networks any of the strategy's products can reach."""
    assert found.strategy is not None
    scopes = {products[o.product].network_scope for o in found.strategy.offers}
    return tuple(n for n in NETWORKS if "any" in scopes or n in scopes)


def conflicts(files: list[StrategyFile], products: ProductCatalogue) -> list[Conflict]:
    """Pairs of strategies with overlapping windows that offer conflicting products."""
    found = []
    for i, a in enumerate(files):
        for j in range(i + 1, len(files)):
            b = files[j]
            assert a.strategy is not None and b.strategy is not None
            wa, wb = a.strategy.active, b.strategy.active
            if wa.start > wb.end or wb.start > wa.end:
                continue
            pair = _conflicting_offers(a, b, products)
            if pair is not None:
                found.append(Conflict(i, j, *pair))
    return found


def _conflicting_offers(
    a: StrategyFile, b: StrategyFile, products: ProductCatalogue
) -> tuple[int, int, str] | None:
    assert a.strategy is not None and b.strategy is not None
    for x, offer_a in enumerate(a.strategy.offers):
        for y, offer_b in enumerate(b.strategy.offers):
            pa, pb = products[offer_a.product], products[offer_b.product]
            if pa.id == pb.id:
                return x, y, "the same product"
            if products.conflicts.conflicts(pa.id, pb.id):
                return x, y, "excluding products"
            if pa.family == pb.family:
                return x, y, f"products of one family ({pa.family})"
    return None


def count_audience(
    table: DataFrame,
    files: list[StrategyFile],
    pairs: list[Conflict],
    products: ProductCatalogue,
) -> Audience:
    """One aggregation over `table` counting every segment and every overlap."""
    from pyspark.sql import functions as F

    selects: dict[int, Column] = {}
    bases: dict[int, Column] = {}
    for i, found in enumerate(files):
        assert found.semantics.segment is not None
        base = F.col("network").isin(*networks_of(found, products))
        bases[i] = base
        selects[i] = base & F.coalesce(to_column(found.semantics.segment), F.lit(False))

    def count(condition: Column, name: str) -> Column:
        return F.sum(F.when(condition, 1).otherwise(0)).alias(name)

    columns = [count(bases[i], f"p{i}") for i in bases]
    columns += [count(selects[i], f"m{i}") for i in selects]
    columns += [count(selects[c.first] & selects[c.second], f"o{n}") for n, c in enumerate(pairs)]
    if not columns:
        return Audience({}, {}, {})
    row = table.agg(*columns).first()
    assert row is not None
    values = row.asDict()
    return Audience(
        population={i: int(values[f"p{i}"] or 0) for i in bases},
        matched={i: int(values[f"m{i}"] or 0) for i in selects},
        overlap={(c.first, c.second): int(values[f"o{n}"] or 0) for n, c in enumerate(pairs)},
    )


def missing_tags(found: StrategyFile, columns: set[str]) -> list[str]:
    """Tags the segment needs that the snapshot does not have (e.g. unscored models)."""
    assert found.semantics.segment is not None
    return sorted({r.name for r in tag_refs(found.semantics.segment)} - columns)
