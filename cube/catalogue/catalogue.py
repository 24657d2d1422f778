"""The tag catalogue: every tag and model, validated against the data contract.

The definitions live in the top-level `tags` package (the catalogue as code);
`Catalogue.load()` collects them and checks names, inputs and the graph once.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import import_module

from cube.catalogue.graph import DependencyGraph
from cube.catalogue.spec import AGGREGATE_SOURCES, ModelSpec, TagSpec
from cube.contract import TABLES_BY_NAME
from cube.errors import ConfigError, did_you_mean


class UnknownTagError(ConfigError):
    """A tag name the catalogue does not have."""


class Catalogue:
    """Tags and models by name, plus their dependency graph."""

    def __init__(self, tags: Iterable[TagSpec], models: Iterable[ModelSpec] = ()):
        self.models: dict[str, ModelSpec] = {}
        self.tags: dict[str, TagSpec] = {}
        problems: list[str] = []
        for spec in [*tags, *(m.as_tag() for m in models)]:
            if spec.name in self.tags:
                problems.append(f"tag '{spec.name}' is defined twice")
            self.tags[spec.name] = spec
        for model in models:
            self.models[model.name] = model
        problems += self._check_references()
        if problems:
            raise ConfigError("invalid tag catalogue:\n  " + "\n  ".join(problems))
        self.graph = self._build_graph()
        self.graph.check()

    @classmethod
    def load(cls, package: str = "tags") -> Catalogue:
        """Collect `TAG_SETS` and `MODELS` from the catalogue package."""
        module = import_module(package)
        specs = [spec for tag_set in module.TAG_SETS for spec in tag_set.specs]
        return cls(specs, module.MODELS)

    def __contains__(self, name: str) -> bool:
        return name in self.tags

    def __len__(self) -> int:
        return len(self.tags)

    def get(self, name: str) -> TagSpec:
        try:
            return self.tags[name]
        except KeyError:
            hint = did_you_mean(name, self.tags)
            suffix = f" (did you mean '{hint}'?)" if hint else ""
            raise UnknownTagError(f"unknown tag '{name}'{suffix}") from None

    def by_kind(self, kind: str) -> list[TagSpec]:
        return [t for t in self.tags.values() if t.kind == kind]

    def build_layers(self) -> list[list[TagSpec]]:
        """Row and model tags in dependency generations; each needs only earlier ones.

        Aggregate tags are computed first, in one grouped pass per source table, so
        they are left out here.
        """
        layers = []
        for layer in self.graph.layers(kinds=["tag", "model"]):
            specs = [self.tags[n] for n in layer if self.tags[n].kind != "aggregate"]
            if specs:
                layers.append(specs)
        return layers

    def describe(self) -> list[dict[str, object]]:
        return [self.tags[n].describe() for n in sorted(self.tags)]

    def _check_references(self) -> list[str]:
        problems = []
        for spec in self.tags.values():
            for ref in spec.inputs:
                table, column = ref.split(".", 1)
                contract = TABLES_BY_NAME.get(table)
                if contract is None or column not in contract.column_names:
                    problems.append(f"tag '{spec.name}': input '{ref}' is not in the data contract")
            for dep in spec.depends_on:
                if dep not in self.tags:
                    hint = did_you_mean(dep, self.tags)
                    suffix = f" (did you mean '{hint}'?)" if hint else ""
                    problems.append(f"tag '{spec.name}': depends on unknown tag '{dep}'{suffix}")
            if spec.kind == "aggregate" and spec.source not in AGGREGATE_SOURCES:
                problems.append(f"tag '{spec.name}': unknown source '{spec.source}'")
            if spec.kind != "model" and spec.compute is None:
                problems.append(f"tag '{spec.name}': has no compute function")
        return problems

    def _build_graph(self) -> DependencyGraph:
        graph = DependencyGraph()
        for spec in self.tags.values():
            graph.add(spec.name, "model" if spec.kind == "model" else "tag")
            for ref in spec.inputs:
                graph.add(ref, "input")
            graph.depend(spec.name, [*spec.inputs, *spec.depends_on])
        return graph
