"""Pydantic validation of one strategy file, its errors placed in the file.

Pydantic says what is wrong and where in the data (`loc`); `Positions` says where
that is in the text. Unknown keys get a did-you-mean from the model's own fields,
missing keys point at the mapping that lacks them, and errors raised with a
checker code (see cube.strategy.model.coded) keep that code and message.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from cube.dsl.source import Mark, PathKey, Positions
from cube.errors import Diagnostic, did_you_mean
from cube.strategy.model import Strategy

CODED = re.compile(r"^[EW]\d{3}$")
QUOTED = re.compile(r"'([^']*)'")


def validate_strategy(data: Any, positions: Positions) -> tuple[Strategy | None, list[Diagnostic]]:
    """The strategy, or None and one diagnostic per validation error."""
    if not isinstance(data, dict):
        what = "empty" if data is None else f"a {type(data).__name__}, not a mapping of keys"
        diagnostic = positions.diagnostic(Mark(1, 1, 1, None), "E108", f"the file is {what}")
        return None, [diagnostic]
    try:
        return Strategy.model_validate(data), []
    except ValidationError as exc:
        errors = _without_misspelled(exc.errors())
        return None, [_diagnostic(error, positions) for error in errors]


def _without_misspelled(errors: list[Any]) -> list[Any]:
    """Drop 'missing key k' when an unknown key beside it is a misspelling of k.

    `ownr: P1` is one mistake; E102 with its did-you-mean says it all.
    """
    meant = set()
    for error in errors:
        if error["type"] == "extra_forbidden":
            loc = tuple(error["loc"])
            hint = did_you_mean(str(loc[-1]), known_keys(loc[:-1]))
            meant.add((*loc[:-1], hint))
    return [e for e in errors if not (e["type"] == "missing" and tuple(e["loc"]) in meant)]


def _diagnostic(error: Any, positions: Positions) -> Diagnostic:
    loc: PathKey = tuple(error["loc"])
    kind: str = error["type"]
    context = error.get("ctx") or {}
    if CODED.match(kind):
        if loc and loc[-1] == "[key]":
            return positions.diagnostic(positions.key(loc[:-1]), kind, str(context["message"]))
        path = (*loc, *context.get("at", ()))
        return positions.diagnostic(positions.value(path), kind, str(context["message"]))
    if kind == "extra_forbidden":
        return _unknown_key(loc, positions)
    if kind == "missing":
        name = loc[-1]
        parent = loc[:-1]
        where = f" in '{dotted(parent)}'" if parent else ""
        mark = positions.key(parent) if parent else Mark(1, 1, 1, None)
        return positions.diagnostic(mark, "E107", f"missing required key '{name}'{where}")
    # A bad date in the window is an invalid window, whatever pydantic calls it.
    code = "E123" if loc[:1] == ("active",) else "E108"
    if loc and loc[-1] == "[key]":
        return positions.diagnostic(positions.key(loc[:-1]), code, _invalid(loc[:-1], error))
    return positions.diagnostic(positions.value(loc), code, _invalid(loc, error))


def _unknown_key(loc: PathKey, positions: Positions) -> Diagnostic:
    key = str(loc[-1])
    known = known_keys(loc[:-1])
    hint = did_you_mean(key, known)
    suffix = f" (did you mean '{hint}'?)" if hint else ""
    where = f" in '{dotted(loc[:-1])}'" if loc[:-1] else ""
    listing = "known keys: " + ", ".join(known) if known and not hint else None
    return positions.diagnostic(
        positions.key(loc), "E102", f"unknown key '{key}'{where}{suffix}", hint=listing
    )


def _invalid(loc: PathKey, error: Any) -> str:
    """'invalid <field>: <what pydantic wanted>', with a suggestion for enum values."""
    message = str(error["msg"])
    message = message[0].lower() + message[1:]
    if error["type"] == "literal_error":
        choices = QUOTED.findall(str((error.get("ctx") or {}).get("expected", "")))
        value = error.get("input")
        hint = did_you_mean(str(value), choices) if isinstance(value, str) else None
        wanted = ", ".join(choices)
        suffix = f" (did you mean '{hint}'?)" if hint else ""
        return f"invalid {dotted(loc)} {value!r}: expected one of {wanted}{suffix}"
    return f"invalid {dotted(loc)}: {message}"


def dotted(loc: PathKey) -> str:
    """('offers', 1, 'product') -> 'offers[1].product'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def known_keys(loc: PathKey) -> list[str]:
    """The keys the model accepts at `loc` (aliases as written in files)."""
    model = _model_at(Strategy, loc)
    if model is None:
        return []
    return [field.alias or name for name, field in model.model_fields.items()]


def _model_at(model: type[BaseModel], loc: PathKey) -> type[BaseModel] | None:
    """The nested model class a data path leads to, following fields, lists and dicts."""
    annotation: Any = model
    for part in loc:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            fields = {f.alias or n: f for n, f in annotation.model_fields.items()}
            if part not in fields:
                return None
            annotation = fields[part].annotation
            annotation = _unwrap(annotation)
        else:
            args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
            annotation = _unwrap(args[-1]) if args else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _unwrap(annotation: Any) -> Any:
    """X | None -> X."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation
