"""Schema v7 brings a v6 workspace forward: each metric's count, lowest and highest value,
backfilled from its history, then kept by every write."""

from __future__ import annotations

import math

from sqlalchemy import select, text

from jupyter_mlops.records import RunStatus
from jupyter_mlops.store import Store, schema
from jupyter_mlops.store.migrations import migrate


def test_a_v6_workspace_gains_metric_stats_from_its_histories(workspace, schema_differences):
    store = Store.open(workspace, cache=False)
    run_id = "b" * 32
    store.runs.create(run_id, "exp", "kept", 1.0, status=RunStatus.FINISHED, end_time=2.0)
    store.runs.insert_metrics([(run_id, "loss", v, s, 10.0 + s)
                               for s, v in enumerate([0.9, 0.4, math.nan, 0.6])])
    store.runs.insert_metrics([(run_id, "only_nan", math.nan, 0, 1.0)])
    with store.engine.begin() as connection:  # what release v6 left
        for column in ("points", "min_value", "max_value"):
            connection.execute(text(f"ALTER TABLE latest_metrics DROP COLUMN {column}"))
        connection.execute(schema.schema_version.update().values(version=6))
    assert any("points" in problem for problem in schema_differences(store.engine))

    assert migrate(store.engine) == [7, 8]
    assert schema_differences(store.engine) == []
    lm = schema.latest_metrics
    with store.engine.connect() as connection:
        kept = {r.key: (r.points, r.min_value, r.max_value, r.value)
                for r in connection.execute(select(lm).where(lm.c.run_id == run_id))}
    assert kept == {"loss": (4, 0.4, 0.9, 0.6), "only_nan": (1, None, None, None)}
    # Writes go on from the backfilled counts.
    store.runs.insert_metrics([(run_id, "loss", 0.1, 9, 30.0)])
    with store.engine.connect() as connection:
        row = connection.execute(select(lm).where(lm.c.run_id == run_id,
                                                  lm.c.key == "loss")).one()
    assert (row.points, row.min_value, row.max_value, row.value) == (5, 0.1, 0.9, 0.1)
    store.engine.dispose()
