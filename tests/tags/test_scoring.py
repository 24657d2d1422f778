"""Compiled scoring gives MLlib's probabilities, row by row, for both model families."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cube.catalogue import ModelSpec
from tags.jobs import model_pipeline
from tags.jobs.model_pipeline import LABEL, build_pipeline, imputation_plan
from tags.jobs.scorer import Node, Scorer, Slot, load_scorer, prepared, probability, save_scorer
from tags.jobs.scoring import compile_pipeline, score_frame

pytestmark = pytest.mark.spark

FEATURES = ("signal", "flag", "tier", "visits")
# Training rows: a numeric signal, a flag and a three-level string, each with nulls, and
# an integer count; the label follows all of them so the fitted trees split on each.
TRAIN_SQL = """
SELECT id AS subscriber_id, signal, flag, tier, visits,
       CAST(rand(9) < 1 / (1 + exp(-(coalesce(signal, 0) + IF(coalesce(flag, false), 0.8, 0)
            + CASE tier WHEN 'high' THEN 0.9 WHEN 'low' THEN -0.9 ELSE 0 END
            + 0.1 * visits - 0.4))) AS DOUBLE) AS {label}
FROM (
  SELECT id,
         IF(rand(2) < 0.1, NULL, randn(3)) AS signal,
         IF(rand(4) < 0.1, NULL, rand(5) < 0.4) AS flag,
         IF(rand(6) < 0.1, NULL, element_at(array('low', 'mid', 'high'),
                                            CAST(floor(rand(7) * 3) AS INT) + 1)) AS tier,
         CAST(floor(rand(8) * 10) AS INT) AS visits
  FROM range(0, 2000, 1, 1)
)
"""
# Rows training never saw: an unknown level, all nulls, NaN, values beyond the range.
UNSEEN = [
    (9001, 0.5, True, "ultra", 3),
    (9002, None, None, None, 0),
    (9003, float("nan"), False, "low", 2),
    (9004, 40.0, True, "high", 500),
    (9005, -40.0, False, "", -3),
]


def _spec(algorithm: str) -> ModelSpec:
    return ModelSpec(
        name=f"p_{algorithm}",
        description="synthetic scoring test model",
        owner="test",
        target_categories=("light_addon",),
        features=FEATURES,
        algorithm=algorithm,  # type: ignore[arg-type]
    )


def _fit(frame: Any, spec: ModelSpec) -> Any:
    from pyspark.sql import functions as F

    stats = frame.agg(
        F.count(F.lit(1)).alias("rows"),
        *(F.count(F.when(F.col(n).isNull(), 1)).alias(f"null__{n}") for n in FEATURES),
        F.approx_count_distinct("tier").alias("levels__tier"),
    ).first()
    return build_pipeline(spec, imputation_plan(frame, spec, stats.asDict())).fit(frame)


@pytest.fixture(scope="module")
def frames(spark: Any) -> tuple[Any, Any]:
    """(training frame, training rows plus the unseen ones, without the label)."""
    train = spark.sql(TRAIN_SQL.format(label=LABEL)).cache()
    unseen = spark.createDataFrame(
        UNSEEN, "subscriber_id long, signal double, flag boolean, tier string, visits int"
    )
    return train, train.drop(LABEL).unionByName(unseen)


def _mllib(model: Any, frame: Any) -> dict[int, float]:
    from pyspark.ml.functions import vector_to_array
    from pyspark.sql import functions as F

    probability = vector_to_array(F.col(model.stages[-1].getProbabilityCol())).getItem(1)
    rows = model.transform(frame).select("subscriber_id", probability.alias("p")).collect()
    return {r.subscriber_id: r.p for r in rows}


def _compiled(model: Any, frame: Any) -> dict[int, float]:
    scored, probability = score_frame(frame, model)
    rows = scored.select("subscriber_id", probability.alias("p")).collect()
    return {r.subscriber_id: r.p for r in rows}


@pytest.mark.parametrize("algorithm", ["logistic", "gbt"])
def test_compiled_probabilities_equal_mllib_on_seen_and_unseen_rows(
    monkeypatch: pytest.MonkeyPatch, frames: tuple[Any, Any], algorithm: str
) -> None:
    monkeypatch.setitem(model_pipeline.GBT_PARAMS, "maxIter", 8)
    monkeypatch.setitem(model_pipeline.LOGISTIC_PARAMS, "maxIter", 20)
    train, scoring = frames
    model = _fit(train, _spec(algorithm))
    assert compile_pipeline(model) is not None

    expected, got = _mllib(model, scoring), _compiled(model, scoring)

    assert set(got) == set(expected) and len(got) == 2000 + len(UNSEEN)
    worst = max(abs(got[k] - expected[k]) for k in expected)
    assert worst < 1e-12, (algorithm, worst)
    assert len({round(p, 6) for p in got.values()}) > 10  # the model is not a constant


def test_a_pipeline_the_compiler_does_not_know_is_scored_by_mllib(
    monkeypatch: pytest.MonkeyPatch, frames: tuple[Any, Any]
) -> None:
    from pyspark.ml import PipelineModel

    monkeypatch.setitem(model_pipeline.LOGISTIC_PARAMS, "maxIter", 5)
    train, scoring = frames
    fitted = _fit(train, _spec("logistic"))
    *head, assembler, classifier = fitted.stages
    model = PipelineModel([*head, assembler.copy({assembler.handleInvalid: "keep"}), classifier])

    assert compile_pipeline(model) is None
    assert _compiled(model, scoring) == _mllib(model, scoring)


@pytest.mark.parametrize("algorithm", ["logistic", "gbt"])
def test_a_saved_scorer_scores_exactly_as_the_pipeline_it_came_from(
    monkeypatch: pytest.MonkeyPatch, frames: tuple[Any, Any], tmp_path: Path, algorithm: str
) -> None:
    monkeypatch.setitem(model_pipeline.GBT_PARAMS, "maxIter", 8)
    monkeypatch.setitem(model_pipeline.LOGISTIC_PARAMS, "maxIter", 20)
    train, scoring = frames
    model = _fit(train, _spec(algorithm))
    scorer = compile_pipeline(model)
    assert scorer is not None

    save_scorer(scorer, tmp_path)
    loaded = load_scorer(tmp_path)

    assert loaded == scorer
    assert _compiled(loaded, scoring) == _compiled(model, scoring)


def test_a_model_directory_without_a_scorer_has_none(tmp_path: Path) -> None:
    assert load_scorer(tmp_path) is None


def test_a_scorer_must_have_a_weight_per_slot_and_per_tree() -> None:
    with pytest.raises(ValueError, match="1 coefficients for 2 slots"):
        Scorer(
            prepare="SELECT * FROM __THIS__",
            slots=(Slot(column="a"), Slot(column="b")),
            algorithm="logistic",
            coefficients=(1.0,),
        )
    with pytest.raises(ValueError, match="a node is a leaf or a split with one test"):
        Node(feature=0, left=Node(leaf=1.0), right=Node(leaf=0.0))


def test_levels_with_quotes_and_backslashes_score_as_written(spark: Any) -> None:
    import math

    scorer = Scorer(
        prepare="SELECT *, coalesce(tier, '(missing)') AS `__t__s_tier` FROM __THIS__",
        slots=(
            Slot(column="__t__s_tier", level="it's"),
            Slot(column="__t__s_tier", level="a\\b"),
            Slot(column="__t__s_tier", unseen=("it's", "a\\b")),
        ),
        algorithm="logistic",
        intercept=-0.5,
        coefficients=(1.0, 2.0, 4.0),
    )
    rows = [(1, "it's"), (2, "a\\b"), (3, "x"), (4, None)]
    frame = spark.createDataFrame(rows, "id int, tier string")

    scored = prepared(frame, [scorer]).select("id", probability(scorer).alias("p")).collect()

    margins = {1: 0.5, 2: 1.5, 3: 3.5, 4: 3.5}
    expected = {k: pytest.approx(1 / (1 + math.exp(-m)), rel=1e-12) for k, m in margins.items()}
    assert {r.id: r.p for r in scored} == expected


def test_several_preparations_run_as_one_statement(spark: Any) -> None:
    def scorer(name: str) -> Scorer:
        column = f"__{name}__n_v"
        return Scorer(
            prepare=f"SELECT *, CAST(v AS DOUBLE) * 2 AS `{column}` FROM __THIS__",
            slots=(Slot(column=column),),
            algorithm="logistic",
            coefficients=(1.0,),
        )

    frame = spark.createDataFrame([(1.5,)], "v double")

    out = prepared(frame, [scorer("a"), scorer("b")])

    assert out.columns == ["v", "__a__n_v", "__b__n_v"]
    assert tuple(out.first()) == (1.5, 3.0, 3.0)
