"""The dependency graph of inputs, tags, models and strategies (networkx behind a small class).

Nodes are named: inputs as 'table.column', tags and models by name, strategies
as 'strategy:<id>'. Edges point from what is needed to what needs it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import networkx as nx

from cube.errors import CubeError, CycleError, did_you_mean

NodeKind = Literal["input", "tag", "model", "strategy"]


class UnknownNodeError(CubeError):
    """A name the graph does not know."""


class DependencyGraph:
    """A DAG with build order, cycle reporting and impact ('what depends on X')."""

    def __init__(self) -> None:
        self._g: nx.DiGraph = nx.DiGraph()

    def add(self, name: str, kind: NodeKind) -> None:
        self._g.add_node(name, kind=kind)

    def depend(self, node: str, on: Iterable[str]) -> None:
        """Record that `node` needs each of `on`."""
        for dep in on:
            self._g.add_edge(dep, node)

    def __contains__(self, name: str) -> bool:
        return name in self._g

    def __len__(self) -> int:
        return self._g.number_of_nodes()

    def kind(self, name: str) -> NodeKind:
        self._require(name)
        return self._g.nodes[name].get("kind", "tag")

    def check(self) -> None:
        """Raise CycleError naming the cycle, if there is one."""
        try:
            edges = nx.find_cycle(self._g)
        except nx.NetworkXNoCycle:
            return
        raise CycleError([u for u, _ in edges])

    def order(self) -> list[str]:
        """Every node, dependencies first; ties broken by name so builds are reproducible."""
        self.check()
        return list(nx.lexicographical_topological_sort(self._g))

    def layers(self, kinds: Iterable[NodeKind] | None = None) -> list[list[str]]:
        """Nodes in generations (of the given kinds): each layer needs only earlier layers."""
        self.check()
        graph = self._g
        if kinds:
            # Layer within the wanted kinds only: an input is not a build generation.
            wanted = set(kinds)
            graph = nx.transitive_closure_dag(self._g).subgraph(
                n for n in self._g if self.kind(n) in wanted
            )
        return [sorted(generation) for generation in nx.topological_generations(graph)]

    def dependents(self, name: str, kinds: Iterable[NodeKind] | None = None) -> list[str]:
        """Everything that needs `name`, directly or not."""
        self._require(name)
        return self._filter(nx.descendants(self._g, name), kinds)

    def dependencies(self, name: str, kinds: Iterable[NodeKind] | None = None) -> list[str]:
        """Everything `name` needs, directly or not."""
        self._require(name)
        return self._filter(nx.ancestors(self._g, name), kinds)

    def direct_dependencies(self, name: str) -> list[str]:
        self._require(name)
        return sorted(self._g.predecessors(name))

    def to_dict(self) -> dict[str, object]:
        return {
            "nodes": [{"name": n, "kind": self.kind(n)} for n in sorted(self._g.nodes)],
            "edges": [{"from": u, "to": v} for u, v in sorted(self._g.edges)],
        }

    def to_dot(self) -> str:
        """Graphviz text; inputs as boxes, models as diamonds, strategies as hexagons."""
        shapes = {"input": "box", "tag": "ellipse", "model": "diamond", "strategy": "hexagon"}
        lines = ["digraph cube {", "  rankdir=LR;"]
        for n in sorted(self._g.nodes):
            lines.append(f'  "{n}" [shape={shapes[self.kind(n)]}];')
        for u, v in sorted(self._g.edges):
            lines.append(f'  "{u}" -> "{v}";')
        lines.append("}")
        return "\n".join(lines) + "\n"

    def _filter(self, names: Iterable[str], kinds: Iterable[NodeKind] | None) -> list[str]:
        wanted = set(kinds) if kinds else None
        return sorted(n for n in names if wanted is None or self.kind(n) in wanted)

    def _require(self, name: str) -> None:
        if name not in self._g:
            hint = did_you_mean(name, self._g.nodes)
            suffix = f" (did you mean '{hint}'?)" if hint else ""
            raise UnknownNodeError(f"unknown name '{name}'{suffix}")
