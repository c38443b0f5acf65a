"""The background writer: one value no backend can hold never blocks other runs' metrics."""

from __future__ import annotations

import logging
import math

import pytest

from jupyter_mlops.store.metric_rows import metric_row_problem, split_storable
from jupyter_mlops.store.writer import Writer


@pytest.mark.parametrize("row, problem", [
    (("r", "k", 1.0, 2**63, 1.0), "step"),
    (("r", "k", 1.0, -(2**63) - 1, 1.0), "step"),
    (("r", "k", 1.0, 0, math.nan), "timestamp"),
    (("r", "k", 1.0, 0, math.inf), "timestamp"),
    (("r", "k", 1.0, 0, 1e300), "timestamp"),
    (("r", "k", "1", 0, 1.0), "value"),
    (("r", "k" * 251, 1.0, 0, 1.0), "metric name"),
    (("r", "a\x00b", 1.0, 0, 1.0), "metric name"),
])
def test_rows_no_backend_can_hold_are_named(row, problem):
    assert problem in (metric_row_problem(row) or "")


def test_good_rows_pass():
    assert metric_row_problem(("r", "k", math.nan, 2**63 - 1, 1.7e9)) is None
    assert metric_row_problem(("r", "k", -math.inf, -(2**63), 0.0)) is None


def test_a_flush_parts_rows_as_the_row_by_row_check_does():
    odd = [
        ("r", "k", 1.0, 0, 1.0), ("r", "k", 1, 0, 1.0), ("r", "k", True, 0, 1.0),
        ("r", "k", math.nan, 0, 1.0), ("r", "k", math.inf, 2**63 - 1, 0.0),
        ("r", "k", 1.0, 2**63, 1.0), ("r", "k", 1.0, True, 1.0), ("r", "k", 1.0, 0, math.nan),
        ("r", "k", 1.0, 0, -1.0), ("r", "k", 1.0, 0, 253_402_300_800.0), ("r", "k", 1.0, 0, 5),
        ("r", "a\x00b", 1.0, 0, 1.0), ("r", "", 1.0, 0, 1.0), ("r", ["k"], 1.0, 0, 1.0),
        (b"r", "k", 1.0, 0, 1.0), ("r", "k", 1.0, 0), ("r", "k", "1.0", 0, 1.0), None,
        ("r", "k" * 251, 1.0, 0, 1.0), ("r", "k" * 250, 1.0, 0, 1.0),
    ]
    rows = odd + odd[::-1]  # each key seen before and after its odd rows
    good, bad = split_storable(rows)
    assert good == [row for row in rows if metric_row_problem(row) is None]
    assert bad == [row for row in rows if metric_row_problem(row) is not None]


def test_a_bad_row_costs_only_itself(store, add_run, caplog):
    first, later = add_run(), add_run()
    writer = Writer(store, flush_interval=60, heartbeat_interval=60)
    writer.extend([(first, "loss", 1.0, 0, 10.0), (first, "loss", 2.0, 2**63, 11.0),
                   (first, "acc", 0.5, 1, math.nan)])
    with caplog.at_level(logging.ERROR, logger="jupyter_mlops"):
        writer.flush()
    writer.extend([(later, "loss", 3.0, 0, 12.0)])
    writer.flush()
    assert [m.value for m in store.runs.metric_history(first, "loss")] == [1.0]
    assert store.runs.metric_history(first, "acc") == []
    assert [m.value for m in store.runs.metric_history(later, "loss")] == [3.0]
    assert "dropped" in caplog.text and "step" in caplog.text and not writer._rows


def test_a_row_the_database_refuses_costs_only_its_run(store, add_run, caplog):
    alive = add_run()
    writer = Writer(store, flush_interval=60, heartbeat_interval=60)
    # A run that does not exist: its rows break the foreign key, the others' are written.
    writer.extend([(alive, "loss", 1.0, 0, 10.0), ("0" * 32, "loss", 2.0, 0, 10.0),
                   (alive, "loss", 3.0, 1, 11.0)])
    with caplog.at_level(logging.ERROR, logger="jupyter_mlops"):
        writer.flush()
    assert [m.value for m in store.runs.metric_history(alive, "loss")] == [1.0, 3.0]
    assert "no longer exists" in caplog.text and not writer._rows


def test_a_full_database_is_logged_once_then_counted_without_values(store, add_run, caplog):
    if store.engine.dialect.name != "sqlite":
        pytest.skip("a real full database is made with SQLite's max_page_count")
    from sqlalchemy import event

    run_id = add_run()
    writer = Writer(store, flush_interval=60, heartbeat_interval=60)
    secret = 0.123456789
    values = 3000  # more than the pages the database has room for
    for step in range(values):
        writer.append((run_id, "loss", secret, step, 10.0))

    def no_room(dbapi_connection, _record) -> None:
        # The database may not grow past its size now: SQLite's own "database or disk is full".
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    store.engine.dispose()
    event.listen(store.engine, "connect", no_room)
    try:
        with caplog.at_level(logging.WARNING, logger="jupyter_mlops"):
            for _ in range(5):
                try:
                    writer._flush_rows()
                except Exception as exc:  # what the writer's thread catches
                    assert "full" in str(exc)
                    writer._failing(exc)
            event.remove(store.engine, "connect", no_room)
            store.engine.dispose()  # the disk has room again
            writer.flush()
            writer._recovered()
    finally:
        if event.contains(store.engine, "connect", no_room):
            event.remove(store.engine, "connect", no_room)
    messages = [r.getMessage() for r in caplog.records]
    assert sum("background write failed" in m for m in messages) == 1
    assert any("after 5 failed attempt" in m for m in messages)
    assert not any(str(secret) in m for m in messages)
    history = store.runs.metric_history(run_id, "loss")
    assert [m.step for m in history] == list(range(values))  # nothing lost, nothing doubled
