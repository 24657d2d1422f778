"""Type checking of conditions against the tag catalogue.

Types are number, string, boolean and date (tags' int and double are both
number). Every problem is collected, not just the first; a sub-expression that
already failed types as `unknown` so one mistake does not cascade.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal as Lit

from cube.dsl.ast import Between, Binary, Call, Expr, In, IsNull, Literal, Negate, Not, TagRef
from cube.dsl.errors import DslError
from cube.errors import did_you_mean

Type = Lit["number", "string", "boolean", "date", "null", "unknown"]
TAG_TYPES: dict[str, Type] = {
    "int": "number",
    "double": "number",
    "string": "string",
    "boolean": "boolean",
    "date": "date",
}
FUNCTIONS: dict[str, tuple[int, int | None]] = {  # name -> (min args, max args)
    "coalesce": (2, None),
    "abs": (1, 1),
    "least": (2, None),
    "greatest": (2, None),
}


@dataclass(frozen=True)
class TagType:
    """What the checker knows of a tag: its type and, for strings, its allowed values."""

    type: Type
    allowed: tuple[str, ...] | None = None


def literal_type(value: object) -> Type:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, dt.date):
        return "date"
    return "string"


def check(expr: Expr, tags: Mapping[str, TagType]) -> tuple[Type, list[DslError]]:
    """The expression's type and every error found in it."""
    checker = _Checker(tags)
    return checker.visit(expr), checker.errors


def check_condition(expr: Expr, tags: Mapping[str, TagType]) -> list[DslError]:
    """Errors of an expression used as a condition: it must be boolean."""
    result, errors = check(expr, tags)
    if result not in ("boolean", "unknown", "null"):
        errors.append(_error("E104", f"a condition must be true or false, not a {result}", expr))
    return errors


class _Checker:
    def __init__(self, tags: Mapping[str, TagType]):
        self.tags = tags
        self.errors: list[DslError] = []

    def visit(self, node: Expr) -> Type:
        method: Callable[[Expr], Type] = getattr(self, f"visit_{type(node).__name__}")
        return method(node)

    def visit_Literal(self, node: Literal) -> Type:
        return literal_type(node.value)

    def visit_TagRef(self, node: TagRef) -> Type:
        tag = self.tags.get(node.name)
        if tag is None:
            hint = did_you_mean(node.name, self.tags)
            suffix = f" (did you mean '{hint}'?)" if hint else ""
            self.errors.append(_error("E103", f"unknown tag '{node.name}'{suffix}", node))
            return "unknown"
        return tag.type

    def visit_Not(self, node: Not) -> Type:
        self.expect(node.operand, ("boolean",), "'not'")
        return "boolean"

    def visit_Negate(self, node: Negate) -> Type:
        self.expect(node.operand, ("number",), "'-'")
        return "number"

    def visit_Binary(self, node: Binary) -> Type:
        if node.op in ("and", "or"):
            self.expect(node.left, ("boolean",), f"'{node.op}'")
            self.expect(node.right, ("boolean",), f"'{node.op}'")
            return "boolean"
        if node.op in ("+", "-", "*", "/", "%"):
            self.expect(node.left, ("number",), f"'{node.op}'")
            self.expect(node.right, ("number",), f"'{node.op}'")
            return "number"
        ordered = node.op not in ("==", "!=")
        self.compare(node.left, node.right, node, ordered)
        return "boolean"

    def visit_In(self, node: In) -> Type:
        operand = self.visit(node.operand)
        if operand == "boolean":
            self.errors.append(_error("E104", "'in' needs numbers, strings or dates", node.operand))
        for item in node.items:
            self.compare(node.operand, item, item, ordered=False, operand_type=operand)
        return "boolean"

    def visit_Between(self, node: Between) -> Type:
        operand = self.expect(node.operand, ("number", "date"), "'between'")
        for bound in (node.low, node.high):
            self.compare(node.operand, bound, bound, ordered=True, operand_type=operand)
        return "boolean"

    def visit_IsNull(self, node: IsNull) -> Type:
        self.visit(node.operand)
        return "boolean"

    def visit_Call(self, node: Call) -> Type:
        arity = FUNCTIONS.get(node.name)
        if arity is None:
            hint = did_you_mean(node.name, FUNCTIONS)
            known = f"did you mean '{hint}'?" if hint else "known: " + ", ".join(sorted(FUNCTIONS))
            self.errors.append(_error("E106", f"unknown function '{node.name}' ({known})", node))
            return "unknown"
        low, high = arity
        if len(node.args) < low or (high is not None and len(node.args) > high):
            want = f"{low}" if low == high else f"at least {low}"
            got = len(node.args)
            message = f"{node.name}() takes {want} argument(s), got {got}"
            self.errors.append(_error("E106", message, node))
        types = [self.visit(arg) for arg in node.args]
        if node.name in ("abs", "least", "greatest"):
            for arg, kind in zip(node.args, types, strict=True):
                self.require(arg, kind, ("number",), f"{node.name}()")
            return "number"
        known = {t for t in types if t not in ("null", "unknown")}
        if len(known) > 1:
            self.errors.append(
                _error("E104", f"coalesce() arguments mix types: {', '.join(sorted(known))}", node)
            )
            return "unknown"
        return known.pop() if known else "null"

    def expect(self, node: Expr, wanted: tuple[Type, ...], where: str) -> Type:
        return self.require(node, self.visit(node), wanted, where)

    def require(self, node: Expr, actual: Type, wanted: tuple[Type, ...], where: str) -> Type:
        if actual in (*wanted, "unknown", "null"):
            return actual
        names = " or ".join(wanted)
        self.errors.append(_error("E104", f"{where} needs {names}, got {actual}", node))
        return "unknown"

    def compare(
        self,
        left: Expr,
        right: Expr,
        where: Expr,
        ordered: bool,
        operand_type: Type | None = None,
    ) -> None:
        lt = operand_type if operand_type is not None else self.visit(left)
        rt = self.visit(right)
        if "unknown" in (lt, rt):
            return
        if "null" in (lt, rt):
            self.errors.append(
                _error("E104", "comparing with null is never true; use 'is null'", where)
            )
            return
        if lt != rt:
            self.errors.append(_error("E104", f"cannot compare {lt} with {rt}", where))
            return
        if ordered and lt in ("string", "boolean"):
            self.errors.append(_error("E104", f"{lt} values have no order; use == or in", where))
            return
        self.check_allowed(left, right)
        self.check_allowed(right, left)

    def check_allowed(self, tag: Expr, value: Expr) -> None:
        """A string literal compared with a tag must be one of the tag's allowed values."""
        if not (isinstance(tag, TagRef) and isinstance(value, Literal)):
            return
        info = self.tags.get(tag.name)
        if info is None or info.allowed is None or value.value in info.allowed:
            return
        hint = did_you_mean(str(value.value), info.allowed)
        suffix = f" (did you mean '{hint}'?)" if hint else f" (allowed: {', '.join(info.allowed)})"
        self.errors.append(
            _error("E105", f"'{value.value}' is not a value of tag '{tag.name}'{suffix}", value)
        )


def _error(code: str, message: str, node: Expr) -> DslError:
    start, end = node.span
    return DslError(code, message, start, end - start)
