"""Journey 4: monitor, as a user does it: drift in a notebook, the CLI for CI, the REST API.

A notebook run by a real kernel compares this week's data with the training data and saves the
report; its chart shows p-value tests as -log10(p) beside their thresholds, and data with no
column in common is an error naming both sides' columns, never "no drift". The CLI, as a CI job
calls it, fails on drift with exit 1 and on nothing compared with exit 2, whatever
``--fail-on-drift`` says. A real Jupyter server lists the saved report and serves the same
figure the notebook drew.
"""

from __future__ import annotations

import json
import math

import pytest

from .conftest import Journey, get_json, jupyter_server, outputs

pytest.importorskip("plotly")
pytest.importorskip("nbclient")

# 800 rows: under the 1,000-row rule (Evidently's), numbers get KS and categories chi-squared,
# the p-value tests whose chart is the one that must read at a glance.
CELLS = [
    "%load_ext jupyter_mlops",
    "import jupyter_mlops as mlops, numpy as np, pandas as pd\n"
    "rng = np.random.default_rng(0)\n"
    "train = pd.DataFrame({'age': rng.normal(40, 10, 800), 'income': rng.normal(50, 5, 800),\n"
    "                      'plan': rng.choice(['basic', 'pro'], 800)})\n"
    "week = train.assign(age=train['age'] + 8, income=train['income'] * 1.2)  # both moved\n"
    "train.to_csv('train.csv', index=False); week.to_csv('week.csv', index=False)\n"
    "pd.DataFrame({'zip': ['75001', '69001']}).to_csv('other.csv', index=False)",
    "report = mlops.drift_report(train, week).save(name='weekly')\n"
    "print('VERDICT', report.drifted, sorted(r.column for r in report.results if r.drifted))\n"
    "display(report)\n"
    "report.figure()",
    "try:\n"
    "    mlops.drift_report(train, pd.read_csv('other.csv'))\n"
    "except mlops.errors.InvalidInput as error:\n"
    "    print('REFUSED', error)",
]


def test_drift_in_a_notebook_then_ci_then_the_server(journey: Journey) -> None:
    nb = journey.notebook(CELLS, name="monitor.ipynb")
    shown = outputs(nb, 2)
    assert "VERDICT True ['age', 'income']" in shown
    figures = [o["data"]["application/vnd.plotly.v1+json"] for o in nb.cells[2]["outputs"]
               if "application/vnd.plotly.v1+json" in o.get("data", {})]
    html = "".join(str(o.get("data", {}).get("text/html", "")) for o in nb.cells[2]["outputs"])
    assert "age" in html and "income" in html, "the report's table shows in the notebook"
    assert len(figures) == 1, "report.figure() draws in the notebook"
    refused = outputs(nb, 3)
    assert "REFUSED" in refused and "no column in common" in refused
    assert "age" in refused and "zip" in refused  # both sides' columns, to fix the mistake

    drifted = journey.cli("drift", "compare", "train.csv", "week.csv", "--fail-on-drift",
                          check=False)
    assert drifted.returncode == 1, drifted.stdout + drifted.stderr
    assert "age" in drifted.stdout
    stable = journey.cli("drift", "compare", "train.csv", "train.csv", "--fail-on-drift",
                         check=False)
    assert stable.returncode == 0, stable.stdout + stable.stderr
    for flags in ((), ("--fail-on-drift",)):
        nothing = journey.cli("drift", "compare", "train.csv", "other.csv", *flags, check=False)
        assert nothing.returncode == 2, nothing.stdout + nothing.stderr
        message = nothing.stderr.strip()
        assert len(message.splitlines()) == 1 and "Traceback" not in message
        assert "no column in common" in message and "zip" in message and "age" in message

    with jupyter_server(journey) as base:
        listed = get_json(f"{base}/jupyter-mlops/api/drift?name=weekly")["reports"]
        assert [r["name"] for r in listed] == ["weekly"]
        detail = get_json(f"{base}/jupyter-mlops/api/drift/{listed[0]['id']}")
    by_column = {r["column"]: r for r in detail["report"]["results"]}
    assert by_column["age"]["drifted"] and not by_column["plan"]["drifted"]
    bars = [t for t in detail["figure"]["data"] if t["type"] == "bar"]
    axes = json.dumps(detail["figure"]["layout"])
    # A p-value of 1e-300 and one of 0.4 are both readable: -log10(p), with the threshold mark.
    p_tests = [b for b in bars if "log10" in b.get("name", "")]
    assert p_tests and "log10" in axes
    # The sidebar and the notebook draw the same figure.
    assert [(t["type"], t.get("x"), t.get("y")) for t in detail["figure"]["data"]] == \
        [(t["type"], t.get("x"), t.get("y")) for t in figures[0]["data"]]
    marks = [t for t in detail["figure"]["data"] if t.get("name") == "threshold"]
    assert marks and all(math.isfinite(y) for m in marks for y in m["y"])
    assert math.isclose(marks[0]["y"][0], -math.log10(0.05), rel_tol=1e-6) or any(
        math.isclose(y, -math.log10(0.05), rel_tol=1e-6) for m in marks for y in m["y"])
