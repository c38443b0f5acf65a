"""Signatures: inferred from training data, checked on every prediction with clear errors."""

from __future__ import annotations

import numpy as np
import pytest

import jupyter_mlops as mlops
from jupyter_mlops import models
from jupyter_mlops.models import SignatureMismatch

from .conftest import register


def test_missing_and_mistyped_columns_are_listed_together(tracking, trained):
    register(trained)
    model = models.load_model("churn/1")
    bad = trained.X.head(3).drop(columns=["visits"]).assign(age="old", income=True)
    with pytest.raises(SignatureMismatch) as caught:
        model.predict(bad)
    error = caught.value
    assert error.missing == ["visits"]
    assert error.mistyped == ["'age' (expected long, got string)",
                              "'income' (expected double, got boolean)"]
    assert "churn/1" in str(error) and "\n" not in str(error)


def test_safe_casts_extra_columns_and_other_input_shapes(tracking, trained):
    register(trained)
    model = models.load_model("churn/1")
    rows = trained.X.head(4)
    expected = trained.good.predict(rows)
    # Integral floats for an integer column, ints for a float column, columns shuffled,
    # an extra column: all fine.
    loose = rows.assign(age=rows["age"].astype(float), income=rows["income"].round().astype(int),
                        extra=1)[["plan", "extra", "income", "visits", "age"]]
    np.testing.assert_array_equal(model.predict(loose), expected)
    np.testing.assert_array_equal(model.predict(rows.to_dict(orient="list")), expected)
    np.testing.assert_array_equal(model.predict(rows.to_dict(orient="records")), expected)
    with pytest.raises(SignatureMismatch, match="fractional"):
        model.predict(rows.assign(age=rows["age"] + 0.5))
    with pytest.raises(SignatureMismatch, match="missing values"):
        model.predict(rows.assign(visits=[1.0, None, 2.0, 3.0]))
    # JSON nulls in an integer column arrive as an object column: reported as nulls.
    with pytest.raises(SignatureMismatch, match="got nulls") as refused:
        model.predict(rows.assign(visits=[None] * len(rows)).to_dict(orient="records"))
    assert "string" not in str(refused.value)


def test_tensor_signature_from_an_array(tracking):
    from sklearn.linear_model import LinearRegression

    X = np.arange(30, dtype=float).reshape(10, 3)
    model = LinearRegression().fit(X, X.sum(axis=1))
    with mlops.start_run():
        logged = models.log_model(model, signature=X)
    signature = logged.signature
    assert (signature.tensor_type, signature.tensor_width) == ("double", 3)
    assert signature.output["kind"] == "regression"
    models.register_model(logged.uri, "sums")
    loaded = models.load_model("sums/1")
    np.testing.assert_allclose(loaded.predict([[1, 2, 3]]), [6.0])
    with pytest.raises(SignatureMismatch, match=r"expected shape \(-1, 3\)"):
        loaded.predict([[1, 2]])
    with pytest.raises(SignatureMismatch, match="expected double values"):
        loaded.predict(np.array([["a", "b", "c"]]))


def test_signature_options(tracking, trained):
    with mlops.start_run():
        names_only = models.log_model(trained.good, name="plain")
        none = models.log_model(trained.good, name="none", signature=None)
        from_data = models.log_model(trained.good, name="data", signature=trained.X)
    # Fitted on a DataFrame, the model remembers its column names but not their types.
    assert [(c.name, c.type) for c in names_only.signature.columns] == [
        ("age", "any"), ("income", "any"), ("visits", "any"), ("plan", "any")]
    assert none.signature is None
    assert from_data.signature.columns[3].type == "string"
    assert from_data.signature.output["classes"] == [0, 1]
    models.register_model(from_data.uri, "churn")
    example = models.load_model("churn/1").input_example
    assert example is None  # signature given as data, no input_example
