"""The organisation hierarchy: 1 province, 11 cities, 150 counties, 3000 grids.

The hierarchy has a fixed size whatever the number of subscribers (an operator's
grid map does not shrink with a sample). Ids are dotted paths (P1.C03.K021.G0412),
so every level is a prefix of the one below. Subscribers are spread with a skew:
the capital city is the largest market, counties and grids vary in size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

PROVINCE_ID, PROVINCE_NAME = "P1", "Huaxi Province"
CITY_NAMES = (
    "Yunzhou", "Linhai", "Qingshan", "Baihe", "Songyang", "Hechuan",
    "Jinping", "Luxi", "Anning", "Taibai", "Xiling",
)  # fmt: skip
COUNTIES_PER_CITY = (22, 16, 15, 14, 13, 13, 12, 12, 11, 11, 11)
# Share of subscribers per city: the capital (first) is the biggest market.
CITY_WEIGHTS = (0.24, 0.12, 0.10, 0.09, 0.08, 0.07, 0.07, 0.06, 0.06, 0.06, 0.05)
GRIDS = 3000
MIN_GRIDS_PER_COUNTY = 5
_SYLLABLES = (
    "an", "bai", "chang", "dong", "feng", "gao", "he", "hua", "jin", "kang", "lan", "li",
    "ming", "nan", "ping", "qing", "shan", "tai", "wen", "xi", "yang", "yong", "ze", "zhu",
)  # fmt: skip
_COUNTY_SUFFIXES = ("District", "County")


@dataclass(frozen=True)
class Regions:
    """The hierarchy as columns, plus where subscribers live (cumulative grid weights)."""

    grid_ids: pa.Array
    grid_names: pa.Array
    county_ids: pa.Array
    county_names: pa.Array
    city_ids: pa.Array
    city_names: pa.Array
    county_of_grid: np.ndarray  # int32 index into county arrays
    city_of_county: np.ndarray  # int32 index into city arrays
    grid_cum_weight: np.ndarray  # float64, ends at 1.0

    @property
    def grids(self) -> int:
        return len(self.grid_ids)

    def city_of_grid(self, grid: np.ndarray) -> np.ndarray:
        return self.city_of_county[self.county_of_grid[grid]]

    def place(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Grid indices of `n` new subscribers, drawn by grid weight."""
        grid = np.searchsorted(self.grid_cum_weight, rng.random(n), side="right")
        return np.minimum(grid, self.grids - 1).astype(np.int32)

    def columns(self) -> dict[str, pa.Array]:
        """The `regions` table's columns (one row per grid)."""
        county = pa.array(self.county_of_grid)
        city = pa.array(self.city_of_county[self.county_of_grid])
        n = self.grids
        return {
            "grid_id": self.grid_ids,
            "grid_name": self.grid_names,
            "county_id": self.county_ids.take(county),
            "county_name": self.county_names.take(county),
            "city_id": self.city_ids.take(city),
            "city_name": self.city_names.take(city),
            "province_id": pa.array([PROVINCE_ID] * n),
            "province_name": pa.array([PROVINCE_NAME] * n),
        }


def build_regions(rng: np.random.Generator) -> Regions:
    """Draw county names and sizes, grid counts and weights; ids are fixed paths."""
    city_of_county = np.repeat(np.arange(len(CITY_NAMES)), COUNTIES_PER_CITY).astype(np.int32)
    counties = len(city_of_county)
    # County size within its city varies (urban districts are big); grid counts follow it.
    county_size = rng.lognormal(0.0, 0.5, counties)
    county_weight = np.asarray(CITY_WEIGHTS)[city_of_county] * county_size
    for city in range(len(CITY_NAMES)):
        members = city_of_county == city
        county_weight[members] *= CITY_WEIGHTS[city] / county_weight[members].sum()
    spare = GRIDS - MIN_GRIDS_PER_COUNTY * counties
    county_weight /= county_weight.sum()
    grids_per_county = MIN_GRIDS_PER_COUNTY + rng.multinomial(spare, county_weight)
    county_of_grid = np.repeat(np.arange(counties), grids_per_county).astype(np.int32)
    grid_weight = county_weight[county_of_grid] / grids_per_county[county_of_grid]
    grid_weight *= rng.lognormal(0.0, 0.4, GRIDS)
    cum = np.cumsum(grid_weight)
    city_ids = [f"{PROVINCE_ID}.C{c + 1:02d}" for c in range(len(CITY_NAMES))]
    county_ids = [f"{city_ids[city]}.K{k + 1:03d}" for k, city in enumerate(city_of_county)]
    county_names = _county_names(rng, city_of_county)
    grid_ids, grid_names = [], []
    for g, county in enumerate(county_of_grid):
        grid_ids.append(f"{county_ids[county]}.G{g + 1:04d}")
        grid_names.append(f"{county_names[county]} grid {g + 1:04d}")
    return Regions(
        grid_ids=pa.array(grid_ids),
        grid_names=pa.array(grid_names),
        county_ids=pa.array(county_ids),
        county_names=pa.array(county_names),
        city_ids=pa.array(city_ids),
        city_names=pa.array([f"{name} City" for name in CITY_NAMES]),
        county_of_grid=county_of_grid,
        city_of_county=city_of_county,
        grid_cum_weight=cum / cum[-1],
    )


def _county_names(rng: np.random.Generator, city_of_county: np.ndarray) -> list[str]:
    """Distinct two-syllable county names; the first counties of a city are its districts."""
    names: list[str] = []
    seen: set[str] = set()
    for k, city in enumerate(city_of_county):
        while True:
            first, second = rng.choice(len(_SYLLABLES), 2, replace=False)
            stem = (_SYLLABLES[first] + _SYLLABLES[second]).capitalize()
            if stem not in seen:
                break
        seen.add(stem)
        rank = k - int(np.searchsorted(city_of_county, city))
        names.append(f"{stem} {_COUNTY_SUFFIXES[0] if rank < 4 else _COUNTY_SUFFIXES[1]}")
    return names
