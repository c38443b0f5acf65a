"""One study shared by two worker *processes* of a real LocalCluster (issue 18: several
processes or Dask workers share one study), on each backend: every trial once, each tracked."""

from __future__ import annotations

from pathlib import Path

import pytest

import jupyter_mlops as mlops

from .objective import objective

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(900)
def test_two_worker_processes_share_one_study(tracking, monkeypatch) -> None:
    distributed = pytest.importorskip("distributed")
    import optuna

    # The worker processes unpickle the objective by reference: they import tests.sweep.
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        pids = set(client.run(lambda: __import__("os").getpid()).values())
        result = mlops.sweep(objective, None, n_trials=12, sampler="tpe", pruner="median",
                             jobs=2, executor="dask", address=cluster.scheduler_address,
                             name="on-processes", seed=7)
    assert len(pids) == 2 and __import__("os").getpid() not in pids
    trials = result.study.trials
    assert len(trials) == 12
    assert {t.state for t in trials} <= {optuna.trial.TrialState.COMPLETE,
                                          optuna.trial.TrialState.PRUNED}
    children = [r for r in mlops.search_runs() if r.parent_id == result.run_id]
    assert len(children) == 12
    assert len({c.tags.get("mlops.trial.number") for c in children}) == 12
    assert all("alpha" in c.params for c in children)
    assert mlops.get_run(result.run_id).metrics["auc"] == pytest.approx(result.best_value)
