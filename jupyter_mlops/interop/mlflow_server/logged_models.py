"""MLflow 3's logged-models API: create, get, finalize, tags, params and search.

``mlflow.<flavor>.log_model`` creates a logged model here, uploads its files to the model's
own artifact root, finalizes it READY and links it to its run (``runs/outputs``);
``register_model("runs:/<run>/model")`` then finds it by name and source run.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from ...tracking.ids import friendly_name
from . import ids
from .protocol import (
    MAX_PARAM_VALUE,
    MAX_RESULTS_OTHER,
    MAX_TAG_VALUE,
    Request,
    Response,
    check_key,
    invalid,
    key_value_list,
    max_results,
    ms,
    page_offset,
    page_token,
    text,
)
from .search import _tokens

_STATUSES = {"LOGGED_MODEL_PENDING", "LOGGED_MODEL_READY", "LOGGED_MODEL_UPLOAD_FAILED"}
_FILTER_FIELDS = {"name", "source_run_id", "status", "model_type", "model_id"}


def model_json(model: dict[str, Any]) -> dict[str, Any]:
    experiment = _experiment_key(model["experiment_id"])
    info = {
        "model_id": model["id"], "experiment_id": experiment, "name": model["name"],
        "artifact_uri": model["artifact_location"],
        "creation_timestamp_ms": ms(model["created_at"]),
        "last_updated_timestamp_ms": ms(model["updated_at"]), "status": model["status"],
        "tags": [{"key": k, "value": v} for k, v in sorted(model["tags"].items())],
    }
    for key, value in (("model_type", model["model_type"]),
                       ("source_run_id", model["run_id"]),
                       ("status_message", model["status_message"])):
        if value:
            info[key] = value
    return {"info": info, "data": {
        "params": [{"key": k, "value": v} for k, v in sorted(model["params"].items())],
        "metrics": []}}


def _experiment_key(number: int) -> str:
    for experiment in ids.store().runs.experiments():
        if experiment.id == number:
            return ids.experiment_key(experiment.name)
    return str(number)


def _pairs(body: dict[str, Any], name: str, limit: int) -> dict[str, str]:
    out = {}
    for key, value in key_value_list(body, name):
        check_key(key, name.rstrip("s"))
        if len(value) > limit:
            raise invalid(f"Value of {name[:-1]} '{key}' is {len(value)} characters long; the "
                          f"limit is {limit}.")
        out[key] = value
    return out


def create(request: Request) -> Response:
    body = request.json()
    number = ids.experiment_number(body.get("experiment_id") or ids.DEFAULT_ID)
    run = body.get("source_run_id")
    run = ids.run_id(run) if run else None
    model = "m-" + uuid.uuid4().hex
    experiment = _experiment_key(number)
    created = ids.store().logged_models.create(
        model, number, text(body, "name", required=False, limit=255) or friendly_name(),
        run_id=run, model_type=text(body, "model_type", required=False, limit=255),
        status="LOGGED_MODEL_PENDING",
        artifact_location=ids.model_artifact_uri(experiment, model), now=time.time(),
        params=_pairs(body, "params", MAX_PARAM_VALUE),
        tags=_pairs(body, "tags", MAX_TAG_VALUE))
    if run is not None:
        ids.store().runs.heartbeat([run], time.time())
    return Response(payload={"model": model_json(created)})


def get(request: Request) -> Response:
    model = ids.model_id(request.match["model_id"])
    return Response(payload={"model": model_json(ids.store().logged_models.get(model))})


def finalize(request: Request) -> Response:
    model = ids.model_id(request.match["model_id"])
    status = request.json().get("status")
    if status not in _STATUSES:
        raise invalid(f"Invalid status {status!r} of a logged model: use one of "
                      f"{sorted(_STATUSES)}.")
    updated = ids.store().logged_models.update(model, time.time(), status=status)
    return Response(payload={"model": model_json(updated)})


def set_tags(request: Request) -> Response:
    model = ids.model_id(request.match["model_id"])
    ids.store().logged_models.update(model, time.time(),
                                     tags=_pairs(request.json(), "tags", MAX_TAG_VALUE))
    return Response(payload={})


def delete_tag(request: Request) -> Response:
    model = ids.model_id(request.match["model_id"])
    key = check_key(request.match["key"], "tag")
    ids.store().logged_models.update(model, time.time(), delete_tag=key)
    return Response(payload={})


def log_params(request: Request) -> Response:
    model = ids.model_id(request.match["model_id"])
    ids.store().logged_models.update(model, time.time(),
                                     params=_pairs(request.json(), "params", MAX_PARAM_VALUE))
    return Response(payload={})


def _conditions(filter_text: Any) -> list[tuple[str, str, str]]:
    if not filter_text:
        return []
    if not isinstance(filter_text, str):
        raise invalid("filter must be a string.")
    tokens = _tokens(filter_text)
    out, index = [], 0
    while index < len(tokens):
        if index + 3 > len(tokens):
            raise invalid(f"Invalid logged model filter {filter_text!r}.")
        head, op, value = tokens[index:index + 3]
        field = head.text.split(".", 1)[-1] if head.text.startswith("attributes.") \
            else head.text
        if field not in _FILTER_FIELDS or op.text not in ("=", "!=") or \
                value.kind != "string":
            raise invalid(f"Invalid logged model filter {filter_text!r}: this server filters "
                          f"by {', '.join(sorted(_FILTER_FIELDS))} with = and !=.")
        out.append((field, op.text, value.text[1:-1]))
        index += 3
        if index < len(tokens):
            if tokens[index].text.lower() != "and":
                raise invalid(f"Invalid logged model filter {filter_text!r}: join with AND.")
            index += 1
    return out


def search(request: Request) -> Response:
    body = request.json()
    numbers = [ids.experiment_number(e) for e in request.many("experiment_ids")] or None
    conditions = _conditions(body.get("filter"))
    limit = max_results(body, MAX_RESULTS_OTHER, MAX_RESULTS_OTHER)
    offset = page_offset(body)
    columns = {"name": "name", "source_run_id": "run_id", "status": "status",
               "model_type": "model_type", "model_id": "id"}
    found = [
        m for m in ids.store().logged_models.search(numbers)
        if all((str(m[columns[f]] or "") == v) == (op == "=") for f, op, v in conditions)
    ]
    page = found[offset:offset + limit]
    payload: dict[str, Any] = {"models": [model_json(m) for m in page]}
    if offset + limit < len(found):
        payload["next_page_token"] = page_token(offset + limit)
    return Response(payload=payload)
