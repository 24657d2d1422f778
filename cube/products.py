"""The product catalogue strategies offer, and which products exclude each other.

Read from the operator's `products` and `product_exclusions` extracts (data contract)
with pyarrow, no JVM: the checker, matching, real-time offers and the evaluation all
need it, and it is small (tens to a few thousand rows).

Exclusions form a networkx graph behind `ConflictGraph`: arbitration asks "does this
product conflict with one already chosen?" and the checker asks "do these two
strategies offer conflicting products?".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from cube.errors import InputError


@dataclass(frozen=True)
class Product:
    """One row of the products extract."""

    id: str
    name: str
    category: str
    family: str
    monthly_value: float
    commission: float
    network_scope: str  # own, other or any

    def reaches(self, network: str) -> bool:
        """Whether a subscriber on `network` can take it."""
        return self.network_scope in ("any", network)


class ConflictGraph:
    """Products that cannot be held together: an undirected graph, one edge per pair."""

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        self._graph: nx.Graph = nx.Graph()
        self._graph.add_edges_from((a, b) for a, b in pairs if a != b)

    def conflicts(self, a: str, b: str) -> bool:
        return self._graph.has_edge(a, b)

    def excluded_by(self, product_id: str) -> frozenset[str]:
        """Every product that `product_id` excludes."""
        if product_id not in self._graph:
            return frozenset()
        return frozenset(self._graph.neighbors(product_id))

    def pairs(self) -> Iterator[tuple[str, str]]:
        """Each excluding pair once, sorted within the pair."""
        for a, b in self._graph.edges():
            yield (a, b) if a <= b else (b, a)

    def __len__(self) -> int:
        return self._graph.number_of_edges()


@dataclass(frozen=True)
class ProductCatalogue:
    """Products by id plus their conflict graph."""

    products: Mapping[str, Product]
    conflicts: ConflictGraph

    def __contains__(self, product_id: object) -> bool:
        return product_id in self.products

    def __getitem__(self, product_id: str) -> Product:
        return self.products[product_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self.products)

    def __len__(self) -> int:
        return len(self.products)


def load_products(raw_dir: Path) -> ProductCatalogue:
    """Read `<raw_dir>/products` and `<raw_dir>/product_exclusions` (Parquet directories)."""
    rows = _read(raw_dir / "products")
    products = {
        str(r["product_id"]): Product(
            id=str(r["product_id"]),
            name=str(r["product_name"]),
            category=str(r["category"]),
            family=str(r["family"]),
            monthly_value=float(r["monthly_value"]),
            commission=float(r["commission"]),
            network_scope=str(r["network_scope"]),
        )
        for r in rows
    }
    pairs = []
    for i, r in enumerate(_read(raw_dir / "product_exclusions")):
        a, b = str(r["product_id"]), str(r["excluded_product_id"])
        for side in (a, b):
            if side not in products:
                raise InputError(
                    f"{raw_dir / 'product_exclusions'}: row {i + 1}: unknown product '{side}'"
                )
        pairs.append((a, b))
    return ProductCatalogue(products=products, conflicts=ConflictGraph(pairs))


def _read(path: Path) -> list[dict[str, object]]:
    import pyarrow.parquet as pq

    if not path.exists():
        raise InputError(f"{path}: missing (run `cube data generate` or point CUBE_RAW_DIR at it)")
    try:
        return pq.read_table(path).to_pylist()
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: unreadable Parquet: {exc}") from exc
