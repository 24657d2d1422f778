"""The dependency graph of the catalogue: build order, cycles, impact of an input."""

from __future__ import annotations

import pytest

from cube.catalogue import Catalogue, TagSpec
from cube.errors import CycleError


def _tag(name: str, *depends_on: str) -> TagSpec:
    return TagSpec(
        name=name,
        dtype="int",
        description=f"test tag {name}",
        category="usage",
        owner="test",
        depends_on=depends_on,
        compute=lambda ctx: None,
    )


@pytest.fixture
def cyclic_tags() -> list[TagSpec]:
    """a needs c, b needs a, c needs b: a cycle through three tags."""
    return [_tag("a", "c"), _tag("b", "a"), _tag("c", "b")]


def test_a_cycle_is_reported_in_order(cyclic_tags: list[TagSpec]) -> None:
    with pytest.raises(CycleError) as raised:
        Catalogue(cyclic_tags)
    assert str(raised.value) == "dependency cycle: a -> b -> c -> a"
    assert raised.value.cycle == ["a", "b", "c"]


def test_build_layers_put_every_tag_after_what_it_needs(catalogue: Catalogue) -> None:
    layer_of = {s.name: i for i, layer in enumerate(catalogue.build_layers()) for s in layer}
    assert layer_of["video_share"] < layer_of["video_lover"] < layer_of["content_lover"]
    assert layer_of["value_band"] < layer_of["high_value"] < layer_of["high_value_pre_churn"]
    # Aggregates are computed in the grouped passes, before any layer.
    assert "data_mb_30d" not in layer_of
    for layer in catalogue.build_layers():
        for spec in layer:
            assert all(layer_of.get(dep, -1) < layer_of[spec.name] for dep in spec.depends_on)


def test_build_order_lists_inputs_before_tags(catalogue: Catalogue) -> None:
    order = catalogue.graph.order()
    assert order.index("usage_daily.video_mb") < order.index("video_mb_30d")
    assert order.index("video_mb_30d") < order.index("heavy_video_user")


def test_dependents_of_an_input(catalogue: Catalogue) -> None:
    assert catalogue.graph.dependents("usage_daily.video_mb", kinds=["tag"]) == [
        "content_lover",
        "heavy_video_user",
        "top_content_type",
        "video_lover",
        "video_mb_30d",
        "video_share",
    ]


def test_dependencies_of_a_lifecycle_tag_reach_the_inputs(catalogue: Catalogue) -> None:
    needs = catalogue.graph.dependencies("lifecycle_stage", kinds=["input"])
    assert needs == [
        "billing_monthly.arrears",
        "billing_monthly.bill_month",
        "subscribers.activation_date",
        "subscribers.contract_end_date",
        "usage_daily.data_mb",
        "usage_daily.usage_date",
        "usage_daily.voice_min",
    ]
