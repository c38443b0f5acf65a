"""Digests are verified on load, and no model runs code its loader did not trust."""

from __future__ import annotations

import numpy as np
import pytest

import jupyter_mlops as mlops
from jupyter_mlops import models
from jupyter_mlops.errors import IntegrityError
from jupyter_mlops.models import UntrustedModel
from jupyter_mlops.session import current

from .conftest import register


class Doubler:
    """A plain Python model: the python flavor pickles it."""

    def predict(self, data):
        return np.asarray(data, dtype=float).sum(axis=1) * 2


def _double(values):
    return values * 2


def _tamper(digest: str) -> None:
    path = current().store.artifacts.local_path(digest)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_tampered_model_file_is_refused(tracking, trained):
    version = register(trained)
    _tamper(version.model_digest)
    with pytest.raises(IntegrityError, match=f"Artifact {version.model_digest} is corrupt"):
        models.load_model("churn/1")


def test_tampered_description_is_refused(tracking, trained):
    version = register(trained)
    _tamper(version.meta_digest)
    with pytest.raises(IntegrityError, match="corrupt"):
        models.load_model("churn/1")


def test_untrusted_pickle_is_refused_until_trusted(tracking):
    with mlops.start_run():
        logged = models.log_model(Doubler(), input_example=np.ones((3, 2)))
    assert logged.flavor == "python"
    models.register_model(logged.uri, "doubler")
    with pytest.raises(UntrustedModel, match=r"Refusing to load doubler/1: .*pickle.*trust=True"):
        models.load_model("doubler/1")
    with pytest.raises(UntrustedModel):
        models.load_model("doubler/1", trust=["Doubler"])
    loaded = models.load_model("doubler/1", trust=True)
    np.testing.assert_array_equal(loaded.predict([[1, 2], [3, 4]]), [6.0, 14.0])


def test_types_recorded_at_logging_load_without_trust_only_for_that_file(tracking, trained):
    import json

    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    X = trained.X[["age", "income"]]
    model = make_pipeline(FunctionTransformer(_double), LogisticRegression()).fit(X, trained.y)
    with mlops.start_run() as run:
        logged = models.log_model(model, input_example=X)
    assert logged.flavor == "sklearn"
    models.register_model(logged.uri, "custom")
    # Logged here: the file's own needs were recorded with its digest.
    loaded = models.load_model("custom/1")
    np.testing.assert_array_equal(loaded.predict(X.head(5)), model.predict(X.head(5)))

    # The same bytes described by someone else (no record): the types must be trusted by name.
    store = current().store
    meta = json.loads(store.artifacts.get_bytes(logged.meta_digest))
    meta.pop("record")
    with mlops.start_run() as foreign:
        foreign.log_bytes(store.artifacts.get_bytes(logged.model_digest), "model/model.skops")
        foreign.log_bytes(json.dumps(meta).encode(), "model/model.json")
    assert foreign.id != run.id
    models.register_model(f"runs:/{foreign.id}/model", "custom")
    with pytest.raises(UntrustedModel, match=r"Refusing to load custom/2: .*_double") as refused:
        models.load_model("custom/2")
    loaded = models.load_model("custom/2", trust=refused.value.types)
    np.testing.assert_array_equal(loaded.predict(X.head(5)), model.predict(X.head(5)))


@pytest.mark.parametrize("kind", ["forest", "boosting", "hist", "kmeans", "columns"])
def test_common_sklearn_models_load_by_alias_without_trust(tracking, trained, kind):
    from sklearn.cluster import KMeans
    from sklearn.ensemble import (
        GradientBoostingClassifier,
        HistGradientBoostingClassifier,
        RandomForestClassifier,
    )

    X = trained.X[["age", "income", "visits"]]
    model = {
        "forest": lambda: RandomForestClassifier(n_estimators=5, random_state=0),
        "boosting": lambda: GradientBoostingClassifier(n_estimators=5, random_state=0),
        "hist": lambda: HistGradientBoostingClassifier(max_iter=5),
        "kmeans": lambda: KMeans(2, n_init=2, random_state=0),
        "columns": lambda: None,
    }[kind]()
    if model is None:
        model, X = trained.good, trained.X
    else:
        model.fit(X, trained.y)
    with mlops.start_run() as run:
        models.log_model(model, input_example=X)
    version = mlops.register_model(f"runs:/{run.id}/model", "wine")
    mlops.set_alias("wine", "champion", version.version)
    loaded = mlops.load_model("wine@champion")
    np.testing.assert_array_equal(loaded.predict(X.head(5)), model.predict(X.head(5)))
