"""Region scope: a region run is the whole run restricted to the region, per city capacity."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cube.errors import InputError
from cube.matching.region import check_region, in_region
from tests.matching import world as w

C01_K001, C01_K002, C02_K003 = "P1.C01.K001.G0001", "P1.C01.K002.G0005", "P1.C02.K003.G0010"


def _grid(subscriber: int, grid: str, p: float) -> dict[str, Any]:
    return w.tags_row(subscriber, grid_id=grid, city_id=grid[:6], p_5g_upgrade=p)


@pytest.fixture(scope="module")
def scoped(spark: Any) -> dict[str | None, list[dict[str, Any]]]:
    """Candidates of the whole run and of region runs. 1 and 2 live in city C01 (2 scores
    higher), 3 in C02; the call centre takes 1 order per city and day."""
    video = w.strategy("video-5g", allowed=("outbound_call",))
    plan = w.plan([video], w.policy(capacity={"outbound_call": {"daily": 1}}))
    tags = [_grid(1, C01_K001, 0.5), _grid(2, C01_K002, 0.9), _grid(3, C02_K003, 0.5)]
    inputs = w.inputs(spark, tags)
    out: dict[str | None, list[dict[str, Any]]] = {}
    for region in (None, "P1.C01", "P1.C01.K001"):
        mine = dataclasses.replace(inputs, tags=in_region(inputs.tags, region))
        out[region] = w.run(mine, plan)
    return out


@pytest.mark.spark
def test_a_city_run_is_the_whole_run_restricted_to_the_city(scoped: dict[Any, Any]) -> None:
    """Capacity is per city, so even where it binds (C01) the city run equals the whole run
    there: it sees the same competitors for the same seats."""
    assert w.issued(scoped[None]) == [
        (2, "video-5g", "LA-5GUP-S", "outbound_call"),
        (3, "video-5g", "LA-5GUP-S", "outbound_call"),
    ]
    in_c01 = [r for r in scoped[None] if r["grid_id"].startswith("P1.C01.")]
    assert scoped["P1.C01"] == in_c01
    assert w.drops(scoped["P1.C01"]) == {
        (1, "video-5g", "LA-5GUP-S", "outbound_call"): "capacity:outbound_call@P1.C01",
        (2, "video-5g", "LA-5GUP-S", "outbound_call"): None,
    }


@pytest.mark.spark
def test_a_county_run_gets_its_city_capacity_to_itself(scoped: dict[Any, Any]) -> None:
    """Below city level a region run differs where the city's capacity binds: subscriber 1
    lost the city's one call to 2 in the whole run, but 2 is not in county K001."""
    assert w.issued(scoped["P1.C01.K001"]) == [(1, "video-5g", "LA-5GUP-S", "outbound_call")]


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    grids = ["P1.C01.K001.G0001", "P1.C01.K002.G0005", "P1.C03.K012.G0412"]
    table = pa.table(
        {
            "grid_id": grids,
            "county_id": [g[:11] for g in grids],
            "city_id": [g[:6] for g in grids],
            "province_id": ["P1"] * 3,
        }
    )
    (tmp_path / "regions").mkdir()
    pq.write_table(table, tmp_path / "regions" / "part-0.parquet")
    return tmp_path


@pytest.mark.parametrize("region", ["P1", "P1.C03", "P1.C03.K012", "P1.C03.K012.G0412"])
def test_every_level_of_the_hierarchy_is_a_region(raw_dir: Path, region: str) -> None:
    assert check_region(region, raw_dir) == region


@pytest.mark.parametrize(
    ("region", "message"),
    [
        ("P1.C3", "unknown region 'P1.C3' (did you mean 'P1.C03'?)"),
        ("P1.C01.", "unknown region 'P1.C01.' (did you mean 'P1.C01'?)"),
        ("Yunzhou", "unknown region 'Yunzhou' (e.g. P1, P1.C03, P1.C03.K012)"),
    ],
)
def test_an_unknown_region_is_named(raw_dir: Path, region: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        check_region(region, raw_dir)
    assert str(caught.value) == message


def test_regions_extract_is_required_for_a_region_scope(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        check_region("P1", tmp_path)
    assert str(caught.value) == (
        f"{tmp_path / 'regions'}: missing (a region scope is checked against the regions "
        "extract; run `cube data generate` or set CUBE_RAW_DIR)"
    )
