"""The Spark ML pipeline of one propensity model: feature preparation plus classifier.

Everything between the tag columns and the probability lives in the saved
`PipelineModel` (a SQLTransformer fills nulls and turns booleans into 0/1, string
tags are indexed and one-hot encoded, all is assembled into one vector), so
scoring replays exactly what training did. Intermediate columns carry the
prefix `__<model>__`, which lets several models score one frame in turn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cube.catalogue import ModelSpec
from cube.errors import ConfigError
from tags.jobs.registry import Imputation
from tags.jobs.scorer import PREPARE_HEAD, PREPARE_TAIL

if TYPE_CHECKING:
    from pyspark.ml import PipelineModel
    from pyspark.sql import DataFrame

LABEL = "__label"
MAX_LEVELS = 100
MISSING_LEVEL = "(missing)"
LOGISTIC_PARAMS: dict[str, Any] = {"maxIter": 100, "regParam": 0.001, "standardization": True}
GBT_PARAMS: dict[str, Any] = {
    "maxIter": 40,
    "maxDepth": 4,
    "stepSize": 0.1,
    "subsamplingRate": 0.8,
    "seed": 7,
}


def column(spec: ModelSpec, suffix: str) -> str:
    """An intermediate column of `spec`'s pipeline, e.g. its probability vector."""
    return f"__{spec.name}__{suffix}"


def imputation_plan(
    frame: DataFrame, spec: ModelSpec, stats: dict[str, Any]
) -> dict[str, Imputation]:
    """How each feature is encoded and its nulls filled (recorded in the registry)."""
    from pyspark.sql.types import BooleanType, NumericType, StringType

    rows = max(int(stats["rows"]), 1)
    plans = {}
    for name in spec.features:
        dtype = frame.schema[name].dataType
        nulls = int(stats[f"null__{name}"])
        rate = round(nulls / rows, 6)
        if isinstance(dtype, BooleanType):
            plans[name] = Imputation(kind="boolean", fill=0.0, indicator=nulls > 0, null_rate=rate)
        elif isinstance(dtype, NumericType):
            plans[name] = Imputation(kind="numeric", fill=0.0, indicator=nulls > 0, null_rate=rate)
        elif isinstance(dtype, StringType):
            levels = int(stats[f"levels__{name}"]) + (1 if nulls else 0)
            if levels > MAX_LEVELS:
                raise ConfigError(
                    f"model {spec.name}: feature '{name}' has about {levels} distinct values; "
                    f"at most {MAX_LEVELS} can be one-hot encoded"
                )
            plans[name] = Imputation(
                kind="categorical",
                fill=MISSING_LEVEL,
                indicator=False,
                null_rate=rate,
                levels=levels,
            )
        else:
            raise ConfigError(
                f"model {spec.name}: feature '{name}' has type {dtype.simpleString()}; "
                "use a numeric, boolean or string tag (e.g. days since a date)"
            )
    return plans


def _prepare_sql(prefix: str, plans: dict[str, Imputation]) -> str:
    """The SQLTransformer statement: nulls filled, booleans as 0/1, missing indicators."""
    exprs = []
    for name, plan in plans.items():
        col = f"`{name}`"
        if plan.kind == "categorical":
            exprs.append(
                f"coalesce(CAST({col} AS STRING), '{MISSING_LEVEL}') AS `{prefix}s_{name}`"
            )
            continue
        as_double = f"CAST({col} AS DOUBLE)"
        missing = f"({col} IS NULL OR isnan({as_double}))"
        exprs.append(f"CASE WHEN {missing} THEN 0.0D ELSE {as_double} END AS `{prefix}n_{name}`")
        if plan.indicator:
            exprs.append(f"CAST({missing} AS DOUBLE) AS `{prefix}m_{name}`")
    return PREPARE_HEAD + ", ".join(exprs) + PREPARE_TAIL


def build_pipeline(spec: ModelSpec, plans: dict[str, Imputation]) -> Any:
    """Prepare -> index + one-hot strings -> assemble -> classifier, columns prefixed by model."""
    from pyspark.ml import Pipeline
    from pyspark.ml.classification import GBTClassifier, LogisticRegression
    from pyspark.ml.feature import OneHotEncoder, SQLTransformer, StringIndexer, VectorAssembler

    p = column(spec, "")
    strings = [n for n, plan in plans.items() if plan.kind == "categorical"]
    numbers = [f"{p}n_{n}" for n, plan in plans.items() if plan.kind != "categorical"]
    flags = [f"{p}m_{n}" for n, plan in plans.items() if plan.indicator]
    stages: list[Any] = [SQLTransformer(statement=_prepare_sql(p, plans))]
    if strings:
        stages.append(
            StringIndexer(
                inputCols=[f"{p}s_{n}" for n in strings],
                outputCols=[f"{p}i_{n}" for n in strings],
                handleInvalid="keep",
                stringOrderType="frequencyDesc",
            )
        )
        stages.append(
            OneHotEncoder(
                inputCols=[f"{p}i_{n}" for n in strings],
                outputCols=[f"{p}o_{n}" for n in strings],
                handleInvalid="keep",
            )
        )
    onehots = [f"{p}o_{n}" for n in strings]
    stages.append(VectorAssembler(inputCols=[*numbers, *flags, *onehots], outputCol=f"{p}features"))
    if spec.algorithm == "gbt":
        classifier = GBTClassifier(**GBT_PARAMS)
    else:
        classifier = LogisticRegression(family="binomial", **LOGISTIC_PARAMS)
    classifier.setFeaturesCol(f"{p}features").setLabelCol(LABEL).setPredictionCol(f"{p}prediction")
    classifier.setRawPredictionCol(f"{p}raw").setProbabilityCol(f"{p}probability")
    stages.append(classifier)
    return Pipeline(stages=stages)


def held_out_auc(model: PipelineModel, test: DataFrame, spec: ModelSpec) -> float:
    from pyspark.ml.evaluation import BinaryClassificationEvaluator

    evaluator = BinaryClassificationEvaluator(
        rawPredictionCol=column(spec, "raw"), labelCol=LABEL, metricName="areaUnderROC"
    )
    return float(evaluator.evaluate(model.transform(test)))
