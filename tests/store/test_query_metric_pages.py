"""Pages sorted by one metric (``search_ids``) match the plain full sort, page for page."""

from __future__ import annotations

import math
import random

import pytest

from jupyter_mlops.store.query import search_query
from jupyter_mlops.store.query_pages import WALK, search_ids

T0 = 1_700_000_000.0
# Few distinct values so that runs tie, the infinities, NaN (stored as NULL: sorts with the
# runs lacking the metric) and None for a run that never logged it.
VALUES = [0.5, 0.5, 0.25, 1.0, math.inf, -math.inf, math.nan, None]
FILTERS = [None, "params.C = '1'", "tags.team = 'b' or metrics.auc < 0.5", "params.C = 'none'"]


@pytest.fixture
def tied(store, add_run):
    """60 runs in two experiments: tied metric values and start times, gaps, deleted runs."""
    rng = random.Random(8)
    ids = []
    for i in range(60):
        run_id = add_run(experiment=rng.choice(["a", "b"]),
                         start_time=T0 + rng.choice([0, 1, 2, i]), tags={"team": rng.choice("ab")})
        store.runs.log_params(run_id, {"C": rng.choice(["0.1", "1"])})
        value = rng.choice(VALUES)
        if value is not None:
            store.runs.insert_metrics([(run_id, "auc", value, 0, T0)])
        store.runs.insert_metrics([(run_id, "loss", rng.random(), 0, T0)])
        ids.append(run_id)
    store.runs.set_deleted(rng.sample(ids, 12), T0 + 100)
    return ids


def test_metric_pages_match_the_full_sort(store, tied):
    experiment_a = store.runs.experiment_id("a", T0, create=False)
    wrong = []
    with store.engine.connect() as connection:
        for order in ["metrics.auc DESC", "metrics.auc ASC", "metrics.absent DESC"]:
            for filter in FILTERS:
                for experiments in [None, [experiment_a]]:
                    for deleted in [False, True]:
                        criteria = dict(experiments=experiments, filter=filter,
                                        order_by=[order], deleted=deleted)
                        full = list(connection.execute(search_query(**criteria)).scalars())
                        for limit in [1, 7, 50]:
                            for offset in range(0, len(full) + 3, 3):
                                expected = full[offset:offset + limit]
                                for walk in [4, 20, WALK]:
                                    found = search_ids(connection, max_results=limit,
                                                       offset=offset, walk=walk, **criteria)
                                    if found != expected:
                                        wrong.append((criteria, limit, offset, walk))
    assert wrong == []


def test_metric_pages_cover_every_case(store, tied):
    """The cases above reach every step: a full walk, the runs lacking it, and fallbacks."""
    with store.engine.connect() as connection:
        full = list(connection.execute(search_query(order_by=["metrics.auc DESC"])).scalars())
        having = [run for run in store.search(order_by=["metrics.auc DESC"])
                  if not math.isnan(run.metrics.get("auc", math.nan))]
        assert 0 < len(having) < len(full)
        # A page straddling the boundary between runs with and without the metric.
        offset = len(having) - 2
        assert search_ids(connection, order_by=["metrics.auc DESC"], max_results=5,
                          offset=offset) == full[offset:offset + 5]


def test_metric_page_of_nothing(store, tied):
    with store.engine.connect() as connection:
        assert search_ids(connection, order_by=["metrics.auc DESC"], max_results=0) == []
        assert search_ids(connection, order_by=["metrics.auc DESC"], max_results=5,
                          offset=1_000) == []
