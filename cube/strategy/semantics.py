"""Checks of one strategy file against the tag catalogue and the product catalogue.

They read the raw YAML data, not the validated model, so a file with a bad
priority still gets its unknown tags and products reported in the same run.
Condition errors carry offsets into the expression; `Positions.at_offset` turns
them into file positions, block scalars included.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cube.contract import TOUCHPOINTS
from cube.dsl import DslError, Expr, TagType, check, check_condition, evaluate, parse, tag_refs
from cube.dsl.ast import Binary
from cube.dsl.source import PathKey, Positions
from cube.errors import Diagnostic, did_you_mean
from cube.products import ProductCatalogue
from cube.strategy.compiled import ScriptTemplate

# Placeholders, literal braces, then what looks like a placeholder but is not one.
BRACES = re.compile(r"\{\{|\}\}|\{[a-z_][a-z0-9_]*\}|\{[^{}\n]*\}|[{}]")


@dataclass(frozen=True)
class Catalogues:
    """What the checker knows: tag types, the networks a tag exists on, the products."""

    tags: Mapping[str, TagType]
    networks: Mapping[str, tuple[str, ...]]
    products: ProductCatalogue


@dataclass
class Semantics:
    """The parsed expressions of one file and every problem found in them."""

    segment: Expr | None = None
    ranks: dict[int, Expr] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def check_semantics(data: Any, positions: Positions, known: Catalogues) -> Semantics:
    """Segment, offers, placeholders and touchpoint use of one file's raw data."""
    result = Semantics()
    if not isinstance(data, dict):
        return result
    segment = data.get("segment")
    if isinstance(segment, str) and segment.strip():
        result.segment = _expression(segment, ("segment",), positions, known, result, rank=False)
    offers = data.get("offers")
    if isinstance(offers, list):
        _check_offers(offers, positions, known, result)
    scripts = data.get("scripts")
    if isinstance(scripts, dict):
        for touchpoint, text in scripts.items():
            if isinstance(text, str):
                result.diagnostics += _placeholders(text, ("scripts", touchpoint), positions, known)
    result.diagnostics += _touchpoints_used(data, positions)
    return result


def _expression(
    text: str,
    path: PathKey,
    positions: Positions,
    known: Catalogues,
    result: Semantics,
    *,
    rank: bool,
) -> Expr | None:
    """Parse and type-check a condition (or a rank); errors go to `result`."""
    try:
        expr = parse(text)
    except DslError as exc:
        result.diagnostics.append(_located(exc, path, positions, text))
        return None
    if rank:
        kind, errors = check(expr, known.tags)
        if kind not in ("number", "unknown", "null"):
            start, end = expr.span
            errors.append(DslError("E127", f"rank must be a number, not a {kind}", start, end))
    else:
        errors = check_condition(expr, known.tags)
    result.diagnostics += [_located(e, path, positions, text) for e in errors]
    return None if errors else expr


def _located(error: DslError, path: PathKey, positions: Positions, text: str) -> Diagnostic:
    # "end of condition" sits just after the last character, not after a block's newline.
    offset = min(error.offset, len(text.rstrip()))
    mark = positions.at_offset(path, offset, error.width)
    return positions.diagnostic(mark, error.code, error.message, hint=error.hint)


def _check_offers(
    offers: list[Any], positions: Positions, known: Catalogues, result: Semantics
) -> None:
    seen: dict[str, int] = {}
    for i, offer in enumerate(offers):
        if not isinstance(offer, dict):
            continue
        product = offer.get("product")
        path = ("offers", i, "product")
        if isinstance(product, str):
            if product not in known.products:
                hint = did_you_mean(product, known.products)
                suffix = f" (did you mean '{hint}'?)" if hint else ""
                message = f"unknown product '{product}'{suffix}"
                result.diagnostics.append(
                    positions.diagnostic(positions.value(path), "E120", message)
                )
            elif product in seen:
                line = positions.value(("offers", seen[product], "product")).line
                message = f"product '{product}' is already offered (line {line})"
                result.diagnostics.append(
                    positions.diagnostic(positions.value(path), "E129", message)
                )
            else:
                seen[product] = i
                if result.segment is not None:
                    result.diagnostics += _out_of_reach(
                        product, result.segment, path, positions, known
                    )
        rank = offer.get("rank")
        if isinstance(rank, str) and rank.strip():
            expr = _expression(rank, ("offers", i, "rank"), positions, known, result, rank=True)
            if expr is not None:
                result.ranks[i] = expr


def _out_of_reach(
    product_id: str, segment: Expr, path: PathKey, positions: Positions, known: Catalogues
) -> list[Diagnostic]:
    """E128 when the product is for one network and a segment clause rules that network out.

    A clause (a top-level 'and' operand) whose tags all do not exist on the product's
    network sees only nulls there; if it is not true on nulls, nobody the product
    can reach ever matches.
    """
    network = known.products[product_id].network_scope
    if network not in ("own", "other"):
        return []
    for clause in conjuncts(segment):
        names = sorted({ref.name for ref in tag_refs(clause)})
        absent = [n for n in names if network not in known.networks.get(n, (network,))]
        if not names or absent != names:
            continue
        if evaluate(clause, dict.fromkeys(names)) is True:
            continue
        where = "other-network" if network == "other" else "own-network"
        tags = ", ".join(names)
        message = (
            f"product '{product_id}' reaches {where} subscribers only, but the segment needs "
            f"{tags}, which {where} subscribers do not have"
        )
        return [positions.diagnostic(positions.value(path), "E128", message)]
    return []


def conjuncts(expr: Expr) -> list[Expr]:
    """The operands of top-level 'and's: every one must hold for the segment to hold."""
    if isinstance(expr, Binary) and expr.op == "and":
        return [*conjuncts(expr.left), *conjuncts(expr.right)]
    return [expr]


def _placeholders(
    text: str, path: PathKey, positions: Positions, known: Catalogues
) -> list[Diagnostic]:
    """E124 for `{name}` that is not a tag, E125 for braces that make no placeholder."""
    found = []
    for match in BRACES.finditer(text):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        mark = positions.at_offset(path, match.start(), len(token))
        name = token[1:-1]
        if ScriptTemplate(token).placeholders:
            if name not in known.tags:
                hint = did_you_mean(name, known.tags)
                suffix = f" (did you mean '{hint}'?)" if hint else ""
                message = f"placeholder '{token}' is not a tag{suffix}"
                found.append(positions.diagnostic(mark, "E124", message))
        elif len(token) > 1:
            message = f"'{token}' is not a placeholder: use {{tag_name}} (lower case, digits, _)"
            found.append(positions.diagnostic(mark, "E125", message))
        else:
            message = f"unmatched '{token}': write {token}{token} for a literal brace"
            found.append(positions.diagnostic(mark, "E125", message))
    return found


def _touchpoints_used(data: dict[str, Any], positions: Positions) -> list[Diagnostic]:
    """Scripts and limits only for touchpoints the strategy allows (E130)."""
    policy = data.get("touchpoints")
    allowed = policy.get("allowed") if isinstance(policy, dict) else None
    if not isinstance(allowed, list) or not all(t in TOUCHPOINTS for t in allowed):
        return []  # a misspelt allowed touchpoint (E121) would make every use look wrong
    found = []
    for section, what in (("limits", "a limit"), ("scripts", "a script")):
        entries = data.get(section)
        if not isinstance(entries, dict):
            continue
        for touchpoint in entries:
            if touchpoint in allowed or touchpoint not in TOUCHPOINTS:
                continue  # unknown touchpoints are E121, reported by validation
            message = f"{what} for '{touchpoint}', which is not in touchpoints.allowed"
            mark = positions.key((section, touchpoint))
            found.append(positions.diagnostic(mark, "E130", message))
    return found
