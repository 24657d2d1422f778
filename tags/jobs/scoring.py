"""A fitted propensity pipeline compiled into a `Scorer`, and scored as one Spark Column.

MLlib scores row by row through Scala UDFs: the assembler builds a vector, the
classifier turns it into raw scores and probabilities, each a UDF that converts
rows and vectors on the way in and out. At 1M subscribers that cost 5-12 s per
model on two cores, most of the tag build's compute stage. The fitted stages are
small (a few label lists, a coefficient vector or 40 shallow trees), so they
translate into plain data (`tags.jobs.scorer.Scorer`, saved beside the pipeline at
training) and from there into Catalyst expressions that whole-stage codegen compiles
with the rest of the tag projection:

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

from tags.jobs.scorer import Node, Scorer, Slot, prepared, probability

if TYPE_CHECKING:
    from pyspark.ml import PipelineModel
    from pyspark.sql import Column, DataFrame


class NotCompilable(Exception):
    """A stage or setting this compiler does not translate; MLlib scores instead."""


def compile_pipeline(model: PipelineModel) -> Scorer | None:
    """The pipeline as a Scorer, or None if it has a stage this compiler does not know."""
    from pyspark.ml.feature import SQLTransformer

    stages = list(model.stages)
    if len(stages) < 2 or not isinstance(stages[0], SQLTransformer):
        return None
    try:
        return _scorer(stages[0].getStatement(), stages[1:])
    except NotCompilable:
        return None


def score_frame(df: DataFrame, model: Scorer | PipelineModel) -> tuple[DataFrame, Column]:
    """`df` with whatever the model needs added, and the P(class 1) column over it."""
    scorer = model if isinstance(model, Scorer) else compile_pipeline(model)
    if scorer is not None:
        return prepared(df, [scorer]), probability(scorer)
    return mllib_score(df, model)


def mllib_score(df: DataFrame, model: PipelineModel) -> tuple[DataFrame, Column]:
    """MLlib's own transform and P(class 1): for a pipeline the compiler does not know."""
    from pyspark.ml.functions import vector_to_array
    from pyspark.sql import functions as F

    classifier = model.stages[-1]
    return model.transform(df), vector_to_array(F.col(classifier.getProbabilityCol())).getItem(1)


def _scorer(statement: str, stages: list[Any]) -> Scorer:
    """The classifier over the slots the encoding stages define."""
    from pyspark.ml.classification import GBTClassificationModel, LogisticRegressionModel
    from pyspark.ml.feature import OneHotEncoderModel, StringIndexerModel, VectorAssembler

    *encoders, assembler, classifier = stages
    labels: dict[str, list[str]] = {}
    slots: dict[str, list[Slot]] = {}
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
        return _logistic(statement, classifier, features)
    if isinstance(classifier, GBTClassificationModel):
        return _boosted(statement, classifier, features)
    raise NotCompilable(type(classifier).__name__)


def _indexed(stage: Any) -> dict[str, list[str]]:
    """Index column -> its input column's labels (index i is labels[i]; unseen: len(labels))."""
    if stage.getHandleInvalid() != "keep":
        raise NotCompilable(f"StringIndexer handleInvalid={stage.getHandleInvalid()}")
    columns = zip(stage.getInputCols(), stage.getOutputCols(), stage.labelsArray, strict=True)
    return {out: [inp, *labels] for inp, out, labels in columns}


def _one_hot(stage: Any, labels: dict[str, list[str]]) -> dict[str, list[Slot]]:
    """One-hot column -> one slot per element: that label's hit, then the unseen slot.

    With handleInvalid=keep and dropLast, StringIndexer's extra index for unseen values
    is the last category and keeps its slot: slots are the labels, then "unseen".
    """
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
        hits = [Slot(column=source, level=level) for level in levels]
        result[out] = [*hits, Slot(column=source, unseen=tuple(levels))]
    return result


def _assembled(assembler: Any, slots: dict[str, list[Slot]]) -> list[Slot]:
    """The assembled vector as one slot per element, in the assembler's order."""
    if assembler.getHandleInvalid() != "error":
        raise NotCompilable(f"VectorAssembler handleInvalid={assembler.getHandleInvalid()}")
    features: list[Slot] = []
    for name in assembler.getInputCols():
        features += slots.get(name, [Slot(column=name)])
    return features


def _logistic(statement: str, model: Any, features: list[Slot]) -> Scorer:
    """sigmoid(intercept + coefficients . features), as LogisticRegressionModel computes it."""
    if model.numClasses != 2:
        raise NotCompilable("multinomial logistic regression")
    return Scorer(
        prepare=statement,
        slots=tuple(features),
        algorithm="logistic",
        intercept=float(model.intercept),
        coefficients=tuple(float(w) for w in model.coefficients.toArray()),
    )


def _boosted(statement: str, model: Any, features: list[Slot]) -> Scorer:
    """sigmoid(2 x sum of weight x tree): GBT's log-loss probability of class 1."""
    if model.getLossType() != "logistic":
        raise NotCompilable(f"GBT loss {model.getLossType()}")
    return Scorer(
        prepare=statement,
        slots=tuple(features),
        algorithm="gbt",
        trees=tuple(_tree(tree.rootNode()) for tree in model._java_obj.trees()),
        tree_weights=tuple(float(w) for w in model.treeWeights),
    )


def _tree(node: Any) -> Node:
    """A fitted regression tree as nodes (py4j walk of the fitted nodes; trees are shallow)."""
    kind = node.getClass().getSimpleName()
    if kind == "LeafNode":
        return Node(leaf=float(node.prediction()))
    if kind != "InternalNode":
        raise NotCompilable(f"tree node {kind}")
    split = node.split()
    split_kind = split.getClass().getSimpleName()
    test: dict[str, Any]
    if split_kind == "ContinuousSplit":
        test = {"threshold": float(split.threshold())}
    elif split_kind == "CategoricalSplit":
        test = {"categories": tuple(float(c) for c in split.leftCategories())}
    else:
        raise NotCompilable(f"split {split_kind}")
    return Node(
        feature=int(split.featureIndex()),
        left=_tree(node.leftChild()),
        right=_tree(node.rightChild()),
        **test,
    )
