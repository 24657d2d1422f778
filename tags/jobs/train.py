"""Propensity models: fit on past campaign responses, publish scores as tags.

For each `ModelSpec` the label comes from `contact_history`: a subscriber who
was *reached* with an offer in one of the model's target categories is a
positive if they accepted any such offer, a negative otherwise (`no_answer` is
not a response, so it is left out). Features are tags of the snapshot. The
whole preparation (imputation, one-hot encoding, assembly) is part of the
saved Spark `PipelineModel`, so scoring replays exactly what training did.

Quality gate: every model's held-out AUC must reach `settings.model_auc_floor`;
otherwise nothing is saved and the previous registry stays in service.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cube.catalogue import Catalogue, ModelSpec
from cube.errors import ConfigError, CubeError
from cube.settings import Settings
from tags.jobs.model_pipeline import (
    LABEL,
    build_pipeline,
    held_out_auc,
    imputation_plan,
)
from tags.jobs.registry import (
    TRAIN_HINT,
    ModelEntry,
    Registry,
    RegistryError,
    load_registry,
    load_registry_or_none,
    prune_versions,
    registry_path,
    save_registry,
)
from tags.jobs.scorer import Scorer, load_scorer, save_scorer, scorer_file
from tags.jobs.scoring import compile_pipeline

if TYPE_CHECKING:
    from pyspark.ml import PipelineModel
    from pyspark.sql import Column, DataFrame, SparkSession

__all__ = [
    "ModelQualityError",
    "Registry",
    "RegistryError",
    "load_registry",
    "score_models",
    "train_models",
]

ID = "subscriber_id"
NETWORK_COLUMN = "network"
IS_TEST = "__is_test"
REACHED = ("accepted", "declined", "ignored", "opted_out")
MIN_POSITIVES = 50
MIN_NEGATIVES = 50
TEST_PERCENT = 20
SPLIT_SALT = "cube-model-split-v1"


class ModelQualityError(CubeError):
    """A model is below the AUC floor or has too few labels; the previous registry is kept."""


@dataclass
class _Fitted:
    """One model trained in this run, not yet saved."""

    spec: ModelSpec
    model: PipelineModel
    entry: dict[str, Any]


# ---------------------------------------------------------------- labels and frames


def _responses(inputs: dict[str, DataFrame]) -> DataFrame:
    """One row per (subscriber, product category) reached: `accepted` = 1 if any acceptance."""
    from pyspark.sql import functions as F

    contacts = inputs["contact_history"].where(F.col("outcome").isin(*REACHED))
    products = F.broadcast(inputs["products"].select("product_id", "category"))
    return (
        contacts.join(products, "product_id")
        .groupBy(ID, "category")
        .agg(F.max((F.col("outcome") == "accepted").cast("int")).alias("accepted"))
    )


def _in_networks(networks: tuple[str, ...], columns: list[str], what: str) -> Column | None:
    """A filter for `networks`, or None when every network is wanted."""
    from pyspark.sql import functions as F

    if set(networks) >= {"own", "other"}:
        return None
    if NETWORK_COLUMN not in columns:
        raise ConfigError(
            f"{what}: restricted to {networks} but the frame has no '{NETWORK_COLUMN}'"
        )
    return F.col(NETWORK_COLUMN).isin(*networks)


def _training_frame(features: DataFrame, responses: DataFrame, spec: ModelSpec) -> DataFrame:
    """Features joined to one label per subscriber, with a deterministic 80/20 split flag."""
    from pyspark.sql import functions as F

    labels = (
        responses.where(F.col("category").isin(*spec.target_categories))
        .groupBy(ID)
        .agg(F.max("accepted").cast("double").alias(LABEL))
    )
    frame = features.select(
        ID, *[c for c in features.columns if c == NETWORK_COLUMN], *spec.features
    )
    keep = _in_networks(spec.networks, frame.columns, f"model {spec.name}")
    if keep is not None:
        frame = frame.where(keep)
    bucket = F.pmod(F.xxhash64(F.lit(SPLIT_SALT), F.col(ID)), F.lit(100))
    return frame.join(labels, ID).withColumn(IS_TEST, bucket < TEST_PERCENT)


def _profile(frame: DataFrame, spec: ModelSpec) -> dict[str, Any]:
    """Rows, positives per split, and per-feature null counts and levels, in one pass."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import NumericType, StringType

    dtypes = {f.name: f.dataType for f in frame.schema.fields}
    test = F.col(IS_TEST)
    aggs = [
        F.count(F.lit(1)).alias("rows"),
        F.coalesce(F.sum(LABEL), F.lit(0.0)).alias("positives"),
        F.count(F.when(test, 1)).alias("test_rows"),
        F.coalesce(F.sum(F.when(test, F.col(LABEL))), F.lit(0.0)).alias("test_positives"),
    ]
    for name in spec.features:
        missing = F.col(name).isNull()
        if isinstance(dtypes[name], NumericType):
            missing = missing | F.isnan(F.col(name).cast("double"))
        aggs.append(F.count(F.when(missing, 1)).alias(f"null__{name}"))
        if isinstance(dtypes[name], StringType):
            aggs.append(F.approx_count_distinct(name).alias(f"levels__{name}"))
    return frame.agg(*aggs).first().asDict()  # type: ignore[union-attr]


def _check_labels(spec: ModelSpec, stats: dict[str, Any]) -> str | None:
    """Why this model cannot be trained on these labels, or None."""
    rows, pos = int(stats["rows"]), int(stats["positives"])
    test_rows, test_pos = int(stats["test_rows"]), int(stats["test_positives"])
    cats = ", ".join(spec.target_categories)
    if pos < MIN_POSITIVES or rows - pos < MIN_NEGATIVES:
        return (
            f"model {spec.name}: too few labels to train ({rows:,} reached subscribers, "
            f"{pos:,} accepted an offer in {cats}; at least {MIN_POSITIVES} positives and "
            f"{MIN_NEGATIVES} negatives are needed)"
        )
    if test_pos == 0 or test_pos == test_rows:
        return f"model {spec.name}: the held-out split has only one class ({test_rows:,} rows)"
    return None


# ---------------------------------------------------------------- training


def _below(auc: float, floor: float) -> str:
    """`auc` with two decimals, or more when two would round it up to the floor."""
    digits = 2
    while round(auc, digits) >= floor and digits < 6:
        digits += 1
    return f"{auc:.{digits}f}"


def _fit_one(
    features: DataFrame, responses: DataFrame, spec: ModelSpec, floor: float
) -> _Fitted | str:
    """Train and evaluate one model; a problem message instead when it cannot pass."""
    started = time.perf_counter()
    frame = _training_frame(features, responses, spec).persist()
    try:
        stats = _profile(frame, spec)
        problem = _check_labels(spec, stats)
        if problem:
            return problem
        plans = imputation_plan(frame, spec, stats)
        model = build_pipeline(spec, plans).fit(frame.where(f"NOT {IS_TEST}"))
        auc = held_out_auc(model, frame.where(IS_TEST), spec)
    finally:
        frame.unpersist()
    test_rows, test_pos = int(stats["test_rows"]), int(stats["test_positives"])
    if auc < floor:
        return (
            f"model {spec.name}: held-out AUC {_below(auc, floor)} is below the floor {floor:.2f} "
            f"({test_rows:,} test rows, {test_pos:,} positives)"
        )
    entry = {
        "imputation": plans,
        "train_rows": int(stats["rows"]) - test_rows,
        "test_rows": test_rows,
        "train_positives": int(stats["positives"]) - test_pos,
        "test_positives": test_pos,
        "auc": round(auc, 6),
        "train_seconds": round(time.perf_counter() - started, 1),
    }
    return _Fitted(spec=spec, model=model, entry=entry)


def _check_features(tags_df: DataFrame, specs: list[ModelSpec]) -> None:
    model_names = {s.name for s in specs}
    problems = []
    for spec in specs:
        for name in spec.features:
            if name in model_names:
                problems.append(f"model {spec.name}: feature '{name}' is another model's score")
            elif name not in tags_df.columns:
                problems.append(f"model {spec.name}: feature '{name}' is not in the tag snapshot")
    if problems:
        raise ConfigError("cannot train models:\n  " + "\n  ".join(problems))


def _version(spec: ModelSpec, snapshot_date: dt.date, trained_at: dt.datetime) -> str:
    """Snapshot date plus a short hash of the definition and run time (unique per run)."""
    text = spec.model_dump_json() + trained_at.isoformat()
    return f"{snapshot_date:%Y%m%d}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def _quality_error(problems: list[str], previous: Registry | None) -> ModelQualityError:
    kept = "the previous registry is kept" if previous else "no registry was written"
    if len(problems) == 1:
        return ModelQualityError(f"{problems[0]}; {kept}")
    return ModelQualityError(
        f"{len(problems)} models failed the quality gate; {kept}:\n  " + "\n  ".join(problems)
    )


def train_models(
    spark: SparkSession,
    tags_df: DataFrame,
    inputs: dict[str, DataFrame],
    catalogue: Catalogue,
    *,
    settings: Settings,
    snapshot_date: dt.date,
) -> Registry:
    """Fit every catalogue model; save them and the registry only if all pass the gate."""
    del spark  # the frames carry their session; kept in the signature for the build
    specs = list(catalogue.models.values())
    _check_features(tags_df, specs)
    try:
        previous = load_registry_or_none(settings)
    except RegistryError:
        previous = None
    trained_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    floor = settings.model_auc_floor
    wanted = sorted({f for s in specs for f in s.features})
    network = [NETWORK_COLUMN] if NETWORK_COLUMN in tags_df.columns else []
    features = tags_df.select(ID, *network, *wanted).persist()
    responses = _responses(inputs).persist()
    try:
        results = [_fit_one(features, responses, spec, floor) for spec in specs]
    finally:
        features.unpersist()
        responses.unpersist()
    problems = [r for r in results if isinstance(r, str)]
    if problems:
        raise _quality_error(problems, previous)
    fitted = [r for r in results if isinstance(r, _Fitted)]
    registry = Registry(
        trained_at=trained_at,
        snapshot_date=snapshot_date,
        models=[_save(f, settings, snapshot_date, trained_at, floor) for f in fitted],
    )
    save_registry(registry, settings)
    prune_versions(settings, registry, previous)
    return registry


def _save(
    fitted: _Fitted,
    settings: Settings,
    snapshot_date: dt.date,
    trained_at: dt.datetime,
    floor: float,
) -> ModelEntry:
    """Write the fitted pipeline under <models_dir>/<name>/<version>/ and describe it."""
    spec = fitted.spec
    version = _version(spec, snapshot_date, trained_at)
    path = (settings.dir("models") / spec.name / version).resolve()
    fitted.model.write().overwrite().save(str(path))
    scorer = compile_pipeline(fitted.model)
    if scorer is not None:
        # Scoring reads this instead of loading the pipeline (see tags.jobs.scorer).
        save_scorer(scorer, path)
    return ModelEntry(
        name=spec.name,
        version=version,
        trained_at=trained_at,
        snapshot_date=snapshot_date,
        algorithm=spec.algorithm,
        target_categories=spec.target_categories,
        networks=spec.networks,
        features=spec.features,
        floor=floor,
        path=str(path),
        **fitted.entry,
    )


# ---------------------------------------------------------------- scoring


def _load_model(entry: ModelEntry, spec: ModelSpec) -> Scorer | PipelineModel:
    """The fitted model of `entry`, after checking it still matches the catalogue: its
    saved scorer, else the pipeline compiled (and its scorer saved), else the pipeline."""
    from pathlib import Path

    from pyspark.ml import PipelineModel

    if tuple(entry.features) != tuple(spec.features):
        raise RegistryError(
            f"model {spec.name}: trained on features {list(entry.features)} but the catalogue "
            f"now lists {list(spec.features)}; {TRAIN_HINT}"
        )
    if not Path(entry.path).is_dir():
        raise RegistryError(
            f"model {spec.name}: fitted model {entry.path} is missing; {TRAIN_HINT}"
        )
    try:
        scorer = load_scorer(entry.path)
    except (OSError, ValueError) as exc:
        raise RegistryError(
            f"model {spec.name}: {scorer_file(entry.path)} is unreadable ({exc}); {TRAIN_HINT}"
        ) from None
    if scorer is not None:
        return scorer
    # Trained before scorers were saved: load the pipeline once and keep its scorer, so
    # the next build reads the JSON instead.
    pipeline = PipelineModel.load(entry.path)
    scorer = compile_pipeline(pipeline)
    if scorer is None:
        return pipeline
    with contextlib.suppress(OSError):  # a read-only model store still scores
        save_scorer(scorer, entry.path)
    return scorer


def score_models(df: DataFrame, specs: list[ModelSpec], *, settings: Settings) -> DataFrame:
    """Add one column per spec: P(accept) as a double in [0, 1]; null outside spec.networks.

    The models' preparations go in one statement and their scores in one projection:
    every DataFrame step re-analyses the whole tag plan, so per-model steps cost seconds.
    """
    from pyspark.sql import functions as F

    from tags.jobs.scorer import prepared, probability
    from tags.jobs.scoring import mllib_score

    if not specs:
        return df
    registry = load_registry(settings)
    models = {spec.name: _load_model(_entry(registry, spec, settings), spec) for spec in specs}
    networks = {
        spec.name: _in_networks(spec.networks, df.columns, f"model {spec.name}") for spec in specs
    }
    # The preparations' working columns are dropped again: the frame gains the scores only.
    columns = [c for c in df.columns if c not in models]
    scored = prepared(df, [m for m in models.values() if isinstance(m, Scorer)])
    scores = {}
    for spec in specs:
        model = models[spec.name]
        if isinstance(model, Scorer):
            score = probability(model)
        else:  # _load_model found it not compilable
            scored, score = mllib_score(scored, model)
        keep = networks[spec.name]
        scores[spec.name] = (F.when(keep, score) if keep is not None else score).cast("double")
    return scored.select(*columns, *(scores[spec.name].alias(spec.name) for spec in specs))


def _entry(registry: Registry, spec: ModelSpec, settings: Settings) -> ModelEntry:
    entry = registry.get(spec.name)
    if entry is None:
        trained = ", ".join(registry.names()) or "none"
        raise RegistryError(
            f"model {spec.name} is not in the registry {registry_path(settings)} "
            f"(trained: {trained}); {TRAIN_HINT}"
        )
    return entry
