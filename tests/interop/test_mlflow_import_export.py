"""MLflow stores moved in and out, with the real MLflow (its own environment) on both ends.

A training script (start_run, log_params, 1,000 stepped metrics, set_tag, nested runs, sklearn
autolog, log_model as skops, register_model, aliases, descriptions) builds an MLflow store, as
an ``mlruns`` folder, a SQLite database, a real ``mlflow server`` (proxied artifacts) and a
PostgreSQL database; ``jupyter mlops import mlflow`` brings it in, ``jupyter mlops export
mlflow`` writes it out, and MLflow reads the result back with the same runs, params, tags,
metric histories and predictions. Also: a second import adds nothing, a killed import resumes
to exactly one import's runs, our own server as a source, trust by flag or by confirmation,
the progress bar, our own sklearn model loaded by ``mlflow.pyfunc``, and bad URIs answered in
one line. Every store, folder and working directory is under pytest's tmp_path.
"""

from __future__ import annotations

import json
import os
import pty
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.journeys.conftest import BIN, Journey, free_port, wait_http
from tests.peers import peer_python, quiet_env
from tests.processes import stop

# The full mlflow (not skinny): `mlflow server` is one of the sources; psycopg for its
# PostgreSQL store (SQLAlchemy 2.1 reads postgresql:// with psycopg 3).
# Each source store is made by MLflow's own script, which pays MLflow's import and its model
# requirement inference (a subprocess per logged model): minutes on a loaded 2-CPU machine.
pytestmark = pytest.mark.timeout(900)

MLFLOW = ["mlflow==3.*", "scikit-learn", "skops", "pandas", "scipy", "psycopg[binary]"]

BUILD = r'''
import json
import numpy as np
import mlflow
from mlflow import MlflowClient
from mlflow.entities import Metric
from mlflow.models import infer_signature
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

client = MlflowClient()
mlflow.set_experiment("mlflow-import")
X = np.random.RandomState(0).rand(60, 3)
y = (X[:, 0] > 0.5).astype(int)
with mlflow.start_run(run_name="parent") as parent:
    mlflow.log_params({"lr": "0.1", "layers": 3})
    client.log_batch(parent.info.run_id, metrics=[
        Metric("loss", 1.0 / (s + 1), 1_700_000_000_000 + s, s) for s in range(1000)])
    mlflow.set_tag("team", "fraud")
    mlflow.log_text("hello", "notes/readme.txt")
    with mlflow.start_run(run_name="child", nested=True) as child:
        mlflow.log_param("fold", "1")
        mlflow.log_metric("auc", 0.75)
        forest = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y)
        skops = mlflow.sklearn.log_model(
            forest, name="forest", input_example=X[:2], serialization_format="skops",
            skops_trusted_types=["sklearn.tree._tree.Tree"],
            signature=infer_signature(X, forest.predict(X)))
    mlflow.sklearn.autolog()
    with mlflow.start_run(run_name="fit", nested=True) as fit:
        model = LogisticRegression(C=0.5).fit(X, y)
    mlflow.sklearn.autolog(disable=True)
mlflow.set_experiment("other")
with mlflow.start_run(run_name="failed") as failed:
    mlflow.log_metric("x", 1.5)
    mlflow.log_metric("x", 2.0, step=1)
client.set_terminated(failed.info.run_id, "FAILED")
x = mlflow.register_model(f"runs:/{fit.info.run_id}/model", "x")
client.update_registered_model("x", description="the fraud model")
client.update_model_version("x", x.version, description="autologged")
client.set_registered_model_alias("x", "champion", x.version)
forest_version = mlflow.register_model(skops.model_uri, "forest")
client.set_registered_model_alias("forest", "champion", forest_version.version)
print(json.dumps({"x": [int(v) for v in model.predict(X[:8])],
                  "forest": [int(v) for v in forest.predict(X[:8])]}))
'''

READ = r'''
import json, sys
import numpy as np
import mlflow
from mlflow import MlflowClient
client = MlflowClient()
experiments = client.search_experiments()
runs = {}
for run in client.search_runs([e.experiment_id for e in experiments]):
    runs[run.info.run_id] = {
        "name": run.info.run_name, "status": run.info.status,
        "experiment": client.get_experiment(run.info.experiment_id).name,
        "start": run.info.start_time, "end": run.info.end_time, "params": run.data.params,
        "tags": {k: v for k, v in run.data.tags.items() if k != "mlflow.source.name"},
        "history": {k: [[m.step, m.value] for m in sorted(
            client.get_metric_history(run.info.run_id, k), key=lambda m: (m.step, m.timestamp))]
            for k in run.data.metrics}}
frame = mlflow.search_runs(search_all_experiments=True, filter_string="params.lr = '0.1'")
X = np.random.RandomState(0).rand(60, 3)
print(json.dumps({
    "runs": runs, "found": list(frame["run_id"]),
    "x": [int(v) for v in mlflow.pyfunc.load_model("models:/x@champion").predict(X[:8])],
    "forest": [int(v) for v in
               mlflow.pyfunc.load_model("models:/forest@champion").predict(X[:8])],
    "description": client.get_registered_model("x").description,
}))
'''

MANY = r'''
import sys
from mlflow import MlflowClient
from mlflow.entities import Metric
client = MlflowClient()
experiment = client.create_experiment("many")
for index in range(int(sys.argv[1])):
    run = client.create_run(experiment, run_name=f"r{index}")
    client.log_batch(run.info.run_id, metrics=[
        Metric("m", float(s), 1_700_000_000_000 + s, s) for s in range(50)])
    client.log_text(run.info.run_id, "x" * 1000, "notes.txt")
    client.set_terminated(run.info.run_id)
'''


OURS = r'''
import json
import numpy as np
import pandas as pd
import jupyter_mlops as mlops
from sklearn.ensemble import RandomForestClassifier
X = pd.DataFrame(np.random.RandomState(1).rand(50, 3), columns=["a", "b", "c"])
y = (X["a"] > 0.5).astype(int)
with mlops.start_run(name="ours", experiment="ours"):
    model = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y)
    logged = mlops.log_model(model, input_example=X.head(3))
mlops.register_model(logged, "ours", alias="champion")
print(json.dumps([int(v) for v in model.predict(X.head(8))]))
'''

LOAD_OURS = r'''
import json
import numpy as np
import pandas as pd
import mlflow
X = pd.DataFrame(np.random.RandomState(1).rand(50, 3), columns=["a", "b", "c"])
model = mlflow.pyfunc.load_model("models:/ours@champion")
print(json.dumps([int(v) for v in model.predict(X.head(8))]))
'''


def _mlflow(python: Path, script: str, uri: str, cwd: Path, *args: str) -> dict:
    # cwd matters: a database store puts its files in ./mlruns of the working directory.
    cwd.mkdir(parents=True, exist_ok=True)
    extra = {"MLFLOW_TRACKING_URI": uri, "MLFLOW_ALLOW_FILE_STORE": "true"}
    done = subprocess.run([str(python), "-c", script, *args], cwd=cwd, env=quiet_env(extra),
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-4000:]
    lines = done.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else {}


@pytest.fixture(scope="module")
def mlflow_python() -> Path:
    return peer_python(MLFLOW, module="mlflow")


@pytest.fixture(scope="module")
def sources(mlflow_python: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The same script's MLflow store as an mlruns folder, a SQLite database and a server.

    Each value is (the URI to import, the URI MLflow reads it back with, the script's
    predictions). The server (``mlflow server``, SQLite behind it, artifacts proxied) runs
    until the module's tests are done.
    """
    from concurrent.futures import ThreadPoolExecutor

    root = tmp_path_factory.mktemp("mlflow-sources")
    folder, db = root / "files" / "mlruns", root / "sqlite" / "mlflow.db"
    served = root / "server"
    served.mkdir()
    port = free_port()
    log = (served / "server.log").open("w")
    server = subprocess.Popen(
        [str(mlflow_python.parent / "mlflow"), "server", "--host", "127.0.0.1", "--port",
         str(port), "--workers", "1", "--backend-store-uri",
         f"sqlite:///{served / 'mlflow.db'}", "--artifacts-destination",
         str(served / "artifacts")],
        cwd=served, env=quiet_env(), stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        # The three scripts are independent: made side by side, they take the time of one.
        with ThreadPoolExecutor(3) as pool:
            files = pool.submit(_mlflow, mlflow_python, BUILD, folder.as_uri(), root / "files")
            database = pool.submit(_mlflow, mlflow_python, BUILD, f"sqlite:///{db}",
                                   root / "sqlite")
            wait_http(f"{url}/health", server, timeout=180)
            http = pool.submit(_mlflow, mlflow_python, BUILD, url, served)
            built = {"mlruns": (str(folder), folder.as_uri(), files.result()),
                     "sqlite": (f"sqlite:///{db}", f"sqlite:///{db}", database.result()),
                     "http": (url, url, http.result())}
        yield built
    finally:
        stop(server)
        log.close()


@pytest.fixture(scope="module")
def mlflow_postgres(mlflow_python: Path, tmp_path_factory: pytest.TempPathFactory,
                    request: pytest.FixtureRequest) -> Iterator[tuple[str, str, dict]]:
    """The script's MLflow store in a PostgreSQL database of its own (dropped afterwards)."""
    from tests.conftest import PG_HOST, PG_PORT, PG_USER, _admin_connection

    request.getfixturevalue("_postgres_database")  # skips (or fails in CI) without a server
    name = f"mlflow_src_{uuid.uuid4().hex[:12]}"
    with _admin_connection() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        uri = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
        root = tmp_path_factory.mktemp("mlflow-postgres")
        yield uri, uri, _mlflow(mlflow_python, BUILD, uri, root)
    finally:
        with _admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _workspace(root: Path, uri: str | None = None) -> Journey:
    """A fresh workspace folder; its store on SQLite, or at ``uri`` (PostgreSQL)."""
    (root / ".mlops").mkdir(parents=True)
    env = {"JUPYTER_MLOPS_CAPTURE_PACKAGES": "false", "JUPYTER_MLOPS_CAPTURE_GIT": "false"}
    if uri:
        env.update(JUPYTER_MLOPS_URI=uri,
                   JUPYTER_MLOPS_ARTIFACTS=str(root / ".mlops" / "artifacts"))
    return Journey(root, env)


STORES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _store_uri(store: str, request: pytest.FixtureRequest) -> str | None:
    return request.getfixturevalue("postgres_url") if store == "postgresql" else None


def _comparable(read: dict) -> dict:
    runs = {}
    for run_id, run in read["runs"].items():
        run = dict(run)
        # MLflow's own bookkeeping of a model logged in the run: its files come along, the
        # history tag names MLflow's own artifact path.
        run["tags"] = {k: v for k, v in run["tags"].items() if k != "mlflow.log-model.history"}
        runs[run_id] = run
    return runs


@pytest.mark.parametrize("kind", [
    "mlruns", "sqlite", "http", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_round_trip_through_the_workspace(kind: str, mlflow_python: Path, tmp_path: Path,
                                          request: pytest.FixtureRequest) -> None:
    # The PostgreSQL source goes into a workspace on PostgreSQL: both ends of that backend.
    if kind == "postgresql":
        uri, read_uri, trained = request.getfixturevalue("mlflow_postgres")
    else:
        uri, read_uri, trained = request.getfixturevalue("sources")[kind]
    original = _mlflow(mlflow_python, READ, read_uri, tmp_path / "read")
    journey = _workspace(tmp_path / "work", _store_uri(kind, request))
    first = journey.cli("import", "mlflow", uri, "--trust", "--no-progress")
    assert "Imported from" in first.stderr + first.stdout
    # A second import adds nothing.
    again = journey.cli("import", "mlflow", uri, "--no-progress")
    assert "0 runs (4 already here)" in again.stderr + again.stdout
    assert "0 model versions (2 already here)" in again.stderr + again.stdout
    ours = json.loads(journey.python(
        "import json, jupyter_mlops as mlops, numpy as np\n"
        "X = np.random.RandomState(0).rand(60, 3)\n"
        "frame = mlops.runs()\n"
        "parent = mlops.get_run(frame[frame['name'] == 'parent']['run_id'].iloc[0])\n"
        "h = mlops.metric_history(parent.id, 'loss')\n"
        "print(json.dumps({'count': len(frame), 'names': sorted(frame['name']),"
        " 'history': h[['step', 'value']].values.tolist(), 'params': parent.params,"
        " 'forest': [int(v) for v in mlops.load_model('forest@champion').predict(X[:8])],"
        " 'x': [int(v) for v in mlops.load_model('x@champion', trust=True).predict(X[:8])]}))"
    ).stdout)
    assert ours["count"] == 4
    assert ours["names"] == ["child", "failed", "fit", "parent"]
    assert [s for s, _ in ours["history"]] == list(range(1000))
    assert [v for _, v in ours["history"]] == [1.0 / (s + 1) for s in range(1000)]
    assert ours["params"] == {"lr": "0.1", "layers": "3"}
    assert ours["forest"] == trained["forest"] and ours["x"] == trained["x"]

    out = tmp_path / "exported"
    journey.cli("export", "mlflow", str(out), "--no-progress")
    exported = _mlflow(mlflow_python, READ, out.as_uri(), tmp_path / "read")
    assert _comparable(exported) == _comparable(original)
    assert exported["found"] == original["found"] and len(exported["found"]) == 1
    assert exported["x"] == original["x"] == trained["x"]
    assert exported["forest"] == original["forest"] == trained["forest"]
    assert exported["description"] == "the fraud model"
    if kind == "sqlite":
        # Into an MLflow database too, through MLflow's own migrate-filestore found on PATH.
        journey.env["PATH"] = f"{mlflow_python.parent}{os.pathsep}{os.environ['PATH']}"
        database = tmp_path / "into-db" / "mlflow.db"
        journey.cli("export", "mlflow", f"sqlite:///{database}", "--no-progress")
        in_db = _mlflow(mlflow_python, READ, f"sqlite:///{database}", tmp_path / "read-db")
        assert _comparable(in_db) == _comparable(original)
        assert in_db["x"] == trained["x"] and in_db["forest"] == trained["forest"]


def _answered(journey: Journey, answer: str, *args: str) -> str:
    """``jupyter-mlops ARGS`` with a terminal as its input, typed ``answer``; its stderr."""
    primary, secondary = pty.openpty()
    try:
        os.write(primary, answer.encode())
        done = subprocess.run([str(BIN / "jupyter-mlops"), *args],
                              cwd=journey.root, env={**os.environ, **journey.env},
                              stdin=secondary, capture_output=True, text=True, timeout=300)
    finally:
        os.close(secondary)
        os.close(primary)
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def test_skops_types_trusted_only_when_asked(sources: dict, tmp_path: Path) -> None:
    uri, _, _ = sources["mlruns"]
    journey = _workspace(tmp_path / "work")
    # Not a terminal, no --trust: nothing is trusted, the types are listed. With the bar.
    done = journey.cli("import", "mlflow", uri)
    report = done.stdout + done.stderr
    assert "forest/1 needs skops types sklearn.tree._tree.Tree: not trusted" in report
    assert "MLflow runs: 100%" in done.stderr and "4/4" in done.stderr
    refused = journey.python(
        "import jupyter_mlops as mlops\nmlops.load_model('forest@champion')", check=False)
    assert refused.returncode != 0 and "sklearn.tree._tree.Tree" in refused.stderr
    pickled = journey.python(
        "import jupyter_mlops as mlops\nmlops.load_model('x@champion', trust=['x'])",
        check=False)
    assert pickled.returncode != 0 and "pickle" in pickled.stderr
    # At a terminal the import asks; "no" keeps them untrusted, "yes" records them for the
    # version already imported, and then it loads without naming them. Pickles stay refused.
    said_no = _answered(journey, "n\n", "import", "mlflow", uri, "--no-progress")
    assert "Trust them for this model file?" in said_no and ": not trusted" in said_no
    said_yes = _answered(journey, "y\n", "import", "mlflow", uri, "--no-progress")
    assert "forest/1 needs skops types sklearn.tree._tree.Tree: recorded as trusted" in said_yes
    assert "0 runs (4 already here)" in said_yes
    loaded = journey.python(
        "import jupyter_mlops as mlops, numpy as np\n"
        "print(mlops.load_model('forest@champion').predict(np.zeros((1, 3))).tolist())")
    assert loaded.stdout.strip() in ("[0]", "[1]")
    still = journey.python(
        "import jupyter_mlops as mlops\nmlops.load_model('x@champion')", check=False)
    assert still.returncode != 0 and "pickle" in still.stderr


def test_our_sklearn_model_loads_in_mlflow(mlflow_python: Path, tmp_path: Path) -> None:
    journey = _workspace(tmp_path / "work")
    ours = json.loads(journey.python(OURS).stdout.strip().splitlines()[-1])
    out = tmp_path / "exported"
    done = journey.cli("export", "mlflow", str(out), "--no-progress")
    assert "1 runs in 1 experiments" in done.stdout + done.stderr
    assert _mlflow(mlflow_python, LOAD_OURS, out.as_uri(), tmp_path / "read") == ours
    mlmodel = next(out.glob("*/*/artifacts/model/MLmodel")).read_text()
    for expected in ("python_function:", "serialization_format: skops", "skops_trusted_types",
                     "signature:", "saved_input_example_info:"):
        assert expected in mlmodel


def test_import_over_http_from_our_server(sources: dict, tmp_path: Path) -> None:
    uri, _, _ = sources["sqlite"]
    serving = _workspace(tmp_path / "served")
    serving.cli("import", "mlflow", uri, "--no-progress")
    port = free_port()
    server = serving.start("server", "--port", str(port))
    try:
        wait_http(f"http://127.0.0.1:{port}/health", server)
        journey = _workspace(tmp_path / "work")
        done = journey.cli("import", "mlflow", f"http://127.0.0.1:{port}", "--no-progress",
                           "--trust")
        assert "4 runs (0 already here)" in done.stdout + done.stderr
    finally:
        stop(server)
    read = ("import json, jupyter_mlops as mlops\n"
            "f = mlops.runs()\n"
            "print(json.dumps({r: [mlops.get_run(r).params, mlops.get_run(r).tags,"
            " {k: mlops.metric_history(r, k)['value'].tolist()"
            "  for k in mlops.get_run(r).metrics}] for r in sorted(f['run_id'])}))")
    assert json.loads(journey.python(read).stdout) == json.loads(serving.python(read).stdout)


def _count(journey: Journey) -> int:
    """Runs in the workspace's store so far (0 before the import has made its tables)."""
    url = journey.env.get("JUPYTER_MLOPS_URI")
    if url:
        import sqlalchemy

        engine = sqlalchemy.create_engine(url)
        try:
            with engine.connect() as connection:
                return int(connection.exec_driver_sql("SELECT count(*) FROM runs").scalar())
        except sqlalchemy.exc.DBAPIError:
            return 0
        finally:
            engine.dispose()
    db = journey.root / ".mlops" / "mlops.db"
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as connection:
            return int(connection.execute("SELECT count(*) FROM runs").fetchone()[0])
    except sqlite3.Error:
        return 0


@pytest.mark.parametrize("store", STORES)
def test_killed_import_resumes_to_exactly_one_import(store: str, mlflow_python: Path,
                                                    tmp_path: Path,
                                                    request: pytest.FixtureRequest) -> None:
    total = 150
    folder = tmp_path / "mlruns"
    _mlflow(mlflow_python, MANY, folder.as_uri(), tmp_path, str(total))
    journey = _workspace(tmp_path / "work", _store_uri(store, request))
    code = ("from jupyter_mlops.interop.mlflow_import import import_mlflow\n"
            f"import_mlflow({str(folder)!r}, progress=False)")
    process = subprocess.Popen([sys.executable, "-c", code], cwd=journey.root,
                               env={**os.environ, **journey.env})
    deadline = time.monotonic() + 300
    while _count(journey) < 10 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    halfway = _count(journey)
    assert 0 < halfway < total, halfway
    done = journey.cli("import", "mlflow", str(folder), "--no-progress")
    assert f"{total - halfway} runs ({halfway} already here)" in done.stdout + done.stderr
    check = journey.python(
        "import jupyter_mlops as mlops\n"
        "f = mlops.runs(experiment='many')\n"
        "print(len(f), len(set(f['name'])),"
        " sorted({len(mlops.metric_history(r, 'm')) for r in f['run_id']}),"
        " sorted({len(mlops.get_run(r).artifacts) for r in f['run_id']}))").stdout.split()
    assert check == [str(total), str(total), "[50]", "[1]"]


@pytest.mark.parametrize(("uri", "expected"), [
    ("/no/such/mlruns", "No MLflow folder at /no/such/mlruns"),
    ("sqlite:////no/such/mlflow.db", "No MLflow database at '/no/such/mlflow.db'"),
    ("http://127.0.0.1:9", "Cannot reach an MLflow server at http://127.0.0.1:9"),
    ("mysql://u@h/db", "Unsupported MLflow database 'mysql'"),
])
def test_bad_uris_answer_in_one_line(uri: str, expected: str, tmp_path: Path) -> None:
    journey = _workspace(tmp_path / "work")
    done = journey.cli("import", "mlflow", uri, "--no-progress", check=False)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and expected in lines[0]


def test_export_refuses_a_folder_that_is_not_mlflow(tmp_path: Path) -> None:
    journey = _workspace(tmp_path / "work")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "file.txt").write_text("x")
    done = journey.cli("export", "mlflow", str(tmp_path / "full"), check=False)
    assert done.returncode == 2 and "is not an MLflow mlruns folder" in done.stderr


def test_export_to_a_database_it_cannot_fill_says_how(tmp_path: Path) -> None:
    journey = _workspace(tmp_path / "work")
    # MLflow's migration writes SQLite only, and only a new file.
    done = journey.cli("export", "mlflow", "postgresql://u@127.0.0.1/mlflow", check=False)
    assert done.returncode == 2 and "new SQLite database" in done.stderr
    (tmp_path / "old.db").write_bytes(b"")
    done = journey.cli("export", "mlflow", f"sqlite:///{tmp_path / 'old.db'}", check=False)
    assert done.returncode == 2 and "exists" in done.stderr
    # Without MLflow on PATH: one line saying what to install, nothing written.
    journey.env["PATH"] = str(Path(sys.executable).parent)
    done = journey.cli("export", "mlflow", f"sqlite:///{tmp_path / 'new' / 'mlflow.db'}",
                       check=False)
    assert done.returncode != 0 and "pip install 'mlflow>=3.10'" in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "new").exists()
