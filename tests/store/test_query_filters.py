"""Filters of the run query language, compiled to SQL and run through ``Store.search``."""

from __future__ import annotations

import pytest


@pytest.fixture
def search(store, catalog):
    def names(filter: str) -> set[str]:
        return {run.name for run in store.search(filter=filter)}

    return names


CASES = [
    # Comparison operators on metrics (NaN matches no comparison).
    ("metrics.auc = 0.85", {"beta"}),
    ("metrics.auc == 0.85", {"beta"}),
    ("metrics.auc != 0.85", {"alpha", "delta"}),
    ("metrics.auc <> 0.85", {"alpha", "delta"}),
    ("metrics.auc < 0.85", {"alpha"}),
    ("metrics.auc <= 0.85", {"alpha", "beta"}),
    ("metrics.auc > 0.85", {"delta"}),
    ("metrics.auc >= 0.85", {"beta", "delta"}),
    ("metrics.auc>=.85", {"beta", "delta"}),
    ("metrics.loss < -1e300", {"delta"}),
    ("metrics.auc in (0.7, 0.95)", {"alpha", "delta"}),
    ("metrics.auc not in (0.7, 0.95)", {"beta"}),
    ("metrics.auc is null", {"Alpha-2"}),
    ("metrics.auc is not null", {"alpha", "beta", "gamma", "delta"}),
    # Text operators on params and tags; a missing key matches no comparison.
    ("params.C = '0.5'", {"beta", "delta"}),
    ('params.C = "0.5"', {"beta", "delta"}),
    ("params.C != '0.5'", {"alpha", "gamma"}),
    ("params.C in ('0.1', '1.0')", {"alpha", "gamma"}),
    ("params.C not in ('0.1', '1.0')", {"beta", "delta"}),
    ("params.penalty is null", {"beta", "delta", "Alpha-2"}),
    ("params.penalty is not null", {"alpha", "gamma"}),
    ("tags.owner like 'a%'", {"alpha", "delta"}),
    ("tags.owner like 'B_'", {"beta"}),
    ("tags.owner like 'b%'", set()),
    ("tags.owner ilike 'b%'", {"beta"}),
    ("tags.owner ILIKE 'AN_'", {"alpha", "delta"}),
    ("tags.owner not like 'a%'", {"beta", "Alpha-2"}),
    ("tags.owner not ilike 'A%'", {"beta", "Alpha-2"}),
    # One backslash escapes % and _, as the query docs say; two are a literal backslash.
    ("tags.note like '50\\%\\_off'", {"gamma"}),
    ("tags.note like '50\\%'", set()),
    ("tags.note ilike '50\\%\\_OFF'", {"gamma"}),
    ("tags.note ilike '50\\%\\_'", set()),
    ("tags.note like '50\\\\%'", set()),
    ("tags.note = '50\\%_off'", {"gamma"}),
    ("tags.note like '50%'", {"gamma"}),
    ("tags.stage = 'prod'", {"delta"}),
    # Keys with dots, in backticks, quoted, or named like keywords.
    ("metrics.val.loss < 0.4", {"beta"}),
    ("metrics.`val.loss` < 0.4", {"beta"}),
    ("metrics.`val loss` = 1", {"alpha"}),
    ("metrics.'val loss' = 1", {"alpha"}),
    ("metrics.layer.0.norm = 2", {"beta"}),
    ("params.optimizer.lr = '0.01'", {"beta"}),
    ("tags.in = 'x'", {"beta"}),
    ("tags.`in` = 'x'", {"beta"}),
    # Attributes.
    ("status = 'FINISHED'", {"alpha", "beta"}),
    ("attributes.status != 'FINISHED'", {"gamma", "delta", "Alpha-2"}),
    ("status in ('FAILED', 'KILLED')", {"gamma", "Alpha-2"}),
    ("name = 'alpha'", {"alpha"}),
    ("name like 'alpha%'", {"alpha"}),
    ("name ilike 'alpha%'", {"alpha", "Alpha-2"}),
    ("experiment = 'fraud'", {"delta", "Alpha-2"}),
    ("experiment != 'fraud'", {"alpha", "beta", "gamma"}),
    ("experiment in ('churn')", {"alpha", "beta", "gamma"}),
    ("start_time >= 30", {"gamma", "delta", "Alpha-2"}),
    ("start_time < 30 and end_time > 21", {"beta"}),
    ("end_time is null", {"delta"}),
    ("end_time is not null", {"alpha", "beta", "gamma", "Alpha-2"}),
    ("end_time != 55", {"alpha", "beta", "gamma"}),
    ("end_time not in (20, 25)", {"gamma", "Alpha-2"}),
    ("parent_id is null", {"alpha", "beta", "gamma", "delta", "Alpha-2"}),
    # Combinations; and binds tighter than or.
    ("status = 'FINISHED' and tags.owner = 'ana'", {"alpha"}),
    ("tags.owner = 'cy' or metrics.auc > 0.9", {"delta", "Alpha-2"}),
    ("tags.owner = 'cy' or metrics.auc > 0.8 and status = 'RUNNING'", {"delta", "Alpha-2"}),
    ("(tags.owner = 'cy' or metrics.auc > 0.8) and status = 'RUNNING'", {"delta"}),
    ("((experiment = 'churn'))", {"alpha", "beta", "gamma"}),
    # not is the complement: runs without the key or the value are in it.
    ("not tags.owner = 'ana'", {"beta", "gamma", "Alpha-2"}),
    ("not metrics.auc > 0.8", {"alpha", "gamma", "Alpha-2"}),
    ("not end_time > 21", {"alpha", "delta"}),
    ("not (status = 'FINISHED' or status = 'RUNNING')", {"gamma", "Alpha-2"}),
    ("not not experiment = 'fraud'", {"delta", "Alpha-2"}),
    ("  ", {"alpha", "beta", "gamma", "delta", "Alpha-2"}),
    ("STATUS = 'FINISHED' AND Tags.owner = 'ana'", {"alpha"}),
]


def test_every_operator_and_combination(search):
    wrong = {}
    for text, expected in CASES:
        try:
            found = search(text)
        except Exception as exc:  # report every failing case at once
            found = f"{type(exc).__name__}: {exc}"
        if found != expected:
            wrong[text] = found
    assert wrong == {}, "\n".join(f"{k!r}: {v!r}" for k, v in wrong.items())


def test_pages_and_counts_match_what_a_full_listing_finds(store, catalog):
    # A page asks per run (EXISTS); a count or a full listing walks the key index (IN).
    wrong = {}
    for text, expected in CASES:
        paged = {run.name for run in store.search(filter=text, max_results=100)}
        counted = store.count(filter=text)
        if paged != expected or counted != len(expected):
            wrong[text] = (paged, counted, expected)
    assert not wrong, wrong
