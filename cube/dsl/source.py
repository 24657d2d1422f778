"""YAML with positions: every mapping key and value keeps its line and column.

Strategy files are checked like source code, so an error in a nested value (a
condition inside `segment`, a product inside `offers[2]`) must point at the exact
spot. `load_yaml` returns plain Python data plus a `Positions` index from a path
such as ("offers", 2, "product") to where it was written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from cube.errors import Diagnostic

PathKey = tuple[str | int, ...]


@dataclass(frozen=True)
class Mark:
    """Where a YAML node starts (1-based line and column) and how it was written."""

    line: int
    col: int
    width: int
    style: str | None  # None = plain scalar; '|' or '>' = block; '"' or "'" = quoted


class Positions:
    """Marks of a document's keys and values, by path."""

    def __init__(self, path: str, lines: list[str]):
        self.path = path
        self.lines = lines
        self.values: dict[PathKey, Mark] = {}
        self.keys: dict[PathKey, Mark] = {}

    def value(self, path: PathKey) -> Mark:
        """The mark of the value at `path`, or of its nearest written ancestor."""
        while path not in self.values and path:
            path = path[:-1]
        return self.values.get(path, Mark(1, 1, 1, None))

    def key(self, path: PathKey) -> Mark:
        """The mark of the key naming `path` (falls back to the value)."""
        return self.keys.get(path) or self.value(path)

    def diagnostic(
        self,
        mark: Mark,
        code: str,
        message: str,
        *,
        severity: str = "error",
        hint: str | None = None,
        width: int | None = None,
    ) -> Diagnostic:
        source = self.lines[mark.line - 1] if 0 < mark.line <= len(self.lines) else None
        return Diagnostic(
            path=self.path,
            line=mark.line,
            col=mark.col,
            code=code,
            message=message,
            severity=severity,  # type: ignore[arg-type]
            hint=hint,
            source_line=source,
            width=width if width is not None else mark.width,
        )

    def at_offset(self, path: PathKey, offset: int, width: int) -> Mark:
        """The mark of character `offset` inside the scalar at `path` (conditions)."""
        mark = self.value(path)
        text_line = mark.line
        col = mark.col
        if mark.style in ("|", ">"):
            # Block scalars start on the next line, indented; walk the lines to the offset.
            return self._in_block(mark, offset, width)
        quote = 1 if mark.style in ('"', "'") else 0
        return Mark(text_line, col + quote + offset, width, mark.style)

    def _in_block(self, mark: Mark, offset: int, width: int) -> Mark:
        line_no = mark.line + 1
        indent = None
        remaining = offset
        while line_no <= len(self.lines):
            raw = self.lines[line_no - 1]
            if indent is None and raw.strip():
                indent = len(raw) - len(raw.lstrip(" "))
            body = raw[indent or 0 :]
            if remaining <= len(body):
                return Mark(line_no, (indent or 0) + remaining + 1, width, mark.style)
            remaining -= len(body) + 1  # the newline (or folding space) counts one
            line_no += 1
        return Mark(mark.line, mark.col, width, mark.style)


class YamlSyntaxError(Exception):
    """Unparseable YAML, located."""

    def __init__(self, diagnostic: Diagnostic):
        self.diagnostic = diagnostic
        super().__init__(diagnostic.headline())


def load_yaml(path: Path, display: str | None = None) -> tuple[Any, Positions]:
    """Parse one YAML document, keeping positions. Duplicate keys are syntax errors."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        empty = Positions(display or str(path), [])
        raise YamlSyntaxError(
            empty.diagnostic(Mark(1, 1, 1, None), "E100", f"not UTF-8 text: {exc}")
        ) from None
    positions = Positions(display or str(path), text.splitlines())
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or "invalid YAML"
        raise YamlSyntaxError(
            positions.diagnostic(Mark(line, col, 1, None), "E100", f"invalid YAML: {problem}")
        ) from None
    if node is None:
        return None, positions
    return _convert(node, (), positions), positions


def _mark(node: yaml.Node) -> Mark:
    start, end = node.start_mark, node.end_mark
    width = end.column - start.column if end.line == start.line else 1
    style = getattr(node, "style", None)
    return Mark(start.line + 1, start.column + 1, max(width, 1), style or None)


def _convert(node: yaml.Node, path: PathKey, positions: Positions) -> Any:
    """Plain data from the node tree, recording every key's and value's mark on the way."""
    positions.values[path] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(_construct(key_node))
            child = (*path, key)
            if key in out:
                raise YamlSyntaxError(
                    positions.diagnostic(_mark(key_node), "E101", f"duplicate key '{key}'")
                )
            positions.keys[child] = _mark(key_node)
            out[key] = _convert(value_node, child, positions)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, i), positions) for i, item in enumerate(node.value)]
    try:
        return _construct(node)
    except (ValueError, yaml.YAMLError) as exc:  # e.g. `2026-12-32`: a date YAML cannot build
        raise YamlSyntaxError(
            positions.diagnostic(_mark(node), "E100", f"invalid value '{node.value}': {exc}")
        ) from None


def _construct(node: yaml.Node) -> Any:
    """A scalar's value exactly as yaml.safe_load would build it (dates, ints, bools)."""
    return yaml.SafeLoader("").construct_object(node, deep=True)
