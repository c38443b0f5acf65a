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


def test_unknown_skops_types_must_be_trusted_by_name(tracking, trained):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    X = trained.X[["age", "income"]]
    model = make_pipeline(FunctionTransformer(_double), LogisticRegression()).fit(X, trained.y)
    with mlops.start_run():
        logged = models.log_model(model, input_example=X)
    assert logged.flavor == "sklearn"
    models.register_model(logged.uri, "custom")
    with pytest.raises(UntrustedModel, match=r"_double") as refused:
        models.load_model("custom/1")
    loaded = models.load_model("custom/1", trust=refused.value.types)
    np.testing.assert_array_equal(loaded.predict(X.head(5)), model.predict(X.head(5)))
