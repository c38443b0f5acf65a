"""Every default metric, per slice, against scikit-learn's own on the same rows."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as sk

from jupyter_mlops.evaluate import evaluate

from .conftest import LABEL, register


def _slice(result, name):
    return next(e for e in result.slices if e["slice"] == name)


def test_binary_metrics_match_sklearn_per_slice(versions, churn):
    result = evaluate("churn@candidate", churn.test, label=LABEL,
                      slices=["country", ("country", "plan")], save=False)
    assert result.metrics == ["accuracy", "precision", "recall", "f1", "auc", "log_loss",
                              "calibration"]
    test = churn.test
    score = churn.plain_c.predict_proba(test[churn.features])[:, 1]
    predicted = churn.plain_c.predict(test[churn.features])
    groups = [("overall", np.ones(len(test), bool))]
    groups += [(f"country={c}", (test.country == c).to_numpy()) for c in sorted(
        test.country.unique())]
    groups += [(f"country={c}, plan={p}", ((test.country == c) & (test.plan == p)).to_numpy())
               for c, p in sorted(set(zip(test.country, test.plan, strict=True)))]
    assert len(result.slices) == len(groups)
    for name, rows in groups:
        got = _slice(result, name)
        y, p, s = test[LABEL].to_numpy()[rows], predicted[rows], score[rows]
        assert got["rows"] == rows.sum() and got["positives"] == y.sum()
        m = got["metrics"]
        assert m["accuracy"] == pytest.approx(sk.accuracy_score(y, p))
        assert m["precision"] == pytest.approx(sk.precision_score(y, p, zero_division=0))
        assert m["recall"] == pytest.approx(sk.recall_score(y, p, zero_division=0))
        assert m["f1"] == pytest.approx(sk.f1_score(y, p, zero_division=0))
        assert m["auc"] == pytest.approx(sk.roc_auc_score(y, s))
        assert m["log_loss"] == pytest.approx(sk.log_loss(y, s, labels=[0, 1]))
        assert m["calibration"] == pytest.approx(s.sum() / y.sum())
    # The slice built to fail is visibly the worst.
    assert _slice(result, "country=FR")["metrics"]["auc"] < 0.2
    assert _slice(result, "country=DE")["metrics"]["auc"] > 0.9


def test_regression_metrics_match_sklearn_per_slice(tracking):
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import LinearRegression

    X, y = load_diabetes(return_X_y=True, as_frame=True)
    model = LinearRegression().fit(X, y)
    register(model, X, name="progress")
    frame = X.assign(target=y, group=np.where(X["sex"] > 0, "a", "b"))
    result = evaluate("progress", frame, label="target", slices=["group"], save=False)
    assert result.record.task == "regression"
    assert result.metrics == ["mae", "rmse", "r2", "mape"]
    predicted = model.predict(X)
    for name, rows in (("overall", np.ones(len(X), bool)),
                       ("group=a", (frame.group == "a").to_numpy()),
                       ("group=b", (frame.group == "b").to_numpy())):
        m = _slice(result, name)["metrics"]
        truth, guess = y.to_numpy()[rows], predicted[rows]
        assert m["mae"] == pytest.approx(sk.mean_absolute_error(truth, guess))
        assert m["rmse"] == pytest.approx(np.sqrt(sk.mean_squared_error(truth, guess)))
        assert m["r2"] == pytest.approx(sk.r2_score(truth, guess))
        assert m["mape"] == pytest.approx(sk.mean_absolute_percentage_error(truth, guess))


def test_multiclass_macro_metrics_match_sklearn(tracking):
    from sklearn.datasets import load_wine
    from sklearn.ensemble import RandomForestClassifier

    X, y = load_wine(return_X_y=True, as_frame=True)
    model = RandomForestClassifier(n_estimators=20, max_depth=2, random_state=0).fit(X, y)
    register(model, X, name="wine")
    frame = X.assign(cultivar=y, strong=np.where(X["alcohol"] > 13, "yes", "no"))
    result = evaluate("wine", frame, label="cultivar", slices="strong", save=False)
    proba, predicted = model.predict_proba(X), model.predict(X)
    rows = np.ones(len(X), bool)
    m = _slice(result, "overall")["metrics"]
    assert m["accuracy"] == pytest.approx(sk.accuracy_score(y, predicted))
    assert m["precision"] == pytest.approx(sk.precision_score(y, predicted, average="macro"))
    assert m["recall"] == pytest.approx(sk.recall_score(y, predicted, average="macro"))
    assert m["f1"] == pytest.approx(sk.f1_score(y, predicted, average="macro"))
    assert m["auc"] == pytest.approx(sk.roc_auc_score(y, proba, multi_class="ovr"))
    assert m["log_loss"] == pytest.approx(sk.log_loss(y, proba))
    strong = (frame.strong == "yes").to_numpy() & rows
    s = _slice(result, "strong=yes")
    assert s["rows"] == strong.sum()
    assert s["metrics"]["accuracy"] == pytest.approx(
        sk.accuracy_score(y[strong], predicted[strong]))


def test_bad_input_is_one_clear_line(versions, churn):
    from jupyter_mlops.errors import InvalidInput

    with pytest.raises(InvalidInput, match="No label column 'nope'"):
        evaluate("churn@candidate", churn.test, label="nope")
    with pytest.raises(InvalidInput, match="Cannot slice by 'region'"):
        evaluate("churn@candidate", churn.test, label=LABEL, slices=["region"])
    with pytest.raises(InvalidInput, match="No metric 'aucc'"):
        evaluate("churn@candidate", churn.test, label=LABEL, thresholds={"aucc": {"lower": 1}})
    with pytest.raises(InvalidInput, match="Unknown key"):
        evaluate("churn@candidate", churn.test, label=LABEL, thresholds={"auc": {"min": 1}})
    with pytest.raises(InvalidInput, match="needs a baseline"):
        evaluate("churn@candidate", churn.test, label=LABEL,
                 thresholds={"auc": {"change": {"min_delta": 0}}})
    with pytest.raises(InvalidInput, match="register it first"):
        evaluate(churn.plain, churn.test, label=LABEL)
