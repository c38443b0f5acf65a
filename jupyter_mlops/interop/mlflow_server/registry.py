"""MLflow's model registry calls over our registry: models, versions, aliases, download URIs.

A version registered by an MLflow client points at MLflow-format files (an ``MLmodel`` and
its flavors' files), a logged model's or a run's. It is recorded in our registry with the
flavor ``mlflow``: ``meta_digest`` is the ``MLmodel`` file, ``model_digest`` a manifest of
every file (path -> digest, itself content addressed), and the MLflow source and storage
location ride in tags under ``mlops.mlflow.`` that MLflow clients never see. Alias moves go
through ``models.registry`` and are audited like any other.
"""

from __future__ import annotations

import fnmatch
import json
import time
from typing import Any

from sqlalchemy import insert

from ...errors import NotFound
from ...models import registry as models
from ...models.events import RegistryEvent, announce
from ...models.reference import check_alias, check_model_name
from ...records import ModelVersion, RegisteredModel
from ...store import schema
from ...store.engine import write
from . import ids
from .protocol import (
    MAX_RESULTS_OTHER,
    MlflowError,
    Request,
    Response,
    integer,
    invalid,
    key_value_list,
    max_results,
    missing,
    ms,
    page_offset,
    page_token,
    text,
)
from .search import _tokens

INTERNAL = "mlops.mlflow."
SOURCE, STORAGE, MODEL_ID = (INTERNAL + "source", INTERNAL + "storage",
                             INTERNAL + "model_id")
MAX_REGISTRY_TAG = 100_000


def _name(body: dict[str, Any], field: str = "name") -> str:
    name = text(body, field, limit=255)
    try:
        return check_model_name(name)
    except Exception as exc:
        raise invalid(str(exc)) from None


def _version(body: dict[str, Any]) -> int:
    number = integer(body, "version", None, 1, 10**9)
    if number is None:
        raise invalid("Missing value for required parameter 'version'.")
    return number


def _tags(body: dict[str, Any]) -> dict[str, str]:
    tags = dict(key_value_list(body, "tags"))
    for key, value in tags.items():
        if not key or len(key) > 250 or len(value) > MAX_REGISTRY_TAG:
            raise invalid(f"Invalid registry tag {key[:40]!r}: keys 1-250 characters, values "
                          f"at most {MAX_REGISTRY_TAG}.")
        if key.startswith(INTERNAL):
            raise invalid(f"Tag keys starting with {INTERNAL!r} are reserved.")
    return tags


def version_json(version: ModelVersion) -> dict[str, Any]:
    source = version.tags.get(SOURCE) or (
        f"runs:/{version.run_id}/{version.artifact_path}" if version.run_id
        else version.artifact_path)
    out: dict[str, Any] = {
        "name": version.name, "version": str(version.version),
        "creation_timestamp": ms(version.created_at),
        "last_updated_timestamp": ms(version.created_at), "user_id": version.created_by,
        "current_stage": "None", "description": version.description or "",
        "source": source, "status": "READY", "run_link": "",
        "tags": [{"key": k, "value": v} for k, v in sorted(version.tags.items())
                 if not k.startswith(INTERNAL)],
        "aliases": list(version.aliases),
    }
    if version.run_id:
        out["run_id"] = version.run_id
    if version.tags.get(MODEL_ID):
        out["model_id"] = version.tags[MODEL_ID]
    return out


def model_json(model: RegisteredModel) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": model.name, "creation_timestamp": ms(model.created_at),
        "last_updated_timestamp": ms(model.updated_at), "user_id": model.created_by,
        "description": model.description or "",
        "tags": [{"key": k, "value": v} for k, v in sorted(model.tags.items())],
        "aliases": [{"alias": a, "version": str(v)} for a, v in sorted(model.aliases.items())],
    }
    if model.latest_version is not None:
        out["latest_versions"] = [version_json(
            ids.store().registry.version(model.name, model.latest_version))]
    return out


def create_model(request: Request) -> Response:
    body = request.json()
    name = _name(body)
    tags = _tags(body)
    description = text(body, "description", required=False, limit=100_000)
    registry = ids.store().registry
    try:
        registry.model(name)
    except NotFound:
        now = time.time()
        # An empty registered model (MLflow makes one before its first version); our
        # registry's own API creates a model with its first version, so it is inserted here.
        with write(registry.engine) as connection:
            connection.execute(insert(schema.registered_models).values(
                name=name, description=description, tags=json.dumps(tags, sort_keys=True),
                created_at=now, updated_at=now, created_by=models.current_user()))
        return Response(payload={"registered_model": model_json(registry.model(name))})
    raise MlflowError("RESOURCE_ALREADY_EXISTS",
                      f"Registered Model (name={name}) already exists.")


def _model(name: str) -> RegisteredModel:
    try:
        return ids.store().registry.model(name)
    except NotFound:
        raise missing(f"Registered Model with name={name} not found") from None


def get_model(request: Request) -> Response:
    return Response(payload={"registered_model": model_json(_model(_name(request.json())))})


def _name_conditions(filter_text: Any, fields: set[str]) -> list[tuple[str, str, str]]:
    if not filter_text:
        return []
    if not isinstance(filter_text, str):
        raise invalid("filter must be a string.")
    tokens = _tokens(filter_text)
    out, index = [], 0
    while index < len(tokens):
        if index + 3 > len(tokens):
            raise invalid(f"Invalid filter {filter_text!r}.")
        head, op, value = tokens[index:index + 3]
        if head.text not in fields or value.kind not in ("string", "number") or \
                op.text.lower() not in ("=", "!=", "like", "ilike"):
            raise invalid(f"Invalid filter {filter_text!r}: this server filters by "
                          f"{', '.join(sorted(fields))} with =, !=, LIKE and ILIKE.")
        raw = value.text[1:-1] if value.kind == "string" else value.text
        out.append((head.text, op.text.lower(), raw))
        index += 3
        if index < len(tokens):
            if tokens[index].text.lower() != "and":
                raise invalid(f"Invalid filter {filter_text!r}: join with AND.")
            index += 1
    return out


def _holds(value: str, op: str, wanted: str) -> bool:
    pattern = wanted.replace("%", "*").replace("_", "?")
    return {"=": value == wanted, "!=": value != wanted,
            "like": fnmatch.fnmatchcase(value, pattern),
            "ilike": fnmatch.fnmatchcase(value.lower(), pattern.lower())}[op]


def _page(items: list[Any], body: dict[str, Any], key: str, render: Any) -> Response:
    limit = max_results(body, 100, MAX_RESULTS_OTHER)
    offset = page_offset(body)
    payload: dict[str, Any] = {key: [render(x) for x in items[offset:offset + limit]]}
    if offset + limit < len(items):
        payload["next_page_token"] = page_token(offset + limit)
    return Response(payload=payload)


def search_models(request: Request) -> Response:
    body = request.json()
    conditions = _name_conditions(body.get("filter"), {"name"})
    found = [m for m in ids.store().registry.models()
             if all(_holds(m.name, op, v) for _, op, v in conditions)]
    return _page(found, body, "registered_models", model_json)


def _files_of(source: str, run_id: str | None, model_id: str | None
              ) -> tuple[dict[str, tuple[str, int]], str, str | None, str | None]:
    """(files, storage location, run id, model id) of an MLflow model source."""
    store = ids.store()
    if source.startswith("models:/m-") or model_id:
        model = ids.model_id(model_id or source[len("models:/"):].split("/")[0])
        logged = store.logged_models.get(model)
        files = {p: (e[0], int(e[1])) for p, e in logged["files"].items()}
        return files, logged["artifact_location"], run_id or logged["run_id"], model
    prefix = "mlflow-artifacts:/"
    if source.startswith("runs:/"):
        run, _, path = source[len("runs:/"):].partition("/")
    elif source.startswith(prefix) and "/artifacts/" in source:
        head, _, path = source[len(prefix):].partition("/artifacts/")
        run = head.rsplit("/", 1)[-1]
    else:
        raise invalid(f"Unsupported model source {source[:120]!r}: register a logged model "
                      "(models:/<model id>) or a run's model (runs:/<run id>/<path>).")
    run = ids.run_id(run)
    path = path.strip("/")
    record = store.runs.get(run)
    files = {a.path[len(path) + 1:]: (a.digest, a.size) for a in record.artifacts
             if a.path.startswith(path + "/")}
    experiment = ids.experiment_key(record.experiment)
    return files, f"{ids.run_artifact_uri(experiment, run)}/{path}", run, None


def create_version(request: Request) -> Response:
    body = request.json()
    name = _name(body)
    source = text(body, "source", limit=2048) or ""
    run = body.get("run_id")
    run = ids.run_id(run) if run else None
    model = body.get("model_id") or None
    files, storage, run, model = _files_of(source, run, model)
    if "MLmodel" not in files:
        raise invalid(f"No MLmodel file at {source!r}: log the model completely first.")
    store = ids.store()
    manifest = json.dumps({p: e[0] for p, e in sorted(files.items())}, sort_keys=True)
    manifest_digest, _ = store.artifacts.put_bytes(manifest.encode())
    record = store.runs.get(run) if run else None
    _model(name)  # MLflow creates the registered model first; so must its clients
    tags = {**_tags(body), SOURCE: source, STORAGE: storage}
    if model:
        tags[MODEL_ID] = model
    version = store.registry.create_version(
        name, flavor="mlflow", model_digest=manifest_digest, meta_digest=files["MLmodel"][0],
        artifact_path=storage[:1024], run_id=run, user=models.current_user(), now=time.time(),
        metrics=record.metrics if record else None, params=record.params if record else None,
        environment_digest=record.environment_digest if record else None,
        description=text(body, "description", required=False, limit=100_000), tags=tags)
    announce(RegistryEvent("register", name, version.version))
    return Response(payload={"model_version": version_json(version)})


def _get_version(name: str, number: int) -> ModelVersion:
    try:
        return ids.store().registry.version(name, number)
    except NotFound:
        raise missing(f"Model Version (name={name}, version={number}) not found") from None


def get_version(request: Request) -> Response:
    body = request.json()
    return Response(payload={"model_version": version_json(
        _get_version(_name(body), _version(body)))})


def search_versions(request: Request) -> Response:
    body = request.json()
    conditions = _name_conditions(body.get("filter"), {"name", "run_id", "source_path",
                                                       "version"})
    names = [v for f, op, v in conditions if f == "name" and op == "="]
    registry = ids.store().registry
    candidates = names or [m.name for m in registry.models()]
    found = []
    for model in candidates:
        try:
            versions = registry.versions(model)
        except NotFound:
            continue
        for version in versions:
            fields = {"name": version.name, "run_id": version.run_id or "",
                      "version": str(version.version),
                      "source_path": version.tags.get(SOURCE, "")}
            if all(_holds(fields[f], op, v) for f, op, v in conditions):
                found.append(version)
    found.sort(key=lambda v: (v.name, -v.version))
    return _page(found, body, "model_versions", version_json)


def download_uri(request: Request) -> Response:
    body = request.json()
    version = _get_version(_name(body), _version(body))
    uri = version.tags.get(STORAGE)
    if uri is None:
        raise invalid(f"Version {version.version} of {version.name!r} was registered by "
                      "jupyter-mlops, not in MLflow's format: load it with "
                      f"mlops.load_model('{version.name}/{version.version}').")
    return Response(payload={"artifact_uri": uri})


def set_alias(request: Request) -> Response:
    body = request.json()
    name = _name(body)
    alias = _alias(body)
    models.set_alias(name, alias, _version(body), reason="set by an MLflow client")
    return Response(payload={})


def _alias(body: dict[str, Any]) -> str:
    alias = text(body, "alias", limit=255) or ""
    try:
        return check_alias(alias)
    except Exception as exc:
        raise invalid(str(exc)) from None


def get_by_alias(request: Request) -> Response:
    body = request.json()
    name, alias = _name(body), _alias(body)
    number = ids.store().registry.alias_version(name, alias)
    if number is None:
        _model(name)
        raise missing(f"Registered model alias {alias} not found.")
    return Response(payload={"model_version": version_json(_get_version(name, number))})


def delete_alias(request: Request) -> Response:
    body = request.json()
    models.delete_alias(_name(body), _alias(body), reason="deleted by an MLflow client")
    return Response(payload={})
