"""The run query language: filters and sorts compiled to SQL, never evaluated in Python.

Filters read like the examples users know from MLflow::

    metrics.auc > 0.8 and params.C = '0.5' and tags.owner = 'ana' and status = 'FINISHED'

- ``metrics.<key>`` compares the latest value numerically; ``params.<key>`` and ``tags.<key>``
  compare text; keys with other characters are quoted in backticks: ``metrics.`val loss```.
- Run attributes: ``id``, ``name``, ``status``, ``experiment``, ``start_time``, ``end_time``,
  ``parent_id``, ``source_path``, ``source_type``, ``git_commit``, ``git_branch``, ``host``.
- Operators ``= != < <= > >=``, ``like``/``ilike`` (``%`` and ``_`` wildcards, ``\\``
  escapes one; ``like`` is case-sensitive on every backend), ``in (...)``, ``not in (...)``,
  ``not like``, ``is null``/``is not null``; combined with ``and``, ``or``, ``not`` and
  parentheses.
- A comparison holds only for a run that has a value for the field: a missing key, a NaN
  metric or an empty attribute matches no comparison, ``!=`` and ``not in`` included, while
  ``not <condition>`` is the complement and so includes them. ``is null`` asks whether a
  metric, param or tag was logged at all (a NaN metric was).

Sorts are ``<field> [asc|desc]``, missing values last. Every error names the offending token
and its position.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, and_, exists, not_, or_, select

from ..errors import InvalidInput, QuerySyntaxError
from . import schema
from .query_text import ByCodePoint, Like, TextIn, ends_with_escape, glob_pattern
from .query_tokens import Token, tokenize

if TYPE_CHECKING:
    from sqlalchemy import Table

_R = schema.runs
_E = schema.experiments

ATTRIBUTES: dict[str, Any] = {
    "id": _R.c.id,
    "run_id": _R.c.id,
    "name": _R.c.name,
    "status": _R.c.status,
    "start_time": _R.c.start_time,
    "end_time": _R.c.end_time,
    "parent_id": _R.c.parent_id,
    "source_path": _R.c.source_path,
    "source_type": _R.c.source_type,
    "git_commit": _R.c.git_commit,
    "git_branch": _R.c.git_branch,
    "host": _R.c.host,
}
_NUMERIC_ATTRIBUTES = {"start_time", "end_time"}
_ENTITIES = {
    "metrics": "metrics", "metric": "metrics",
    "params": "params", "param": "params",
    "tags": "tags", "tag": "tags",
    "attributes": "attributes", "attribute": "attributes", "attr": "attributes",
}
_COMPARATORS = {"=", "==", "!=", "<>", "<", "<=", ">", ">="}
# Bounds that keep a filter within what every backend compiles (SQLite's expression tree is at
# most 1,000 deep, an OR of terms included) and within Python's recursion limit.
MAX_DEPTH = 50
MAX_TERMS = 200
MAX_IN_VALUES = 1_000
MAX_FILTER_CHARS = 200_000
@dataclass(frozen=True)
class Field:
    """A resolved left-hand side: an attribute column or a metric/param/tag key."""

    entity: str
    key: str
    position: int


class _Parser:
    def __init__(self, text: str, paged: bool = True) -> None:
        if len(text) > MAX_FILTER_CHARS:
            raise QuerySyntaxError(
                f"The filter is {len(text)} characters long; the limit is {MAX_FILTER_CHARS}",
                text[:100], 0)
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.paged = paged
        self.depth = 0
        self.terms = 0

    # -- helpers ---------------------------------------------------------------------------

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def error(self, message: str, token: Token | None = None) -> QuerySyntaxError:
        token = token or self.token
        where = "the end" if token.kind == "end" else f"{token.text!r}"
        return QuerySyntaxError(
            f"{message} at {where} (position {token.position})", self.text, token.position
        )

    def keyword(self, *words: str) -> bool:
        if self.token.kind == "keyword" and self.token.value in words:
            self.advance()
            return True
        return False

    def expect_punct(self, char: str) -> None:
        if self.token.kind == "punct" and self.token.value == char:
            self.advance()
            return
        raise self.error(f"Expected {char!r}")

    # -- grammar ---------------------------------------------------------------------------

    def parse_filter(self) -> ColumnElement[bool]:
        expression = self.or_expr()
        if self.token.kind != "end":
            raise self.error("Expected 'and', 'or' or the end of the filter")
        return expression

    def or_expr(self) -> ColumnElement[bool]:
        parts = [self.and_expr()]
        while self.keyword("or"):
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else or_(*parts)

    def and_expr(self) -> ColumnElement[bool]:
        parts = [self.not_expr()]
        while self.keyword("and"):
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else and_(*parts)

    def not_expr(self) -> ColumnElement[bool]:
        if (self.token.kind == "keyword" and self.token.value == "not") or (
            self.token.kind == "punct" and self.token.value == "("
        ):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.error(f"The filter nests deeper than {MAX_DEPTH} levels of "
                                 "parentheses and 'not': simplify it")
            try:
                if self.keyword("not"):
                    return not_(self.not_expr())
                self.advance()
                inner = self.or_expr()
                self.expect_punct(")")
                return inner
            finally:
                self.depth -= 1
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise self.error(f"The filter has more than {MAX_TERMS} comparisons: use "
                             "'in (...)' for many values of one field, or split the query")
        return self.comparison()

    def field(self) -> Field:
        token = self.token
        if token.kind != "name":
            raise self.error("Expected a field such as metrics.auc, params.C, tags.owner or status")
        self.advance()
        entity = _ENTITIES.get(token.value.lower()) if token.text[0] != "`" else None
        if entity is not None and self.token.kind == "punct" and self.token.value == ".":
            self.advance()
            key_token = self.token
            if key_token.kind not in ("name", "string", "keyword", "number"):
                raise self.error(f"Expected a key after '{token.text}.'")
            self.advance()
            key = str(key_token.value if key_token.kind in ("name", "string") else key_token.text)
            # Keys may contain dots (metrics.val.loss, params.layer.0.size): join the parts.
            while (self.token.kind == "punct" and self.token.value == "."
                   and self.tokens[self.index + 1].kind in ("name", "keyword")):
                self.advance()
                part = self.advance()
                key += "." + (part.value if part.kind == "name" else part.text)
            if entity == "attributes":
                return self._attribute(key, key_token)
            return Field(entity, key, token.position)
        return self._attribute(token.value, token)

    def _attribute(self, name: str, token: Token) -> Field:
        lowered = name.lower()
        if lowered == "experiment" or lowered in ATTRIBUTES:
            return Field("attributes", lowered, token.position)
        known = ", ".join(sorted({"experiment", *ATTRIBUTES}))
        raise self.error(
            f"Unknown field {name!r}: use metrics.<key>, params.<key>, tags.<key> or one of "
            f"{known}",
            token,
        )

    def literal(self, field: Field) -> float | str:
        token = self.token
        if token.kind not in ("number", "string"):
            raise self.error("Expected a quoted string or a number")
        self.advance()
        numeric = _is_numeric(field)
        if numeric and token.kind != "number":
            raise self.error(f"{self._label(field)} is numeric: compare it with a number", token)
        if not numeric and token.kind == "number":
            raise self.error(
                f"{self._label(field)} is text: quote the value, e.g. '{token.text}'", token
            )
        return token.value

    @staticmethod
    def _label(field: Field) -> str:
        return field.key if field.entity == "attributes" else f"{field.entity}.{field.key}"

    def comparison(self) -> ColumnElement[bool]:
        field = self.field()
        token = self.token
        if token.kind == "op":
            self.advance()
            op = {"==": "=", "<>": "!="}.get(token.value, token.value)
            if op in ("<", "<=", ">", ">=") and field.entity in ("params", "tags"):
                raise self.error(
                    f"{self._label(field)} is text: use =, !=, like or in", token
                )
            return _condition(field, op, self.literal(field), paged=self.paged)
        negate = False
        if token.kind == "keyword" and token.value == "not":
            self.advance()
            negate = True
            if not (self.token.kind == "keyword" and self.token.value in ("in", "like", "ilike")):
                raise self.error("Expected 'in' or 'like' after 'not'")
        if self.token.kind == "keyword" and self.token.value in ("like", "ilike"):
            op_token = self.advance()
            if _is_numeric(field):
                raise self.error(
                    f"{self._label(field)} is numeric: '{op_token.text}' needs text", op_token
                )
            pattern_token = self.token
            self.literal(field)
            pattern = pattern_token.pattern or ""
            if ends_with_escape(pattern):
                raise self.error(
                    "A like pattern cannot end with the escape character '\\'", pattern_token
                )
            return _condition(field, op_token.value, pattern, negate, self.paged)
        if self.keyword("in"):
            self.expect_punct("(")
            values = [self.literal(field)]
            while self.token.kind == "punct" and self.token.value == ",":
                self.advance()
                values.append(self.literal(field))
                if len(values) > MAX_IN_VALUES:
                    raise self.error(f"More than {MAX_IN_VALUES} values in one 'in (...)': "
                                     "split the query")
            self.expect_punct(")")
            return _condition(field, "in", values, negate, self.paged)
        if self.keyword("is"):
            positive = not self.keyword("not")
            if not self.keyword("null"):
                raise self.error("Expected 'null' after 'is'")
            return _presence(field, missing=positive, paged=self.paged)
        raise self.error("Expected a comparison operator (=, !=, <, <=, >, >=, like, in, is)")

    def parse_order(self) -> tuple[Field, bool]:
        field = self.field()
        descending = False
        if self.keyword("desc"):
            descending = True
        else:
            self.keyword("asc")
        if self.token.kind != "end":
            raise self.error("Expected 'asc', 'desc' or the end of the sort")
        return field, descending


def _is_numeric(field: Field) -> bool:
    return field.entity == "metrics" or field.key in _NUMERIC_ATTRIBUTES


def _compare(column: Any, op: str, value: Any) -> ColumnElement[bool]:
    if op in ("<", "<=", ">", ">=") and isinstance(value, str):
        column = ByCodePoint(column)
    if op == "=":
        return column == value
    if op == "!=":
        return column != value
    if op == "<":
        return column < value
    if op == "<=":
        return column <= value
    if op == ">":
        return column > value
    if op == ">=":
        return column >= value
    if op == "like":
        return Like(column, value, glob_pattern(value))
    if op == "ilike":
        return column.ilike(value, escape="\\")
    if op == "in":
        return column.in_(value)
    raise AssertionError(op)  # pragma: no cover - the parser only produces the above


def _key_table(entity: str) -> Table:
    return {"metrics": schema.latest_metrics, "params": schema.params, "tags": schema.tags}[entity]


def _has_key(entity: str, key: str, test: Any = None, paged: bool = True) -> ColumnElement[bool]:
    """Whether a run has ``key`` among its metrics, params or tags (with a value passing ``test``).

    A page walks runs in page order and stops after a page: it asks per run (``EXISTS``). A count
    or full listing sees every match: ``id IN (...)`` walks the (key, value) index once.
    """
    table = _key_table(entity)
    where = [table.c.key == key]
    if test is not None:
        where.append(test(table.c.value))
    if paged:
        return exists().where(table.c.run_id == _R.c.id, *where)
    return _R.c.id.in_(select(table.c.run_id).where(*where))


def _condition(field: Field, op: str, value: Any, negate: bool = False,
               paged: bool = True) -> ColumnElement[bool]:
    """A two-valued condition (never SQL NULL), so that ``not`` is always the complement."""

    def test(column: Any) -> ColumnElement[bool]:
        if field.entity in ("params", "tags") and op in ("=", "!=", "in"):
            # Values are NOT NULL, so the condition is two-valued without reading the value:
            # a filter's count then reads the index alone.
            compared = TextIn(column.table, value if op == "in" else [value])
            return not_(compared) if negate or op == "!=" else compared
        compared = _compare(column, op, value)
        return and_(column.is_not(None), not_(compared) if negate else compared)

    if field.entity == "attributes":
        if field.key == "experiment":
            return _R.c.experiment_id.in_(select(_E.c.id).where(test(_E.c.name)))
        return test(ATTRIBUTES[field.key])
    return _has_key(field.entity, field.key, test, paged)


def _presence(field: Field, missing: bool, paged: bool = True) -> ColumnElement[bool]:
    if field.entity == "attributes":
        column = (
            _R.c.experiment_id if field.key == "experiment" else ATTRIBUTES[field.key]
        )
        return column.is_(None) if missing else column.is_not(None)
    found = _has_key(field.entity, field.key, paged=paged)
    return not_(found) if missing else found


def parse_filter(text: str, paged: bool = True) -> ColumnElement[bool]:
    """Compile a filter to a SQL condition on runs; ``paged`` (a LIMIT follows) picks its shape."""
    return _Parser(text, paged).parse_filter()


def parse_order(text: str) -> tuple[Field, bool]:
    return _Parser(text).parse_order()


def run_conditions(
    experiments: list[int] | None = None,
    filter: str | None = None,
    deleted: bool = False,
    parent_id: str | None = None,
    paged: bool = True,
) -> list[ColumnElement[bool]]:
    """The conditions on runs that ``search_query`` selects by, for queries built elsewhere."""
    conditions: list[ColumnElement[bool]] = [
        _R.c.deleted_at.is_not(None) if deleted else _R.c.deleted_at.is_(None)
    ]
    if experiments is not None:
        conditions.append(_R.c.experiment_id.in_(experiments))
    if parent_id is not None:
        conditions.append(_R.c.parent_id == parent_id)
    if filter and filter.strip():
        conditions.append(parse_filter(filter, paged=paged))
    return conditions


def search_query(
    experiments: list[int] | None = None,
    filter: str | None = None,
    order_by: list[str] | None = None,
    max_results: int | None = None,
    offset: int = 0,
    deleted: bool = False,
    parent_id: str | None = None,
) -> Select[Any]:
    """A SELECT of run ids matching the filter, sorted, paged."""
    if max_results is not None and (not isinstance(max_results, int) or max_results < 0):
        raise InvalidInput(f"max_results must be a non-negative integer, not {max_results!r}.")
    if not isinstance(offset, int) or offset < 0:
        raise InvalidInput(f"offset must be a non-negative integer, not {offset!r}.")
    query = select(_R.c.id).where(
        *run_conditions(experiments, filter, deleted, parent_id, paged=max_results is not None)
    )
    for index, text in enumerate(order_by or []):
        field, descending = parse_order(text)
        if field.entity == "attributes":
            if field.key == "experiment":
                column: Any = (
                    select(_E.c.name).where(_E.c.id == _R.c.experiment_id).scalar_subquery()
                )
            else:
                column = ATTRIBUTES[field.key]
        else:
            table = _key_table(field.entity).alias(f"sort_{index}")
            query = query.outerjoin(
                table, and_(table.c.run_id == _R.c.id, table.c.key == field.key)
            )
            column = table.c.value
        if not _is_numeric(field):
            column = ByCodePoint(column)
        ordered = column.desc() if descending else column.asc()
        query = query.order_by(ordered.nulls_last())
    query = query.order_by(_R.c.start_time.desc(), _R.c.id.desc())
    if max_results is not None:
        query = query.limit(max_results)
    if offset:
        query = query.offset(offset)
    return query
