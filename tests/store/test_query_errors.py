"""A bad filter or sort raises QuerySyntaxError naming the offending token and its position."""

from __future__ import annotations

import pytest

from jupyter_mlops.errors import InvalidInput, QuerySyntaxError

FILTERS = [
    # (filter, the offending token or None for the end, words the message must hold)
    ("colour = 'red'", "colour", "Unknown field 'colour'"),
    ("metrics.auc > 0.5 and colour = 'red'", "colour", "Unknown field 'colour'"),
    ("attributes.colour = 'red'", "colour", "Unknown field 'colour'"),
    ("metrics = 1", "metrics", "Unknown field 'metrics'"),
    ("metrics. > 1", ">", "Expected a key after 'metrics.'"),
    ("metrics.auc >", None, "Expected a quoted string or a number"),
    ("metrics.auc > and status = 'x'", "and", "Expected a quoted string or a number"),
    ("params.C in ('1', )", ")", "Expected a quoted string or a number"),
    ("metrics.auc > 'high'", "'high'", "metrics.auc is numeric: compare it with a number"),
    ("start_time < 'yesterday'", "'yesterday'", "start_time is numeric"),
    ("params.C = 0.5", "0.5", "params.C is text: quote the value, e.g. '0.5'"),
    ("status = 1", "1", "status is text"),
    ("params.C > '1'", ">", "params.C is text: use =, !=, like or in"),
    ("metrics.auc like '9%'", "like", "metrics.auc is numeric: 'like' needs text"),
    ("end_time not ilike '1%'", "ilike", "end_time is numeric"),
    ("(metrics.auc > 0.5 and status = 'x'", None, "Expected ')'"),
    ("params.C in ('1', '2'", None, "Expected ')'"),
    ("metrics.auc > 0.5)", ")", "Expected 'and', 'or' or the end of the filter"),
    ("metrics.auc > 0.5 status = 'x'", "status", "Expected 'and', 'or' or the end"),
    ("metrics.auc > 0.5 and", None, "Expected a field"),
    ("params.C = '0.5", "'", "Unclosed ' quote"),
    ("metrics.`val loss = 1", "`", "Unclosed ` quote"),
    ("metrics.auc > 0.5 ; drop table runs", ";", "Unexpected character ';'"),
    ("tags.owner is 'ana'", "'ana'", "Expected 'null' after 'is'"),
    ("tags.owner not = 'ana'", "=", "Expected 'in' or 'like' after 'not'"),
    ("tags.owner ~ 'ana'", "~", "Unexpected character '~'"),
    ("tags.owner 'ana'", "'ana'", "Expected a comparison operator"),
    # 'a\\' ends with an escaped backslash (a literal one), not a dangling escape: valid.
    ("and status = 'x'", "and", "Expected a field"),
]

ORDERS = [
    ("metrics.auc descending", "descending", "Expected 'asc', 'desc' or the end of the sort"),
    ("colour", "colour", "Unknown field 'colour'"),
    ("", None, "Expected a field"),
    ("metrics.auc desc, name", ",", "Expected 'asc', 'desc' or the end"),
]


def _check(exc: QuerySyntaxError, text: str, token: str | None, words: str) -> str | None:
    """What is wrong with the error raised for ``text``, or None."""
    position = len(text) if token is None else text.index(token)
    where = "the end" if token is None else repr(token)
    message = str(exc).splitlines()[0]
    if exc.position != position or exc.text != text:
        return f"position {exc.position} instead of {position}: {message}"
    located = f"at {where} (position {position})" in message or (
        f"at position {position}" in message
    )
    if words not in message or not located:
        return f"message {message!r}"
    pointer = str(exc).splitlines()[-1]
    if pointer.index("^") - 2 != position:  # the pointer line is indented by two spaces
        return f"pointer {pointer!r}"
    return None


def test_errors_name_the_token_and_point_at_it(store):
    cases = [({"filter": text}, text, token, words) for text, token, words in FILTERS]
    cases += [({"order_by": ["name", text]}, text, token, words) for text, token, words in ORDERS]
    wrong = {}
    for criteria, text, token, words in cases:
        try:
            store.search(**criteria)
        except QuerySyntaxError as exc:
            problem = _check(exc, text, token, words)
        else:
            problem = "no error"
        if problem:
            wrong[text] = problem
    assert wrong == {}, "\n".join(f"{k!r}: {v}" for k, v in wrong.items())
    with pytest.raises(InvalidInput):  # what faces catch
        store.count(filter="status ==")


def test_deep_and_huge_filters_are_refused_with_the_limit(store, add_run):
    add_run()
    from jupyter_mlops.store.query import MAX_DEPTH, MAX_IN_VALUES, MAX_TERMS

    deep = "(" * 500 + "status = 'FINISHED'" + ")" * 500
    with pytest.raises(QuerySyntaxError, match=f"deeper than {MAX_DEPTH}"):
        store.search(filter=deep)
    with pytest.raises(QuerySyntaxError, match=f"deeper than {MAX_DEPTH}"):
        store.count(filter="not " * 500 + "status = 'FINISHED'")
    wide = " or ".join(f"params.p{n} = '{n}'" for n in range(2000))
    with pytest.raises(QuerySyntaxError, match=f"more than {MAX_TERMS} comparisons"):
        store.count(filter=wide)
    many = ", ".join(f"'{n}'" for n in range(MAX_IN_VALUES + 1))
    with pytest.raises(QuerySyntaxError, match=f"More than {MAX_IN_VALUES} values"):
        store.count(filter=f"params.p in ({many})")
    with pytest.raises(QuerySyntaxError, match="characters long"):
        store.count(filter="params.p = '" + "x" * 300_000 + "'")


def test_filters_at_the_limits_run_on_every_backend(store, add_run):
    from jupyter_mlops.store.query import MAX_DEPTH, MAX_IN_VALUES, MAX_TERMS

    run_id = add_run()
    store.runs.log_params(run_id, {"p7": "7"})
    nested = "(" * (MAX_DEPTH - 1) + "params.p7 = '7'" + ")" * (MAX_DEPTH - 1)
    assert store.count(filter=nested) == 1
    wide = " or ".join(f"params.p{n} = '{n}'" for n in range(MAX_TERMS))
    assert store.count(filter=wide) == 1
    assert [r.id for r in store.search(filter=wide, max_results=5)] == [run_id]
    values = ", ".join(f"'{n}'" for n in range(MAX_IN_VALUES))
    assert store.count(filter=f"params.p7 in ({values})") == 1
