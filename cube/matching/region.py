"""Region scope of a match: a dotted path of the organisation hierarchy and what lies under it.

Region ids are dotted paths (P1, P1.C03, P1.C03.K012, P1.C03.K012.G0412), so a
subscriber is under a region when its grid id is the region or starts with the region
and a dot (whole segments: P1.C01 does not cover P1.C010). The known regions are every
province, city, county and grid id of the `regions` extract, read with pyarrow (no JVM),
so a misspelt region fails before Spark starts instead of matching nobody.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cube.errors import InputError, did_you_mean

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

LEVELS = ("province_id", "city_id", "county_id", "grid_id")


def known_regions(raw_dir: Path) -> frozenset[str]:
    """Every province, city, county and grid id of `<raw_dir>/regions`."""
    import pyarrow.parquet as pq

    path = raw_dir / "regions"
    if not path.exists():
        raise InputError(
            f"{path}: missing (a region scope is checked against the regions extract; "
            "run `cube data generate` or set CUBE_RAW_DIR)"
        )
    try:
        table = pq.read_table(path, columns=list(LEVELS))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: unreadable Parquet: {exc}") from exc
    return frozenset(v for level in LEVELS for v in table.column(level).to_pylist() if v)


def check_region(region: str, raw_dir: Path) -> str:
    """`region` if it is a known region path; else an InputError naming it (did you mean)."""
    known = known_regions(raw_dir)
    if region in known:
        return region
    hint = did_you_mean(region, known)
    suffix = f" (did you mean '{hint}'?)" if hint else " (e.g. P1, P1.C03, P1.C03.K012)"
    raise InputError(f"unknown region '{region}'{suffix}")


def under(region: str, path: str) -> bool:
    """Whether region path `path` is `region` or below it (the Python twin of in_region)."""
    return path == region or path.startswith(region + ".")


def in_region(tags: DataFrame, region: str | None) -> DataFrame:
    """Subscribers whose region path (grid_id) is `region` or below it; all when None."""
    from pyspark.sql import functions as F

    if not region:
        return tags
    exact = F.col("grid_id") == F.lit(region)
    return tags.where(exact | F.col("grid_id").startswith(region + "."))
