"""Each trial's run holds the model it fitted; the sweep's run points at the best trial's model."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import jupyter_mlops as mlops
from jupyter_mlops.sweep.trial import MODEL_ATTR, MODEL_TAG, RUN_ATTR


def _data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


@pytest.mark.timeout(600)
def test_the_best_trials_model_is_the_sweeps_and_registers(tracking) -> None:
    import optuna
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    X_train, X_test, y_train, y_test = _data()
    fitted: dict[int, Any] = {}

    def objective(trial: Any) -> float:
        C = trial.suggest_float("C", 1e-4, 10.0, log=True)
        model = LogisticRegression(C=C, max_iter=1000).fit(X_train, y_train)
        fitted[trial.number] = model
        mlops.log_model(model, input_example=X_train)
        return float(roc_auc_score(y_test, model.predict_proba(X_test)[:, 1]))

    result = mlops.sweep(objective, None, n_trials=6, sampler="random", pruner=None,
                         metric="auc", name="logreg", seed=4)
    complete = [t for t in result.study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert len(complete) == 6
    for trial in complete:
        run_id = trial.user_attrs[RUN_ATTR]
        uri = f"runs:/{run_id}/model"
        assert trial.user_attrs[MODEL_ATTR] == uri
        run = mlops.get_run(run_id)
        assert run.parent_id == result.run_id and run.tags[MODEL_TAG] == uri
        loaded = mlops.load_model(uri)
        np.testing.assert_array_equal(loaded.predict(X_test),
                                      fitted[trial.number].predict(X_test))

    best = result.study.best_trial
    assert result.best_run_id == best.user_attrs[RUN_ATTR]
    assert result.best_model_uri == f"runs:/{result.best_run_id}/model"
    sweep_run = mlops.get_run(result.run_id)
    assert sweep_run.tags["mlops.sweep.best_trial"] == str(best.number)
    assert sweep_run.tags["mlops.sweep.best_trial_run"] == result.best_run_id
    assert sweep_run.tags["mlops.sweep.best_model_uri"] == result.best_model_uri

    version = mlops.register_model(result.best_model_uri, "sweep-best")
    assert version.run_id == result.best_run_id
    registered = mlops.load_model(f"sweep-best/{version.version}")
    expected = fitted[best.number]
    np.testing.assert_array_equal(registered.predict(X_test), expected.predict(X_test))
    # The registered model is the best trial's, not merely one that agrees on labels.
    assert float(roc_auc_score(y_test, expected.predict_proba(X_test)[:, 1])) == \
        pytest.approx(result.best_value)


def test_a_trial_that_logs_no_model_leaves_the_sweep_without_one(tracking) -> None:
    result = mlops.sweep(lambda values: values["x"], {"x": [1, 2]}, n_trials=2,
                         sampler="grid", pruner=None, metric="x")
    assert result.best_run_id is not None and result.best_model_uri is None
    tags = mlops.get_run(result.run_id).tags
    assert tags["mlops.sweep.best_trial_run"] == result.best_run_id
    assert "mlops.sweep.best_model_uri" not in tags
