"""The tag build: read the extracts, gate them, compute every tag, gate, publish.

`build_tags` is what `cube tags build` and the Prefect flow run. The pieces are
importable on their own (tests, notebooks, the evaluation centre):
read_inputs, compute_tags, tag_metadata, publish, load_snapshot, load_metadata.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from cube.catalogue import Catalogue
from cube.settings import Settings
from tags.jobs.compute import (
    ScoreModels,
    aggregate_frame,
    apply_layers,
    compute_tags,
    output_frame,
    without_models,
)
from tags.jobs.inputs import read_inputs
from tags.jobs.metadata import tag_metadata
from tags.jobs.publish import (
    commit_staging,
    discard_staging,
    load_metadata,
    load_snapshot,
    metadata_file,
    publish,
    write_staging,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = [
    "BuildReport",
    "build_tags",
    "compute_tags",
    "load_metadata",
    "load_snapshot",
    "publish",
    "read_inputs",
    "tag_metadata",
]

ModelsMode = Literal["score", "train", "skip"]
OnStage = Callable[[str], AbstractContextManager[dict[str, Any]]]


class BuildReport(BaseModel):
    """What one build did: snapshot, size, seconds per stage, where it went."""

    model_config = ConfigDict(extra="forbid")

    snapshot: dt.date
    rows: int = Field(description="Subscribers in the tag table.")
    rows_by_network: dict[str, int]
    tags: int = Field(description="Tag columns published (model scores included).")
    models: ModelsMode
    validated: bool
    seconds: dict[str, float] = Field(description="Wall seconds per stage, in run order.")
    tags_path: Path
    metadata_path: Path


def build_tags(
    settings: Settings,
    *,
    snapshot_date: dt.date | None = None,
    spark: SparkSession | None = None,
    validate: bool = True,
    models: ModelsMode = "score",
    on_stage: OnStage | None = None,
) -> BuildReport:
    """Build and publish the tag snapshot of `snapshot_date` (default settings.snapshot_date).

    models: "score" scores with the registry's fitted models, "train" fits them on this
    snapshot first, "skip" publishes no model tags (nor tags depending on them).
    validate: run the data-quality gates on the inputs and on the computed tags.
    """
    date = snapshot_date or settings.snapshot_date
    seconds: dict[str, float] = {}
    stage = partial(_stage, seconds=seconds, on_stage=on_stage)
    catalogue = Catalogue.load()
    if models == "skip":
        catalogue = without_models(catalogue)
    # Great Expectations takes seconds to import: done in a thread while the JVM starts.
    gates = _import_gates() if validate else None
    if spark is None:
        from cube.spark import spark_session

        with stage("start spark"):
            spark = spark_session(settings)
    with stage("read inputs") as info:
        inputs = read_inputs(spark, settings.dir("raw"))
        info["detail"] = f"{len(inputs)} tables"
    if gates is not None:
        gates.result()
        from cube.quality.gate import check_inputs

        with stage("check inputs"):
            check_inputs(inputs, settings=settings, snapshot_date=date)
    df, cached = _tag_table(spark, inputs, catalogue, date, settings, models, stage)
    warehouse = settings.dir("warehouse")
    with stage("compute tags") as info:
        # The one action that computes the table: straight to Parquet beside its final
        # place. Profiling, the gate and the publish rename then read those files.
        try:
            staged = write_staging(df, warehouse, date)
        finally:
            for frame in cached:
                frame.unpersist()
        table = spark.read.parquet(str(staged))
        info["detail"] = f"{len(catalogue)} tags"
    try:
        with stage("profile and check tags" if validate else "profile tags") as info:
            metadata = _profile_and_check(table, catalogue, settings, date, validate)
            info["detail"] = f"{metadata['rows']} subscribers"
        with stage("publish") as info:
            path = commit_staging(staged, metadata, warehouse)
            info["detail"] = str(path)
    except BaseException:
        discard_staging(staged)
        raise
    return BuildReport(
        snapshot=date,
        rows=metadata["rows"],
        rows_by_network=metadata["rows_by_network"],
        tags=len(catalogue),
        models=models,
        validated=validate,
        seconds=seconds,
        tags_path=path,
        metadata_path=metadata_file(warehouse, date),
    )


def _tag_table(
    spark: SparkSession,
    inputs: dict[str, DataFrame],
    catalogue: Catalogue,
    date: dt.date,
    settings: Settings,
    models: ModelsMode,
    stage: Callable[[str], AbstractContextManager[dict[str, Any]]],
) -> tuple[DataFrame, list[DataFrame]]:
    """The lazy tag table, and frames cached on the way (train mode) to release after use."""
    score: ScoreModels | None = None
    if catalogue.models:
        from tags.jobs import train

        score = partial(train.score_models, settings=settings)
    if models != "train" or not catalogue.models:
        return compute_tags(inputs, catalogue, date, score_models=score), []
    from pyspark import StorageLevel

    from tags.jobs import train

    # Features first (cached: training reads them, then scoring extends them).
    features = without_models(catalogue)
    base = aggregate_frame(inputs, features, date)
    base = apply_layers(base, features, date).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        with stage("train models") as info:
            registry = train.train_models(
                spark,
                output_frame(base, features),
                inputs,
                catalogue,
                settings=settings,
                snapshot_date=date,
            )
            info["detail"] = f"{len(registry.models)} models"
    except BaseException:
        base.unpersist()
        raise
    scored = apply_layers(base, catalogue, date, score_models=score)
    return output_frame(scored, catalogue), [base]


def _import_gates() -> Future[None]:
    def load() -> None:
        import cube.quality.gate  # noqa: F401

    pool = ThreadPoolExecutor(1)
    loading = pool.submit(load)
    pool.shutdown(wait=False)  # the thread ends with the import; nobody waits here
    return loading


def _profile_and_check(
    table: DataFrame, catalogue: Catalogue, settings: Settings, date: dt.date, validate: bool
) -> dict[str, Any]:
    """The table's metadata and, with `validate`, its quality gate (which raises).

    Both only read the staged files, so they run side by side: the gate spends much of
    its time planning on the driver (GX), when the profile's scans can use the cores.
    """
    if not validate:
        return tag_metadata(table, catalogue)
    from cube.quality.gate import check_tags

    with ThreadPoolExecutor(2) as pool:
        # The staged files are the table: scans read only the columns they need.
        gate = pool.submit(
            check_tags, table, catalogue, settings=settings, snapshot_date=date, cache=False
        )
        profile = pool.submit(tag_metadata, table, catalogue)
        gate.result()
        return profile.result()


@contextmanager
def _stage(
    name: str, *, seconds: dict[str, float], on_stage: OnStage | None
) -> Iterator[dict[str, Any]]:
    """Time a stage into `seconds`; report it through `on_stage` when given."""
    started = time.perf_counter()
    try:
        if on_stage is None:
            yield {}
        else:
            with on_stage(name) as info:
                yield info
    finally:
        seconds[name] = round(time.perf_counter() - started, 2)
