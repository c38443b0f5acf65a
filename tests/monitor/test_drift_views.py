"""A drift report as a DataFrame, JSON, plotly figures and notebook HTML."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from jupyter_mlops.errors import InvalidInput
from jupyter_mlops.monitor import drift_report
from jupyter_mlops.monitor.report import FRAME_COLUMNS


@pytest.fixture(scope="module")
def report():
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"x": rng.normal(0, 1, 2000), "y": rng.normal(0, 1, 2000),
                        "c": rng.choice(list("abc"), 2000), "k": np.ones(2000)})
    cur = pd.DataFrame({"x": rng.normal(2, 1, 2000), "y": rng.normal(0, 1, 2000),
                        "c": rng.choice(list("abd"), 2000)})
    return drift_report(ref, cur, outliers=True)


def test_to_frame_has_one_typed_row_per_column(report):
    frame = report.to_frame()
    assert list(frame.columns[: len(FRAME_COLUMNS)]) == FRAME_COLUMNS
    assert list(frame["column"]) == ["x", "y", "c", "k"]
    assert frame["drifted"].dtype == bool and frame["value"].dtype == np.float64
    assert frame.set_index("column").loc["x", "statistic"] == "wasserstein"
    assert frame.set_index("column").loc["x", "drifted"]
    assert np.isnan(frame.set_index("column").loc["k", "value"])


def test_to_json_is_strict_json_with_nan_as_strings(report):
    data = json.loads(report.to_json())
    assert data["drifted"] == report.drifted and data["tested_count"] == 3
    k = next(r for r in data["results"] if r["column"] == "k")
    assert k["value"] == "NaN" and k["note"] == "missing from the current data"
    x = next(r for r in data["results"] if r["column"] == "x")
    assert len(x["details"]["edges"]) == 31
    assert "details" not in json.loads(report.to_json(details=False))["results"][0]
    assert data["details"]["outliers"]["range_share"] > 0


def _panels(figure) -> dict[str, dict[str, tuple[float, float, float]]]:
    """Per panel title: column -> (bar height, threshold mark, true scaled value)."""
    panels = {}
    for bars, marks in zip(figure.data[::2], figure.data[1::2], strict=True):
        assert bars.type == "bar" and marks.type == "scatter"
        panels[bars.name] = {
            column: (height, mark, data[4])
            for column, height, mark, data in zip(bars.x, bars.y, marks.y, bars.customdata,
                                                  strict=True)
        }
    return panels


def test_scores_figure_puts_every_tested_column_against_its_threshold(report):
    figure = report.figure()
    panels = _panels(figure)
    columns = [column for panel in panels.values() for column in panel]
    assert sorted(columns) == ["c", "x", "y"]
    drifted = {r.column: r.drifted for r in report.results if r.tested}
    for panel in panels.values():
        for column, (height, mark, _) in panel.items():
            # Above the mark means drift, whichever kind of statistic the panel holds.
            assert (height > mark) == drifted[column], column
    assert drifted["x"] and not drifted["y"]
    assert "distances" in panels and panels["distances"]["x"][1] == pytest.approx(0.1)


def test_scores_figure_shows_p_values_as_minus_log10_and_clips_with_the_true_value():
    rng = np.random.default_rng(0)
    reference = pd.DataFrame({"moved": rng.normal(0, 1, 800), "same": rng.normal(0, 1, 800)})
    current = pd.DataFrame({"moved": rng.normal(0.6, 1, 800), "same": rng.normal(0, 1, 800)})
    # Under 1,000 rows the automatic choice is the KS test: p-values, one panel.
    report = drift_report(reference, current)
    figure = report.figure()
    (title, panel), = _panels(figure).items()
    assert title == "p-value tests: -log10(p)"
    line = -np.log10(0.05)
    height, mark, true = panel["moved"]
    assert mark == pytest.approx(line)
    p_moved = next(r.value for r in report.results if r.column == "moved")
    assert true == pytest.approx(-np.log10(p_moved)) and true > 6
    # Clipped at three times the threshold mark, labelled as such.
    assert height == pytest.approx(3 * line)
    assert figure.data[0].text[list(figure.data[0].x).index("moved")].startswith("≥")
    assert 0 <= panel["same"][0] < line
    assert figure.layout.yaxis.type != "log"


def test_column_figures_overlay_both_distributions(report):
    numeric = report.figure(column="x")
    assert [t.name for t in numeric.data] == ["reference", "current"]
    assert sum(numeric.data[0].y) == pytest.approx(1.0)
    categorical = report.figure(column="c")
    assert "d" in list(categorical.data[1].x)
    untested = report.figure(column="k")
    assert "not tested" in untested.layout.title.text
    with pytest.raises(InvalidInput, match="no column 'zzz'"):
        report.figure(column="zzz")


def test_html_is_small_script_free_and_lists_drifted_columns_first(report):
    html = report._repr_html_()
    assert "<iframe" not in html and "<script" not in html
    assert html.index(">x<") < html.index(">y<")
    assert "Outliers:" in html


def test_html_stays_bounded_however_many_columns():
    rng = np.random.default_rng(0)
    wide = 3000
    ref = pd.DataFrame(rng.normal(0, 1, (40, wide)), columns=[f"feature_{i}" for i in range(wide)])
    cur = pd.DataFrame(rng.normal(0.5, 1, (40, wide)), columns=ref.columns)
    report = drift_report(ref, cur, progress=False)
    html = report._repr_html_()
    assert len(html.encode()) < 100_000
    assert f"and {wide - 200:,} more columns" in html
    assert len(report.to_frame()) == wide


def test_progress_shows_for_wide_data(capsys):
    rng = np.random.default_rng(0)
    ref = pd.DataFrame(rng.normal(0, 1, (30, 60)), columns=[f"c{i}" for i in range(60)])
    drift_report(ref, ref, progress=True)
    assert "drift" in capsys.readouterr().err
    drift_report(ref, ref, progress=False)
    assert capsys.readouterr().err == ""


def test_repr_names_the_verdict(report):
    assert "DataFrame -> DataFrame" in repr(report)
    assert f"{report.drifted_count}/{report.tested_count}" in repr(report)
