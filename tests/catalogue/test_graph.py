"""DependencyGraph: build order, cycles printed in order, impact queries."""

from __future__ import annotations

import pytest

from cube.catalogue.graph import DependencyGraph, UnknownNodeError
from cube.errors import CycleError


@pytest.fixture
def small_graph() -> DependencyGraph:
    graph = DependencyGraph()
    graph.add("usage_daily.data_mb", "input")
    for name in ("data_mb_30d", "heavy_data_user", "value_band"):
        graph.add(name, "tag")
    graph.add("p_5g_upgrade", "model")
    graph.add("strategy:s5g", "strategy")
    graph.depend("data_mb_30d", ["usage_daily.data_mb"])
    graph.depend("heavy_data_user", ["data_mb_30d"])
    graph.depend("p_5g_upgrade", ["heavy_data_user", "value_band"])
    graph.depend("strategy:s5g", ["p_5g_upgrade"])
    return graph


@pytest.fixture
def graph_with_cycle(small_graph: DependencyGraph) -> DependencyGraph:
    small_graph.depend("data_mb_30d", ["p_5g_upgrade"])
    return small_graph


def test_order_puts_dependencies_first_and_is_reproducible(small_graph: DependencyGraph) -> None:
    assert small_graph.order() == [
        "usage_daily.data_mb",
        "data_mb_30d",
        "heavy_data_user",
        "value_band",
        "p_5g_upgrade",
        "strategy:s5g",
    ]


def test_layers_filter_by_kind(small_graph: DependencyGraph) -> None:
    assert small_graph.layers(kinds=["tag", "model"]) == [
        ["data_mb_30d", "value_band"],
        ["heavy_data_user"],
        ["p_5g_upgrade"],
    ]


def test_cycle_error_prints_the_cycle(graph_with_cycle: DependencyGraph) -> None:
    with pytest.raises(CycleError) as caught:
        graph_with_cycle.order()
    assert str(caught.value) == (
        "dependency cycle: data_mb_30d -> heavy_data_user -> p_5g_upgrade -> data_mb_30d"
    )


def test_dependents_answer_what_breaks_if_an_input_changes(small_graph: DependencyGraph) -> None:
    assert small_graph.dependents("usage_daily.data_mb") == [
        "data_mb_30d",
        "heavy_data_user",
        "p_5g_upgrade",
        "strategy:s5g",
    ]
    assert small_graph.dependents("value_band", kinds=["strategy"]) == ["strategy:s5g"]


def test_dependencies_and_direct_dependencies(small_graph: DependencyGraph) -> None:
    assert small_graph.dependencies("p_5g_upgrade", kinds=["input"]) == ["usage_daily.data_mb"]
    assert small_graph.direct_dependencies("p_5g_upgrade") == ["heavy_data_user", "value_band"]


def test_unknown_name_suggests_the_closest(small_graph: DependencyGraph) -> None:
    with pytest.raises(UnknownNodeError) as caught:
        small_graph.dependents("heavy_data_usr")
    assert str(caught.value) == "unknown name 'heavy_data_usr' (did you mean 'heavy_data_user'?)"


def test_dot_output_has_shapes_by_kind(small_graph: DependencyGraph) -> None:
    dot = small_graph.to_dot()
    assert '"usage_daily.data_mb" [shape=box];' in dot
    assert '"p_5g_upgrade" [shape=diamond];' in dot
    assert '"strategy:s5g" [shape=hexagon];' in dot
    assert '"data_mb_30d" -> "heavy_data_user";' in dot
