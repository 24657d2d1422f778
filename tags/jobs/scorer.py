"""A fitted propensity pipeline as plain data, and the Spark Column it scores with.

Training compiles each fitted `PipelineModel` into a `Scorer` (tags.jobs.scoring) and
saves it as `scorer.json` beside the pipeline. Scoring reads that file and builds the
probability as Catalyst expressions, so a tag build never loads the pipelines through
MLlib: `PipelineModel.load` runs a dozen small Spark jobs per model (metadata, stage
parameters, the fitted vectors and trees), about 15 s for the seven models of a 1M
build, before any row is scored. The JSON holds every number exactly (floats are
written with `repr`, which round-trips), so the Column is the same one the pipeline
compiles to.

A scorer has four parts, mirroring the pipeline:
- `prepare`: the SQLTransformer statement (nulls filled, booleans as 0/1), applied as saved;
- `slots`: the assembled feature vector, one entry per element, in the assembler's
  order: a numeric column, a one-hot level of a string column, or its "unseen" slot;
- the classifier: logistic (intercept and coefficients) or GBT (weighted trees).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cube.atomic import write_text_atomic

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

SCORER_FILE = "scorer.json"
FORMAT = 1
# The shape of every preparation statement this project writes (tags.jobs.model_pipeline).
PREPARE_HEAD, PREPARE_TAIL = "SELECT *, ", " FROM __THIS__"


class Slot(BaseModel):
    """One element of the feature vector.

    `column` alone: the column as a double. With `level`: 1.0 where the column equals
    it, else 0.0. With `unseen` (the levels training saw): 1.0 where the column is none
    of them (StringIndexer's extra index for unseen values keeps its one-hot slot).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str
    level: str | None = None
    unseen: tuple[str, ...] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Slot:
        if self.level is not None and self.unseen is not None:
            raise ValueError("a slot is a level or the unseen slot, not both")
        return self


class Node(BaseModel):
    """A regression tree node: a leaf's prediction, or a split on one feature slot.

    A continuous split sends `slot <= threshold` left; a categorical one sends the
    slot values in `categories` left.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    leaf: float | None = None
    feature: int | None = None
    threshold: float | None = None
    categories: tuple[float, ...] | None = None
    left: Node | None = None
    right: Node | None = None

    @model_validator(mode="after")
    def _leaf_or_split(self) -> Node:
        split = self.feature is not None and self.left is not None and self.right is not None
        tests = (self.threshold is not None) + (self.categories is not None)
        if (self.leaf is not None) == split or (split and tests != 1):
            raise ValueError("a node is a leaf or a split with one test and two children")
        return self


class Scorer(BaseModel):
    """Everything needed to score a fitted pipeline without loading it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal[1] = FORMAT
    prepare: str = Field(description="SQLTransformer statement over __THIS__.")
    slots: tuple[Slot, ...]
    algorithm: Literal["logistic", "gbt"]
    intercept: float = 0.0
    coefficients: tuple[float, ...] = ()
    trees: tuple[Node, ...] = ()
    tree_weights: tuple[float, ...] = ()

    @model_validator(mode="after")
    def _sizes(self) -> Scorer:
        if self.algorithm == "logistic" and len(self.coefficients) != len(self.slots):
            raise ValueError(f"{len(self.coefficients)} coefficients for {len(self.slots)} slots")
        if self.algorithm == "gbt" and len(self.trees) != len(self.tree_weights):
            raise ValueError(f"{len(self.trees)} trees for {len(self.tree_weights)} weights")
        return self


def scorer_file(model_path: str | Path) -> Path:
    return Path(model_path) / SCORER_FILE


def save_scorer(scorer: Scorer, model_path: str | Path) -> Path:
    """Write `scorer.json` into the fitted pipeline's directory (atomically)."""
    path = scorer_file(model_path)
    write_text_atomic(path, scorer.model_dump_json())
    return path


def load_scorer(model_path: str | Path) -> Scorer | None:
    """The saved scorer of a fitted pipeline, or None when it has none (trained before
    scorers were saved, or a pipeline the compiler does not translate)."""
    path = scorer_file(model_path)
    if not path.is_file():
        return None
    return Scorer.model_validate(json.loads(path.read_text()))


def prepared(df: DataFrame, scorers: list[Scorer]) -> DataFrame:
    """`df` with the columns the scorers' preparation statements add, exactly as training's.

    Every statement this project writes is `SELECT *, <list> FROM __THIS__` over tag
    columns only, so several models' lists join into one statement: one analysis of the
    (deep) tag plan instead of one per model. Any other shape is applied on its own.
    """
    from pyspark.ml.feature import SQLTransformer

    lists = [_select_list(s.prepare) for s in scorers]
    plain = [item for item in lists if item is not None]
    if plain:
        statement = PREPARE_HEAD + ", ".join(plain) + PREPARE_TAIL
        df = SQLTransformer(statement=statement).transform(df)
    for scorer, item in zip(scorers, lists, strict=True):
        if item is None:
            df = SQLTransformer(statement=scorer.prepare).transform(df)
    return df


def _select_list(statement: str) -> str | None:
    if statement.startswith(PREPARE_HEAD) and statement.endswith(PREPARE_TAIL):
        return statement[len(PREPARE_HEAD) : -len(PREPARE_TAIL)]
    return None


def probability(scorer: Scorer) -> Column:
    """P(class 1) over the prepared frame's columns."""
    from pyspark.sql import functions as F

    return F.expr(probability_sql(scorer))


def probability_sql(scorer: Scorer) -> str:
    """P(class 1) as a Spark SQL expression over the prepared columns.

    Generated text, not user input: column names come from the registry (quoted), string
    levels are escaped, numbers are exact double literals. One expression per model is
    one round trip to the JVM; building the same tree as Columns took one per node (2,500
    for the seven models, 2 s of a build). The additions nest left to right as MLlib
    sums them, so the result is the pipeline's bit for bit.
    """
    features = [_slot(s) for s in scorer.slots]
    margin = "0.0D"
    if scorer.algorithm == "logistic":
        for weight, feature in zip(scorer.coefficients, features, strict=True):
            if weight != 0.0:
                margin = f"({margin} + ({feature} * {_double(weight)}))"
        return _sigmoid(f"({margin} + {_double(scorer.intercept)})")
    for tree, weight in zip(scorer.trees, scorer.tree_weights, strict=True):
        margin = f"({margin} + ({_tree(tree, features)} * {_double(weight)}))"
    # GBT's log-loss probability of class 1: sigmoid(2 x the weighted sum of the trees).
    return _sigmoid(f"({margin} * 2.0D)")


def _slot(slot: Slot) -> str:
    value = _name(slot.column)
    if slot.level is not None:
        return f"(CASE WHEN {value} = {_string(slot.level)} THEN 1.0D ELSE 0.0D END)"
    if slot.unseen is not None:
        if not slot.unseen:
            return "1.0D"
        levels = ", ".join(_string(level) for level in slot.unseen)
        return f"(CASE WHEN {value} IN ({levels}) THEN 0.0D ELSE 1.0D END)"
    return f"CAST({value} AS DOUBLE)"


def _tree(node: Node, features: list[str]) -> str:
    if node.leaf is not None:
        return _double(node.leaf)
    assert node.feature is not None and node.left is not None and node.right is not None
    value = features[node.feature]
    if node.threshold is not None:
        test = f"{value} <= {_double(node.threshold)}"
    else:
        test = f"{value} IN ({', '.join(_double(c) for c in node.categories or ())})"
    left, right = _tree(node.left, features), _tree(node.right, features)
    return f"(CASE WHEN {test} THEN {left} ELSE {right} END)"


def _sigmoid(margin: str) -> str:
    return f"(1.0D / (1.0D + exp(-{margin})))"


def _double(value: float) -> str:
    """An exact double literal (repr round-trips; the D suffix keeps it from DECIMAL)."""
    if not math.isfinite(value):
        return f"CAST('{value}' AS DOUBLE)"
    return f"{value!r}D"


def _string(value: str) -> str:
    """A Spark SQL string literal: backslashes and quotes escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _name(column: str) -> str:
    return "`" + column.replace("`", "``") + "`"
