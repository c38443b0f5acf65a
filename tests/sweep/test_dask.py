"""The same sweep on a real dask.distributed LocalCluster with two workers sharing one study."""

from __future__ import annotations

import pytest

import jupyter_mlops as mlops

from .objective import objective


@pytest.mark.timeout(600)
def test_sweep_on_a_local_cluster_with_two_workers(tracking) -> None:
    distributed = pytest.importorskip("distributed")
    import optuna

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        result = mlops.sweep(objective, None, n_trials=20, sampler="tpe", pruner="median",
                             jobs=2, executor="dask", address=cluster.scheduler_address,
                             name="on-dask", seed=5)
    trials = result.study.trials
    assert len(trials) == 20
    assert {t.state for t in trials} <= {optuna.trial.TrialState.COMPLETE,
                                          optuna.trial.TrialState.PRUNED}
    children = [r for r in mlops.search_runs() if r.parent_id == result.run_id]
    assert len(children) == 20
    assert {c.tags["mlops.trial.state"] for c in children} <= {"complete", "pruned"}
    # The two workers drew from one study: every trial number once.
    assert len({c.tags.get("mlops.trial.number") for c in children}) == 20
    assert mlops.get_run(result.run_id).metrics["auc"] == pytest.approx(result.best_value)
