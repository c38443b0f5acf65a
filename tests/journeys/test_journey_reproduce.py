"""Journey 3: reproduce a tracked notebook cell, safely.

A `%%mlops_track` cell of a notebook run by a real kernel fits a model, versions data,
registers the model, saves a drift report and opens a nested run. `jupyter mlops reproduce`
(a subprocess) replays the cells before it and the tracked cell, from the sources captured
when the run happened, in a scratch workspace: the shared workspace's registry, aliases, drift
reports and dataset versions are the same before and after. The report compares the metrics of
the run the cell produced (its nested run included); a timing metric that differs is shown but
does not make the run "not reproduced".
"""

from __future__ import annotations

import json
import re

import pytest

from .conftest import WINE_SETUP, Journey, outputs

pytest.importorskip("sklearn")
pytest.importorskip("papermill")
pytest.importorskip("nbclient")

CELLS = [
    *WINE_SETUP,
    "%%mlops_track -e wine -n forest\n"
    "model = RandomForestClassifier(n_estimators=10, random_state=0).fit(X_train, y_train)\n"
    "mlops.log_metric('accuracy', model.score(X_test, y_test))\n"
    "import time, uuid\n"
    "mlops.log_metric('predict_time', time.perf_counter() % 1)\n"
    "# Writes to the workspace that a replay must keep to itself: a fresh data version each\n"
    "# time, a model version, a saved drift report.\n"
    "mlops.version_data(X_train.assign(salt=uuid.uuid4().hex), 'wine-train')\n"
    "mlops.register_model(f'runs:/{mlops.active_run().id}/model', 'wine')\n"
    "mlops.drift_report(X_train, X_test).save()\n"
    "with mlops.start_run(name='holdout', nested=True):\n"
    "    mlops.log_metric('holdout_rows', len(X_test))",
    "run = mlops.search_runs(filter=\"name = 'forest'\")[0]\nprint('RUN', run.id)",
    # After the tracked cell: a replay stops before it.
    "mlops.set_alias('wine', 'champion', 1)\n"
    "open('after.txt', 'w').write('this cell ran')",
]


def _workspace_state(journey: Journey) -> dict[str, object]:
    """Everything a reproduction must leave alone, as the CLI lists it."""
    return {
        "models": json.loads(journey.cli("models", "list", "--json").stdout),
        "versions": json.loads(journey.cli("models", "show", "wine", "--json").stdout),
        "data": json.loads(journey.cli("data", "list", "--json").stdout),
        "drift": json.loads(journey.cli("drift", "list", "--json").stdout),
    }


def test_reproduce_a_tracked_cell_in_a_scratch_workspace(journey: Journey) -> None:
    nb = journey.notebook(CELLS)
    assert "FINISHED" in outputs(nb, 2), outputs(nb, 2)
    match = re.search(r"RUN (\w+)", outputs(nb, 3))
    assert match, outputs(nb, 3)
    run_id = match[1]
    (journey.root / "after.txt").unlink()
    before = _workspace_state(journey)
    assert before["data"] and before["drift"], before

    done = journey.cli("reproduce", run_id, "--json")
    report = json.loads(done.stdout)
    assert report["status"] == "FINISHED", report
    compared = {m["key"]: m for m in report["metrics"]}
    assert compared["accuracy"]["equal"] and compared["accuracy"]["now"] is not None
    assert compared["holdout/holdout_rows"]["equal"]  # the nested run's metric, compared
    assert compared["predict_time"]["timing"]  # shown, differs, and does not count
    assert not (journey.root / "after.txt").exists()  # the replay stopped at the cell

    # Nothing in the shared workspace changed: same models, aliases, data and reports.
    assert _workspace_state(journey) == before

    # The table says the metrics match and marks the timing metric as such.
    text = journey.cli("reproduce", run_id).stdout
    assert "metrics match" in text and "(timing)" in text
    assert _workspace_state(journey) == before
