"""Syntax tree of the condition language. Every node knows its span in the source text."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal as Lit

Value = int | float | str | bool | dt.date | None
Span = tuple[int, int]  # [start, end) offsets into the expression text

BinaryOp = Lit["and", "or", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%"]


@dataclass(frozen=True)
class Literal:
    value: Value
    span: Span


@dataclass(frozen=True)
class TagRef:
    name: str
    span: Span


@dataclass(frozen=True)
class Not:
    operand: Expr
    span: Span


@dataclass(frozen=True)
class Negate:
    operand: Expr
    span: Span


@dataclass(frozen=True)
class Binary:
    op: BinaryOp
    left: Expr
    right: Expr
    span: Span


@dataclass(frozen=True)
class In:
    operand: Expr
    items: tuple[Literal, ...]
    negated: bool
    span: Span


@dataclass(frozen=True)
class Between:
    operand: Expr
    low: Expr
    high: Expr
    span: Span


@dataclass(frozen=True)
class IsNull:
    operand: Expr
    negated: bool
    span: Span


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Expr, ...]
    span: Span


Expr = Literal | TagRef | Not | Negate | Binary | In | Between | IsNull | Call


def tag_refs(expr: Expr) -> list[TagRef]:
    """Every tag reference in the expression, in source order."""
    found: list[TagRef] = []

    def walk(node: Expr) -> None:
        if isinstance(node, TagRef):
            found.append(node)
        for child in children(node):
            walk(child)

    walk(expr)
    return sorted(found, key=lambda r: r.span)


def children(node: Expr) -> tuple[Expr, ...]:
    if isinstance(node, Not | Negate):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, In):
        return (node.operand, *node.items)
    if isinstance(node, Between):
        return (node.operand, node.low, node.high)
    if isinstance(node, IsNull):
        return (node.operand,)
    if isinstance(node, Call):
        return node.args
    return ()
