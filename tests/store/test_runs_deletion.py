"""Soft deletion with nested runs, restore, purge, and the digests the metadata holds."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from jupyter_mlops.errors import NotFound
from jupyter_mlops.records import GitState
from jupyter_mlops.store import schema
from jupyter_mlops.store.runs import short_id

RUN_TABLES = (schema.params, schema.tags, schema.metrics, schema.latest_metrics,
              schema.artifacts, schema.lineage)


def _rows_of(store, run_id: str) -> dict[str, int]:
    with store.engine.connect() as connection:
        counts = {
            t.name: connection.execute(
                select(func.count()).select_from(t).where(t.c.run_id == run_id)
            ).scalar()
            for t in RUN_TABLES
        }
        counts["runs"] = connection.execute(
            select(func.count()).where(schema.runs.c.id == run_id)
        ).scalar()
    return counts


def _fill(store, run_id: str, digest: str) -> None:
    store.runs.log_params(run_id, {"C": "1"})
    store.runs.set_tags(run_id, {"owner": "ana"})
    store.runs.insert_metrics([(run_id, "loss", 0.5, 0, 1.0)])
    store.runs.add_artifacts(run_id, [("model.pkl", digest, 10)], 1.0)
    store.runs.add_lineage(run_id, "input", "dataset", "customers@1", 1.0)


def test_delete_cascades_to_nested_runs_and_restore_brings_them_back(store, add_run):
    parent = add_run()
    child = add_run(parent_id=parent)
    grandchild = add_run(parent_id=child)
    bystander = add_run()
    assert store.runs.set_deleted([short_id(parent)], 100.0) == 3
    assert {r.id for r in store.search()} == {bystander}
    assert {r.id for r in store.search(deleted=True)} == {parent, child, grandchild}
    assert store.runs.get(grandchild).deleted
    assert store.runs.counts()["deleted_runs"] == 3

    assert store.runs.set_deleted([parent], None) == 3
    assert {r.id for r in store.search()} == {parent, child, grandchild, bystander}
    assert not store.runs.get(child).deleted
    with pytest.raises(NotFound):
        store.runs.set_deleted(["e" * 32], 1.0)


def test_purge_removes_every_row_of_runs_deleted_before_the_cutoff(store, add_run):
    parent = add_run(git=GitState("a" * 40, "main", True, "9" * 64))
    child = add_run(parent_id=parent)
    recent = add_run()
    kept = add_run()
    for run_id, digest in ((parent, "1" * 64), (child, "2" * 64), (recent, "3" * 64),
                           (kept, "4" * 64)):
        _fill(store, run_id, digest)
    store.runs.set_deleted([parent], 100.0)
    store.runs.set_deleted([recent], 300.0)
    # Still referenced while only soft-deleted: a restore must find its files.
    assert store.runs.referenced_digests() == {"1" * 64, "2" * 64, "3" * 64, "4" * 64, "9" * 64}

    assert sorted(store.runs.purge_deleted(200.0)) == sorted([parent, child])
    for run_id in (parent, child):
        assert set(_rows_of(store, run_id).values()) == {0}
    for run_id in (recent, kept):
        assert _rows_of(store, run_id) == {
            "params": 1, "tags": 1, "metrics": 1, "latest_metrics": 1, "artifacts": 1,
            "lineage": 1, "runs": 1,
        }
    assert store.runs.referenced_digests() == {"3" * 64, "4" * 64}
    assert store.runs.purge_deleted(200.0) == []

    # A child restored on its own outlives its purged parent.
    orphan_parent = add_run()
    orphan = add_run(parent_id=orphan_parent)
    store.runs.set_deleted([orphan_parent], 100.0)
    store.runs.set_deleted([orphan], None)
    assert store.runs.purge_deleted(200.0) == [orphan_parent]
    assert store.runs.get(orphan).parent_id is None


def test_counts(store, add_run):
    live = add_run(experiment="a")
    add_run(experiment="b")
    gone = add_run(experiment="b")
    store.runs.insert_metrics([(live, "m", 1.0, s, 1.0) for s in range(4)])
    store.runs.add_artifacts(live, [("a.txt", "5" * 64, 1), ("b.txt", "6" * 64, 2)], 1.0)
    store.runs.set_deleted([gone], 1.0)
    assert store.runs.counts() == {
        "experiments": 2, "runs": 2, "deleted_runs": 1, "running": 2, "metrics": 4,
        "artifact_files": 2,
    }
