"""Propensity training and scoring on small synthetic tags and contacts with a known signal."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from cube.catalogue import Catalogue, ModelSpec, TagSpec
from cube.errors import ConfigError, CubeError
from cube.settings import Settings
from tags.jobs import model_pipeline
from tags.jobs.registry import ModelEntry, Registry, RegistryError, save_registry
from tags.jobs.train import ModelQualityError, load_registry, score_models, train_models

pytestmark = pytest.mark.spark

SNAPSHOT = dt.date(2026, 11, 1)
N = 3000
PRODUCTS = [("LA-1", "light_addon"), ("HB-1", "home_broadband"), ("TM-1", "terminal")]
FEATURES = {"signal": "double", "is_5g": "boolean", "tier": "string", "noise": "double"}


def _catalogue(*models: ModelSpec) -> Catalogue:
    tags = [
        TagSpec(
            name=name,
            dtype=dtype,  # type: ignore[arg-type]
            description="synthetic test feature",
            category="basic",
            owner="test",
            compute=lambda ctx: None,
        )
        for name, dtype in FEATURES.items()
    ]
    return Catalogue(tags, models)


def _spec(name: str, category: str, **kw: Any) -> ModelSpec:
    return ModelSpec(
        name=name,
        description="synthetic test model",
        owner="test",
        target_categories=(category,),
        features=kw.pop("features", ("signal", "is_5g", "tier", "noise")),
        **kw,
    )


# Subscribers: a strong numeric signal, a flag, a three-level category and pure noise, each
# with a few nulls. Generated in Spark (seeded, one partition) so no Python workers start.
TAGS_SQL = """
SELECT id AS subscriber_id,
       IF(rand(1) < 0.8, 'own', 'other') AS network,
       IF(rand(2) < 0.05, NULL, randn(3)) AS signal,
       IF(rand(4) < 0.05, NULL, rand(5) < 0.4) AS is_5g,
       IF(rand(6) < 0.05, NULL, element_at(array('low', 'mid', 'high'),
                                           CAST(floor(rand(7) * 3) AS INT) + 1)) AS tier,
       randn(8) AS noise
FROM range(0, {n}, 1, 1)
"""
# One or two offers per subscriber and product; 10 % unanswered; acceptance follows
# sigmoid(-1 + strength * (signal + 0.8 is_5g + 0.7 tier)).
CONTACTS_SQL = """
SELECT concat('c', subscriber_id, product_id, k) AS contact_id, subscriber_id,
       'cmp' AS campaign_id, product_id, 'sms' AS touchpoint,
       TIMESTAMP'2026-10-01 09:00:00' AS contact_ts,
       CASE WHEN rand(11) < 0.1 THEN 'no_answer'
            WHEN rand(12) < 1 / (1 + exp(-z)) THEN 'accepted'
            ELSE element_at(array('declined', 'ignored', 'opted_out'),
                            CAST(floor(rand(13) * 3) AS INT) + 1)
       END AS outcome
FROM (
  SELECT t.subscriber_id, p.product_id, k,
         -1 + {strength} * (coalesce(signal, 0) + IF(coalesce(is_5g, false), 0.8, 0)
                            + CASE tier WHEN 'high' THEN 0.7 WHEN 'low' THEN -0.7 ELSE 0 END) AS z
  FROM tags t CROSS JOIN products p
  LATERAL VIEW explode(sequence(1, IF(rand(10) < 0.5, 1, 2))) AS k
)
"""


def _frames(spark, strength: float) -> tuple[Any, dict[str, Any]]:
    tags_df = spark.sql(TAGS_SQL.format(n=N))
    products = spark.createDataFrame(PRODUCTS, "product_id string, category string")
    tags_df.createOrReplaceTempView("tags")
    products.createOrReplaceTempView("products")
    contacts = spark.sql(CONTACTS_SQL.format(strength=strength))
    return tags_df, {"contact_history": contacts, "products": products}


def _entry(name: str, *, features: list[str], path: Path) -> ModelEntry:
    """A registry entry of a logistic model on both networks (no training)."""
    return ModelEntry.model_validate(
        {
            "name": name,
            "version": "20261101-abcdef12",
            "trained_at": "2026-11-01T00:00:00Z",
            "snapshot_date": "2026-11-01",
            "algorithm": "logistic",
            "target_categories": ["light_addon"],
            "networks": ["own", "other"],
            "features": features,
            "imputation": {},
            "train_rows": 1,
            "test_rows": 1,
            "train_positives": 1,
            "test_positives": 1,
            "auc": 0.7,
            "floor": 0.6,
            "path": str(path),
            "train_seconds": 1.0,
        }
    )


@pytest.fixture(autouse=True)
def _few_iterations(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each optimiser iteration is a Spark job; the tiny test data converges quickly."""
    monkeypatch.setitem(model_pipeline.GBT_PARAMS, "maxIter", 5)
    monkeypatch.setitem(model_pipeline.LOGISTIC_PARAMS, "maxIter", 15)


@pytest.fixture(scope="module")
def signal_frames(spark):
    return _frames(spark, strength=1.5)


def _train(spark, frames, settings: Settings, *specs: ModelSpec) -> Registry:
    tags_df, inputs = frames
    return train_models(
        spark, tags_df, inputs, _catalogue(*specs), settings=settings, snapshot_date=SNAPSHOT
    )


def test_train_writes_registry_and_scores_follow_the_signal(
    spark, signal_frames, settings: Settings
) -> None:
    specs = [
        _spec("p_addon", "light_addon"),
        _spec("p_terminal", "terminal", algorithm="gbt", networks=("own",)),
    ]
    registry = _train(spark, signal_frames, settings, *specs)

    assert registry.names() == ["p_addon", "p_terminal"]
    for entry in registry.models:
        assert entry.auc > 0.75, entry
        assert entry.floor == settings.model_auc_floor
        assert entry.snapshot_date == SNAPSHOT
        assert re.fullmatch(r"20261101-[0-9a-f]{8}", entry.version)
        assert Path(entry.path) == settings.dir("models") / entry.name / entry.version
        assert Path(entry.path, "metadata").is_dir()
        assert Path(entry.path, "scorer.json").is_file()  # scoring never loads the pipeline
        assert entry.test_rows > 0 and 0 < entry.test_positives < entry.test_rows
        assert 0.15 < entry.test_rows / entry.rows < 0.25
    addon = registry.get("p_addon")
    assert addon is not None and addon.algorithm == "logistic"
    assert addon.features == ("signal", "is_5g", "tier", "noise")
    assert addon.imputation["signal"].indicator and addon.imputation["signal"].null_rate > 0
    assert addon.imputation["tier"].kind == "categorical"
    terminal = registry.get("p_terminal")
    assert terminal is not None and terminal.rows < addon.rows  # own network only

    on_disk = json.loads((settings.dir("models") / "registry.json").read_text())
    assert {"name", "version", "trained_at", "auc", "floor", "path"} <= set(on_disk["models"][0])
    assert load_registry(settings) == registry

    tags_df, _ = signal_frames
    scored = score_models(tags_df, specs, settings=settings)
    assert scored.columns == [*tags_df.columns, "p_addon", "p_terminal"]
    stats = scored.selectExpr(
        "min(p_addon) lo",
        "max(p_addon) hi",
        "count(p_addon) n",
        "corr(p_addon, coalesce(signal, 0D)) r",
        "count_if(network = 'other' AND p_terminal IS NOT NULL) other_scored",
        "count_if(network = 'own' AND p_terminal IS NULL) own_unscored",
    ).first()
    assert 0.0 <= stats.lo < stats.hi <= 1.0
    assert stats.n == N
    assert stats.r > 0.6
    assert stats.other_scored == 0 and stats.own_unscored == 0

    # A registry trained before scorers were saved: the pipelines are loaded, give the
    # same scores, and leave their scorers for the next build.
    for entry in registry.models:
        Path(entry.path, "scorer.json").unlink()
    again = score_models(tags_df, specs, settings=settings)
    assert all(Path(entry.path, "scorer.json").is_file() for entry in registry.models)
    key = ["subscriber_id"]
    assert sorted(again.select(*key, "p_addon", "p_terminal").collect()) == sorted(
        scored.select(*key, "p_addon", "p_terminal").collect()
    )


def test_an_unreadable_scorer_names_its_file(spark, settings: Settings, tmp_path: Path) -> None:
    model_dir = tmp_path / "p_addon" / "20261101-abcdef12"
    model_dir.mkdir(parents=True)
    (model_dir / "scorer.json").write_text('{"format": 1, "slots": []')
    entry = _entry("p_addon", features=["signal", "is_5g", "tier", "noise"], path=model_dir)
    save_registry(
        Registry(trained_at=entry.trained_at, snapshot_date=SNAPSHOT, models=[entry]), settings
    )
    tags_df = spark.createDataFrame([(1, 0.5)], "subscriber_id long, signal double")

    with pytest.raises(RegistryError) as info:
        score_models(tags_df, [_spec("p_addon", "light_addon")], settings=settings)
    assert str(info.value) == (
        f"model p_addon: {model_dir}/scorer.json is unreadable (Expecting ',' delimiter: "
        "line 1 column 26 (char 25)); run `cube tags build --models train` "
        "(or `cube models train`)"
    )


def test_below_floor_keeps_the_previous_registry(spark, settings: Settings) -> None:
    previous = Registry(
        trained_at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC),
        snapshot_date=dt.date(2026, 10, 1),
        models=[],
    )
    path = save_registry(previous, settings)
    before = path.read_bytes()
    strict = settings.model_copy(update={"model_auc_floor": 0.9})

    with pytest.raises(ModelQualityError) as info:
        _train(spark, _frames(spark, strength=0.0), strict, _spec("p_noise", "light_addon"))

    assert re.fullmatch(
        r"model p_noise: held-out AUC 0\.[45]\d is below the floor 0\.90 "
        r"\(\d{3} test rows, \d{2,3} positives\); the previous registry is kept",
        str(info.value),
    ), str(info.value)
    assert isinstance(info.value, CubeError)
    assert path.read_bytes() == before
    assert not (settings.dir("models") / "p_noise").exists()


def test_too_few_labels_is_a_clear_error(spark, settings: Settings) -> None:
    from pyspark.sql import functions as F

    tags_df, inputs = _frames(spark, strength=0.0)
    few = (
        inputs["contact_history"]
        .where("product_id = 'HB-1' AND subscriber_id < 200")
        .withColumn("outcome", F.expr("IF(subscriber_id < 30, 'accepted', 'declined')"))
    )
    inputs = {**inputs, "contact_history": few}

    with pytest.raises(ModelQualityError) as info:
        _train(spark, (tags_df, inputs), settings, _spec("p_broadband", "home_broadband"))

    assert str(info.value) == (
        "model p_broadband: too few labels to train (200 reached subscribers, 30 accepted an "
        "offer in home_broadband; at least 50 positives and 50 negatives are needed); "
        "no registry was written"
    )
    assert not (settings.dir("models") / "registry.json").exists()


def test_labels_skip_no_answer_and_any_acceptance_counts(spark) -> None:
    from tags.jobs.train import LABEL, _responses, _training_frame

    contacts = spark.createDataFrame(
        [
            ("c1", 1, "x", "LA-1", "sms", dt.datetime(2026, 10, 1), "declined"),
            ("c2", 1, "x", "LA-1", "sms", dt.datetime(2026, 10, 2), "accepted"),
            ("c3", 2, "x", "LA-1", "sms", dt.datetime(2026, 10, 1), "no_answer"),
            ("c4", 3, "x", "LA-1", "sms", dt.datetime(2026, 10, 1), "opted_out"),
            ("c5", 4, "x", "TM-1", "sms", dt.datetime(2026, 10, 1), "accepted"),
        ],
        "contact_id string, subscriber_id long, campaign_id string, product_id string, "
        "touchpoint string, contact_ts timestamp, outcome string",
    )
    products = spark.createDataFrame(PRODUCTS, "product_id string, category string")
    tags_df = spark.createDataFrame(
        [(i, "own", 0.0, True, "low", 0.0) for i in range(1, 5)],
        "subscriber_id long, network string, signal double, is_5g boolean, tier string, "
        "noise double",
    )
    responses = _responses({"contact_history": contacts, "products": products})
    frame = _training_frame(tags_df, responses, _spec("p_addon", "light_addon"))

    labels = {r.subscriber_id: r[LABEL] for r in frame.collect()}
    assert labels == {1: 1.0, 3: 0.0}


def test_scoring_without_a_registry_says_how_to_train(spark, settings: Settings) -> None:
    tags_df = spark.createDataFrame([(1, 0.5)], "subscriber_id long, signal double")

    with pytest.raises(RegistryError) as info:
        score_models(tags_df, [_spec("p_addon", "light_addon")], settings=settings)

    path = settings.dir("models") / "registry.json"
    assert str(info.value) == (
        f"no trained models: {path} does not exist; "
        "run `cube tags build --models train` (or `cube models train`)"
    )


def test_scoring_a_model_the_registry_lacks_or_with_changed_features(
    spark, settings: Settings
) -> None:
    entry = _entry("p_addon", features=["signal", "noise"], path=Path("/nonexistent"))
    save_registry(
        Registry(trained_at=entry.trained_at, snapshot_date=SNAPSHOT, models=[entry]), settings
    )
    tags_df = spark.createDataFrame([(1, 0.5)], "subscriber_id long, signal double")

    with pytest.raises(
        RegistryError, match=r"model p_other is not in the registry .* \(trained: p_addon\)"
    ):
        score_models(tags_df, [_spec("p_other", "terminal")], settings=settings)
    with pytest.raises(RegistryError, match=r"trained on features \['signal', 'noise'\] but the"):
        score_models(tags_df, [_spec("p_addon", "light_addon")], settings=settings)


def test_a_feature_missing_from_the_snapshot_is_named(spark, settings: Settings) -> None:
    tags_df = spark.createDataFrame([(1, 0.5)], "subscriber_id long, signal double")
    catalogue = _catalogue(_spec("p_addon", "light_addon", features=("signal", "noise")))

    with pytest.raises(
        ConfigError, match="model p_addon: feature 'noise' is not in the tag snapshot"
    ):
        train_models(spark, tags_df, {}, catalogue, settings=settings, snapshot_date=SNAPSHOT)


def test_an_auc_just_under_the_floor_never_prints_as_the_floor() -> None:
    from tags.jobs.train import _below

    assert _below(0.58, 0.6) == "0.58"
    assert _below(0.5996, 0.6) == "0.5996"
    assert _below(0.597, 0.6) == "0.597"
