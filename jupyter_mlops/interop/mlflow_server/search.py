"""MLflow's search filter and order-by strings, translated to our run query language.

MLflow's grammar (``mlflow/utils/search_utils.py``): comparisons joined by ``AND`` only, each
``<entity>.<key> <op> <value>`` with the entities ``metrics``, ``params``, ``tags`` and
``attributes`` (also ``attribute``, ``attr``, ``run``; a bare name is an attribute). Metrics
and the time attributes compare numbers, everything else quoted strings. What MLflow rejects
(``OR``, a string compared to a metric, an unknown attribute) is rejected here too, with
``INVALID_PARAMETER_VALUE``. MLflow's times are milliseconds, ours seconds; its reserved tags
``mlflow.runName``, ``mlflow.parentRunId`` and ``mlflow.source.*`` are our attributes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .protocol import invalid

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<number>[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.]))
  | (?P<ident>[A-Za-z_]\w*\.(?:`[^`]*`|"[^"]*"|[\w\-./:]+)|[A-Za-z_]\w*)
  | (?P<op><=|>=|!=|<>|==|=|<|>)
  | (?P<punct>[(),])
    """,
    re.VERBOSE,
)

_ENTITIES = {"metrics": "metrics", "metric": "metrics", "params": "params", "param": "params",
             "parameter": "params", "parameters": "params", "tags": "tags", "tag": "tags",
             "attributes": "attributes", "attribute": "attributes", "attr": "attributes",
             "run": "attributes"}
# MLflow attribute -> (our field, numeric in milliseconds)
_ATTRIBUTES = {
    "run_id": ("id", False), "run_name": ("name", False), "status": ("status", False),
    "start_time": ("start_time", True), "created": ("start_time", True),
    "Created": ("start_time", True), "end_time": ("end_time", True),
    "user_id": ("tags.`mlflow.user`", False),
}
_RESERVED_TAGS = {"mlflow.runName": "name", "mlflow.parentRunId": "parent_id",
                  "mlflow.source.name": "source_path"}
_STRING_OPS = {"=", "!=", "like", "ilike", "in", "not in"}
_NUMBER_OPS = {"=", "!=", ">", ">=", "<", "<="}


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str


def _tokens(text: str) -> list[_Tok]:
    out, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise invalid(f"Invalid filter string {text!r}: unexpected character "
                          f"{text[position]!r} at position {position}.")
        if match.lastgroup != "space":
            out.append(_Tok(match.lastgroup or "", match.group()))
        position = match.end()
    return out


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def _like_quote(value: str) -> str:
    # MLflow's LIKE has no escapes: a backslash is a literal character there.
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def _unquote(token: _Tok) -> str:
    body = token.text[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


def _split(identifier: str) -> tuple[str, str]:
    if "." not in identifier:
        return "attributes", identifier
    entity, key = identifier.split(".", 1)
    if entity not in _ENTITIES:
        raise invalid(f"Invalid entity type '{entity}'. Valid values are "
                      "['metric', 'parameter', 'tag', 'attribute'].")
    if len(key) >= 2 and key[0] == key[-1] and key[0] in "`\"":
        key = key[1:-1]
    if not key:
        raise invalid(f"Invalid identifier {identifier!r}: the key is empty.")
    return _ENTITIES[entity], key


def field(identifier: str) -> tuple[str, bool]:
    """Our query field for an MLflow identifier, and whether it compares numbers (in ms)."""
    entity, key = _split(identifier)
    if entity == "attributes":
        if key not in _ATTRIBUTES:
            raise invalid(f"Invalid attribute key '{key}' specified. Valid keys are "
                          f"{sorted(set(_ATTRIBUTES) - {'Created'})}.")
        return _ATTRIBUTES[key]
    if entity == "tags" and key in _RESERVED_TAGS:
        return _RESERVED_TAGS[key], False
    if "`" in key:
        raise invalid(f"Invalid key {key!r}: backticks are not allowed in names.")
    return f"{entity}.`{key}`", entity == "metrics"


def translate_filter(text: str | None) -> str | None:
    """Our query for MLflow filter ``text`` (None for an empty filter)."""
    if not text or not text.strip():
        return None
    tokens = _tokens(text)
    clauses: list[str] = []
    index = 0
    while index < len(tokens):
        clause, index = _comparison(tokens, index, text)
        clauses.append(clause)
        if index < len(tokens):
            word = tokens[index]
            if word.kind != "ident" or word.text.lower() != "and":
                raise invalid(f"Invalid clause(s) in filter string: {text!r}. MLflow joins "
                              "comparisons with AND only (no OR, no parentheses).")
            index += 1
            if index == len(tokens):
                raise invalid(f"Invalid filter string {text!r}: nothing after AND.")
    return " and ".join(clauses)


def _comparison(tokens: list[_Tok], index: int, text: str) -> tuple[str, int]:
    def at(i: int) -> _Tok | None:
        return tokens[i] if i < len(tokens) else None

    head = tokens[index]
    if head.kind != "ident" or head.text.lower() in ("and", "or", "not", "in", "like"):
        raise invalid(f"Invalid filter string {text!r}: expected a name such as "
                      f"metrics.acc at {head.text!r}.")
    ours, numeric = field(head.text)
    index += 1
    op_token = at(index)
    if op_token is None:
        raise invalid(f"Invalid filter string {text!r}: {head.text} has no comparison.")
    op = op_token.text.lower()
    index += 1
    if op == "not":
        nxt = at(index)
        if nxt is None or nxt.text.lower() != "in":
            raise invalid(f"Invalid filter string {text!r}: NOT must be followed by IN.")
        op, index = "not in", index + 1
    elif op == "is":
        nxt, after = at(index), at(index + 1)
        if nxt is not None and nxt.text.lower() == "null":
            return f"{ours} is null", index + 1
        if (nxt is not None and nxt.text.lower() == "not" and after is not None
                and after.text.lower() == "null"):
            return f"{ours} is not null", index + 2
        raise invalid(f"Invalid filter string {text!r}: use IS NULL or IS NOT NULL.")
    elif op in ("==", "<>"):
        op = "=" if op == "==" else "!="
    allowed = _NUMBER_OPS if numeric else _STRING_OPS
    if op not in allowed:
        raise invalid(f"Invalid comparator '{op_token.text}' for {head.text}; allowed: "
                      f"{', '.join(sorted(o.upper() for o in allowed))}.")
    if op in ("in", "not in"):
        return _in_list(tokens, index, text, ours, op)
    value = at(index)
    if value is None:
        raise invalid(f"Invalid filter string {text!r}: {head.text} {op} has no value.")
    if numeric:
        if value.kind != "number":
            raise invalid(f"Expected numeric value type for metric or time {head.text}; "
                          f"found {value.text}.")
        number = float(value.text)
        if head.text.split(".")[-1] in ("start_time", "end_time", "created", "Created"):
            number /= 1000.0
        return f"{ours} {op} {number!r}", index + 1
    if value.kind != "string":
        raise invalid(f"Expected a quoted string value for {head.text}; found {value.text}.")
    quoted = (_like_quote if op in ("like", "ilike") else _quote)(_unquote(value))
    return f"{ours} {op} {quoted}", index + 1


def _in_list(tokens: list[_Tok], index: int, text: str, ours: str, op: str) -> tuple[str, int]:
    if index >= len(tokens) or tokens[index].text != "(":
        raise invalid(f"Invalid filter string {text!r}: IN needs a parenthesised list.")
    index += 1
    values: list[str] = []
    while True:
        if index >= len(tokens) or tokens[index].kind != "string":
            raise invalid(f"Invalid filter string {text!r}: IN lists hold quoted strings.")
        values.append(_quote(_unquote(tokens[index])))
        index += 1
        if index < len(tokens) and tokens[index].text == ",":
            index += 1
            continue
        if index < len(tokens) and tokens[index].text == ")":
            return f"{ours} {op} ({', '.join(values)})", index + 1
        raise invalid(f"Invalid filter string {text!r}: close the IN list with ).")


def translate_order_by(clauses: list[str]) -> list[str]:
    """Our sort keys for MLflow's ``order_by`` strings (``metrics.rmse DESC``, ``run_name``)."""
    out = []
    for clause in clauses:
        if not isinstance(clause, str) or not clause.strip():
            raise invalid(f"Invalid order_by clause {clause!r}.")
        tokens = _tokens(clause)
        if not tokens or tokens[0].kind != "ident" or len(tokens) > 2:
            raise invalid(f"Invalid order_by clause '{clause}'. Use e.g. "
                          "'metrics.rmse DESC' or 'attributes.start_time ASC'.")
        direction = "asc"
        if len(tokens) == 2:
            direction = tokens[1].text.lower()
            if direction not in ("asc", "desc"):
                raise invalid(f"Invalid ordering key in order_by clause '{clause}': use ASC "
                              "or DESC.")
        ours, _ = field(tokens[0].text)
        out.append(f"{ours} {direction}")
    return out
