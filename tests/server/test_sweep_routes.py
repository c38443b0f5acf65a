"""The Sweep view's route against a real Jupyter server, on a real sweep with pruned trials."""

from __future__ import annotations

import json

import pytest
from tornado.httpclient import HTTPClientError

import jupyter_mlops as mlops
from tests.sweep.objective import objective

API = ("jupyter-mlops", "api")


@pytest.fixture
def swept(tracking):
    """A 12-trial TPE sweep with the median pruner on sklearn's breast cancer data."""
    return mlops.sweep(objective, None, n_trials=12, sampler="tpe", pruner="median",
                       metric="auc", name="sgd", experiment="cancer", seed=1)


async def get(jp_fetch, *parts):
    return json.loads((await jp_fetch(*API, *parts)).body)


async def error_of(jp_fetch, *parts):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(*API, *parts)
    return info.value.code, json.loads(info.value.response.body or b"{}")


async def test_a_sweep_summarises_its_trials(jp_fetch, swept):
    import optuna

    payload = await get(jp_fetch, "sweeps", swept.run_id)
    sweep, trials = payload["sweep"], payload["trials"]
    study = swept.study.trials
    assert sweep["id"] == swept.run_id and sweep["study"] == "sgd"
    assert sweep["status"] == "FINISHED" and sweep["experiment"] == "cancer"
    assert (sweep["direction"], sweep["metric"]) == ("maximize", "auc")
    assert (sweep["sampler"], sweep["pruner"], sweep["n_trials"]) == ("tpe", "median", 12)
    pruned = [t.number for t in study if t.state == optuna.trial.TrialState.PRUNED]
    assert pruned, "the sweep should have pruned some trials"
    assert sweep["counts"] == {"complete": 12 - len(pruned), "pruned": len(pruned),
                               "failed": 0, "running": 0}
    assert [t["number"] for t in trials] == list(range(12))
    assert [t["number"] for t in trials if t["state"] == "pruned"] == pruned
    for trial, frozen in zip(trials, study, strict=True):
        assert trial["params"] == pytest.approx(frozen.params)
        assert trial["intermediate_values"] == len(frozen.intermediate_values)
        assert trial["duration"] >= 0 and trial["status"] == "FINISHED"
        if trial["state"] == "complete":
            assert trial["value"] == pytest.approx(frozen.value)
        else:
            assert trial["value"] is None
            assert trial["last_value"] == pytest.approx(
                frozen.intermediate_values[max(frozen.intermediate_values)])
    best = sweep["best"]
    assert best["number"] == swept.study.best_trial.number
    assert best["value"] == pytest.approx(swept.best_value)
    assert best["params"] == pytest.approx(swept.best_params)
    assert best["trial_id"] == trials[best["number"]]["id"]
    # A prefix of the id names the sweep too, as for every run route.
    assert (await get(jp_fetch, "sweeps", swept.run_id[-8:]))["sweep"]["id"] == swept.run_id


async def test_a_run_that_is_no_sweep_is_a_404(jp_fetch, tracking):
    quick = mlops.sweep(lambda values: values["x"], {"x": [1, 2]}, n_trials=2, sampler="grid",
                        pruner=None, metric="x")
    trial = (await get(jp_fetch, "sweeps", quick.run_id))["trials"][0]["id"]
    with mlops.start_run(experiment="cancer") as plain:
        mlops.log_metric("auc", 0.5)
    for run_id in (plain.id, trial):
        code, body = await error_of(jp_fetch, "sweeps", run_id)
        assert code == 404 and body["error"]["type"] == "NotFound"
        assert "is not a sweep" in body["error"]["message"]
    code, body = await error_of(jp_fetch, "sweeps", "abcdef123456")
    assert code == 404 and set(body) == {"error"}


async def test_a_sweep_without_a_finished_trial_has_no_best(jp_fetch, tracking):
    def failing(trial) -> float:
        trial.suggest_float("x", 0.0, 1.0)
        raise ValueError("no data today")

    with pytest.raises(ValueError):
        mlops.sweep(failing, None, n_trials=3, sampler="random", pruner=None, metric="loss",
                    direction="minimize", name="broken")
    sweep_run = next(r for r in mlops.search_runs() if r.tags.get("mlops.sweep") == "broken"
                     and "mlops.trial.number" not in r.tags)
    payload = await get(jp_fetch, "sweeps", sweep_run.id)
    assert payload["sweep"]["status"] == "FAILED" and payload["sweep"]["best"] is None
    assert payload["sweep"]["pruner"] is None and payload["sweep"]["direction"] == "minimize"
    assert [t["state"] for t in payload["trials"]] == ["failed"]
    assert payload["sweep"]["counts"]["failed"] == 1
