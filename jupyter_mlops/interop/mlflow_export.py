"""``export_mlflow(DEST)``: runs (filtered with our query language) and registered models, in
MLflow's ``mlruns`` layout, so ``mlflow ui`` shows them, ``mlflow.search_runs`` finds them and
``mlflow.pyfunc.load_model`` loads our sklearn models.

- Ids are the tracking server's: a run keeps its id (an imported run its MLflow id), an
  experiment's id is ours as text, the default experiment ``"0"``. Exporting again into the
  same folder rewrites the same files: nothing doubles.
- A run's name, parent and source become MLflow's reserved tags again; its metric history is
  written whole (``<ms> <value> <step>`` per line, NaN as ``nan``); its files are copied out of
  the content-addressed store, verified.
- Models: ``mlflow_export_models`` (MLmodel files for our sklearn models, MLflow 3 logged
  models, the registry with aliases).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from sqlalchemy import select

from ..errors import InvalidInput
from ..records import Run
from ..session import current
from ..store import schema
from ..tracking.queries import search_runs
from .mlflow_export_files import ExportSummary, _values, _yaml
from .mlflow_format import (
    RUN_STATUS_NUMBER,
    SOURCE_NAME,
    SOURCE_TYPE_NUMBER,
    SOURCE_TYPE_TAG,
    USER,
    local_path,
    millis,
)
from .mlflow_server.runs import mlflow_tags

__all__ = ["ExportSummary", "export_mlflow"]



def _root(dest: str | Path) -> Path:
    text = str(dest).strip()
    if not text:
        raise InvalidInput("Name the destination: an mlruns folder (./mlruns).")
    if text.lower().startswith("file://"):
        text = str(local_path(text))
    root = Path(text).expanduser().resolve()
    if root.exists() and not root.is_dir():
        raise InvalidInput(f"{root} is a file, not a folder: export to an mlruns folder.")
    if root.is_dir() and any(root.iterdir()) and not any(
            (child / "meta.yaml").is_file() for child in root.iterdir()):
        raise InvalidInput(f"{root} is not empty and is not an MLflow mlruns folder: export "
                           "to a new folder or to an existing mlruns folder.")
    return root


def export_mlflow(dest: str | Path, filter: str | None = None,
                  experiment: str | list[str] | None = None, models: bool = True,
                  progress: bool = True) -> ExportSummary:
    """Write runs and registered models as an MLflow store.

    Parameters
    ----------
    dest:
        An ``mlruns`` folder (created if missing; an existing one is added to), or a new
        SQLite database ``sqlite:///path/mlflow.db``: the folder ``mlruns`` beside it is
        written and holds the artifacts, then MLflow's ``mlflow migrate-filestore`` (MLflow
        3.10 or later on PATH) moves the metadata into the database.
    filter:
        Which runs, in our query language (``"metrics.auc > 0.8 and params.C = '0.5'"``).
    experiment:
        Only these experiments (a name or names).
    models:
        Export the registry too: the versions whose runs are exported (and their aliases).
    progress:
        Show a progress bar.

    Returns
    -------
    ExportSummary
    """
    text = str(dest)
    if text.lower().startswith("sqlite:"):
        return _into_sqlite(text, filter, experiment, models, progress)
    if "://" in text and not text.lower().startswith("file://"):
        raise InvalidInput(f"Cannot export into the database {text.split('://')[0]}://...: "
                           "export to an mlruns folder (jupyter mlops export mlflow ./mlruns) "
                           "or to a new SQLite database (sqlite:///mlflow.db).")
    from tqdm.auto import tqdm

    from .mlflow_export_models import export_models

    root = _root(dest)
    runs = _selected(filter, experiment)
    summary = ExportSummary(destination=str(root))
    root.mkdir(parents=True, exist_ok=True)
    (root / ".trash").mkdir(exist_ok=True)
    experiments: dict[str, str] = {}
    with tqdm(total=len(runs), desc="Export runs", unit="run", disable=not progress) as bar:
        for run in runs:
            if run.experiment not in experiments:
                experiments[run.experiment] = _experiment(root, run.experiment)
                summary.experiments += 1
            write_run(root, experiments[run.experiment], run, summary)
            bar.update(1)
    _experiment(root, current().settings.experiment)  # MLflow's stores always hold "0"
    if models:
        export_models(root, {r.id: r for r in runs}, experiments, summary, progress)
    return summary


def _into_sqlite(uri: str, filter: str | None, experiment: str | list[str] | None,
                 models: bool, progress: bool) -> ExportSummary:
    """An MLflow SQLite database: the mlruns folder beside it (its artifact store, kept), then
    MLflow's own ``migrate-filestore`` moves the metadata in.

    MLflow's tool, not ours, writes its schema: that schema changes with each MLflow release,
    and the tool comes with the MLflow the user reads the database with.
    """
    import shutil
    import subprocess

    if not uri.lower().startswith("sqlite:///") or len(uri) <= len("sqlite:///"):
        raise InvalidInput(f"{uri} is not a SQLite file URI: give sqlite:///path/to/mlflow.db.")
    database = Path(uri[len("sqlite:///"):]).expanduser().resolve()
    if database.exists():
        raise InvalidInput(f"{database} exists: MLflow's migration fills a new database, so "
                           "give a new file, or export to an mlruns folder.")
    folder = database.parent / "mlruns"
    mlflow = shutil.which("mlflow")
    if mlflow is None:
        from ..errors import MissingDependency

        raise MissingDependency("Exporting into an MLflow database runs MLflow's own "
                                "migrate-filestore: pip install 'mlflow>=3.10' (any environment "
                                "on PATH), or export to an mlruns folder.")
    summary = export_mlflow(folder, filter=filter, experiment=experiment, models=models,
                            progress=progress)
    done = subprocess.run([mlflow, "migrate-filestore", "--source", str(folder.parent),
                           "--target", f"sqlite:///{database}", "--no-progress"],
                          capture_output=True, text=True, env={**os.environ,
                                                               "MLFLOW_ALLOW_FILE_STORE": "true"})
    if done.returncode != 0:
        last = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
        raise InvalidInput(f"MLflow's migrate-filestore failed ({last}); the export is in "
                           f"{folder}, which MLflow also reads as it is.")
    summary.destination = f"{uri} (artifacts in {folder})"
    return summary


def _selected(filter: str | None, experiment: str | list[str] | None) -> list[Run]:
    store = current().store
    found = search_runs(experiment, filter, order_by=["start_time"])
    # Parents first, so each file the MLflow UI nests is there when its child is.
    return [store.runs.get(r.id) for r in sorted(found, key=lambda r: (r.start_time, r.id))]


def experiment_id(name: str) -> str:
    """The MLflow id of our experiment ``name``: the tracking server's (default: "0")."""
    from .mlflow_server import ids

    return ids.experiment_key(name)


def _experiment(root: Path, name: str) -> str:
    key = experiment_id(name)
    meta = root / key / "meta.yaml"
    created = next((e.created_at for e in current().store.runs.experiments()
                    if e.name == name), time.time())
    _yaml(meta, {
        "artifact_location": (root / key).as_uri(), "creation_time": millis(created),
        "experiment_id": key, "last_update_time": millis(created),
        "lifecycle_stage": "active", "name": name})
    return key


def history(run_id: str) -> list[tuple[str, float | None, int, float]]:
    m = schema.metrics
    query = select(m.c.key, m.c.value, m.c.step, m.c.timestamp).where(
        m.c.run_id == run_id).order_by(m.c.key, m.c.step, m.c.timestamp)
    with current().store.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query)]  # type: ignore[misc]


def _metric_text(value: float | None) -> str:
    return "nan" if value is None else repr(float(value))


def write_run(root: Path, experiment: str, run: Run, summary: ExportSummary) -> Path:
    folder = root / experiment / run.id
    artifacts = folder / "artifacts"
    tags = mlflow_tags(run)
    source = tags.get(SOURCE_TYPE_TAG, "LOCAL")
    _yaml(folder / "meta.yaml", {
        "artifact_uri": artifacts.as_uri(), "end_time": millis(run.end_time),
        "entry_point_name": "", "experiment_id": experiment,
        "lifecycle_stage": "deleted" if run.deleted else "active", "run_id": run.id,
        "run_name": run.name, "run_uuid": run.id, "source_name": tags.get(SOURCE_NAME, ""),
        "source_type": SOURCE_TYPE_NUMBER.get(source, 4), "source_version": "",
        "start_time": millis(run.start_time),
        "status": RUN_STATUS_NUMBER.get(run.status.value, 3), "tags": [],
        "user_id": run.tags.get(USER, "")})
    _values(folder / "params", run.params)
    _values(folder / "tags", tags)
    lines: dict[str, list[str]] = {}
    rows = history(run.id)
    for key, value, step, stamp in rows:
        lines.setdefault(key, []).append(f"{millis(stamp)} {_metric_text(value)} {step}")
    _values(folder / "metrics", {k: "\n".join(v) + "\n" for k, v in lines.items()})
    store = current().store
    for artifact in run.artifacts:
        store.artifacts.get_file(artifact.digest, artifacts / artifact.path)
    artifacts.mkdir(parents=True, exist_ok=True)
    summary.runs += 1
    summary.metrics += len(rows)
    summary.artifacts += len(run.artifacts)
    return folder
