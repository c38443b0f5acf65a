"""Text comparisons that behave alike on SQLite and PostgreSQL: ``like`` and code-point order.

The run query language (``query``) compiles ``like`` through ``Like`` and every text sort or
range comparison through ``ByCodePoint``, so one query finds and orders the same runs on
both backends.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, String, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from .dialects import DIALECTS, dialect
from .schema import VALUE_PREFIX


class Like(FunctionElement[bool]):
    """``column LIKE pattern``: case-sensitive, with ``\\`` as the escape, on every backend.

    Each dialect compiles it (SQLite as GLOB, which is case-sensitive and escapes alike). The
    arguments are the column, the LIKE pattern and its ``glob_pattern``.
    """

    type = Boolean()
    inherit_cache = True
    name = "like"


@compiles(Like)
def _like(element: Like, compiler: Any, **kw: Any) -> str:
    column, pattern, glob = (compiler.process(c, **kw) for c in element.clauses)
    if compiler.dialect.name not in DIALECTS:  # str(query) and other generic compiles
        return f"({column} LIKE {pattern})"
    return dialect(compiler.dialect.name).like_sql(column, pattern, glob)


class ByCodePoint(FunctionElement[Any]):
    """Text that sorts and compares by code point, as SQLite's default BINARY collation does.

    PostgreSQL otherwise follows the database's locale (``en_US``: ``'ana' < 'Bo'``), so one
    query would order runs differently on the two backends.
    """

    inherit_cache = True
    name = "by_code_point"


@compiles(ByCodePoint)
def _by_code_point(element: ByCodePoint, compiler: Any, **kw: Any) -> str:
    (column,) = list(element.clauses)
    compiled = str(compiler.process(column, **kw))
    if compiler.dialect.name not in DIALECTS:
        return compiled
    return dialect(compiler.dialect.name).code_point_sql(compiled)


class TextIn(FunctionElement[bool]):
    """``value IN (...)`` of a params or tags table, through the index its dialect builds.

    Where index entries are bounded (PostgreSQL) the index holds a prefix of the value: a value
    shorter than the prefix is found by the prefix alone (so a count reads the index alone),
    a longer one by its prefix and then the whole value.
    """

    type = Boolean()
    # Not cached: the SQL depends on each value's length, which a cache key leaves out.
    inherit_cache = False
    name = "text_in"

    def __init__(self, table: Any, values: list[str]) -> None:
        self.values = list(values)
        super().__init__(table.c.value, table.c.value_prefix,
                         *(literal(v, String()) for v in self.values))


@compiles(TextIn)
def _text_in(element: TextIn, compiler: Any, **kw: Any) -> str:
    value, prefix, *params = list(element.clauses)
    column, prefixed = compiler.process(value, **kw), compiler.process(prefix, **kw)
    rendered = [compiler.process(param, **kw) for param in params]
    name = compiler.dialect.name
    if name not in DIALECTS or dialect(name).index_row_bytes is None:
        return f"({column} IN ({', '.join(rendered)}))"
    short = [r for r, v in zip(rendered, element.values, strict=True) if len(v) < VALUE_PREFIX]
    parts = [f"{prefixed} IN ({', '.join(short)})"] if short else []
    parts += [
        f"({prefixed} = substr({r}, 1, {VALUE_PREFIX}) AND {column} = {r})"
        for r, v in zip(rendered, element.values, strict=True) if len(v) >= VALUE_PREFIX
    ]
    return f"({' OR '.join(parts)})"


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
