"""A fitted propensity pipeline compiled into one Spark Column.

MLlib scores row by row through Scala UDFs: the assembler builds a vector, the
classifier turns it into raw scores and probabilities, each a UDF that converts
rows and vectors on the way in and out. At 1M subscribers that cost 5-12 s per
model on two cores, most of the tag build's compute stage. The fitted stages are
small (a few label lists, a coefficient vector or 40 shallow trees), so they
translate into plain Catalyst expressions that whole-stage codegen compiles with
the rest of the tag projection:

- StringIndexer + OneHotEncoder: one `CASE` per one-hot slot;
- VectorAssembler: the list of slot expressions, in the assembler's order;
- LogisticRegression: sigmoid(intercept + sum of coefficient x slot);
- GBTClassifier: sigmoid(2 x sum of weight x tree), each tree a nested `CASE`.

The preparation stage (SQLTransformer) is applied as saved, so the columns it fills
are exactly training's. A pipeline with any other stage or configuration is not
compiled (`compile_pipeline` returns None) and the caller falls back to MLlib's own
transform. Results equal MLlib's up to floating-point summation order (1e-12).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.ml import PipelineModel
    from pyspark.sql import Column, DataFrame


class NotCompilable(Exception):
    """A stage or setting this compiler does not translate; MLlib scores instead."""


def compile_pipeline(model: PipelineModel) -> tuple[Any, Column] | None:
    """(preparation stage, P(class 1) over its output), or None if not translatable."""
    from pyspark.ml.feature import SQLTransformer

    stages = list(model.stages)
    if len(stages) < 2 or not isinstance(stages[0], SQLTransformer):
        return None
    try:
        return stages[0], _probability(stages[1:])
    except NotCompilable:
        return None


def score_frame(df: DataFrame, model: PipelineModel) -> tuple[DataFrame, Column]:
    """`df` with whatever the model needs added, and the P(class 1) column over it."""
    from pyspark.ml.functions import vector_to_array
    from pyspark.sql import functions as F

    compiled = compile_pipeline(model)
    if compiled is not None:
        prepare, probability = compiled
        return prepare.transform(df), probability
    classifier = model.stages[-1]
    return model.transform(df), vector_to_array(F.col(classifier.getProbabilityCol())).getItem(1)


def _probability(stages: list[Any]) -> Column:
    """The classifier's P(class 1) over the slots the encoding stages define."""
    from pyspark.ml.classification import GBTClassificationModel, LogisticRegressionModel
    from pyspark.ml.feature import OneHotEncoderModel, StringIndexerModel, VectorAssembler

    *encoders, assembler, classifier = stages
    labels: dict[str, list[str]] = {}
    slots: dict[str, list[Column]] = {}
    for stage in encoders:
        if isinstance(stage, StringIndexerModel):
            labels |= _indexed(stage)
        elif isinstance(stage, OneHotEncoderModel):
            slots |= _one_hot(stage, labels)
        else:
            raise NotCompilable(type(stage).__name__)
    if not isinstance(assembler, VectorAssembler):
        raise NotCompilable(type(assembler).__name__)
    features = _assembled(assembler, slots)
    if len(features) != classifier.numFeatures:
        raise NotCompilable(f"{len(features)} slots for {classifier.numFeatures} features")
    if isinstance(classifier, LogisticRegressionModel):
        return _logistic(classifier, features)
    if isinstance(classifier, GBTClassificationModel):
        return _boosted(classifier, features)
    raise NotCompilable(type(classifier).__name__)


def _indexed(stage: Any) -> dict[str, list[str]]:
    """Index column -> its input column's labels (index i is labels[i]; unseen: len(labels))."""
    if stage.getHandleInvalid() != "keep":
        raise NotCompilable(f"StringIndexer handleInvalid={stage.getHandleInvalid()}")
    columns = zip(stage.getInputCols(), stage.getOutputCols(), stage.labelsArray, strict=True)
    return {out: [inp, *labels] for inp, out, labels in columns}


def _one_hot(stage: Any, labels: dict[str, list[str]]) -> dict[str, list[Column]]:
    """One-hot column -> one expression per slot: 1.0 where the input has that slot's label.

    With handleInvalid=keep and dropLast, StringIndexer's extra index for unseen values
    is the last category and keeps its slot: slots are the labels, then "unseen".
    """
    from pyspark.sql import functions as F

    if stage.getHandleInvalid() != "keep" or not stage.getDropLast():
        raise NotCompilable("OneHotEncoder other than handleInvalid=keep, dropLast")
    result = {}
    for index_col, out, size in zip(
        stage.getInputCols(), stage.getOutputCols(), stage.categorySizes, strict=True
    ):
        if index_col not in labels:
            raise NotCompilable(f"one-hot input {index_col} is not a StringIndexer output")
        source, *levels = labels[index_col]
        if size != len(levels) + 1:
            raise NotCompilable(f"{out}: {size} categories for {len(levels)} labels")
        value = F.col(source)
        hits = [F.when(value == level, 1.0).otherwise(0.0) for level in levels]
        unseen = F.when(value.isin(*levels), 0.0).otherwise(1.0) if levels else F.lit(1.0)
        result[out] = [*hits, unseen]
    return result


def _assembled(assembler: Any, slots: dict[str, list[Column]]) -> list[Column]:
    """The assembled vector as one expression per element, in the assembler's order."""
    from pyspark.sql import functions as F

    if assembler.getHandleInvalid() != "error":
        raise NotCompilable(f"VectorAssembler handleInvalid={assembler.getHandleInvalid()}")
    features: list[Column] = []
    for name in assembler.getInputCols():
        features += slots.get(name, [F.col(name).cast("double")])
    return features


def _logistic(model: Any, features: list[Column]) -> Column:
    """sigmoid(intercept + coefficients . features), as LogisticRegressionModel computes it."""
    from pyspark.sql import functions as F

    if model.numClasses != 2:
        raise NotCompilable("multinomial logistic regression")
    margin: Column = F.lit(0.0)
    for weight, feature in zip(model.coefficients.toArray(), features, strict=True):
        if weight != 0.0:
            margin = margin + feature * F.lit(float(weight))
    return _sigmoid(margin + F.lit(float(model.intercept)))


def _boosted(model: Any, features: list[Column]) -> Column:
    """sigmoid(2 x sum of weight x tree): GBT's log-loss probability of class 1."""
    from pyspark.sql import functions as F

    if model.getLossType() != "logistic":
        raise NotCompilable(f"GBT loss {model.getLossType()}")
    margin: Column = F.lit(0.0)
    for tree, weight in zip(model._java_obj.trees(), model.treeWeights, strict=True):
        margin = margin + _tree(tree.rootNode(), features) * F.lit(float(weight))
    return _sigmoid(margin * F.lit(2.0))


def _tree(node: Any, features: list[Column]) -> Column:
    """A regression tree as nested CASEs (py4j walk of the fitted nodes; trees are shallow)."""
    from pyspark.sql import functions as F

    kind = node.getClass().getSimpleName()
    if kind == "LeafNode":
        return F.lit(float(node.prediction()))
    if kind != "InternalNode":
        raise NotCompilable(f"tree node {kind}")
    split = node.split()
    value = features[split.featureIndex()]
    split_kind = split.getClass().getSimpleName()
    if split_kind == "ContinuousSplit":
        left = value <= F.lit(float(split.threshold()))
    elif split_kind == "CategoricalSplit":
        left = value.isin(*(float(c) for c in split.leftCategories()))
    else:
        raise NotCompilable(f"split {split_kind}")
    return F.when(left, _tree(node.leftChild(), features)).otherwise(
        _tree(node.rightChild(), features)
    )


def _sigmoid(margin: Column) -> Column:
    from pyspark.sql import functions as F

    return F.lit(1.0) / (F.lit(1.0) + F.exp(-margin))
