"""Journey 2: compare two sklearn runs and choose, in a notebook run by a real kernel.

Single-value metrics appear as a table and as bars (no empty step charts), the params shown
are those that differ, and the runs are labelled by name; the CLI lists the same runs with
their metric columns.
"""

from __future__ import annotations

import pytest

from .conftest import WINE_SETUP, Journey

pytest.importorskip("sklearn")
pytest.importorskip("plotly")
pytest.importorskip("nbclient")

CELLS = [
    *WINE_SETUP,
    "%%mlops_track -e wine -n small-forest\n"
    "model = RandomForestClassifier(n_estimators=3, random_state=0).fit(X_train, y_train)\n"
    "mlops.log_metric('accuracy', model.score(X_test, y_test))",
    "%%mlops_track -e wine -n big-forest\n"
    "model = RandomForestClassifier(n_estimators=30, random_state=0).fit(X_train, y_train)\n"
    "mlops.log_metric('accuracy', model.score(X_test, y_test))",
    "ids = [r.id for r in mlops.search_runs(experiment='wine', order_by=['start_time'])]\n"
    "%mlops_compare {ids[0]} {ids[1]}",
]


def test_compare_two_sklearn_runs(journey: Journey) -> None:
    nb = journey.notebook(CELLS)
    shown = nb.cells[4]["outputs"]
    html = "".join(str(o.get("data", {}).get("text/html", "")) for o in shown)
    assert "<b>Metrics</b>" in html and "accuracy" in html and "training_score" in html
    assert "<b>Params that differ</b>" in html and "n_estimators" in html
    assert "max_depth" not in html  # the same in both runs: not shown by default
    figures = [o["data"]["application/vnd.plotly.v1+json"] for o in shown
               if "application/vnd.plotly.v1+json" in o.get("data", {})]
    kinds = [trace["type"] for figure in figures for trace in figure["data"]]
    assert "bar" in kinds and "scatter" not in kinds  # single values: bars, no step lines
    bars = [t for f in figures for t in f["data"] if t["type"] == "bar"]
    assert {tuple(t["x"]) for t in bars} == {("small-forest", "big-forest")}

    listed = journey.cli("runs", "list", "-e", "wine")
    assert "small-forest" in listed.stdout and "big-forest" in listed.stdout
    assert "accuracy" in listed.stdout
