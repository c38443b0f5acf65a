"""Fixtures of the model tests: small trained scikit-learn models and registered versions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest

import jupyter_mlops as mlops
from jupyter_mlops import models
from jupyter_mlops.records import ModelVersion

COLUMNS = ["age", "income", "visits", "plan"]


@dataclass
class Trained:
    """Training data and two fitted classifiers that predict differently."""

    X: pd.DataFrame
    y: pd.Series
    good: Any
    bad: Any


@pytest.fixture(scope="session")
def trained() -> Trained:
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    rng = np.random.default_rng(7)
    X = pd.DataFrame({
        "age": rng.integers(18, 80, 300).astype("int64"),
        "income": rng.normal(50_000, 10_000, 300),
        "visits": rng.poisson(3, 300).astype("int64"),
        "plan": rng.choice(["basic", "pro"], 300),
    })
    y = pd.Series((X["income"] > 50_000).astype(int), name="churned")

    def pipeline(C: float) -> Any:
        columns = ColumnTransformer([
            ("numbers", StandardScaler(), ["age", "income", "visits"]),
            ("plan", OneHotEncoder(), ["plan"]),
        ])
        return make_pipeline(columns, LogisticRegression(C=C))

    good = pipeline(1.0).fit(X, y)
    # Trained on flipped labels, so its answers differ from the good model's.
    bad = pipeline(1.0).fit(X, 1 - y)
    return Trained(X, y, good, bad)


def register(trained: Trained, name: str = "churn", model: Any = None, auc: float = 0.9,
             alias: str | None = None, dataset: str | None = "customers@1",
             **metrics: float) -> ModelVersion:
    """Log ``model`` (default: the good one) in a new run with metrics and register it."""
    with mlops.start_run(name=f"train-{name}") as run:
        mlops.log_param("C", 1.0)
        mlops.log_metrics({"auc": auc, **metrics})
        if dataset:
            run.log_input("dataset", dataset)
        logged = models.log_model(model if model is not None else trained.good,
                                  input_example=trained.X)
    return models.register_model(logged.uri, name, alias=alias)
