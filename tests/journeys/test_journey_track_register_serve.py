"""Journey 1: track a fit in a notebook, register it from the run, promote, load, serve.

Every step goes through a real face: the notebook is executed by a real kernel, registering
and promoting are CLI subprocesses, loading happens in a fresh process with no trust argument,
and predictions come over HTTP from `jupyter mlops models serve`. A blob edited on disk and a
foreign pickle are still refused.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.processes import stop

from .conftest import WINE_SETUP, Journey, free_port, outputs, post_json, wait_http

pytest.importorskip("sklearn")
pytest.importorskip("skops")
pytest.importorskip("nbclient")

CELLS = [
    *WINE_SETUP,
    "%%mlops_track -e wine -n forest --tag owner=ana\n"
    "model = RandomForestClassifier(n_estimators=20, random_state=0).fit(X_train, y_train)\n"
    "mlops.log_metric('accuracy', model.score(X_test, y_test))",
    "run = mlops.search_runs(filter=\"name = 'forest'\")[0]\nprint('RUN', run.id)",
]

LOAD = """
import json, sys
import jupyter_mlops as mlops
from sklearn.datasets import load_wine
X, _ = load_wine(return_X_y=True, as_frame=True)
model = mlops.load_model("wine@champion")
print(json.dumps([int(v) for v in model.predict(X.head(3))]))
"""


def _run_id(nb) -> str:
    match = re.search(r"RUN (\w+)", outputs(nb, 3))
    assert match, outputs(nb, 3)
    return match[1]


def test_track_register_promote_load_serve(journey: Journey) -> None:
    nb = journey.notebook(CELLS)
    card = outputs(nb, 2)
    assert "FINISHED" in card and "accuracy" in card
    run_id = _run_id(nb)

    # Registered from the autologged run, exactly as the README shows.
    registered = journey.cli("models", "register", run_id, "wine")
    assert "Registered wine version 1" in registered.stdout
    promoted = journey.cli("models", "promote", "wine", "1", "--require", "accuracy")
    assert "wine@champion -> version 1" in promoted.stdout
    shown = journey.cli("models", "show", "wine@champion", "--json")
    version = json.loads(shown.stdout)
    assert version["run_id"] == run_id and "accuracy" in version["metrics"]
    assert version["params"]["n_estimators"] == "20"

    # A fresh process loads it by alias without naming any type to trust.
    loaded = journey.python(LOAD)
    predictions = json.loads(loaded.stdout.strip().splitlines()[-1])
    assert len(predictions) == 3

    # Served over HTTP, the same predictions.
    port = free_port()
    server = journey.start("models", "serve", "wine@champion", "--port", str(port))
    try:
        wait_http(f"http://127.0.0.1:{port}/health", server)
        rows = journey.python(
            "from sklearn.datasets import load_wine\n"
            "X, _ = load_wine(return_X_y=True, as_frame=True)\n"
            "print(X.head(3).to_json(orient='split', index=False))").stdout
        split = json.loads(rows)
        status, answer = post_json(f"http://127.0.0.1:{port}/invocations",
                                   {"dataframe_split": split})
        assert status == 200, answer
        assert [int(v) for v in answer["predictions"]] == predictions
    finally:
        stop(server, timeout=30)

    # A blob edited on disk is refused, naming the corruption.
    blob = journey.python(
        "import jupyter_mlops as mlops\n"
        "from jupyter_mlops.session import current\n"
        "v = mlops.models.get_version('wine@champion')\n"
        "print(current().store.artifacts.local_path(v.model_digest))").stdout.strip()
    from pathlib import Path

    path = Path(blob.splitlines()[-1])
    original = path.read_bytes()
    edited = bytearray(original)
    edited[len(edited) // 2] ^= 0xFF
    path.chmod(0o644)
    path.write_bytes(bytes(edited))
    refused = journey.python(LOAD, check=False)
    assert refused.returncode != 0 and "corrupt" in refused.stderr
    path.write_bytes(original)

    # A foreign pickle registered in this workspace still needs trust=True.
    pickle = journey.python(
        "import jupyter_mlops as mlops\n"
        "class Foreign:\n"
        "    def predict(self, rows):\n"
        "        return [0] * len(rows)\n"
        "with mlops.start_run() as run:\n"
        "    mlops.log_model(Foreign())\n"
        "mlops.register_model(f'runs:/{run.id}/model', 'foreign')\n"
        "try:\n"
        "    mlops.load_model('foreign/1')\n"
        "except mlops.models.UntrustedModel as exc:\n"
        "    print('REFUSED', exc)\n")
    assert "REFUSED Refusing to load foreign/1" in pickle.stdout and "pickle" in pickle.stdout
