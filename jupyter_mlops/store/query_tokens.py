"""The run query language's tokens: numbers, quoted strings, backticked names, operators, words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..errors import QuerySyntaxError

_KEYWORDS = {"and", "or", "not", "in", "is", "null", "like", "ilike", "asc", "desc"}

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>(?<![\w.`])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.]))
  | (?P<string>'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*")
  | (?P<backtick>`[^`]*`)
  | (?P<op><=|>=|!=|<>|==|=|<|>)
  | (?P<punct>[(),.])
  | (?P<word>[A-Za-z_][\w\-:/]*|(?<=\.)\d[\w\-:/]*)
    """,
    re.VERBOSE,
)


def _pattern_escape(match: re.Match[str]) -> str:
    char = match.group(1)
    return "\\" + char if char in "%_\\" else char


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    value: Any
    position: int
    # A string as a like pattern: ``\%``, ``\_`` and ``\\`` stay escapes, as the docs say.
    pattern: str | None = None


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            char = text[position]
            if char in "'\"`":
                raise QuerySyntaxError(
                    f"Unclosed {char} quote starting at position {position}: close it with "
                    f"another {char}", text, position
                )
            raise QuerySyntaxError(
                f"Unexpected character {char!r} at position {position}", text, position
            )
        kind = match.lastgroup or ""
        raw = match.group()
        if kind == "number":
            tokens.append(Token(kind, raw, float(raw), position))
        elif kind == "string":
            quote = raw[0]
            body = raw[1:-1].replace(quote * 2, quote)
            value = re.sub(r"\\(.)", r"\1", body)
            pattern = re.sub(r"\\(.)", _pattern_escape, body)
            tokens.append(Token(kind, raw, value, position, pattern))
        elif kind == "backtick":
            tokens.append(Token("name", raw, raw[1:-1], position))
        elif kind == "word":
            lowered = raw.lower()
            if lowered in _KEYWORDS:
                tokens.append(Token("keyword", raw, lowered, position))
            else:
                tokens.append(Token("name", raw, raw, position))
        elif kind != "space":
            tokens.append(Token(kind, raw, raw, position))
        position = match.end()
    tokens.append(Token("end", "", None, len(text)))
    return tokens
