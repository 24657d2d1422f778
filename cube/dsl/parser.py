"""Recursive-descent parser of the condition language.

Grammar, loosest binding first:

    expr       := or
    or         := and ("or" and)*
    and        := not ("and" not)*
    not        := "not" not | comparison
    comparison := additive [ ("=="|"!="|"<"|"<="|">"|">=") additive
                           | ["not"] "in" "[" literal ("," literal)* "]"
                           | "between" additive "and" additive
                           | "is" ["not"] "null" ]
    additive   := term (("+"|"-") term)*
    term       := unary (("*"|"/"|"%") unary)*
    unary      := "-" unary | primary
    primary    := number | string | "true" | "false" | "null" | name | name "(" args ")"
                | "(" expr ")"

Comparisons do not chain (`a < b < c` is an error), as in SQL.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import cast

from cube.dsl.ast import (
    Between,
    Binary,
    BinaryOp,
    Call,
    Expr,
    In,
    IsNull,
    Literal,
    Negate,
    Not,
    TagRef,
)
from cube.dsl.errors import DslError
from cube.dsl.lexer import Token, tokenize

COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")


def parse(text: str) -> Expr:
    """Parse one condition; DslError carries the offending span."""
    parser = _Parser(text, tokenize(text))
    if parser.peek().kind == "end":
        raise DslError("E110", "empty condition", 0, max(len(text), 1))
    expr = parser.expr()
    token = parser.peek()
    if token.kind != "end":
        raise DslError("E110", f"unexpected {_describe(token)}", token.start, _width(token))
    return expr


class _Parser:
    def __init__(self, text: str, tokens: list[Token]):
        self.text = text
        self.tokens = tokens
        self.pos = 0

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.pos + ahead, len(self.tokens) - 1)]

    def take(self) -> Token:
        token = self.peek()
        self.pos += 1
        return token

    def at(self, *values: str) -> bool:
        token = self.peek()
        return token.kind in ("keyword", "op") and token.value in values

    def expect(self, value: str, why: str) -> Token:
        token = self.peek()
        if not self.at(value):
            raise DslError(
                "E110",
                f"expected '{value}' {why}, found {_describe(token)}",
                token.start,
                _width(token),
            )
        return self.take()

    def expr(self) -> Expr:
        return self.logical("or", self.logical_and)

    def logical_and(self) -> Expr:
        return self.logical("and", self.negation)

    def logical(self, op: str, operand: Callable[[], Expr]) -> Expr:
        left = operand()
        while self.at(op):
            self.take()
            right = operand()
            left = Binary(cast(BinaryOp, op), left, right, (left.span[0], right.span[1]))
        return left

    def negation(self) -> Expr:
        if self.at("not"):
            start = self.take().start
            operand = self.negation()
            return Not(operand, (start, operand.span[1]))
        return self.comparison()

    def comparison(self) -> Expr:
        left = self.additive()
        if self.at(*COMPARISONS):
            op = self.take().value
            right = self.additive()
            expr: Expr = Binary(cast(BinaryOp, op), left, right, (left.span[0], right.span[1]))
        elif self.at("in") or (self.at("not") and self.peek(1).value == "in"):
            expr = self.membership(left)
        elif self.at("between"):
            self.take()
            low = self.additive()
            self.expect("and", "between the bounds of 'between'")
            high = self.additive()
            expr = Between(left, low, high, (left.span[0], high.span[1]))
        elif self.at("is"):
            self.take()
            negated = self.at("not")
            if negated:
                self.take()
            end = self.expect("null", "after 'is'").end
            expr = IsNull(left, negated, (left.span[0], end))
        else:
            return left
        if self.at(*COMPARISONS, "in", "between", "is"):
            token = self.peek()
            raise DslError(
                "E110",
                "comparisons do not chain; combine them with 'and'",
                token.start,
                _width(token),
            )
        return expr

    def membership(self, left: Expr) -> Expr:
        negated = self.at("not")
        if negated:
            self.take()
        self.take()  # 'in'
        self.expect("[", "to open the list after 'in'")
        items = [self.list_item()]
        while self.at(","):
            self.take()
            items.append(self.list_item())
        end = self.expect("]", "to close the list").end
        return In(left, tuple(items), negated, (left.span[0], end))

    def list_item(self) -> Literal:
        start = self.peek()
        item = self.unary()
        if not isinstance(item, Literal) or item.value is None:
            raise DslError(
                "E110",
                "list items must be literal values (not null)",
                start.start,
                item.span[1] - item.span[0],
            )
        return item

    def additive(self) -> Expr:
        left = self.term()
        while self.at("+", "-"):
            op = self.take().value
            right = self.term()
            left = Binary(cast(BinaryOp, op), left, right, (left.span[0], right.span[1]))
        return left

    def term(self) -> Expr:
        left = self.unary()
        while self.at("*", "/", "%"):
            op = self.take().value
            right = self.unary()
            left = Binary(cast(BinaryOp, op), left, right, (left.span[0], right.span[1]))
        return left

    def unary(self) -> Expr:
        if self.at("-"):
            start = self.take().start
            operand = self.unary()
            if isinstance(operand, Literal) and isinstance(operand.value, int | float):
                if not isinstance(operand.value, bool):
                    return Literal(-operand.value, (start, operand.span[1]))
            return Negate(operand, (start, operand.span[1]))
        return self.primary()

    def primary(self) -> Expr:
        token = self.take()
        span = (token.start, token.end)
        if token.kind == "number":
            is_float = any(c in token.text for c in ".eE")
            return Literal(float(token.text) if is_float else int(token.text), span)
        if token.kind == "string":
            return Literal(_unquote(token.text), span)
        if token.kind == "keyword" and token.value in ("true", "false", "null"):
            return Literal({"true": True, "false": False, "null": None}[token.value], span)
        if token.kind == "name":
            if self.at("("):
                return self.call(token)
            return TagRef(token.text, span)
        if token.kind == "op" and token.value == "(":
            inner = self.expr()
            end = self.expect(")", "to close '('").end
            return _respan(inner, (token.start, end))
        raise DslError(
            "E110", f"expected a value, found {_describe(token)}", token.start, _width(token)
        )

    def call(self, name: Token) -> Expr:
        self.take()  # '('
        args: list[Expr] = []
        if not self.at(")"):
            args.append(self.expr())
            while self.at(","):
                self.take()
                args.append(self.expr())
        end = self.expect(")", f"to close the call of {name.text}()").end
        span = (name.start, end)
        if name.text == "date":
            return _date_literal(args, span)
        return Call(name.text, tuple(args), span)


def _date_literal(args: list[Expr], span: tuple[int, int]) -> Literal:
    if len(args) != 1 or not isinstance(args[0], Literal) or not isinstance(args[0].value, str):
        raise DslError("E111", "date() takes one 'YYYY-MM-DD' string", span[0], span[1] - span[0])
    try:
        return Literal(dt.date.fromisoformat(args[0].value), span)
    except ValueError:
        arg = args[0].span
        raise DslError(
            "E111", f"invalid date {args[0].value!r} (expected YYYY-MM-DD)", arg[0], arg[1] - arg[0]
        ) from None


def _respan(expr: Expr, span: tuple[int, int]) -> Expr:
    """Parentheses widen the span so carets cover what the user wrote."""
    return dataclasses.replace(expr, span=span)


def _unquote(text: str) -> str:
    body = text[1:-1]
    return body.encode("utf-8").decode("unicode_escape") if "\\" in body else body


def _describe(token: Token) -> str:
    return "end of condition" if token.kind == "end" else f"'{token.text}'"


def _width(token: Token) -> int:
    return max(token.end - token.start, 1)
