"""drift_report's verdicts: shifts caught, identical data not flagged, the auto choice."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jupyter_mlops.errors import InvalidInput, NotFound
from jupyter_mlops.monitor import drift_report, profile_of


def frame(n: int, seed: int, shift: float = 0.0, flip: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    p = [0.2, 0.3, 0.5] if flip else [0.5, 0.3, 0.2]
    return pd.DataFrame({
        "income": rng.normal(50 + shift * 10, 10, n),
        "age": rng.normal(40, 12, n),
        "city": rng.choice(["paris", "lyon", "nice"], n, p=p),
        "member": rng.choice([True, False], n, p=[0.3, 0.7]),
    })


@pytest.mark.parametrize("n", [400, 5000])
def test_a_shifted_mean_is_caught_and_identical_data_is_not(n):
    ref = frame(n, 0)
    shifted = drift_report(ref, frame(n, 1, shift=1.0))
    assert shifted.result("income").drifted
    assert not shifted.result("age").drifted
    same = drift_report(ref, ref.copy())
    assert not same.drifted and same.drifted_count == 0 and same.share == 0.0


def test_small_references_use_tests_and_large_ones_distances():
    small = drift_report(frame(1000, 0), frame(1000, 1))
    assert [small.result(c).statistic for c in ("income", "city", "member")] == \
        ["ks", "chi2", "z"]
    assert small.result("income").threshold == 0.05
    large = drift_report(frame(1001, 0), frame(1001, 1))
    assert [large.result(c).statistic for c in ("income", "city", "member")] == \
        ["wasserstein", "jensenshannon", "jensenshannon"]
    assert large.result("income").threshold == 0.1


def test_few_distinct_numbers_are_tested_as_categories():
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"rating": rng.integers(1, 6, 300)})
    cur = pd.DataFrame({"rating": rng.integers(1, 6, 300)})
    result = drift_report(ref, cur).result("rating")
    assert result.statistic == "chi2" and "tested as categories" in result.note
    explicit = drift_report(ref, cur, method="ks").result("rating")
    assert explicit.statistic == "ks" and explicit.tested
    forced = drift_report(ref.assign(code=rng.integers(0, 50, 300)),
                          cur.assign(code=rng.integers(0, 50, 300)), categorical=["code"])
    assert forced.result("code").type == "categorical"


def test_dataset_verdict_follows_the_drift_share():
    ref, cur = frame(3000, 0), frame(3000, 1, shift=1.0, flip=True)
    report = drift_report(ref, cur)
    assert report.drifted_columns == ["income", "city"]
    assert report.share == 0.5 and report.drifted
    assert not drift_report(ref, cur, drift_share=0.75).drifted


def test_a_scikit_learn_dataset_with_a_synthetic_shift():
    from sklearn.datasets import load_wine

    data = load_wine(as_frame=True).frame
    rng = np.random.default_rng(7)
    order = rng.permutation(len(data))
    ref = data.iloc[order[:89]].reset_index(drop=True)
    cur = data.iloc[order[89:]].reset_index(drop=True)
    calm = drift_report(ref, cur, target="target")
    assert not calm.drifted
    shifted = cur.copy()
    for column in ("alcohol", "malic_acid", "proline", "color_intensity", "hue",
                   "flavanoids", "ash", "magnesium"):
        shifted[column] = shifted[column] * 1.3
    report = drift_report(ref, shifted, target="target")
    assert {"alcohol", "proline", "color_intensity", "magnesium"} <= set(report.drifted_columns)
    assert report.drifted
    assert report.target_drift is not None and report.target_drift.role == "target"
    assert "target" not in report.drifted_columns


def test_method_and_threshold_by_name_and_per_column():
    ref, cur = frame(2000, 0), frame(2000, 1, shift=0.3)
    report = drift_report(ref, cur, method="psi")
    assert {r.statistic for r in report.results} == {"psi"}
    per_column = drift_report(ref, cur, method={"income": "ks"},
                              threshold={"income": 1e-300})
    income = per_column.result("income")
    assert income.statistic == "ks" and income.threshold == 1e-300 and not income.drifted
    assert per_column.result("city").statistic == "jensenshannon"
    with pytest.raises(InvalidInput, match="Known statistics"):
        drift_report(ref, cur, method="bogus")
    with pytest.raises(InvalidInput, match="not compared"):
        drift_report(ref, cur, threshold={"nope": 0.1})
    with pytest.raises(InvalidInput, match="drift_share"):
        drift_report(ref, cur, drift_share=0)


def test_a_statistic_that_does_not_fit_the_column_is_explained():
    ref, cur = frame(500, 0), frame(500, 1)
    report = drift_report(ref, cur, method={"income": "chi2", "city": "ks"})
    assert report.result("income").statistic is None
    assert "does not apply to numbers" in report.result("income").note
    assert "does not apply to categories" in report.result("city").note


def test_target_and_prediction_drift_stay_out_of_the_dataset_verdict():
    ref, cur = frame(2000, 0), frame(2000, 1)
    ref["label"] = (ref["income"] > 50).astype(int)
    cur["label"] = np.ones(len(cur), dtype=int)
    ref["score"] = ref["income"] / 100
    cur["score"] = cur["income"] / 100 + 0.3
    report = drift_report(ref, cur, columns=["age"], target="label", prediction="score")
    assert [r.column for r in report.results] == ["age", "label", "score"]
    assert report.target_drift.drifted and report.prediction_drift.drifted
    assert not report.drifted and report.tested_count == 1
    assert report.record.details["target_drift"] == {"column": "label", "drifted": True}


def test_a_profile_stands_in_for_the_reference():
    ref, cur = frame(5000, 0), frame(5000, 1, shift=1.0, flip=True)
    profile = profile_of(ref)
    from_profile = drift_report(profile, cur)
    from_frame = drift_report(ref, cur)
    assert from_profile.record.reference == "profile"
    assert from_profile.drifted_columns == from_frame.drifted_columns == ["income", "city"]
    income = from_profile.result("income")
    assert "histogram" in income.note
    assert income.value == pytest.approx(from_frame.result("income").value, rel=0.1)
    # Categories and booleans compare the same counts either way.
    assert from_profile.result("city").value == pytest.approx(from_frame.result("city").value)
    calm = drift_report(profile, frame(5000, 2))
    assert not calm.drifted and calm.drifted_count == 0


def test_a_hand_written_profile_with_top_categories_only():
    rng = np.random.default_rng(0)
    cur = pd.DataFrame({"x": rng.normal(0, 1, 3000),
                        "colour": rng.choice(["red", "blue", "green", "pink"], 3000)})
    edges = np.linspace(-4, 4, 17).tolist()
    counts = np.histogram(rng.normal(0, 1, 3000), edges)[0].tolist()
    profile = {"rows": 3000, "columns": {
        "x": {"type": "numeric", "edges": edges, "counts": counts, "nulls": 0},
        "colour": {"type": "categorical", "counts": {"red": 750, "blue": 750},
                   "other": 1500, "nulls": 0},
        "signup": {"type": "datetime", "min": "2026-01-01T00:00:00"},
    }}
    report = drift_report(profile, cur.assign(signup=pd.Timestamp("2026-02-01")))
    assert not report.drifted
    assert "dates and times are not tested" in report.result("signup").note
    assert report.result("colour").details["categories"][:2] in (["red", "blue"],
                                                                  ["blue", "red"],
                                                                  ["(other)", "red"],
                                                                  ["(other)", "blue"])
    with pytest.raises(InvalidInput, match="edges"):
        drift_report({"columns": {"x": {"type": "numeric", "edges": [0, 1], "counts": [1, 2]}}},
                     cur)
    with pytest.raises(InvalidInput, match="reference only"):
        drift_report(cur, profile)


def test_files_loaders_and_dataset_versions(tmp_path):
    ref, cur = frame(500, 0), frame(500, 1, shift=2.0, flip=True)
    ref.to_csv(tmp_path / "ref.csv", index=False)
    cur.to_parquet(tmp_path / "cur.parquet")
    report = drift_report(tmp_path / "ref.csv", str(tmp_path / "cur.parquet"))
    assert report.drifted and report.record.current.endswith("cur.parquet")

    def recent_inputs(since=None):
        return cur.tail(300) if since == "7d" else cur

    windowed = drift_report(ref, recent_inputs, since="7d")
    assert windowed.record.current_rows == 300 and windowed.record.current == "recent_inputs()"
    with pytest.raises(NotFound, match="No file"):
        drift_report(tmp_path / "missing.csv", cur)
    with pytest.raises(InvalidInput, match="neither a file nor a dataset version"):
        drift_report("customers", cur)
    with pytest.raises(InvalidInput, match="Cannot compare a int"):
        drift_report(3, cur)
