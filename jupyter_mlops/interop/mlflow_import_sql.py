"""Read MLflow's database (SQLite or PostgreSQL) with SQLAlchemy, tables reflected as they are.

MLflow's schema: ``experiments``, ``experiment_tags``, ``runs`` (``run_uuid``, times in ms,
``status`` by name, ``lifecycle_stage``, ``artifact_uri``), ``params``, ``tags``,
``metrics`` (``is_nan`` beside the value), ``logged_models`` with ``logged_model_params`` and
``logged_model_tags``, ``inputs`` (run outputs: ``source_type = 'RUN_OUTPUT'``),
``registered_models``, ``registered_model_tags``, ``model_versions``, ``model_version_tags``
and ``registered_model_aliases``. Tables are reflected rather than declared, so a column an
MLflow release adds or drops costs nothing; a table an older release lacks reads as empty.
Files are read from each run's ``artifact_uri`` when it is a local path.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from sqlalchemy import MetaData, Table, create_engine, inspect, select
from sqlalchemy.engine import make_url

from ..errors import InvalidInput
from .mlflow_format import (
    MlflowExperiment,
    MlflowLoggedModel,
    MlflowRegisteredModel,
    MlflowRun,
    MlflowVersion,
    Opener,
    check_run_id,
    local_path,
    model_status,
    run_status,
    seconds,
    walk_files,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

_DRIVERS = {"postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg"}


def engine_for(uri: str) -> Engine:
    """An engine for MLflow's database URI (``postgresql://`` gets our psycopg driver)."""
    try:
        url = make_url(uri)
    except Exception:
        raise InvalidInput(f"Invalid database URI {uri!r}: expected sqlite:///path/mlflow.db "
                           "or postgresql://user@host/db.") from None
    if url.drivername in _DRIVERS:
        url = url.set(drivername=_DRIVERS[url.drivername])
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise InvalidInput(f"Unsupported MLflow database {url.get_backend_name()!r}: "
                           "jupyter-mlops reads SQLite and PostgreSQL MLflow stores.")
    if url.get_backend_name() == "sqlite":
        from pathlib import Path

        if not url.database or not Path(url.database).is_file():
            raise InvalidInput(f"No MLflow database at {url.database!r}: check the path "
                               "(sqlite:///relative.db, sqlite:////absolute.db).")
    try:
        return create_engine(url)
    except ImportError as exc:
        raise InvalidInput(f"Cannot open {url.get_backend_name()}: {exc} "
                           "(pip install 'jupyter-mlops[postgres]').") from None


class SqlReader:
    """MLflow's SQL tracking and registry store."""

    def __init__(self, uri: str) -> None:
        self.label = make_url(uri).render_as_string(hide_password=True)
        self.engine = engine_for(uri)
        try:
            names = set(inspect(self.engine).get_table_names())
        except Exception as exc:
            self.engine.dispose()
            raise InvalidInput(f"Cannot read the database {self.label}: "
                               f"{str(exc).splitlines()[0]}") from None
        if not {"experiments", "runs", "metrics"} <= names:
            self.engine.dispose()
            raise InvalidInput(f"{self.label} holds no MLflow store (no experiments, runs and "
                               "metrics tables).")
        self._names = names
        self._tables: dict[str, Table] = {}
        self._metadata = MetaData()

    def close(self) -> None:
        self.engine.dispose()

    def _table(self, name: str) -> Table | None:
        if name not in self._names:
            return None
        if name not in self._tables:
            self._tables[name] = Table(name, self._metadata, autoload_with=self.engine)
        return self._tables[name]

    def _rows(self, name: str, *where: Any, order: Any = None) -> list[Any]:
        table = self._table(name)
        if table is None:
            return []
        query = select(table)
        for condition in where:
            query = query.where(condition(table.c))
        if order is not None:
            query = query.order_by(*order(table.c))
        with self.engine.connect() as connection:
            return list(connection.execute(query))

    def _pairs(self, name: str, column: str, value: Any, key: str = "key",
               val: str = "value") -> dict[str, str]:
        return {getattr(r, key): "" if getattr(r, val) is None else str(getattr(r, val))
                for r in self._rows(name, lambda c: c[column] == value)}

    def experiments(self) -> list[MlflowExperiment]:
        return [MlflowExperiment(
            id=str(r.experiment_id), name=r.name, created_at=seconds(
                getattr(r, "creation_time", None)),
            tags=self._pairs("experiment_tags", "experiment_id", r.experiment_id),
            deleted=r.lifecycle_stage == "deleted")
            for r in self._rows("experiments", order=lambda c: [c.experiment_id])]

    def runs(self, experiment: MlflowExperiment) -> list[MlflowRun]:
        number = int(experiment.id)
        rows = self._rows("runs", lambda c: c.experiment_id == number,
                          order=lambda c: [c.start_time, c.run_uuid])
        ids = [r.run_uuid for r in rows]
        params = self._grouped("params", ids)
        tags = self._grouped("tags", ids)
        outputs: dict[str, list[tuple[str, int]]] = {}
        for r in self._rows("inputs", lambda c: c.source_type == "RUN_OUTPUT",
                            lambda c: c.destination_type == "MODEL_OUTPUT"):
            # MLflow records a run's output model as an edge run -> model.
            outputs.setdefault(r.source_id, []).append((r.destination_id, int(r.step or 0)))
        return [MlflowRun(
            id=check_run_id(r.run_uuid, self.label), experiment_id=experiment.id,
            name=r.name or tags.get(r.run_uuid, {}).get("mlflow.runName") or r.run_uuid[:8],
            status=run_status(r.status), start_time=seconds(r.start_time) or 0.0,
            end_time=seconds(r.end_time), params=params.get(r.run_uuid, {}),
            tags=tags.get(r.run_uuid, {}), deleted=r.lifecycle_stage == "deleted",
            user=r.user_id or None, artifact_uri=r.artifact_uri,
            outputs=outputs.get(r.run_uuid, []))
            for r in rows]

    def _grouped(self, name: str, run_ids: list[str]) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for start in range(0, len(run_ids), 500):
            chunk = run_ids[start:start + 500]
            for r in self._rows(name, lambda c, chunk=chunk: c.run_uuid.in_(chunk)):
                out.setdefault(r.run_uuid, {})[r.key] = "" if r.value is None else str(r.value)
        return out

    def history(self, run: MlflowRun) -> list[tuple[str, float, int, float]]:
        rows = self._rows("metrics", lambda c: c.run_uuid == run.id,
                          order=lambda c: [c.key, c.step, c.timestamp])
        return [(r.key, float("nan") if getattr(r, "is_nan", False) else float(r.value),
                 int(r.step or 0), (r.timestamp or 0) / 1000.0) for r in rows]

    def run_files(self, run: MlflowRun) -> Iterator[tuple[str, int | None, Opener]]:
        yield from walk_files(local_path(run.artifact_uri))

    def logged_models(self, experiment: MlflowExperiment) -> list[MlflowLoggedModel]:
        number = int(experiment.id)
        found = []
        for r in self._rows("logged_models", lambda c: c.experiment_id == number,
                            order=lambda c: [c.creation_timestamp_ms]):
            if getattr(r, "lifecycle_stage", "active") == "deleted":
                continue
            created = seconds(r.creation_timestamp_ms) or 0.0
            found.append(MlflowLoggedModel(
                id=r.model_id, experiment_id=experiment.id, name=r.name,
                run_id=r.source_run_id, model_type=r.model_type,
                status=model_status(r.status), created_at=created,
                updated_at=seconds(r.last_updated_timestamp_ms) or created,
                artifact_location=r.artifact_location,
                params=self._pairs("logged_model_params", "model_id", r.model_id,
                                   "param_key", "param_value"),
                tags=self._pairs("logged_model_tags", "model_id", r.model_id, "tag_key",
                                 "tag_value")))
        return found

    def model_files(self, model: MlflowLoggedModel) -> Iterator[tuple[str, int | None, Opener]]:
        yield from walk_files(local_path(model.artifact_location))

    def registered_models(self) -> list[MlflowRegisteredModel]:
        found = []
        for r in self._rows("registered_models", order=lambda c: [c.name]):
            aliases = {a.alias: int(a.version) for a in self._rows(
                "registered_model_aliases", lambda c, name=r.name: c.name == name)}
            created = seconds(r.creation_time) or 0.0
            found.append(MlflowRegisteredModel(
                name=r.name, created_at=created,
                updated_at=seconds(r.last_updated_time) or created,
                description=r.description or None,
                tags=self._pairs("registered_model_tags", "name", r.name), aliases=aliases))
        return found

    def versions(self, model: MlflowRegisteredModel) -> list[MlflowVersion]:
        found = []
        for r in self._rows("model_versions", lambda c: c.name == model.name,
                            order=lambda c: [c.version]):
            if r.current_stage == "Deleted_Internal":
                continue
            tags = {t.key: t.value or "" for t in self._rows(
                "model_version_tags",
                lambda c, v=r.version: (c.name == model.name) & (c.version == v))}
            found.append(MlflowVersion(
                name=model.name, version=int(r.version),
                created_at=seconds(r.creation_time) or 0.0, source=r.source or "",
                run_id=r.run_id or None, model_id=getattr(r, "model_id", None) or None,
                storage_location=getattr(r, "storage_location", None) or None,
                description=r.description or None, user=r.user_id or None,
                status=r.status or "READY", tags=tags))
        return found
