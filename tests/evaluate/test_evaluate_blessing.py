"""The must-show journey: one slice built to fail is named, the version is not blessed, the
gated promotion is refused and audited; after a fix it is blessed and promoted."""

from __future__ import annotations

import warnings

import pytest
from sklearn import metrics as sk

import jupyter_mlops as mlops
from jupyter_mlops import models
from jupyter_mlops.evaluate import evaluate, evaluations, get_evaluation
from jupyter_mlops.models import PromotionRefused

from .conftest import LABEL

THRESHOLDS = {"auc": {"lower": 0.7, "change": {"baseline": "churn@champion",
                                               "min_delta": -0.01}}}
PER_SLICE = {"auc": {"lower": 0.7}}
SLICES = ["country", ("country", "plan")]


def _evaluate(model, data, **options):
    return evaluate(model, data, label=LABEL, slices=SLICES, thresholds=THRESHOLDS,
                    per_slice=PER_SLICE, min_slice_size=20, **options)


def test_failing_slice_refused_then_fixed_and_promoted(versions, churn, monkeypatch):
    monkeypatch.setenv("JUPYTER_MLOPS_REQUIRE_BLESSING", "champion")
    mlops.version_data(churn.test, "customers")
    result = _evaluate("churn@candidate", "customers@1")
    assert not result and not result.blessed
    failing = {(c["metric"], c["slice"]) for c in result.checks if c["passed"] is False}
    assert ("auc", "country=FR") in failing
    assert {s for _, s in failing} <= {"country=FR", "country=FR, plan=basic",
                                       "country=FR, plan=pro"}
    assert any(f.startswith("auc on country=FR: ") for f in result.failures)
    assert "NOT blessed" in repr(result) and "country=FR" in repr(result)
    assert "\n" not in repr(result)

    saved = evaluations("churn/2")
    assert [e.id for e in saved] == [result.id]
    stored = get_evaluation(result.id[-10:])
    assert (stored.record.name, stored.record.version, stored.record.kind) == ("churn", 2,
                                                                                "evaluation")
    assert stored.record.data == "customers@1" and stored.baseline == "churn/1"
    assert not stored.blessed and stored.failures == result.failures

    with pytest.warns(PromotionRefused, match="auc on country=FR"):
        refused = models.promote("churn", 2)  # the setting gates @champion by default
    assert not refused
    assert any(r.startswith("blessing: evaluation") for r in refused.reasons)
    assert models.get_version("churn@champion").version == 1
    last = models.audit_log("churn").iloc[-1]
    assert last["action"] == "promotion-refused" and last["version"] == 2
    assert "auc on country=FR" in last["reason"]

    # The fix: a model that reads whether a row is French.
    with pytest.warns(PromotionRefused, match="has no evaluation"):
        assert not models.promote("churn", 3)
    fixed = _evaluate("churn/3", churn.test)
    assert fixed and fixed.blessed and fixed.failures == ()
    assert fixed.record.data.startswith("DataFrame ")
    fr = next(e for e in fixed.slices if e["slice"] == "country=FR")
    assert fr["metrics"]["auc"] >= 0.7
    with warnings.catch_warnings():
        warnings.simplefilter("error", PromotionRefused)
        promoted = models.promote("churn", 3)
    assert promoted and promoted.checks[-1].metric == "blessing"
    assert models.get_version("churn@champion").version == 3
    assert models.audit_log("churn").iloc[-1]["action"] == "alias"


def test_gate_only_where_asked(versions, churn):
    assert not _evaluate("churn@candidate", churn.test)
    # Without the setting, an unblessed version may still take an alias...
    assert models.promote("churn", 2, alias="staging")
    # ... unless the call asks for a blessing.
    with pytest.warns(PromotionRefused, match="blessing"):
        assert not models.promote("churn", 2, require_blessing=True)


def test_setting_in_pyproject_and_explicit_opt_out(versions, churn, tracking):
    (tracking.root / "pyproject.toml").write_text(
        '[tool.jupyter-mlops]\nrequire_blessing = ["champion"]\n')
    assert not _evaluate("churn@candidate", churn.test)
    with pytest.warns(PromotionRefused):
        assert not models.promote("churn", 2)
    assert models.promote("churn", 2, require_blessing=False)


def test_small_slices_are_reported_not_failed(versions, churn):
    rows = int((churn.test.country == "FR").sum())
    result = evaluate("churn@candidate", churn.test, label=LABEL, slices=["country"],
                      per_slice=PER_SLICE, min_slice_size=rows + 1)
    fr = next(e for e in result.slices if e["slice"] == "country=FR")
    assert fr["too_small"] and fr["metrics"]["auc"] < 0.2
    assert result.blessed
    assert any(n == f"auc on country=FR: {rows} rows: too small to judge"
               for n in result.notes)
    frame = result.to_frame()
    assert frame.set_index("slice").loc["country=FR", "status"] == "too small"


def test_change_thresholds_absolute_and_relative(versions, churn):
    test = churn.test
    mine = sk.roc_auc_score(test[LABEL], churn.fixed.predict_proba(
        test[[*churn.features, "is_fr"]])[:, 1])
    theirs = sk.roc_auc_score(test[LABEL], churn.plain.predict_proba(test[churn.features])[:, 1])
    ratio = mine / theirs
    loss_ratio = (sk.log_loss(test[LABEL], churn.fixed.predict_proba(
        test[[*churn.features, "is_fr"]])[:, 1]) / sk.log_loss(
        test[LABEL], churn.plain.predict_proba(test[churn.features])[:, 1]))
    result = evaluate("churn/3", test, label=LABEL, baseline="churn@champion", thresholds={
        # TFMA's relative is the ratio candidate/baseline, read in the metric's direction.
        "auc": {"change": {"relative": ratio + 0.01, "absolute": mine - theirs - 0.01}},
        "log_loss": {"change": {"relative": loss_ratio - 0.01}},
    })
    checks = {(c["metric"], c["kind"]): c for c in result.checks}
    assert checks[("auc", "min_ratio")]["passed"] is False
    assert checks[("auc", "min_delta")]["passed"] is True
    assert checks[("log_loss", "max_ratio")]["passed"] is False  # lower is better
    assert checks[("auc", "min_ratio")]["baseline"] == pytest.approx(theirs)
    assert f"{ratio:.4g}x < {ratio + 0.01:g}x" in checks[("auc", "min_ratio")]["note"]
    assert not result and len(result.failures) == 2
    assert result.to_frame(baseline=True).iloc[0]["auc"] == pytest.approx(theirs)


def test_no_baseline_yet_is_not_judged(versions, churn):
    result = evaluate("churn/3", churn.test, label=LABEL, thresholds={
        "auc": {"lower": 0.5, "change": {"baseline": "churn@production", "min_delta": 0}}})
    assert result.blessed and result.baseline is None
    assert any("No baseline churn@production" in n for n in result.notes)


def test_display_is_html_with_a_chart(versions, churn):
    result = _evaluate("churn@candidate", churn.test, save=False)
    page = result._repr_html_()
    assert "Not blessed" in page and "country=FR" in page and "plotly" in page.lower()
    figure = result.figure()
    bars = [t for t in figure.data if t.type == "bar"]
    assert [b.name for b in bars] == result.metrics
    shown = next(b for b in bars if b.visible)
    assert shown.name == "auc"
    colours = dict(zip(shown.y, shown.marker.color, strict=True))
    fr = next(k for k in colours if k.startswith("country=FR "))
    assert colours[fr] == "#d62728" and colours[next(iter(colours))] != "#d62728"
    assert figure.layout.shapes[0].x0 == 0.7
    assert evaluations("churn/2") == []  # save=False stored nothing
