"""Sorting by metrics, params, tags and attributes, missing values last; paging."""

from __future__ import annotations

import pytest

from jupyter_mlops.errors import InvalidInput

ORDERS = [
    ([], ["Alpha-2", "delta", "gamma", "beta", "alpha"]),  # newest first
    (["metrics.auc desc"], ["delta", "beta", "alpha", "Alpha-2", "gamma"]),
    (["metrics.auc"], ["alpha", "beta", "delta", "Alpha-2", "gamma"]),
    (["metrics.auc ASC"], ["alpha", "beta", "delta", "Alpha-2", "gamma"]),
    (["metrics.loss"], ["delta", "Alpha-2", "gamma", "beta", "alpha"]),
    (["metrics.`val loss` desc"], ["alpha", "Alpha-2", "delta", "gamma", "beta"]),
    (["metrics.val.loss"], ["beta", "alpha", "Alpha-2", "delta", "gamma"]),
    (["params.C desc"], ["gamma", "delta", "beta", "alpha", "Alpha-2"]),
    (["params.C", "name desc"], ["alpha", "delta", "beta", "gamma", "Alpha-2"]),
    # Text sorts by code point on every backend: upper case first.
    (["tags.owner"], ["beta", "delta", "alpha", "Alpha-2", "gamma"]),
    (["tags.owner desc"], ["Alpha-2", "delta", "alpha", "beta", "gamma"]),
    (["name"], ["Alpha-2", "alpha", "beta", "delta", "gamma"]),
    (["end_time"], ["alpha", "beta", "gamma", "Alpha-2", "delta"]),
    (["end_time desc"], ["Alpha-2", "gamma", "beta", "alpha", "delta"]),
    (["start_time"], ["alpha", "beta", "gamma", "delta", "Alpha-2"]),
    (["attributes.status"], ["gamma", "beta", "alpha", "Alpha-2", "delta"]),
    (["experiment", "metrics.auc desc"], ["beta", "alpha", "gamma", "delta", "Alpha-2"]),
    (["experiment desc", "metrics.loss desc"], ["Alpha-2", "delta", "gamma", "beta", "alpha"]),
]


def test_orders(store, catalog):
    wrong = {}
    for order_by, expected in ORDERS:
        found = [run.name for run in store.search(order_by=order_by)]
        if found != expected:
            wrong[tuple(order_by)] = found
    assert wrong == {}, "\n".join(f"{k!r}: {v!r}" for k, v in wrong.items())


def test_paging(store, catalog):
    def page(**criteria) -> list[str]:
        return [run.name for run in store.search(order_by=["metrics.auc desc"], **criteria)]

    assert page(max_results=2) == ["delta", "beta"]
    assert page(max_results=2, offset=2) == ["alpha", "Alpha-2"]
    assert page(max_results=2, offset=4) == ["gamma"]
    assert page(offset=3) == ["Alpha-2", "gamma"]
    assert page(offset=10) == []
    assert page(max_results=0) == []
    assert page(filter="experiment = 'churn'", max_results=1, offset=1) == ["alpha"]
    assert store.count(filter="experiment = 'churn'", max_results=1) == 3
    assert store.count(order_by=["tags.owner"]) == 5
    assert store.count(filter="metrics.auc > 2") == 0
    for bad in ({"max_results": -1}, {"offset": -1}, {"max_results": "2"}, {"offset": 1.5}):
        with pytest.raises(InvalidInput, match="non-negative integer"):
            store.search(**bad)

    # Experiments and deletion narrow the search.
    churn = store.runs.experiment_id("churn", 0.0, create=False)
    assert {r.name for r in store.search(experiments=[churn])} == {"alpha", "beta", "gamma"}
    store.runs.set_deleted([catalog["beta"]], 1.0)
    assert {r.name for r in store.search(experiments=[churn])} == {"alpha", "gamma"}
    assert [r.name for r in store.search(deleted=True)] == ["beta"]
    assert store.runs.get(catalog["beta"]).deleted
