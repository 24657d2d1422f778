"""YAML configuration files validated by a pydantic model, every problem located.

The contact policy, the evaluation config and the alert rules share one scheme of
codes, each with its own prefix: <prefix>001 file missing, <prefix>002 unknown key
(with a suggestion from the model's own fields), <prefix>003 bad value; YAML syntax
errors are E100/E101 as in strategy files. All problems are collected, then raised
once as a DiagnosticError.
"""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from cube.dsl.source import Positions, YamlSyntaxError, load_yaml
from cube.errors import Diagnostic, DiagnosticError, did_you_mean

M = TypeVar("M", bound=BaseModel)


def load_config(path: Path, model: type[M], prefix: str, what: str) -> M:
    """Validate the YAML file at `path` as `model`."""
    if not path.is_file():
        raise DiagnosticError([Diagnostic(str(path), 1, 1, f"{prefix}001", f"{what} not found")])
    try:
        data, positions = load_yaml(path)
    except YamlSyntaxError as exc:
        raise DiagnosticError([exc.diagnostic]) from None
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        raise DiagnosticError(validation_diagnostics(exc, positions, model, prefix)) from None


def validation_diagnostics(
    exc: ValidationError, positions: Positions, model: type[BaseModel], prefix: str
) -> list[Diagnostic]:
    """One located diagnostic per distinct location of a validation error, in file order."""
    found: list[Diagnostic] = []
    seen: set[tuple[Any, ...]] = set()
    for error in exc.errors():
        loc = tuple(p for p in error["loc"] if not _is_union_tag(p))
        if loc in seen:
            continue  # a union reports once per member; the first says the most
        seen.add(loc)
        if error["type"] == "extra_forbidden":
            hint = did_you_mean(str(loc[-1]), _keys(model, loc[:-1]))
            found.append(
                positions.diagnostic(
                    positions.key(loc),
                    f"{prefix}002",
                    f"unknown key '{loc[-1]}'",
                    hint=f"did you mean '{hint}'?" if hint else None,
                )
            )
            continue
        where = ".".join(str(p) for p in loc) or "file"
        message = str(error["msg"]).removeprefix("Value error, ")
        found.append(
            positions.diagnostic(positions.value(loc), f"{prefix}003", f"{where}: {message}")
        )
    return sorted(found, key=lambda d: (d.line, d.col))


def _is_union_tag(part: object) -> bool:
    """Pydantic adds the union member's type to a location ('literal[...]', 'int')."""
    return isinstance(part, str) and (part.startswith(("literal[", "function-")) or part == "int")


def _keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed where an unknown key was written (aliases where a field has one)."""
    current: type[BaseModel] | None = model
    for part in loc:
        field = current.model_fields.get(str(part)) if current is not None else None
        if field is None:
            continue  # a list index or a mapping key (touchpoint, city)
        current = _model_of(field.annotation)
        if current is None:
            return []
    if current is None:
        return []
    return [f.alias or name for name, f in current.model_fields.items()]


def _model_of(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None
