"""Journey 5: come back tomorrow. What one person stored, a teammate sees and loads.

Alice fits, versions and registers in a notebook run by a real kernel. Over a shared database
whose artifacts are still in a local folder, her first write says in one line that teammates
will not be able to load them, naming ``JUPYTER_MLOPS_ARTIFACTS``. Bob, as another user in
fresh processes (from his own folder when the database is shared, from the same workspace when
it is the embedded SQLite one), lists her run with its metrics, sees her as the model's
author, loads the model without naming any type and predicts what she predicted, loads her
data version, and sees the model in the REST API of his own Jupyter server. A typo'd SQLite
URI is an error, not a new empty store.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import WINE_SETUP, Journey, get_json, jupyter_server, outputs

pytest.importorskip("sklearn")
pytest.importorskip("skops")
pytest.importorskip("nbclient")

CELLS = [
    *WINE_SETUP,
    "%%mlops_track -e wine -n alice-forest\n"
    "train = X_train.assign(target=y_train)\n"
    "mlops.version_data(train, 'wine-train')\n"
    "model = RandomForestClassifier(n_estimators=10, random_state=0).fit(X_train, y_train)\n"
    "mlops.log_metric('accuracy', model.score(X_test, y_test))",
    "%mlops_register wine model",
    "print(mlops.promote('wine', 1))\n"
    "import json; print('PRED', json.dumps([int(v) for v in model.predict(X_test.head(5))]))",
]

BOB_LOADS = """
import json
import jupyter_mlops as mlops
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split
X, y = load_wine(return_X_y=True, as_frame=True)
_, X_test, _, _ = train_test_split(X, y, random_state=0)
model = mlops.load_model("wine@champion")
train = mlops.load_data("wine-train@1")
print("PRED", json.dumps([int(v) for v in model.predict(X_test.head(5))]))
print("ROWS", len(train), train.attrs["mlops_ref"])
"""


def _person(journey: Journey, name: str, home: Path) -> dict[str, str]:
    home.mkdir(exist_ok=True)
    return {**journey.env, "USER": name, "LOGNAME": name, "HOME": str(home)}


def test_a_teammate_sees_and_loads_everything_the_next_day(journey: Journey) -> None:
    shared = "JUPYTER_MLOPS_URI" in journey.env
    alice = Journey(journey.root, _person(journey, "alice", journey.root.parent / "alice"))
    nb = alice.notebook(CELLS, name="alice.ipynb")
    tracked = nb.cells[2]["outputs"]
    warnings = [line for o in tracked if o.get("name") == "stderr"
                for line in o["text"].splitlines() if "teammates" in line]
    if shared:  # a shared database, artifacts in Alice's local folder: said once, in one line
        assert len(warnings) == 1, tracked
        assert "JUPYTER_MLOPS_ARTIFACTS" in warnings[0]
    else:  # one embedded workspace: nothing to warn about
        assert warnings == []
    assert "ModelVersion wine/1" in outputs(nb, 3) and "by alice" in outputs(nb, 3)
    predicted = [line for line in outputs(nb, 4).splitlines() if line.startswith("PRED")]
    assert predicted, outputs(nb, 4)

    # The next day Bob works from his own folder on the shared database (the artifacts folder
    # stands for the shared storage both mount), or in the same embedded workspace.
    bob_root = journey.root.parent / "bob-work" if shared else journey.root
    bob_root.mkdir(exist_ok=True)
    bob = Journey(bob_root, _person(journey, "bob", journey.root.parent / "bob"))
    listed = bob.cli("runs", "list", "-e", "wine", "--json")
    runs = json.loads(listed.stdout)
    assert [r["name"] for r in runs] == ["alice-forest"]
    assert runs[0]["status"] == "FINISHED" and 0.8 < runs[0]["metrics"]["accuracy"] <= 1.0
    shown = json.loads(bob.cli("models", "show", "wine@champion", "--json").stdout)
    assert shown["version"] == 1 and shown["run_id"] == runs[0]["id"]
    assert shown["created_by"] == "alice"
    loaded = bob.python(BOB_LOADS)
    assert predicted[0] in loaded.stdout, (predicted, loaded.stdout)
    assert "ROWS 133 wine-train@1" in loaded.stdout
    with jupyter_server(bob) as base:
        versions = get_json(f"{base}/jupyter-mlops/api/models/wine")
    assert "champion" in json.dumps(versions)

    # A typo in the database's folder: an error that says what to check, no new empty store.
    typo = journey.root / ".mlpos" / "mlops.db"
    mistyped = Journey(bob.root, {**bob.env, "JUPYTER_MLOPS_URI": f"sqlite:///{typo}"})
    wrong = mistyped.cli("runs", "list", check=False)
    assert wrong.returncode == 2, wrong.stdout + wrong.stderr
    assert "does not exist" in wrong.stderr and len(wrong.stderr.strip().splitlines()) == 1
    assert not typo.parent.exists()
