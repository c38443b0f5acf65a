"""Run lifecycle: context manager, decorator, nesting, failures, threads and tasks."""

from __future__ import annotations

import asyncio
import threading

import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import Conflict, InvalidInput
from jupyter_mlops.records import RunStatus


def test_context_manager_finishes_run(tracking):
    with mlops.start_run(name="first", experiment="exp", tags={"owner": "ana"}) as run:
        assert mlops.active_run() is run
        mlops.log_param("C", 0.5)
    assert mlops.active_run() is None
    stored = mlops.get_run(run.id)
    assert stored.status is RunStatus.FINISHED
    assert stored.name == "first"
    assert stored.experiment == "exp"
    assert stored.tags == {"owner": "ana"}
    assert stored.end_time is not None and stored.end_time >= stored.start_time
    assert stored.environment_digest is not None


def test_exception_marks_run_failed_and_propagates(tracking):
    with pytest.raises(ZeroDivisionError), mlops.start_run() as run:
        1 / 0  # noqa: B018
    stored = mlops.get_run(run.id)
    assert stored.status is RunStatus.FAILED
    assert "ZeroDivisionError" in stored.error
    assert mlops.active_run() is None


def test_keyboard_interrupt_marks_run_killed(tracking):
    with pytest.raises(KeyboardInterrupt), mlops.start_run() as run:
        raise KeyboardInterrupt
    assert mlops.get_run(run.id).status is RunStatus.KILLED


def test_nested_runs_carry_their_parent(tracking):
    with mlops.start_run(experiment="outer") as parent:
        with mlops.start_run(nested=True) as child:
            assert mlops.active_run() is child
        assert mlops.active_run() is parent
    child_record = mlops.get_run(child.id)
    assert child_record.parent_id == parent.id
    assert child_record.experiment == "outer"


def test_non_nested_start_inside_with_block_is_refused(tracking):
    with mlops.start_run(), pytest.raises(Conflict, match="nested=True"):
        mlops.start_run()


def test_stale_bare_run_does_not_block_the_next(tracking):
    """A cell that started a run and failed must not block the cell run again."""
    first = mlops.start_run()
    mlops.log_metric("loss", 1.0)
    with pytest.warns(UserWarning, match="still active"):
        second = mlops.start_run()
    assert mlops.active_run() is second
    second.end()
    assert mlops.get_run(first.id).status is RunStatus.FINISHED
    assert mlops.get_run(first.id).metrics == {"loss": 1.0}


def test_end_run_without_active_run_is_clear(tracking):
    with pytest.raises(Conflict, match="No active run"):
        mlops.end_run()


def test_log_metric_without_a_run_starts_one_and_says_so_once(tracking, capsys):
    mlops.log_metric("x", 1)
    mlops.log_metric("x", 2, step=1)
    mlops.log_param("p", "a")
    said = capsys.readouterr().err
    run = mlops.active_run()
    assert run is not None and said.count("no active run, started run") == 1
    assert run.id in said
    mlops.end_run()
    record = mlops.get_run(run.id)
    assert record.metrics == {"x": 2.0} and record.params == {"p": "a"}


def test_decorator_starts_a_run_per_call_and_leaves_nothing_behind(tracking):
    @mlops.start_run(experiment="decorated", tags={"kind": "fn"})
    def train(c: float) -> float:
        mlops.log_param("C", c)
        return c * 2

    assert mlops.active_run() is None
    assert train(0.5) == 1.0
    assert train(2.0) == 4.0
    frame = mlops.runs(experiment="decorated")
    assert sorted(frame["params.C"]) == ["0.5", "2.0"]
    assert set(frame["status"]) == {"FINISHED"}
    # The decorating call itself created no run.
    assert len(mlops.runs()) == 2


def test_async_decorator(tracking):
    @mlops.start_run(experiment="async")
    async def work() -> str:
        mlops.log_metric("x", 1)
        return mlops.active_run().id

    run_id = asyncio.run(work())
    assert mlops.get_run(run_id).metrics == {"x": 1.0}


def test_runs_in_threads_are_independent(tracking):
    ids: dict[int, str] = {}
    barrier = threading.Barrier(4)

    def worker(i: int) -> None:
        with mlops.start_run(name=f"t{i}") as run:
            barrier.wait()
            mlops.log_param("i", i)
            mlops.log_metric("value", i)
            assert mlops.active_run() is run
            ids[i] = run.id

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for i, run_id in ids.items():
        record = mlops.get_run(run_id)
        assert record.params == {"i": str(i)}
        assert record.metrics == {"value": float(i)}


def test_runs_in_asyncio_tasks_are_independent(tracking):
    async def task(i: int) -> str:
        with mlops.start_run(name=f"task{i}") as run:
            await asyncio.sleep(0.01)
            assert mlops.active_run() is run
            mlops.log_param("i", i)
            return run.id

    async def main() -> list[str]:
        return await asyncio.gather(*(task(i) for i in range(3)))

    ids = asyncio.run(main())
    assert [mlops.get_run(i).params["i"] for i in ids] == ["0", "1", "2"]


def test_logging_after_end_is_refused(tracking):
    with mlops.start_run() as run:
        pass
    with pytest.raises(Conflict, match="has ended"):
        run.log_metric("x", 1)


def test_end_with_explicit_status(tracking):
    run = mlops.start_run()
    mlops.end_run("failed")
    assert mlops.get_run(run.id).status is RunStatus.FAILED
    run2 = mlops.start_run()
    with pytest.raises(InvalidInput, match="Unknown run status"):
        run2.end("DONE")
    run2.end()


def test_invalid_names_are_clear_errors(tracking):
    with pytest.raises(ValueError, match="Experiment name"):
        mlops.start_run(experiment="  ")
    with pytest.raises(ValueError, match="Run name"):
        mlops.start_run(name=3)


def test_run_ids_sort_by_creation_time(tracking):
    ids = []
    for _ in range(5):
        with mlops.start_run() as run:
            ids.append(run.id)
    assert ids == sorted(ids)
    assert all(len(i) == 32 for i in ids)
