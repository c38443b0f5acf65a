"""The models half of ``export_mlflow``: MLmodel files, logged models and the registry.

- Each model our ``log_model`` stored in an exported run (``<name>/model.json`` beside its
  skops file) gets what ``mlflow.sklearn.save_model`` writes beside it: an ``MLmodel`` with the
  ``python_function`` and ``sklearn`` flavors, ``serialization_format: skops``, the types the
  file was logged with as ``skops_trusted_types``, the signature and input example, and
  ``requirements.txt``, ``conda.yaml``, ``python_env.yaml``. A model that came from MLflow
  keeps its own MLmodel.
- MLflow 3 logged models of exported runs go to ``<experiment>/models/<id>/``, linked from
  their run's ``outputs/``.
- Registered models go to ``models/<name>/`` with their tags, aliases and the versions whose
  files were exported; each version's ``storage_location`` is the folder of its MLmodel.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import NotFound
from ..models.logging import FORMAT, META_FILE
from ..records import ModelVersion, Run
from ..session import current
from .mlflow_export_files import ExportSummary, _values, _yaml
from .mlflow_format import MODEL_STATUS_NUMBER, millis
from .mlflow_format_model import input_example_json, requirement_files, sklearn_mlmodel
from .mlflow_server.registry import INTERNAL, SOURCE
from .mlflow_server.registry import MODEL_ID as MODEL_TAG


def export_models(root: Path, runs: dict[str, Run], experiments: dict[str, str],
                  summary: ExportSummary, progress: bool) -> None:
    for run in runs.values():
        folder = root / experiments[run.experiment] / run.id / "artifacts"
        paths = {a.path: a for a in run.artifacts}
        for artifact in run.artifacts:
            name = artifact.path.rsplit("/", 1)
            if name[-1] != META_FILE:
                continue
            prefix = name[0] + "/" if len(name) == 2 else ""
            if prefix + "MLmodel" not in paths:
                write_mlmodel(folder / prefix.rstrip("/") if prefix else folder,
                              artifact.digest, run.id, prefix.rstrip("/"))
    exported = _logged_models(root, runs, experiments, summary)
    _registry(root, runs, experiments, exported, summary)


def write_mlmodel(folder: Path, meta_digest: str, run_id: str | None, path: str,
                  model_id: str | None = None) -> bool:
    """MLflow's files for our sklearn model described by ``meta_digest``; False if not one."""
    store = current().store
    try:
        meta = json.loads(store.artifacts.get_bytes(meta_digest))
    except (ValueError, NotFound):
        return False
    if meta.get("format") != FORMAT or meta.get("flavor") != "sklearn":
        return False
    model_file = str(meta.get("model_file") or "model.skops")
    target = folder / model_file
    if not target.is_file():
        store.artifacts.get_file(meta["model_digest"], target)
    example = input_example_json(meta.get("input_example"))
    if example is not None:
        body, info = example
        (folder / info["artifact_path"]).write_bytes(body)
        (folder / info["serving_input_path"]).write_text(info["_serving"], encoding="utf-8")
    libraries = dict(meta.get("libraries") or {})
    libraries.setdefault("scikit-learn", None)
    libraries.setdefault("skops", None)
    for name, data in requirement_files(libraries).items():
        (folder / name).write_bytes(data)
    trusted = list((meta.get("record") or {}).get("skops_untrusted_types") or [])
    mlmodel = sklearn_mlmodel(
        run_id=run_id, artifact_path=path or "model", model_file=model_file,
        model_size=int(meta.get("model_size") or target.stat().st_size),
        trusted_types=trusted, signature=meta.get("signature"),
        example_info=example[1] if example else None,
        sklearn_version=libraries.get("scikit-learn"), model_id=model_id)
    _yaml(folder / "MLmodel", mlmodel)
    return True


def _logged_models(root: Path, runs: dict[str, Run], experiments: dict[str, str],
                   summary: ExportSummary) -> set[str]:
    store = current().store
    exported = set()
    for model in store.logged_models.search():
        run = runs.get(model["run_id"] or "")
        if run is None:
            continue
        experiment = experiments[run.experiment]
        folder = root / experiment / "models" / model["id"]
        artifacts = folder / "artifacts"
        for path, entry in model["files"].items():
            store.artifacts.get_file(entry[0], artifacts / path)
        artifacts.mkdir(parents=True, exist_ok=True)
        _yaml(folder / "meta.yaml", {
            "artifact_location": artifacts.as_uri(),
            "creation_timestamp": millis(model["created_at"]), "experiment_id": experiment,
            "last_updated_timestamp": millis(model["updated_at"]),
            "model_id": model["id"], "model_type": model["model_type"], "name": model["name"],
            "source_run_id": run.id,
            "status": MODEL_STATUS_NUMBER.get(model["status"], 2),
            "status_message": model["status_message"]})
        _values(folder / "params", model["params"])
        _values(folder / "tags", model["tags"])
        (folder / "metrics").mkdir(exist_ok=True)
        step = next((int(link.ref.partition(":")[2] or 0) for link in run.lineage
                     if link.ref.split(":")[0] == model["id"]), 0)
        _yaml(root / experiment / run.id / "outputs" / model["id"] / "meta.yaml", {
            "destination_id": model["id"], "destination_type": "MODEL_OUTPUT",
            "source_id": model["id"], "source_type": "RUN_OUTPUT", "step": step, "tags": {}})
        exported.add(model["id"])
        summary.logged_models += 1
    return exported


def _where(root: Path, version: ModelVersion, runs: dict[str, Run],
           experiments: dict[str, str], logged: set[str]) -> tuple[Path, str, str | None] | None:
    """(folder of the version's MLmodel, MLflow source, model id), or None if not exported."""
    model = version.tags.get(MODEL_TAG)
    run = runs.get(version.run_id or "")
    if model and model in logged:
        store = current().store
        experiment = experiments[runs[store.logged_models.get(model)["run_id"]].experiment]
        return (root / experiment / "models" / model / "artifacts", f"models:/{model}",
                model)
    if run is None:
        return None
    source = version.tags.get(SOURCE, "")
    if source.startswith("runs:/"):
        path = source[len("runs:/"):].partition("/")[2]
    elif "/artifacts/" in version.artifact_path:
        path = version.artifact_path.partition("/artifacts/")[2]
    else:
        path = version.artifact_path
    folder = root / experiments[run.experiment] / run.id / "artifacts" / path.strip("/")
    if not (folder / "MLmodel").is_file() and not write_mlmodel(
            folder, version.meta_digest, run.id, path):
        return None
    return folder, f"runs:/{run.id}/{path.strip('/')}", None


def _registry(root: Path, runs: dict[str, Run], experiments: dict[str, str],
              logged: set[str], summary: ExportSummary) -> None:
    registry = current().store.registry
    for model in registry.models():
        written: dict[int, dict[str, Any]] = {}
        for version in registry.versions(model.name):
            where = _where(root, version, runs, experiments, logged)
            if where is None:
                continue
            folder, source, model_id = where
            meta: dict[str, Any] = {
                "creation_timestamp": millis(version.created_at), "current_stage": "None",
                "description": version.description or None,
                "last_updated_timestamp": millis(version.created_at), "name": model.name,
                "run_id": version.run_id, "run_link": None, "source": source,
                "status": "READY", "status_message": None,
                "storage_location": folder.as_uri(), "user_id": version.created_by,
                "version": version.version}
            if model_id:
                meta["model_id"] = model_id
            written[version.version] = meta
        if not written:
            continue
        folder = root / "models" / model.name
        aliases = {a: str(v) for a, v in sorted(model.aliases.items()) if v in written}
        _yaml(folder / "meta.yaml", {
            "aliases": aliases, "creation_timestamp": millis(model.created_at),
            "description": model.description or None,
            "last_updated_timestamp": millis(model.updated_at), "name": model.name})
        _values(folder / "tags", model.tags)
        _values(folder / "aliases", aliases)
        for number, meta in written.items():
            _yaml(folder / f"version-{number}" / "meta.yaml", meta)
            version_tags = registry.version(model.name, number).tags
            _values(folder / f"version-{number}" / "tags",
                    {k: v for k, v in version_tags.items() if not k.startswith(INTERNAL)})
            summary.versions += 1
        summary.registered_models += 1
