"""Compile a parsed condition to a Spark Column, never by handing Spark a string.

Arithmetic uses Spark's try_* functions so that division by zero and overflow
give null instead of failing the whole batch under ANSI mode; `cube.dsl.evaluate`
implements the same semantics in Python.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cube.dsl.ast import Between, Binary, Call, Expr, In, IsNull, Literal, Negate, Not, TagRef

if TYPE_CHECKING:
    from pyspark.sql import Column


def to_column(expr: Expr, resolve: Callable[[str], Column] | None = None) -> Column:
    """The Spark Column for `expr`; `resolve` maps a tag name to a column (default F.col)."""
    from pyspark.sql import functions as F

    return _Compiler(F, resolve or F.col).visit(expr)


class _Compiler:
    def __init__(self, F: Any, resolve: Callable[[str], Column]):
        self.F = F
        self.resolve = resolve

    def visit(self, node: Expr) -> Column:
        method: Callable[[Any], Column] = getattr(self, f"visit_{type(node).__name__}")
        return method(node)

    def literal(self, value: object) -> Column:
        F = self.F
        if value is None:
            return F.lit(None)
        if isinstance(value, bool):
            return F.lit(value)
        if isinstance(value, int):
            return F.lit(value).cast("long")
        if isinstance(value, float):
            return F.lit(value).cast("double")
        return F.lit(value)

    def visit_Literal(self, node: Literal) -> Column:
        return self.literal(node.value)

    def visit_TagRef(self, node: TagRef) -> Column:
        return self.resolve(node.name)

    def visit_Not(self, node: Not) -> Column:
        return ~self.visit(node.operand)

    def visit_Negate(self, node: Negate) -> Column:
        return self.F.try_subtract(self.literal(0), self.visit(node.operand))

    def visit_Binary(self, node: Binary) -> Column:
        F = self.F
        left, right = self.visit(node.left), self.visit(node.right)
        ops: dict[str, Callable[[Column, Column], Column]] = {
            "and": lambda a, b: a & b,
            "or": lambda a, b: a | b,
            "==": lambda a, b: a == b,
            "!=": lambda a, b: a != b,
            "<": lambda a, b: a < b,
            "<=": lambda a, b: a <= b,
            ">": lambda a, b: a > b,
            ">=": lambda a, b: a >= b,
            "+": F.try_add,
            "-": F.try_subtract,
            "*": F.try_multiply,
            "/": F.try_divide,
            "%": F.try_mod,
        }
        return ops[node.op](left, right)

    def visit_In(self, node: In) -> Column:
        column = self.visit(node.operand).isin(*(item.value for item in node.items))
        return ~column if node.negated else column

    def visit_Between(self, node: Between) -> Column:
        value = self.visit(node.operand)
        return (value >= self.visit(node.low)) & (value <= self.visit(node.high))

    def visit_IsNull(self, node: IsNull) -> Column:
        value = self.visit(node.operand)
        return value.isNotNull() if node.negated else value.isNull()

    def visit_Call(self, node: Call) -> Column:
        F = self.F
        args = [self.visit(arg) for arg in node.args]
        if node.name == "abs":
            # abs(long min) overflows; null keeps Python and Spark in step.
            return F.when(args[0] == F.lit(-(2**63)).cast("long"), F.lit(None)).otherwise(
                F.abs(args[0])
            )
        return {"coalesce": F.coalesce, "least": F.least, "greatest": F.greatest}[node.name](*args)
