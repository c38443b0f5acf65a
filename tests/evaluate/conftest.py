"""Fixtures of the evaluation tests: scikit-learn's breast cancer data with one slice built to
fail, a model that fails it, a fixed model that does not, and registered versions of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest

import jupyter_mlops as mlops
from jupyter_mlops import models
from jupyter_mlops.records import ModelVersion
from tests.notebook.conftest import ipython, shell  # noqa: F401  (the real IPython shell)

LABEL = "churned"


@dataclass
class Churn:
    """Train and test frames (features, ``country``, ``plan``, ``is_fr``, the label) and
    three fitted classifiers: ``plain`` reads the tumour measures only, so it cannot learn that
    the label is inverted for country=FR; ``plain_c`` is another of its kind (a baseline);
    ``fixed`` also reads ``is_fr`` and learns it."""

    train: pd.DataFrame
    test: pd.DataFrame
    features: list[str]
    plain: Any
    plain_c: Any
    fixed: Any


@pytest.fixture(scope="session")
def churn() -> Churn:
    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X = X.iloc[:, :6]
    X.columns = [c.replace(" ", "_") for c in X.columns]
    rng = np.random.default_rng(0)
    country = rng.choice(["DE", "FR", "US", "IT"], len(X), p=[0.35, 0.2, 0.35, 0.1])
    label = y.to_numpy().copy()
    french = country == "FR"
    # The slice built to fail: in FR the label means the opposite.
    label[french] = 1 - label[french]
    frame = X.assign(is_fr=french.astype("int64"), country=country,
                     plan=rng.choice(["basic", "pro"], len(X)), **{LABEL: label})
    in_train = rng.random(len(frame)) < 0.5
    train, test = frame[in_train].reset_index(drop=True), frame[~in_train].reset_index(drop=True)
    features = list(X.columns)

    def logistic(C: float) -> Any:
        return make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=1000)).fit(
            train[features], train[LABEL])

    fixed = RandomForestClassifier(n_estimators=100, random_state=0).fit(
        train[[*features, "is_fr"]], train[LABEL])
    return Churn(train, test, features, logistic(1.0), logistic(0.05), fixed)


def register(model: Any, example: pd.DataFrame, name: str = "churn",
             alias: str | None = None) -> ModelVersion:
    """Log ``model`` in a new run (its input example fixing the signature) and register it."""
    with mlops.start_run(name=f"train-{name}"):
        logged = models.log_model(model, input_example=example.head(5))
    return models.register_model(logged.uri, name, alias=alias)


@pytest.fixture
def versions(tracking: Any, churn: Churn) -> dict[str, ModelVersion]:
    """churn/1 = plain @champion, churn/2 = plain_c @candidate (fails FR), churn/3 = fixed."""
    return {
        "champion": register(churn.plain, churn.train[churn.features], alias="champion"),
        "candidate": register(churn.plain_c, churn.train[churn.features], alias="candidate"),
        "fixed": register(churn.fixed, churn.train[[*churn.features, "is_fr"]]),
    }
