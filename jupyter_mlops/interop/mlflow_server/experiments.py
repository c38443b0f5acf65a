"""MLflow's experiment calls (create, get, get-by-name, search with its filter and order)
over our experiments, whose MLflow ids are stable numbers (``ids.experiment_key``)."""

from __future__ import annotations

import time
from typing import Any

from ...errors import NotFound
from ...records import Experiment
from . import ids
from .protocol import (
    MAX_EXPERIMENT_NAME,
    MAX_RESULTS_OTHER,
    MlflowError,
    Request,
    Response,
    invalid,
    max_results,
    missing,
    ms,
    page_offset,
    page_token,
    text,
)


def experiment_json(experiment: Experiment) -> dict[str, Any]:
    key = ids.experiment_key(experiment.name)
    return {
        "experiment_id": key, "name": experiment.name,
        "artifact_location": f"mlflow-artifacts:/{key}", "lifecycle_stage": "active",
        "creation_time": ms(experiment.created_at),
        "last_update_time": ms(experiment.created_at), "tags": [],
    }


def _experiment(number: int) -> Experiment:
    for experiment in ids.store().runs.experiments():
        if experiment.id == number:
            return experiment
    raise missing(f"No experiment with id={number}.")  # pragma: no cover - deleted meanwhile


def create_experiment(request: Request) -> Response:
    body = request.json()
    name = text(body, "name", limit=MAX_EXPERIMENT_NAME)
    assert name is not None
    if not name.strip():
        raise invalid("Experiment name must be a non-empty string.")
    runs = ids.store().runs
    try:
        runs.experiment_id(name, time.time(), create=False)
    except NotFound:
        runs.experiment_id(name, time.time())
        return Response(payload={"experiment_id": ids.experiment_key(name)})
    raise MlflowError("RESOURCE_ALREADY_EXISTS",
                      f"Experiment '{name}' already exists.")


def get_experiment(request: Request) -> Response:
    number = ids.experiment_number(request.json().get("experiment_id"))
    return Response(payload={"experiment": experiment_json(_experiment(number))})


def get_experiment_by_name(request: Request) -> Response:
    name = text(request.json(), "experiment_name", limit=MAX_EXPERIMENT_NAME)
    if name == ids.default_experiment():
        ids.experiment_number(ids.DEFAULT_ID)
    for experiment in ids.store().runs.experiments():
        if experiment.name == name:
            return Response(payload={"experiment": experiment_json(experiment)})
    raise missing(f"Could not find experiment with name '{name}'")


def search_experiments(request: Request) -> Response:
    body = request.json()
    limit = max_results(body, MAX_RESULTS_OTHER, 50_000)
    offset = page_offset(body)
    view = str(body.get("view_type") or "ACTIVE_ONLY")
    if view not in ("ACTIVE_ONLY", "DELETED_ONLY", "ALL"):
        raise invalid(f"Invalid view_type {view!r}: use ACTIVE_ONLY, DELETED_ONLY or ALL.")
    ids.experiment_number(ids.DEFAULT_ID)  # MLflow stores always hold the default
    found = [] if view == "DELETED_ONLY" else ids.store().runs.experiments()
    found = _filter_experiments(found, body.get("filter"))
    found = _order_experiments(found, request.many("order_by"))
    page = found[offset:offset + limit]
    payload: dict[str, Any] = {"experiments": [experiment_json(e) for e in page]}
    if offset + limit < len(found):
        payload["next_page_token"] = page_token(offset + limit)
    return Response(payload=payload)


def _filter_experiments(found: list[Experiment], text_filter: Any) -> list[Experiment]:
    import fnmatch

    if not text_filter:
        return found
    if not isinstance(text_filter, str):
        raise invalid("filter must be a string.")
    from .search import _tokens

    tokens = _tokens(text_filter)
    result = found
    index = 0
    while index < len(tokens):
        if index + 3 > len(tokens):
            raise invalid(f"Invalid experiment filter {text_filter!r}.")
        head, op, value = tokens[index:index + 3]
        key = head.text.split(".", 1)[-1]
        if key != "name" or value.kind != "string":
            raise invalid(f"Invalid experiment filter {text_filter!r}: this server filters "
                          "experiments by name (=, !=, LIKE, ILIKE).")
        wanted = value.text[1:-1]
        sign = op.text.lower()

        def keep(e: Experiment, sign: str = sign, wanted: str = wanted) -> bool:
            pattern = wanted.replace("%", "*").replace("_", "?")
            if sign == "=":
                return e.name == wanted
            if sign == "!=":
                return e.name != wanted
            if sign == "like":
                return fnmatch.fnmatchcase(e.name, pattern)
            if sign == "ilike":
                return fnmatch.fnmatchcase(e.name.lower(), pattern.lower())
            raise invalid(f"Invalid comparator {sign!r} in experiment filter.")

        result = [e for e in result if keep(e)]
        index += 3
        if index < len(tokens):
            if tokens[index].text.lower() != "and":
                raise invalid(f"Invalid experiment filter {text_filter!r}: join with AND.")
            index += 1
    return result


def _order_experiments(found: list[Experiment], order_by: list[Any]) -> list[Experiment]:
    result = sorted(found, key=lambda e: (-e.created_at, e.id))
    for clause in reversed(order_by):
        parts = str(clause).split()
        field = parts[0].split(".", 1)[-1] if parts else ""
        descending = len(parts) > 1 and parts[1].lower() == "desc"
        keys = {"name": lambda e: e.name, "experiment_id": lambda e: e.id,
                "creation_time": lambda e: e.created_at,
                "last_update_time": lambda e: e.created_at}
        if field not in keys or len(parts) > 2:
            raise invalid(f"Invalid order_by clause {clause!r} for experiments.")
        result.sort(key=keys[field], reverse=descending)
    return result


