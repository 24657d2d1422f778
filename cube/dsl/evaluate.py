"""Evaluate a condition in plain Python with exactly Spark's semantics.

Used for real-time checks (an offer at the counter) where starting Spark is out
of the question. Semantics follow Spark SQL as compiled by `cube.dsl.columns`:
three-valued logic (null = unknown), null-propagating comparisons and
arithmetic, division and remainder by zero give null (try_divide / try_mod),
integer overflow gives null (try_add ...), least/greatest skip nulls.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from cube.dsl.ast import (
    Between,
    Binary,
    Call,
    Expr,
    In,
    IsNull,
    Literal,
    Negate,
    Not,
    TagRef,
    Value,
)

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

Row = Mapping[str, Value]


def evaluate(expr: Expr, row: Row) -> Value:
    """The value of `expr` for one subscriber's tags."""
    return _EVAL[type(expr)](expr, row)


def matches(expr: Expr, row: Row) -> bool:
    """A condition selects the row only when it is true (null is not true), as in a WHERE."""
    return evaluate(expr, row) is True


def _literal(node: Literal, row: Row) -> Value:
    return node.value


def _tag(node: TagRef, row: Row) -> Value:
    return row.get(node.name)


def _not(node: Not, row: Row) -> Value:
    value = evaluate(node.operand, row)
    return None if value is None else not value


def _negate(node: Negate, row: Row) -> Value:
    value = evaluate(node.operand, row)
    if value is None:
        return None
    return _int_or_null(-value) if _is_int(value) else -value  # type: ignore[operator]


def _binary(node: Binary, row: Row) -> Value:
    if node.op == "and":
        return _and(evaluate(node.left, row), evaluate(node.right, row))
    if node.op == "or":
        return _or(evaluate(node.left, row), evaluate(node.right, row))
    left, right = evaluate(node.left, row), evaluate(node.right, row)
    if left is None or right is None:
        return None
    return _OPS[node.op](left, right)


def _in(node: In, row: Row) -> Value:
    value = evaluate(node.operand, row)
    if value is None:
        return None
    found = any(value == item.value for item in node.items)
    return found != node.negated


def _between(node: Between, row: Row) -> Value:
    value = evaluate(node.operand, row)
    low, high = evaluate(node.low, row), evaluate(node.high, row)
    above = None if value is None or low is None else value >= low  # type: ignore[operator]
    below = None if value is None or high is None else value <= high  # type: ignore[operator]
    return _and(above, below)


def _is_null(node: IsNull, row: Row) -> Value:
    return (evaluate(node.operand, row) is None) != node.negated


def _call(node: Call, row: Row) -> Value:
    args = [evaluate(arg, row) for arg in node.args]
    present = [a for a in args if a is not None]
    if node.name == "coalesce":
        return present[0] if present else None
    if node.name == "abs":
        value = args[0]
        if value is None:
            return None
        return _int_or_null(abs(value)) if _is_int(value) else abs(value)  # type: ignore[arg-type]
    if node.name in ("least", "greatest"):
        if not present:
            return None
        pick = min if node.name == "least" else max
        result = pick(present)  # type: ignore[type-var]
        # Spark widens mixed int/double arguments to double.
        return float(result) if any(isinstance(a, float) for a in present) else result
    raise ValueError(f"unknown function {node.name}")


def _and(left: Value, right: Value) -> Value:
    if left is False or right is False:
        return False
    if left is None or right is None:
        return None
    return True


def _or(left: Value, right: Value) -> Value:
    if left is True or right is True:
        return True
    if left is None or right is None:
        return None
    return False


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int_or_null(value: int) -> int | None:
    return value if INT64_MIN <= value <= INT64_MAX else None


def _arith(op: Callable[[float, float], float]) -> Callable[[Value, Value], Value]:
    def apply(left: Value, right: Value) -> Value:
        if _is_int(left) and _is_int(right):
            return _int_or_null(int(op(left, right)))  # type: ignore[arg-type]
        return op(float(left), float(right))  # type: ignore[arg-type]

    return apply


def _divide(left: Value, right: Value) -> Value:
    # try_divide always divides as doubles; a zero divisor gives null.
    divisor = float(right)  # type: ignore[arg-type]
    return None if divisor == 0 else float(left) / divisor  # type: ignore[arg-type]


def _remainder(left: Value, right: Value) -> Value:
    # Spark's remainder takes the dividend's sign (like C's fmod); zero divisor gives null.
    if right == 0:
        return None
    if _is_int(left) and _is_int(right):
        magnitude = abs(left) % abs(right)  # type: ignore[arg-type]
        return -magnitude if left < 0 else magnitude  # type: ignore[operator]
    return math.fmod(float(left), float(right))  # type: ignore[arg-type]


_OPS: dict[str, Callable[[Value, Value], Value]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,  # type: ignore[operator]
    "<=": lambda a, b: a <= b,  # type: ignore[operator]
    ">": lambda a, b: a > b,  # type: ignore[operator]
    ">=": lambda a, b: a >= b,  # type: ignore[operator]
    "+": _arith(lambda a, b: a + b),
    "-": _arith(lambda a, b: a - b),
    "*": _arith(lambda a, b: a * b),
    "/": _divide,
    "%": _remainder,
}

_EVAL: dict[type, Callable[..., Value]] = {
    Literal: _literal,
    TagRef: _tag,
    Not: _not,
    Negate: _negate,
    Binary: _binary,
    In: _in,
    Between: _between,
    IsNull: _is_null,
    Call: _call,
}
