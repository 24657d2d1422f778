"""Python evaluation equals Spark evaluation for random conditions and random subscribers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cube.dsl import evaluate, parse
from cube.dsl.columns import to_column

TAGS = {
    "n_int": "int",
    "n_dbl": "double",
    "n_dbl2": "double",
    "s": "string",
    "b": "boolean",
    "d": "date",
}
STRINGS = ["a", "b", "c"]

ints = st.integers(min_value=-50, max_value=50)
doubles = st.floats(min_value=-100, max_value=100, allow_nan=False, allow_infinity=False).map(
    lambda x: round(x, 2)
)
dates = st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2026, 12, 31))


def _lit(value: Any) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, dt.date):
        return f"date('{value.isoformat()}')"
    return repr(value)


def number_exprs(depth: int) -> st.SearchStrategy[str]:
    leaves = st.one_of(
        st.sampled_from(["n_int", "n_dbl", "n_dbl2"]), ints.map(str), doubles.map(repr)
    )
    if depth == 0:
        return leaves
    sub = number_exprs(depth - 1)
    return st.one_of(
        leaves,
        st.tuples(sub, st.sampled_from(["+", "-", "*", "/", "%"]), sub).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        sub.map(lambda e: f"-({e})"),
        st.tuples(st.sampled_from(["coalesce", "least", "greatest"]), sub, sub).map(
            lambda t: f"{t[0]}({t[1]}, {t[2]})"
        ),
        sub.map(lambda e: f"abs({e})"),
    )


def bool_exprs(depth: int) -> st.SearchStrategy[str]:
    num = number_exprs(1)
    leaves = st.one_of(
        st.just("b"),
        st.tuples(num, st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), num).map(" ".join),
        st.tuples(st.just("s"), st.sampled_from(["==", "!="]), st.sampled_from(STRINGS)).map(
            lambda t: f"{t[0]} {t[1]} '{t[2]}'"
        ),
        st.tuples(st.booleans(), st.lists(st.sampled_from(STRINGS), min_size=1, max_size=3)).map(
            lambda t: f"s {'not in' if t[0] else 'in'} [{', '.join(_lit(x) for x in t[1])}]"
        ),
        st.tuples(st.booleans(), st.lists(ints, min_size=1, max_size=3)).map(
            lambda t: f"n_int {'not in' if t[0] else 'in'} [{', '.join(map(str, t[1]))}]"
        ),
        st.tuples(num, num, num).map(lambda t: f"{t[0]} between {t[1]} and {t[2]}"),
        st.tuples(st.sampled_from(list(TAGS)), st.booleans()).map(
            lambda t: f"{t[0]} is {'not ' if t[1] else ''}null"
        ),
        st.tuples(st.sampled_from(["<", ">=", "=="]), dates).map(
            lambda t: f"d {t[0]} {_lit(t[1])}"
        ),
        st.sampled_from(["true", "false"]),
    )
    if depth == 0:
        return leaves
    sub = bool_exprs(depth - 1)
    return st.one_of(
        leaves,
        st.tuples(sub, st.sampled_from(["and", "or"]), sub).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        sub.map(lambda e: f"not ({e})"),
    )


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


rows = st.fixed_dictionaries(
    {
        "n_int": maybe(ints),
        "n_dbl": maybe(doubles),
        "n_dbl2": maybe(st.sampled_from([0.0, 1.5, -2.25])),
        "s": maybe(st.sampled_from(STRINGS)),
        "b": maybe(st.booleans()),
        "d": maybe(dates),
    }
)


def _frame(spark: Any, data: list[dict[str, Any]]) -> Any:
    from pyspark.sql import types as T

    schema = T.StructType(
        [
            T.StructField("row_id", T.IntegerType()),
            T.StructField("n_int", T.IntegerType()),
            T.StructField("n_dbl", T.DoubleType()),
            T.StructField("n_dbl2", T.DoubleType()),
            T.StructField("s", T.StringType()),
            T.StructField("b", T.BooleanType()),
            T.StructField("d", T.DateType()),
        ]
    )
    return spark.createDataFrame([{"row_id": i, **r} for i, r in enumerate(data)], schema)


def _same(python: Any, spark: Any) -> bool:
    if python is None or spark is None:
        return python is None and spark is None
    if isinstance(python, bool) or isinstance(spark, bool):
        return python is spark
    return python == spark


@pytest.mark.spark
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    exprs=st.lists(st.one_of(bool_exprs(2), number_exprs(2)), min_size=40, max_size=40),
    data=st.lists(rows, min_size=30, max_size=30),
)
def test_python_and_spark_agree(spark: Any, exprs: list[str], data: list[dict[str, Any]]) -> None:
    from pyspark.sql import functions as F

    parsed = [parse(e) for e in exprs]
    frame = _frame(spark, data)
    columns = [to_column(p).alias(f"e{i}") for i, p in enumerate(parsed)]
    result = frame.select(F.col("row_id"), *columns).orderBy("row_id").collect()
    for row in result:
        subscriber = data[row["row_id"]]
        for i, expr in enumerate(parsed):
            python = evaluate(expr, subscriber)
            assert _same(python, row[f"e{i}"]), (exprs[i], subscriber, python, row[f"e{i}"])
