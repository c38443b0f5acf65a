"""Params are fixed once logged; tags can be changed and removed."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from sqlalchemy import text

from jupyter_mlops.errors import Conflict, InvalidInput, NotFound
from jupyter_mlops.store import schema


def test_params_are_fixed_once_logged(store, add_run):
    run_id = add_run()
    store.runs.log_params(run_id, {"C": "0.5", "penalty": "l2"})
    store.runs.log_params(run_id, {"solver": "lbfgs"})
    # The same value again is a no-op, also next to a new key.
    store.runs.log_params(run_id, {"C": "0.5", "max_iter": "100"})
    expected = {"C": "0.5", "penalty": "l2", "solver": "lbfgs", "max_iter": "100"}
    assert store.runs.get(run_id).params == expected

    with pytest.raises(InvalidInput, match=r"Param 'C' .* is already '0.5', not '1.0'"):
        store.runs.log_params(run_id, {"penalty": "l2", "C": "1.0", "new": "x"})
    # Nothing of the refused call was written.
    assert store.runs.get(run_id).params == expected

    with pytest.raises(NotFound):
        store.runs.log_params("a" * 32, {"C": "1"})
    store.runs.set_deleted([run_id], 1.0)
    with pytest.raises(Conflict, match="restore"):
        store.runs.log_params(run_id, {"other": "1"})


def test_tags_upsert_and_delete(store, add_run):
    run_id = add_run(tags={"owner": "ana", "stage": "dev"})
    store.runs.set_tags(run_id, {"stage": "prod", "team": "risk"})
    assert store.runs.get(run_id).tags == {"owner": "ana", "stage": "prod", "team": "risk"}
    store.runs.delete_tag(run_id, "stage")
    assert store.runs.get(run_id).tags == {"owner": "ana", "team": "risk"}
    with pytest.raises(NotFound, match="no tag 'stage'"):
        store.runs.delete_tag(run_id, "stage")
    with pytest.raises(NotFound):
        store.runs.set_tags("b" * 32, {"x": "y"})


def test_a_param_logged_by_another_process_meanwhile_is_judged_like_any_other(store, add_run):
    if store.engine.dialect.name == "sqlite":
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE): no read-then-write race")
    run_id = add_run()
    rival = store.engine.connect()
    rival_tx = rival.begin()
    rival.execute(schema.params.insert(), [{"run_id": run_id, "key": "C", "value": "9"}])
    outcome: list[object] = []

    def log() -> None:
        try:
            store.runs.log_params(run_id, {"C": "1", "seed": "3"})
            outcome.append("logged")
        except Exception as exc:  # handed to the main thread's assertion
            outcome.append(exc)

    writer = threading.Thread(target=log)
    writer.start()
    try:
        # Wait until the writer has read "no C yet" and blocks on the rival's uncommitted row.
        # Each look is its own transaction: PostgreSQL keeps one snapshot of its statistics
        # views per transaction. Whatever happens, the outcome below must hold.
        deadline = time.monotonic() + 30
        with store.engine.connect() as probe:
            while writer.is_alive() and time.monotonic() < deadline:
                waiting = probe.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                )).scalar()
                probe.rollback()
                if waiting:
                    break
                time.sleep(0.01)
    finally:
        rival_tx.commit()
        rival.close()
        writer.join(30)
    assert len(outcome) == 1 and isinstance(outcome[0], InvalidInput), outcome
    assert "Param 'C'" in str(outcome[0]) and "already '9'" in str(outcome[0])
    assert store.runs.get(run_id).params == {"C": "9"}


@pytest.mark.parametrize("text, problem", [("a\x00b", "NUL"), ("caf\udce9", "surrogate")])
def test_text_no_backend_can_hold_is_refused_alike(store, add_run, text, problem):
    run_id = add_run()
    with pytest.raises(InvalidInput, match=problem):
        store.runs.log_params(run_id, {"ok": "1", "bad": text})
    with pytest.raises(InvalidInput, match=problem):
        store.runs.set_tags(run_id, {text.replace("\x00", "k") if problem == "NUL" else "k":
                                     text})
    with pytest.raises(InvalidInput, match=problem):
        store.runs.create(uuid.uuid4().hex, "exp", "tagged", 1.0, tags={"t": text})
    record = store.runs.get(run_id)
    assert record.params == {} and record.tags == {}  # nothing half-written


def test_the_same_limits_on_every_backend(store, add_run):
    run_id = add_run()
    long_key = "k" * 251
    with pytest.raises(InvalidInput, match="limit is 250"):
        store.runs.log_params(run_id, {long_key: "v"})
    with pytest.raises(InvalidInput, match="limit is 65536"):
        store.runs.set_tags(run_id, {"t": "v" * 65_537})
    with pytest.raises(InvalidInput, match="limit is 255"):
        add_run(name="n" * 256)
    with pytest.raises(InvalidInput, match="limit is 255"):
        add_run(experiment="e" * 256)
    store.runs.log_params(run_id, {"k" * 250: "v" * 65_536})
    assert store.runs.get(run_id).params == {"k" * 250: "v" * 65_536}
