"""Tokens of the condition language, with their offsets for error carets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from cube.dsl.errors import DslError

Kind = Literal["number", "string", "name", "keyword", "op", "end"]

KEYWORDS = frozenset({"and", "or", "not", "in", "between", "is", "null", "true", "false"})
OPERATORS = ("==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "%", "(", ")", "[", "]", ",")

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|<|>|\+|-|\*|/|%|\(|\)|\[|\]|,)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: Kind
    text: str
    start: int
    end: int

    @property
    def value(self) -> str:
        return self.text.lower() if self.kind == "keyword" else self.text


def tokenize(text: str) -> list[Token]:
    """Split `text` into tokens; an unknown character is an E110 syntax error at its offset."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise _unexpected_character(text, pos)
        kind = match.lastgroup
        assert kind is not None
        if kind != "space":
            word = match.group()
            if kind == "name" and word.lower() in KEYWORDS:
                kind = "keyword"
            tokens.append(Token(kind, word, match.start(), match.end()))  # type: ignore[arg-type]
        pos = match.end()
    tokens.append(Token("end", "", len(text), len(text)))
    return tokens


def _unexpected_character(text: str, pos: int) -> DslError:
    char = text[pos]
    hint = None
    if char == "=":
        hint = "use '==' to compare"
    elif char in "&|!":
        hint = "use 'and', 'or', 'not'"
    elif char in "'\"":
        return DslError("E110", "unterminated string", pos, len(text) - pos)
    return DslError("E110", f"unexpected character {char!r}", pos, 1, hint)
