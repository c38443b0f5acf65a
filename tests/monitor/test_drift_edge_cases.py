"""Nulls, constants, unseen categories, empty frames and mismatched schemas: explained, no crash."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from jupyter_mlops.errors import InvalidInput
from jupyter_mlops.monitor import drift_report


def base(n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"x": rng.normal(0, 1, n), "c": rng.choice(["a", "b", "c"], n)})


def test_nulls_are_ignored_and_their_shares_reported():
    ref, cur = base(), base(seed=1)
    cur.loc[:59, "x"] = np.nan
    cur.loc[:29, "c"] = None
    report = drift_report(ref, cur)
    x, c = report.result("x"), report.result("c")
    assert x.tested and "nulls ignored (0.0% of the reference, 20.0% of the current" in x.note
    assert x.details["null_share_current"] == pytest.approx(0.2)
    assert c.tested and c.details["null_share_current"] == pytest.approx(0.1)
    assert report.to_frame().set_index("column").at["x", "null_share_current"] == \
        pytest.approx(0.2)


def test_a_column_all_null_on_one_side_is_not_tested():
    ref, cur = base(), base(seed=1)
    cur["x"] = np.nan
    ref["c"] = None
    report = drift_report(ref, cur)
    assert not report.result("x").tested and not report.result("x").drifted
    assert "all values are null in the current data" in report.result("x").note
    assert "all values are null in the reference" in report.result("c").note
    assert report.tested_count == 0 and not report.drifted


def test_infinities_count_as_missing():
    ref, cur = base(), base(seed=1)
    cur.loc[:4, "x"] = np.inf
    cur.loc[5:9, "x"] = -np.inf
    result = drift_report(ref, cur).result("x")
    assert result.tested and math.isfinite(result.value)
    assert result.details["null_share_current"] == pytest.approx(10 / 300)


@pytest.mark.parametrize("n", [300, 3000])
def test_constant_columns(n):
    ref = pd.DataFrame({"k": np.full(n, 3.0), "s": ["only"] * n})
    same = drift_report(ref, ref.copy())
    for column in ("k", "s"):
        result = same.result(column)
        assert result.tested and not result.drifted and "constant in both" in result.note
    moved = drift_report(ref, pd.DataFrame({"k": np.full(n, 4.0), "s": ["other"] * n}))
    assert moved.result("k").drifted and moved.result("s").drifted
    rng = np.random.default_rng(0)
    varied = drift_report(pd.DataFrame({"k": np.full(n, 3.0)}),
                          pd.DataFrame({"k": rng.normal(3, 1, n)}))
    assert varied.result("k").drifted and "constant in the reference" in varied.result("k").note


def test_unseen_categories_are_named_and_counted():
    ref = base(2000)
    cur = base(2000, seed=1)
    cur.loc[:199, "c"] = "zebra"
    cur.loc[200:219, "c"] = "yak"
    result = drift_report(ref, cur).result("c")
    assert "2 categories not in the reference: zebra, yak" in result.note
    assert result.details["out_of_range_share"] == pytest.approx(220 / 2000)
    assert result.drifted
    small = drift_report(base(300), base(300, seed=1).replace({"c": {"a": "new"}}))
    assert small.result("c").statistic == "chi2" and small.result("c").drifted


@pytest.mark.parametrize("side", ["reference", "current"])
def test_empty_frames(side):
    empty = base().iloc[0:0]
    ref, cur = (empty, base()) if side == "reference" else (base(), empty)
    report = drift_report(ref, cur)
    label = "reference" if side == "reference" else "current data"
    assert all(f"the {label} is empty" in r.note for r in report.results)
    assert not report.drifted and report.tested_count == 0
    assert report.to_frame()["value"].isna().all()
    assert "0 of 0 columns" in report._repr_html_()
    # No column at all is nothing compared: an error, never "no drift".
    with pytest.raises(InvalidInput, match="no column in common"):
        drift_report(pd.DataFrame(), pd.DataFrame())


def test_mismatched_schemas_are_explained():
    ref = base().assign(only_ref=1.0)
    cur = base(seed=1).assign(only_cur="z")
    report = drift_report(ref, cur)
    assert report.result("only_ref").note == "missing from the current data"
    assert report.result("only_cur").note == "not in the reference"
    assert report.result("only_cur").type == "categorical"
    assert not report.result("only_ref").tested and report.tested_count == 2
    with pytest.raises(InvalidInput, match=r"No column 'typo'.*Columns: x, c"):
        drift_report(ref, cur, columns=["typo"])


def test_a_column_whose_type_changed_is_compared_as_categories():
    ref = pd.DataFrame({"zip": np.arange(300) % 7})
    cur = pd.DataFrame({"zip": [str(v) for v in np.arange(300) % 7]})
    result = drift_report(ref, cur).result("zip")
    assert result.type == "categorical" and result.tested
    assert "numeric in the reference but categorical in the current data" in result.note


def test_dates_and_unhashable_values_are_explained_not_tested():
    times = pd.Series(pd.date_range("2026-01-01", periods=300, freq="h"))
    ref = pd.DataFrame({"when": times, "tags": [[1, 2]] * 300, "x": np.arange(300.0)})
    report = drift_report(ref, ref.copy())
    assert "dates and times are not tested" in report.result("when").note
    assert "cannot be counted" in report.result("tags").note
    assert report.tested_count == 1


def test_non_string_column_names_and_nullable_dtypes():
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({0: pd.array(rng.integers(0, 100, 400), dtype="Int64"),
                        1: pd.Categorical(rng.choice(["u", "v"], 400))})
    cur = ref.copy()
    cur.loc[:10, 0] = pd.NA
    report = drift_report(ref, cur)
    assert [r.column for r in report.results] == ["0", "1"]
    assert report.result("0").type == "numeric" and report.result("0").tested
    assert report.result("1").statistic == "z"


def test_duplicate_column_names_compare_the_first():
    rng = np.random.default_rng(0)
    ref = pd.DataFrame(rng.normal(0, 1, (300, 2)), columns=["x", "x"])
    cur = pd.DataFrame(rng.normal(0, 1, (300, 1)), columns=["x"])
    result = drift_report(ref, cur, columns=["x", "x"]).result("x")
    assert result.tested and "2 columns named 'x' in the DataFrame" in result.note


def test_a_profile_column_whose_type_changed_is_explained():
    from jupyter_mlops.monitor import profile_of

    ref = pd.DataFrame({"x": np.arange(300.0)})
    cur = pd.DataFrame({"x": [f"v{i}" for i in range(300)]})
    report = drift_report(profile_of(ref), cur, outliers=True)
    assert "numeric in the reference profile but categorical" in report.result("x").note
    assert "profile has none" in report.record.details["outliers_skipped"]
