"""MLflow 3's logged models: a model logged by (or outside) a run, with its own files and tags.

A row of ``logged_models`` holds what MLflow's ``LoggedModel`` entity holds; its params, tags,
metrics and the digests of its files live in the JSON ``details`` column, so a new field of
MLflow's entity needs no migration. Returned as plain dicts: only the MLflow bridge uses them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Engine, select, update

from ..errors import NotFound
from . import schema
from .engine import write

_L = schema.logged_models


def _row(row: Any) -> dict[str, Any]:
    details = json.loads(row.details)
    return {
        "id": row.id, "experiment_id": row.experiment_id, "run_id": row.run_id,
        "name": row.name, "model_type": row.model_type, "status": row.status,
        "artifact_location": row.artifact_location, "created_at": row.created_at,
        "updated_at": row.updated_at, "params": details.get("params", {}),
        "tags": details.get("tags", {}), "files": details.get("files", {}),
        "status_message": details.get("status_message"),
    }


class LoggedModels:
    """Reads and writes of ``logged_models``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self, model_id: str, experiment_id: int, name: str, *, run_id: str | None,
               model_type: str | None, status: str, artifact_location: str, now: float,
               params: Mapping[str, str], tags: Mapping[str, str]) -> dict[str, Any]:
        details = {"params": dict(params), "tags": dict(tags), "files": {}}
        with write(self.engine) as connection:
            connection.execute(_L.insert().values(
                id=model_id, experiment_id=experiment_id, run_id=run_id, name=name,
                model_type=model_type, status=status, artifact_location=artifact_location,
                created_at=now, updated_at=now, details=json.dumps(details)))
        return self.get(model_id)

    def get(self, model_id: str) -> dict[str, Any]:
        with self.engine.connect() as connection:
            row = connection.execute(select(_L).where(_L.c.id == model_id)).first()
        if row is None:
            raise NotFound(f"No logged model {model_id!r}.")
        return _row(row)

    def search(self, experiment_ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
        """Every logged model of the experiments (all when None), newest first."""
        query = select(_L).order_by(_L.c.created_at.desc(), _L.c.id)
        if experiment_ids is not None:
            query = query.where(_L.c.experiment_id.in_(list(experiment_ids)))
        with self.engine.connect() as connection:
            return [_row(row) for row in connection.execute(query)]

    def update(self, model_id: str, now: float, *, status: str | None = None,
               status_message: str | None = None, tags: Mapping[str, str] | None = None,
               delete_tag: str | None = None, params: Mapping[str, str] | None = None,
               files: Mapping[str, tuple[str, int]] | None = None) -> dict[str, Any]:
        """Change a model's status, tags, params or files, read and written in one transaction."""
        with write(self.engine) as connection:
            row = connection.execute(select(_L).where(_L.c.id == model_id)).first()
            if row is None:
                raise NotFound(f"No logged model {model_id!r}.")
            details = json.loads(row.details)
            details.setdefault("tags", {}).update(tags or {})
            details.setdefault("params", {}).update(params or {})
            details.setdefault("files", {}).update(
                {path: list(entry) for path, entry in (files or {}).items()})
            if delete_tag is not None:
                if delete_tag not in details["tags"]:
                    raise NotFound(f"Logged model {model_id} has no tag {delete_tag!r}.")
                del details["tags"][delete_tag]
            if status_message is not None:
                details["status_message"] = status_message
            values: dict[str, Any] = {"details": json.dumps(details), "updated_at": now}
            if status is not None:
                values["status"] = status
            connection.execute(update(_L).where(_L.c.id == model_id).values(**values))
        return self.get(model_id)
