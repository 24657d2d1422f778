"""Warnings from the current tag snapshot: segment sizes and conflicting overlaps.

Needs a published snapshot; without one the checks are skipped with a note, never
an error (a strategist may write strategies before the first tag build).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cube.products import ProductCatalogue
from cube.settings import Settings
from cube.strategy.audience import (
    MAX_SHARE,
    MIN_SHARE,
    OVERLAP_SHARE,
    Audience,
    Conflict,
    conflicts,
    count_audience,
    missing_tags,
    networks_of,
)
from cube.strategy.files import StrategyFile
from cube.strategy.report import AudienceSize, CheckReport, Note

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def check_audience(
    files: list[StrategyFile],
    products: ProductCatalogue,
    settings: Settings,
    report: CheckReport,
    spark: SparkSession | None,
) -> None:
    """W204 / W205 per strategy and W206 per conflicting pair, from one pass."""
    from tags.jobs.publish import SnapshotNotFoundError, load_snapshot, resolve_snapshot

    warehouse = settings.dir("warehouse")
    try:
        date = resolve_snapshot(warehouse, None)
    except SnapshotNotFoundError as exc:
        report.notes.append(Note("N301", f"data-based checks skipped: {exc}"))
        return
    if spark is None:
        from cube.spark import spark_session

        spark = spark_session(settings)
    table = load_snapshot(spark, warehouse, date)
    report.snapshot_date = date.isoformat()
    ready = _ready(files, set(table.columns), report)
    pairs = conflicts(ready, products)
    audience = count_audience(table, ready, pairs, products)
    for i, found in enumerate(ready):
        _warn_size(found, i, audience, products, report)
    for pair in pairs:
        _warn_overlap(ready, pair, audience)


def _ready(files: list[StrategyFile], columns: set[str], report: CheckReport) -> list[StrategyFile]:
    """Files the data checks can run on; a note for each one they cannot."""
    ready = []
    for found in files:
        if found.strategy is None or found.has_errors:
            report.notes.append(
                Note("N304", "data-based checks skipped: fix the errors first", found.display)
            )
            continue
        missing = missing_tags(found, columns)
        if missing:
            message = f"data-based checks skipped: the snapshot lacks {', '.join(missing)}"
            report.notes.append(Note("N303", message, found.display))
            continue
        ready.append(found)
    return ready


def _warn_size(
    found: StrategyFile,
    index: int,
    audience: Audience,
    products: ProductCatalogue,
    report: CheckReport,
) -> None:
    strategy, positions = found.strategy, found.positions
    assert strategy is not None and positions is not None
    population, matched = audience.population[index], audience.matched[index]
    report.audience.append(AudienceSize(strategy.id, found.display, population, matched))
    share = matched / population if population else 0.0
    networks = " and ".join(networks_of(found, products))
    counted = f"{matched:,} of {population:,} {networks}-network subscribers ({share:.1%})"
    if matched == 0 or share < MIN_SHARE:
        code, message = "W204", f"segment matches {counted}, below {MIN_SHARE:.1%}"
        hint = "loosen the segment, or check its thresholds against the tag profile"
    elif share > MAX_SHARE:
        code, message = "W205", f"segment matches {counted}, above {MAX_SHARE:.0%}"
        hint = "a segment that selects nearly everybody does not target; narrow it"
    else:
        return
    mark = positions.key(("segment",))
    found.add(positions.diagnostic(mark, code, message, severity="warning", hint=hint))


def _warn_overlap(files: list[StrategyFile], pair: Conflict, audience: Audience) -> None:
    first, second = files[pair.first], files[pair.second]
    assert first.strategy is not None and second.strategy is not None
    assert first.positions is not None and second.positions is not None
    overlap = audience.overlap[(pair.first, pair.second)]
    smaller = min(audience.matched[pair.first], audience.matched[pair.second])
    if overlap == 0 or overlap < OVERLAP_SHARE * smaller:
        return
    path = ("offers", pair.second_offer, "product")
    other_path = ("offers", pair.first_offer, "product")
    mark = first.positions.value(other_path)
    message = (
        f"offers '{second.strategy.offers[pair.second_offer].product}' while "
        f"'{first.strategy.id}' ({first.display}:{mark.line}:{mark.col}) offers "
        f"'{first.strategy.offers[pair.first_offer].product}', {pair.reason}, to "
        f"{overlap:,} of the same subscribers ({overlap / smaller:.1%} of the smaller segment)"
    )
    hint = "make the segments exclusive, or offer one product in one strategy"
    second.add(
        second.positions.diagnostic(
            second.positions.value(path), "W206", message, severity="warning", hint=hint
        )
    )
