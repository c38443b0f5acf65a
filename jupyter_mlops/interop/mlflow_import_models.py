"""The models half of ``import_mlflow``: logged models, registered models, versions, aliases.

- A logged model (MLflow 3, ``m-<32 hex>``) keeps its id; its files go into the blob store and
  its row is written once, whole, so a second import or a resumed one skips it.
- A registered version keeps MLflow's source and storage in the tags the tracking server
  reads (so MLflow clients load it through ``jupyter mlops server``) and a key of its MLflow
  name, number and creation time, by which a second import knows it is here.
- An sklearn model saved with skops is registered with our ``sklearn`` flavor: a
  ``model.json`` beside its MLmodel names the skops file, the signature (converted) and, only
  with ``trust`` (or the caller's yes when asked), the types that file needs beyond skops'
  defaults, which our loader then accepts for exactly those bytes. Without it the types are
  listed in the summary and loading asks for them by name; importing again with ``trust``
  records them for the versions already here. A pickled sklearn model becomes our ``python``
  flavor, which loads only with ``trust=True``; any other flavor keeps MLflow's files (flavor
  ``mlflow``).
"""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import insert, update

from ..errors import NotFound
from ..models.flavors.sklearn import RECORD_KEY
from ..models.logging import FORMAT
from ..session import current
from ..store import schema
from ..store.engine import write
from .mlflow_format import (
    MODEL_ID,
    MlflowExperiment,
    MlflowReader,
    MlflowRegisteredModel,
    MlflowVersion,
    parse_mlmodel,
)
from .mlflow_format_model import signature_from_mlflow
from .mlflow_import_summary import ImportSummary, Trusting, decide, existing_runs
from .mlflow_server import ids
from .mlflow_server.registry import MODEL_ID as MODEL_TAG
from .mlflow_server.registry import SOURCE, STORAGE

IMPORTED = "mlops.mlflow.imported"  # "<name>/<version>@<creation ms>" of an imported version
USER = "mlflow-import"


def import_models(reader: MlflowReader, experiments: list[MlflowExperiment],
                  names: dict[str, str], summary: ImportSummary, trust: Trusting,
                  progress: bool) -> None:
    from tqdm.auto import tqdm

    models = [m for e in experiments for m in reader.logged_models(e)]
    registered = reader.registered_models()
    versions = {m.name: reader.versions(m) for m in registered}
    total = len(models) + sum(len(v) for v in versions.values())
    with tqdm(total=total, desc="MLflow models", unit="model", disable=not progress) as bar:
        for model in models:
            _logged_model(reader, model, names, summary)
            bar.update(1)
        for registered_model in registered:
            _registered(registered_model, versions[registered_model.name], summary, trust,
                        bar)


def _logged_model(reader: MlflowReader, model: Any, names: dict[str, str],
                  summary: ImportSummary) -> None:
    store = current().store
    try:
        store.logged_models.get(model.id)
        return
    except NotFound:
        pass
    files = {}
    for path, _, opener in reader.model_files(model):
        with opener() as handle:
            digest, size = store.artifacts.put_stream(handle)
        files[path] = [digest, size]
    experiment = names[model.experiment_id]
    number = store.runs.experiment_id(experiment, model.created_at)
    run = model.run_id if model.run_id and existing_runs([model.run_id]) else None
    details = {"params": model.params, "tags": model.tags, "files": files}
    with write(store.engine) as connection:
        connection.execute(insert(schema.logged_models).values(
            id=model.id, experiment_id=number, run_id=run, name=model.name[:255],
            model_type=model.model_type, status=model.status,
            artifact_location=ids.model_artifact_uri(ids.experiment_key(experiment), model.id),
            created_at=model.created_at, updated_at=model.updated_at,
            details=json.dumps(details)))
    summary.logged_models += 1
    summary.artifacts += len(files)


def _registered(model: MlflowRegisteredModel, versions: list[MlflowVersion],
                summary: ImportSummary, trust: Trusting, bar: Any) -> None:
    store = current().store
    registry = store.registry
    try:
        registry.model(model.name)
    except NotFound:
        with write(registry.engine) as connection:
            connection.execute(insert(schema.registered_models).values(
                name=model.name, description=model.description,
                tags=json.dumps(model.tags, sort_keys=True), created_at=model.created_at,
                updated_at=model.updated_at, created_by=USER))
        summary.registered_models += 1
    mine = {}  # MLflow version number -> ours
    try:
        ours = registry.versions(model.name)
    except NotFound:
        ours = []
    by_key = {v.tags.get(IMPORTED): v.version for v in ours if v.tags.get(IMPORTED)}
    for version in versions:
        key = f"{version.name}/{version.version}@{int(version.created_at * 1000)}"
        if key in by_key:
            mine[version.version] = by_key[key]
            summary.versions_present += 1
            if trust:
                _trust_present(model.name, by_key[key], f"{version.name}/{version.version}",
                               summary, trust)
        else:
            number = _version(version, key, summary, trust)
            if number is not None:
                mine[version.version] = number
        bar.update(1)
    for alias, theirs in sorted(model.aliases.items()):
        number = mine.get(theirs)
        if number is None or registry.alias_version(model.name, alias) == number:
            continue
        registry.set_alias(model.name, alias, number, USER, time.time(),
                           reason=f"imported from MLflow ({summary.source})")
        summary.aliases += 1


def _files_of(version: MlflowVersion) -> tuple[dict[str, tuple[str, int]], str, str | None,
                                               str | None, str]:
    """(files, storage URI for our server, run id, logged model id, path) of a version."""
    store = current().store
    source = version.source
    model = version.model_id
    if not model and source.startswith("models:/") and \
            MODEL_ID.fullmatch(source[len("models:/"):].split("/")[0]):
        model = source[len("models:/"):].split("/")[0]
    if model:
        try:
            logged = store.logged_models.get(model)
        except NotFound:
            return {}, "", version.run_id, model, ""
        files = {p: (e[0], int(e[1])) for p, e in logged["files"].items()}
        return files, logged["artifact_location"], version.run_id or logged["run_id"], \
            model, ""
    run, path = version.run_id, ""
    if source.startswith("runs:/"):
        run, _, path = source[len("runs:/"):].partition("/")
    elif "/artifacts/" in source:
        head, _, path = source.partition("/artifacts/")
        run = version.run_id or head.rstrip("/").rsplit("/", 1)[-1]
    path = path.strip("/")
    if not run or not existing_runs([run]):
        return {}, "", None, None, path
    record = store.runs.get(run)
    files = {a.path[len(path) + 1:] if path else a.path: (a.digest, a.size)
             for a in record.artifacts if not path or a.path.startswith(path + "/")}
    storage = ids.run_artifact_uri(ids.experiment_key(record.experiment), run)
    return files, f"{storage}/{path}" if path else storage, run, None, path


def _trust_present(name: str, number: int, label: str, summary: ImportSummary,
                   trust: Trusting) -> None:
    """Record the skops types of a version an earlier import left untrusted, if now trusted.

    The trust lives in the version's description (``model.json``, content addressed), so the
    version is pointed at a new description that differs only in its record; the model file
    and everything else stay as they were.
    """
    store = current().store
    ours = store.registry.version(name, number)
    if ours.flavor != "sklearn":
        return
    meta = json.loads(store.artifacts.get_bytes(ours.meta_digest))
    if "mlflow" not in meta or (meta.get("record") or {}).get(RECORD_KEY):
        return
    types = _untrusted(store.artifacts.get_bytes(meta["model_digest"]))
    summary.untrusted_types[label] = types
    if not decide(trust, label, types):
        return
    meta["record"] = {**(meta.get("record") or {}), RECORD_KEY: types}
    digest, _ = store.artifacts.put_bytes(json.dumps(meta, sort_keys=True, default=str).encode())
    v = schema.model_versions
    with write(store.engine) as connection:
        connection.execute(update(v).where(v.c.name == name, v.c.version == number).values(
            meta_digest=digest))
    summary.trusted.add(label)


def _version(version: MlflowVersion, key: str, summary: ImportSummary, trust: Trusting
             ) -> int | None:
    store = current().store
    files, storage, run, model, path = _files_of(version)
    label = f"{version.name}/{version.version}"
    if "MLmodel" not in files:
        summary.notes.append(f"{label}: its files ({version.source}) are not in the store "
                             "read, so the version was not imported.")
        return None
    mlmodel = parse_mlmodel(store.artifacts.get_bytes(files["MLmodel"][0]))
    flavor, meta = _our_flavor(mlmodel, files, run, path, version, summary, trust, label)
    if meta is not None:
        meta_digest, _ = store.artifacts.put_bytes(
            json.dumps(meta, sort_keys=True, default=str).encode())
        model_digest = meta["model_digest"]
    else:  # MLflow's files as they are, as the tracking server registers them
        manifest = json.dumps({p: e[0] for p, e in sorted(files.items())}, sort_keys=True)
        model_digest, _ = store.artifacts.put_bytes(manifest.encode())
        meta_digest = files["MLmodel"][0]
    record = store.runs.get(run) if run else None
    tags = {**version.tags, SOURCE: version.source, STORAGE: storage, IMPORTED: key}
    if model:
        tags[MODEL_TAG] = model
    created = store.registry.create_version(
        version.name, flavor=flavor, model_digest=model_digest, meta_digest=meta_digest,
        artifact_path=(storage or version.source)[:1024], run_id=run,
        user=version.user or USER, now=version.created_at,
        signature=meta.get("signature") if meta else None,
        metrics=record.metrics if record else None, params=record.params if record else None,
        description=version.description, tags=tags,
        reason=f"imported from MLflow ({summary.source})")
    summary.versions += 1
    return created.version


def _our_flavor(mlmodel: dict[str, Any], files: dict[str, tuple[str, int]], run: str | None,
                path: str, version: MlflowVersion, summary: ImportSummary, trust: Trusting,
                label: str) -> tuple[str, dict[str, Any] | None]:
    sklearn = (mlmodel.get("flavors") or {}).get("sklearn")
    if not isinstance(sklearn, dict) or sklearn.get("pickled_model") not in files:
        return "mlflow", None
    store = current().store
    model_file = str(sklearn["pickled_model"])
    digest, size = files[model_file]
    fmt = sklearn.get("serialization_format", "cloudpickle")
    record: dict[str, Any] = {}
    flavor = "python"
    if fmt == "skops":
        flavor = "sklearn"
        types = _untrusted(store.artifacts.get_bytes(digest))
        summary.untrusted_types[label] = types
        if decide(trust, label, types):
            record = {RECORD_KEY: types}
            summary.trusted.add(label)
    meta: dict[str, Any] = {
        "format": FORMAT, "flavor": flavor, "model_file": model_file, "model_digest": digest,
        "model_size": size, "signature": signature_from_mlflow(mlmodel.get("signature")),
        "input_example": _example(mlmodel, files), "run_id": run,
        "artifact_path": path or None, "created_at": version.created_at, "record": record,
        "libraries": {"scikit-learn": sklearn.get("sklearn_version"),
                      "mlflow": mlmodel.get("mlflow_version")},
        "mlflow": {"source": version.source, "serialization_format": fmt},
    }
    return flavor, meta


def _untrusted(data: bytes) -> list[str]:
    try:
        import skops.io as sio
    except ImportError:
        return []
    return sorted(sio.get_untrusted_types(data=data))


def _example(mlmodel: dict[str, Any], files: dict[str, tuple[str, int]]) -> dict[str, Any] | None:
    info = mlmodel.get("saved_input_example_info") or {}
    name = info.get("artifact_path")
    if not name or name not in files:
        return None
    try:
        body = json.loads(current().store.artifacts.get_bytes(files[name][0]))
    except ValueError:
        return None
    if isinstance(body, dict) and "columns" in body and "data" in body:
        return {"columns": body["columns"], "data": body["data"]}
    if isinstance(body, dict) and "inputs" in body:
        return {"data": body["inputs"]}
    return None

