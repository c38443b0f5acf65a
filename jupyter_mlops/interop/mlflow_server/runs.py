"""MLflow's experiment, run and metric calls over our run store.

MLflow's reserved tags become our fields: ``mlflow.runName`` the run's name,
``mlflow.parentRunId`` its parent, ``mlflow.source.name``/``.type`` its source; on the way
out they are made again from those fields, so a client sees what it logged. A run created
here has no process of ours behind it, so every write beats its heart: a client silent for
longer than ``dead_after`` seconds finds its run KILLED, as if its process had died (ending it
still sets the status it sends).
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import update

from ...errors import NotFound
from ...records import Run, RunStatus, Source
from ...store import schema
from ...store.engine import write
from ...tracking.ids import friendly_name, new_run_id
from ...tracking.queries import reap
from . import ids
from .protocol import (
    MAX_BATCH_BYTES,
    MAX_BATCH_ITEMS,
    MAX_BATCH_METRICS,
    MAX_BATCH_PARAMS,
    MAX_BATCH_TAGS,
    MAX_PARAM_VALUE,
    MAX_RESULTS_RUNS,
    MAX_TAG_VALUE,
    Request,
    Response,
    check_key,
    integer,
    invalid,
    key_value_list,
    max_results,
    missing,
    ms,
    number,
    page_offset,
    page_token,
    text,
)
from .search import translate_filter, translate_order_by

RUN_NAME, PARENT, SOURCE_NAME, SOURCE_TYPE = (
    "mlflow.runName", "mlflow.parentRunId", "mlflow.source.name", "mlflow.source.type")
_TO_OURS = {"LOCAL": "script", "NOTEBOOK": "notebook"}
_TO_MLFLOW = {ours: theirs for theirs, ours in _TO_OURS.items()}
DATASET, MODEL = "mlflow.dataset", "mlflow.model"
_ENDED = {"FINISHED", "FAILED", "KILLED"}
_STATUSES = _ENDED | {"RUNNING", "SCHEDULED"}


# -- one run ------------------------------------------------------------------------------------


def mlflow_tags(run: Run) -> dict[str, str]:
    """A run's tags as MLflow shows them: ours plus the reserved ones made from our fields."""
    tags = dict(run.tags)
    tags[RUN_NAME] = run.name
    if run.parent_id:
        tags[PARENT] = run.parent_id
    if run.source is not None:
        if run.source.path:
            tags[SOURCE_NAME] = run.source.path
        tags[SOURCE_TYPE] = _TO_MLFLOW.get(run.source.type, run.source.type.upper())
    return tags


def run_json(run: Run) -> dict[str, Any]:
    """A run as MLflow's ``Run`` message: info, data (with reserved tags), inputs, outputs."""
    experiment = ids.experiment_key(run.experiment)
    tags = mlflow_tags(run)
    when = ms(run.end_time or run.start_time)
    datasets, models_in, models_out = [], [], []
    for link in run.lineage:
        if link.direction == "input" and link.kind == DATASET:
            name, _, rest = link.ref.partition("@")
            digest, _, context = rest.partition("#")
            datasets.append({"tags": [{"key": "mlflow.data.context", "value": context}]
                             if context else [],
                             "dataset": {"name": name, "digest": digest,
                                         "source_type": "", "source": ""}})
        elif link.direction == "input" and link.kind == MODEL:
            models_in.append({"model_id": link.ref})
        elif link.direction == "output" and link.kind == MODEL:
            model, _, step = link.ref.partition(":")
            models_out.append({"model_id": model, "step": int(step or 0)})
    return {
        "info": {
            "run_id": run.id, "run_uuid": run.id, "run_name": run.name,
            "experiment_id": experiment, "user_id": run.tags.get("mlflow.user", ""),
            "status": run.status.value, "start_time": ms(run.start_time),
            "end_time": ms(run.end_time),
            "artifact_uri": ids.run_artifact_uri(experiment, run.id),
            "lifecycle_stage": "deleted" if run.deleted else "active",
        },
        "data": {
            "metrics": [{"key": k, "value": v, "timestamp": when, "step": 0}
                        for k, v in sorted(run.metrics.items())],
            "params": [{"key": k, "value": v} for k, v in sorted(run.params.items())],
            "tags": [{"key": k, "value": v} for k, v in sorted(tags.items())],
        },
        "inputs": {"dataset_inputs": datasets, "model_inputs": models_in},
        "outputs": {"model_outputs": models_out},
    }


def _get(run_id: str) -> Run:
    return ids.store().runs.get(run_id)


def _live(body: dict[str, Any]) -> str:
    """The run a write names; it must exist and not be deleted. Beats its heart."""
    run = ids.live_run(body.get("run_id") or body.get("run_uuid"))
    ids.store().runs.heartbeat([run], time.time())
    return run


def _update_row(run_id: str, **values: Any) -> None:
    # A rename or a new parent: fields our own API fixes at the start, which MLflow's
    # reserved tags may change later.
    with write(ids.store().engine) as connection:
        connection.execute(update(schema.runs).where(schema.runs.c.id == run_id)
                           .values(**values))


def _split_tags(tags: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    reserved = {k: v for k, v in tags.items() if k in (RUN_NAME, PARENT, SOURCE_NAME,
                                                       SOURCE_TYPE)}
    return {k: v for k, v in tags.items() if k not in reserved}, reserved


def _checked_tags(pairs: list[tuple[str, str]]) -> dict[str, str]:
    out = {}
    for key, value in pairs:
        check_key(key, "tag")
        if len(value) > MAX_TAG_VALUE:
            raise invalid(f"Tag value for key '{key}' is {len(value)} characters long; the "
                          f"limit is {MAX_TAG_VALUE}.")
        out[key] = value
    return out


def _apply_reserved(run_id: str, reserved: dict[str, str]) -> None:
    if not reserved:
        return
    store = ids.store()
    if RUN_NAME in reserved and reserved[RUN_NAME].strip():
        _update_row(run_id, name=reserved[RUN_NAME][:255])
    if PARENT in reserved:
        parent = ids.run_id(reserved[PARENT]) if reserved[PARENT] else None
        if parent == run_id:
            raise invalid("A run cannot be its own parent.")
        _update_row(run_id, parent_id=parent)
    if SOURCE_NAME in reserved or SOURCE_TYPE in reserved:
        current = _get(run_id).source
        kind = reserved.get(SOURCE_TYPE)
        store.runs.set_source(run_id, Source(
            _TO_OURS.get(kind, kind.lower()) if kind else (current.type if current else "mlflow"),
            reserved.get(SOURCE_NAME, current.path if current else None)))


def create_run(request: Request) -> Response:
    body = request.json()
    experiment = ids.experiment_name(body.get("experiment_id") or ids.DEFAULT_ID)
    tags = _checked_tags(key_value_list(body, "tags"))
    plain, reserved = _split_tags(tags)
    name = text(body, "run_name", required=False, limit=255) or reserved.get(RUN_NAME) or \
        friendly_name()
    if body.get("user_id") and "mlflow.user" not in plain:
        plain["mlflow.user"] = _checked_tags([("mlflow.user", str(body["user_id"]))])[
            "mlflow.user"]
    start = integer(body, "start_time", None, 0, 253_402_300_799_999)
    started = time.time() if start is None else start / 1000.0
    parent = ids.run_id(reserved[PARENT]) if reserved.get(PARENT) else None
    source = None
    if SOURCE_NAME in reserved or SOURCE_TYPE in reserved:
        kind = reserved.get(SOURCE_TYPE) or "UNKNOWN"
        source = Source(_TO_OURS.get(kind, kind.lower()), reserved.get(SOURCE_NAME))
    run_id = new_run_id()
    store = ids.store()
    store.runs.create(run_id, experiment, name, started, parent_id=parent, source=source,
                      tags=plain)
    # The heartbeat is now: a start_time in the past (an import) must not look dead at once.
    store.runs.heartbeat([run_id], time.time())
    return Response(payload={"run": run_json(_get(run_id))})


def get_run(request: Request) -> Response:
    body = request.json()
    run = ids.run_id(body.get("run_id") or body.get("run_uuid"))
    reap()
    return Response(payload={"run": run_json(_get(run))})


def update_run(request: Request) -> Response:
    body = request.json()
    run_id = _live(body)
    status = body.get("status")
    if status is not None and status not in _STATUSES:
        raise invalid(f"Invalid run status {status!r}: use one of {sorted(_STATUSES)}.")
    name = text(body, "run_name", required=False, limit=255)
    if name:
        _update_row(run_id, name=name)
    if status in _ENDED:
        end = integer(body, "end_time", None, 0, 253_402_300_799_999)
        ids.store().runs.finish(run_id, RunStatus(status),
                                time.time() if end is None else end / 1000.0)
    return Response(payload={"run_info": run_json(_get(run_id))["info"]})


def delete_run(request: Request) -> Response:
    run = ids.run_id(request.json().get("run_id"))
    ids.store().runs.set_deleted([run], time.time())
    return Response(payload={})


def restore_run(request: Request) -> Response:
    run = ids.run_id(request.json().get("run_id"))
    ids.store().runs.set_deleted([run], None)
    return Response(payload={})


# -- logging ------------------------------------------------------------------------------------


def _metric_row(run_id: str, item: Any) -> tuple[str, str, float, int, float]:
    if not isinstance(item, dict):
        raise invalid("Each metric must be an object with key, value, timestamp and step.")
    key = check_key(text(item, "key") or "", "metric")
    value = number(item.get("value"), f"Metric '{key}' value")
    stamp = integer(item, "timestamp", None, 0, 253_402_300_799_999)
    step = integer(item, "step", 0)
    assert step is not None
    return (run_id, key, value, step, time.time() if stamp is None else stamp / 1000.0)


def _params(pairs: list[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in pairs:
        check_key(key, "param")
        if len(value) > MAX_PARAM_VALUE:
            raise invalid(f"Param value '{value[:40]}...' had length {len(value)}, which "
                          f"exceeded length limit of {MAX_PARAM_VALUE}")
        if key in out and out[key] != value:
            raise invalid(f"Duplicate parameter keys have been submitted: [{key!r}].")
        out[key] = value
    return out


def log_batch(request: Request) -> Response:
    if len(request.body) > MAX_BATCH_BYTES:
        raise invalid(f"Batched logging API requests must be at most {MAX_BATCH_BYTES} bytes, "
                      f"got a request of {len(request.body)} bytes.")
    body = request.json()
    metrics, params_in, tags_in = (body.get(n) or [] for n in ("metrics", "params", "tags"))
    for what, items, limit in (("metrics", metrics, MAX_BATCH_METRICS),
                               ("params", params_in, MAX_BATCH_PARAMS),
                               ("tags", tags_in, MAX_BATCH_TAGS)):
        if not isinstance(items, list):
            raise invalid(f"'{what}' must be a list.")
        if len(items) > limit:
            raise invalid(f"A batch logging request can contain at most {limit} {what}. Got "
                          f"{len(items)} {what}. Please split up {what} across multiple "
                          "requests and try again.")
    total = len(metrics) + len(params_in) + len(tags_in)
    if total > MAX_BATCH_ITEMS:
        raise invalid(f"A batch logging request can contain at most {MAX_BATCH_ITEMS} total "
                      f"metrics, params and tags. Got {total}.")
    run_id = _live(body)
    rows = [_metric_row(run_id, m) for m in metrics]
    params = _params(key_value_list(body, "params"))
    plain, reserved = _split_tags(_checked_tags(key_value_list(body, "tags")))
    runs = ids.store().runs
    if params:
        runs.log_params(run_id, params)
    if plain:
        runs.set_tags(run_id, plain)
    _apply_reserved(run_id, reserved)
    runs.insert_metrics(rows)
    return Response(payload={})


def log_metric(request: Request) -> Response:
    body = request.json()
    run_id = _live(body)
    ids.store().runs.insert_metrics([_metric_row(run_id, body)])
    return Response(payload={})


def log_param(request: Request) -> Response:
    body = request.json()
    run_id = _live(body)
    key = text(body, "key") or ""
    value = body.get("value")
    params = _params([(key, "" if value is None else str(value))])
    ids.store().runs.log_params(run_id, params)
    return Response(payload={})


def set_tag(request: Request) -> Response:
    body = request.json()
    run_id = _live(body)
    key = text(body, "key") or ""
    value = body.get("value")
    plain, reserved = _split_tags(_checked_tags([(key, "" if value is None else str(value))]))
    if plain:
        ids.store().runs.set_tags(run_id, plain)
    _apply_reserved(run_id, reserved)
    return Response(payload={})


def delete_tag(request: Request) -> Response:
    body = request.json()
    run_id = _live(body)
    key = check_key(text(body, "key") or "", "tag")
    try:
        ids.store().runs.delete_tag(run_id, key)
    except NotFound:
        raise missing(f"No tag with name: {key} in run with id {run_id}") from None
    return Response(payload={})


def log_inputs(request: Request) -> Response:
    body = request.json()
    run_id = _live(body)
    runs = ids.store().runs
    now = time.time()
    for item in body.get("datasets") or []:
        dataset = item.get("dataset") if isinstance(item, dict) else None
        if not isinstance(dataset, dict):
            raise invalid("Each entry of 'datasets' needs a 'dataset' object.")
        name = text(dataset, "name", limit=500) or ""
        digest = text(dataset, "digest", limit=36) or ""
        context = dict(key_value_list(item, "tags")).get("mlflow.data.context", "")
        runs.add_lineage(run_id, "input", DATASET, f"{name}@{digest}#{context}"[:512], now)
    for item in body.get("models") or []:
        model = ids.model_id(item.get("model_id") if isinstance(item, dict) else None)
        runs.add_lineage(run_id, "input", MODEL, model, now)
    return Response(payload={})


def log_outputs(request: Request) -> Response:
    body = request.json()
    run_id = _live(body)
    for item in body.get("models") or []:
        if not isinstance(item, dict):
            raise invalid("Each entry of 'models' must be an object with model_id and step.")
        model = ids.model_id(item.get("model_id"))
        step = integer(item, "step", 0)
        ids.store().runs.add_lineage(run_id, "output", MODEL, f"{model}:{step}", time.time())
    return Response(payload={})


def metric_history(request: Request) -> Response:
    body = request.json()
    run_id = ids.run_id(body.get("run_id") or body.get("run_uuid"))
    key = text(body, "metric_key", limit=250) or ""
    history = ids.store().runs.metric_history(run_id, key)
    offset = page_offset(body)
    limit = integer(body, "max_results", None, 1, 10**9)
    page = history[offset:] if limit is None else history[offset:offset + limit]
    payload: dict[str, Any] = {"metrics": [
        {"key": m.key, "value": m.value, "timestamp": ms(m.timestamp), "step": m.step}
        for m in page]}
    if limit is not None and offset + limit < len(history):
        payload["next_page_token"] = page_token(offset + limit)
    return Response(payload=payload)


# -- search -------------------------------------------------------------------------------------


def search_runs(request: Request) -> Response:
    body = request.json()
    experiments = [ids.experiment_number(e) for e in request.many("experiment_ids")]
    if not experiments:
        raise invalid("search_runs needs at least one experiment id (experiment_ids).")
    view = str(body.get("run_view_type") or "ACTIVE_ONLY")
    if view not in ("ACTIVE_ONLY", "DELETED_ONLY", "ALL"):
        raise invalid(f"Invalid run_view_type {view!r}: use ACTIVE_ONLY, DELETED_ONLY or ALL.")
    limit = max_results(body, 1000, MAX_RESULTS_RUNS)
    offset = page_offset(body)
    query = translate_filter(body.get("filter"))
    order = translate_order_by(request.many("order_by"))
    store = ids.store()
    reap()
    views = {"ACTIVE_ONLY": [False], "DELETED_ONLY": [True], "ALL": [False, True]}[view]
    found: list[Run] = []
    skip, want = offset, limit + 1  # one more than asked says whether a next page exists
    for deleted in views:
        criteria = {"experiments": experiments, "filter": query, "order_by": order,
                    "deleted": deleted}
        if len(views) > 1 and not deleted:
            total = store.count(**criteria)
            if skip >= total:
                skip -= total
                continue
        page = store.search(**criteria, max_results=want, offset=skip)
        found.extend(page)
        want -= len(page)
        skip = 0
        if want <= 0:
            break
    payload: dict[str, Any] = {"runs": [run_json(r) for r in found[:limit]]}
    if len(found) > limit:
        payload["next_page_token"] = page_token(offset + limit)
    return Response(payload=payload)
