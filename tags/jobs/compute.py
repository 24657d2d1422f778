"""compute_tags: the catalogue evaluated in Spark, one row per subscriber.

Plan shape (kept deliberately shallow for 1M+ subscribers on a small box):
1. the subscriber grain: subscribers + consent (join on subscriber_id) + plans
   (broadcast, on plan_id), only the columns tags read;
2. per aggregate source, ONE groupBy('subscriber_id').agg(...) holding all of
   that source's aggregate tags, over the source joined with its (broadcast)
   dimension tables; each result is left-joined onto the grain;
3. row and model tags layer by layer (`Catalogue.build_layers`), one select per
   layer; model layers go through `score_models(df, specs)`.
Every tag is cast to its dtype and is null outside its `networks`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from cube.catalogue import Catalogue, ModelSpec, TagSpec
from cube.catalogue.spec import AGGREGATE_SOURCES
from cube.contract import TABLES_BY_NAME
from cube.errors import ConfigError
from tags.jobs.context import SPARK_TYPES, input_column, tag_expression

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

ScoreModels = Callable[["DataFrame", list[ModelSpec]], "DataFrame"]

ID = "subscriber_id"
ID_COLUMNS = ("subscriber_id", "network", "province_id", "city_id", "county_id", "grid_id")
# How subscriber-grain tables join onto subscribers: table -> (subscribers column, its key).
GRAIN_JOINS: dict[str, tuple[str, str]] = {
    "consent": ("subscriber_id", "subscriber_id"),
    "plans": ("plan_id", "plan_id"),
}
# Dated sources are cut to what the contract promises as of the snapshot date, so a
# rebuild of an earlier date, or an extract holding more history, gives the same tags.
LOOKBACK_DAYS: dict[str, int] = {"usage_daily": 30, "interactions": 30}
LOOKBACK_MONTHS: dict[str, int] = {"billing_monthly": 6}


def compute_tags(
    inputs: dict[str, DataFrame],
    catalogue: Catalogue,
    snapshot_date: dt.date,
    *,
    score_models: ScoreModels | None = None,
) -> DataFrame:
    """The tag table: ID_COLUMNS, then every catalogue tag in catalogue order."""
    if catalogue.models and score_models is None:
        names = ", ".join(sorted(catalogue.models))
        raise ConfigError(
            f"the catalogue has model tags ({names}) but no score_models function was given; "
            "pass score_models, or build with models='skip'"
        )
    frame = aggregate_frame(inputs, catalogue, snapshot_date)
    frame = apply_layers(frame, catalogue, snapshot_date, score_models=score_models)
    return output_frame(frame, catalogue)


def without_models(catalogue: Catalogue) -> Catalogue:
    """The catalogue minus model tags and every tag that depends on one."""
    dropped = set(catalogue.models)
    for name in catalogue.models:
        dropped.update(catalogue.graph.dependents(name, kinds=["tag", "model"]))
    return Catalogue([t for t in catalogue.tags.values() if t.name not in dropped])


def output_frame(frame: DataFrame, catalogue: Catalogue) -> DataFrame:
    """Drop the build's internal columns: ids and region path, then the tags."""
    return frame.select(*ID_COLUMNS, *catalogue.tags)


def aggregate_frame(
    inputs: dict[str, DataFrame], catalogue: Catalogue, snapshot_date: dt.date
) -> DataFrame:
    """The subscriber grain with every aggregate tag joined on (filled, masked, typed)."""
    specs = list(catalogue.tags.values())
    row_refs = {ref for s in specs if s.kind == "row" for ref in s.inputs}
    frame = subscriber_grain(inputs, row_refs)
    finals: dict[str, Column] = {}
    for source in AGGREGATE_SOURCES:
        group = [s for s in specs if s.source == source]
        if not group:
            continue
        grouped = aggregate_source(inputs, source, group, snapshot_date)
        frame = frame.join(grouped.hint("shuffle_hash"), ID, "left")
        finals.update({s.name: _finish_aggregate(s) for s in group})
    # One projection applies fill, network mask and type to all aggregates at once.
    return frame.withColumns(finals) if finals else frame


def apply_layers(
    frame: DataFrame,
    catalogue: Catalogue,
    snapshot_date: dt.date,
    *,
    score_models: ScoreModels | None = None,
) -> DataFrame:
    """Row and model tags in dependency layers; tags already in `frame` are kept as they are."""
    from pyspark.sql import functions as F

    present = set(frame.columns)
    for layer in catalogue.build_layers():
        rows = [s for s in layer if s.kind == "row" and s.name not in present]
        models = [s for s in layer if s.kind == "model" and s.name not in present]
        if rows:
            exprs = [_masked(tag_expression(s, snapshot_date), s).alias(s.name) for s in rows]
            frame = frame.select("*", *exprs)
        if models:
            if score_models is None:
                raise ConfigError("model tags need a score_models function")
            frame = score_models(frame, [catalogue.models[s.name] for s in models])
            frame = frame.withColumns(
                {s.name: _masked(F.col(s.name).cast("double"), s) for s in models}
            )
        present.update(s.name for s in [*rows, *models])
    return frame


def subscriber_grain(inputs: dict[str, DataFrame], refs: Iterable[str]) -> DataFrame:
    """One row per subscriber: ids, region path and the grain columns row tags read."""
    from pyspark.sql import functions as F

    by_table = _refs_by_table(refs)
    subscribers = inputs["subscribers"]
    wanted = [F.col(c) for c in ID_COLUMNS]
    wanted += [F.col(c).alias(input_column(f"subscribers.{c}")) for c in by_table["subscribers"]]
    join_keys = {GRAIN_JOINS[t][0] for t in GRAIN_JOINS if by_table[t] and GRAIN_JOINS[t][0] != ID}
    wanted += [F.col(k).alias(f"_key__{k}") for k in sorted(join_keys)]
    frame = subscribers.select(*wanted)
    for table, (left_key, right_key) in GRAIN_JOINS.items():
        columns = by_table[table]
        if not columns:
            continue
        right = inputs[table].select(
            F.col(right_key).alias(f"_join__{table}"),
            *(F.col(c).alias(input_column(f"{table}.{c}")) for c in columns),
        )
        if TABLES_BY_NAME[table].dimension:
            right = F.broadcast(right)
        left = F.col(ID) if left_key == ID else F.col(f"_key__{left_key}")
        frame = frame.join(right, left == F.col(f"_join__{table}"), "left").drop(f"_join__{table}")
    return frame.drop(*(f"_key__{k}" for k in join_keys))


def aggregate_source(
    inputs: dict[str, DataFrame], source: str, specs: list[TagSpec], snapshot_date: dt.date
) -> DataFrame:
    """ONE grouped pass over `source` (dimensions broadcast-joined) for all its aggregate tags."""
    from pyspark.sql import functions as F

    by_table = _refs_by_table(ref for s in specs for ref in s.inputs)
    frame = _in_window(inputs[source], source, snapshot_date)
    dimensions = [d for d in AGGREGATE_SOURCES[source] if by_table[d]]
    keys = {d: TABLES_BY_NAME[d].key[0] for d in dimensions}
    frame = frame.select(
        F.col(ID),
        *(F.col(c).alias(input_column(f"{source}.{c}")) for c in by_table[source]),
        *(F.col(k).alias(f"_key__{d}") for d, k in keys.items()),
    )
    for dim in dimensions:
        right = inputs[dim].select(
            F.col(keys[dim]).alias(f"_join__{dim}"),
            *(F.col(c).alias(input_column(f"{dim}.{c}")) for c in by_table[dim]),
        )
        frame = frame.join(
            F.broadcast(right), F.col(f"_key__{dim}") == F.col(f"_join__{dim}"), "left"
        )
    exprs = [tag_expression(s, snapshot_date).alias(s.name) for s in specs]
    return frame.groupBy(ID).agg(*exprs)


def _in_window(frame: DataFrame, source: str, snapshot_date: dt.date) -> DataFrame:
    """Rows dated on or before the snapshot, within the source's contract lookback."""
    from pyspark.sql import functions as F

    date_column = TABLES_BY_NAME[source].date_column
    if date_column is None:
        return frame
    day = F.to_date(F.col(date_column))
    snapshot = F.lit(snapshot_date)
    keep = day <= snapshot
    if source in LOOKBACK_DAYS:
        keep = keep & (day > F.date_sub(snapshot, LOOKBACK_DAYS[source]))
    if source in LOOKBACK_MONTHS:
        first = F.add_months(F.trunc(snapshot, "month"), -LOOKBACK_MONTHS[source])
        keep = keep & (day >= first)
    return frame.where(keep)


def _finish_aggregate(spec: TagSpec) -> Column:
    """Fill (subscribers without source rows), network mask and dtype of an aggregate tag."""
    from pyspark.sql import functions as F

    value = F.col(spec.name)
    if spec.fill is not None:
        value = F.coalesce(value, F.lit(spec.fill).cast(SPARK_TYPES[spec.dtype]))
    return _masked(value.cast(SPARK_TYPES[spec.dtype]), spec)


def _masked(value: Column, spec: TagSpec) -> Column:
    """Null for subscribers of networks the tag does not cover."""
    from pyspark.sql import functions as F

    if {"own", "other"} <= set(spec.networks):
        return value
    return F.when(F.col("network").isin(*spec.networks), value)


def _refs_by_table(refs: Iterable[str]) -> dict[str, list[str]]:
    """'table.column' refs grouped as table -> sorted columns (every contract table present)."""
    grouped: dict[str, set[str]] = {name: set() for name in TABLES_BY_NAME}
    for ref in refs:
        table, column = ref.split(".", 1)
        grouped[table].add(column)
    return {table: sorted(columns) for table, columns in grouped.items()}
