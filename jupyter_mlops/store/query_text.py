"""Text comparisons that behave alike on SQLite and PostgreSQL: ``like`` and code-point order.

The run query language (``query``) compiles ``like`` through ``Like`` and every text sort or
range comparison through ``ByCodePoint``, so one query finds and orders the same runs on
both backends.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class Like(FunctionElement[bool]):
    """``column LIKE pattern``: case-sensitive, with ``\\`` as the escape, on every backend.

    SQLite's LIKE ignores ASCII case and has no escape character unless told, so there the
    same pattern runs as GLOB, which is case-sensitive and has neither quirk. The arguments
    are the column, the LIKE pattern and its ``glob_pattern``.
    """

    type = Boolean()
    inherit_cache = True
    name = "like"


@compiles(Like)
def _like_default(element: Like, compiler: Any, **kw: Any) -> str:
    column, pattern, _ = list(element.clauses)
    # PostgreSQL's default LIKE escape is the backslash already.
    return f"({compiler.process(column, **kw)} LIKE {compiler.process(pattern, **kw)})"


@compiles(Like, "sqlite")
def _like_sqlite(element: Like, compiler: Any, **kw: Any) -> str:
    column, _, glob = list(element.clauses)
    return f"({compiler.process(column, **kw)} GLOB {compiler.process(glob, **kw)})"


class ByCodePoint(FunctionElement[Any]):
    """Text that sorts and compares by code point, as SQLite's default BINARY collation does.

    PostgreSQL otherwise follows the database's locale (``en_US``: ``'ana' < 'Bo'``), so one
    query would order runs differently on the two backends.
    """

    inherit_cache = True
    name = "by_code_point"


@compiles(ByCodePoint)
def _by_code_point_default(element: ByCodePoint, compiler: Any, **kw: Any) -> str:
    (column,) = list(element.clauses)
    return str(compiler.process(column, **kw))


@compiles(ByCodePoint, "postgresql")
def _by_code_point_postgresql(element: ByCodePoint, compiler: Any, **kw: Any) -> str:
    (column,) = list(element.clauses)
    return f'{compiler.process(column, **kw)} COLLATE "C"'


def glob_pattern(pattern: str) -> str:
    """The GLOB pattern matching what the LIKE ``pattern`` (``\\`` escaping) matches.

    Parameters
    ----------
    pattern
        A LIKE pattern: ``%`` any run of characters, ``_`` one, ``\\`` escapes the next.

    Returns
    -------
    str
        The same pattern for SQLite's GLOB, with GLOB's own wildcards bracketed.
    """
    out = []
    chars = iter(pattern)
    for char in chars:
        if char == "\\":
            char = next(chars, "\\")
            out.append(f"[{char}]" if char in "*?[" else char)
        elif char == "%":
            out.append("*")
        elif char == "_":
            out.append("?")
        else:
            out.append(f"[{char}]" if char in "*?[" else char)
    return "".join(out)


def ends_with_escape(pattern: str) -> bool:
    """Whether a LIKE ``pattern`` ends with an unpaired escape character ``\\``."""
    trailing = len(pattern) - len(pattern.rstrip("\\"))
    return trailing % 2 == 1
