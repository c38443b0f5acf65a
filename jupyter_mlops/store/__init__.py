"""Persistence: SQL metadata through SQLAlchemy Core and content-addressed artifacts over fsspec.

``Store.open(workspace)`` connects both halves, creating or migrating the schema once per
process. The store imports nothing of IPython, Jupyter, pandas or the faces.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, select

from ..config import Workspace, setting
from .artifacts import ArtifactStore
from .engine import dispose_after_fork, make_engine, refresh_statistics
from .migrations import migrate
from .query import search_query
from .query_pages import search_ids
from .runs import Runs

if TYPE_CHECKING:
    from .alerts import Alerts
    from .datasets import Datasets
    from .drift import DriftReports
    from .evaluations import Evaluations
    from .logged_models import LoggedModels
    from .registry import Registry

__all__ = ["ArtifactStore", "Runs", "Store"]

_OPEN: dict[tuple[str, str], Store] = {}
_LOCK = threading.Lock()
_MAX_LITERAL_IDS = 5_000


@dataclass
class Store:
    """One workspace's metadata engine, run records and artifact blobs."""

    workspace: Workspace
    engine: Engine
    artifacts: ArtifactStore
    runs: Runs = field(init=False)

    def __post_init__(self) -> None:
        self.runs = Runs(self.engine)

    # Each feature's records live in a module of their own, loaded when first used.
    @functools.cached_property
    def datasets(self) -> Datasets:
        from .datasets import Datasets

        return Datasets(self.engine)

    @functools.cached_property
    def registry(self) -> Registry:
        from .registry import Registry

        return Registry(self.engine)

    @functools.cached_property
    def drift(self) -> DriftReports:
        from .drift import DriftReports

        return DriftReports(self.engine)

    @functools.cached_property
    def evaluations(self) -> Evaluations:
        from .evaluations import Evaluations

        return Evaluations(self.engine)

    @functools.cached_property
    def alerts(self) -> Alerts:
        from .alerts import Alerts

        return Alerts(self.engine)

    @functools.cached_property
    def logged_models(self) -> LoggedModels:
        from .logged_models import LoggedModels

        return LoggedModels(self.engine)

    @classmethod
    def open(cls, workspace: Workspace, cache: bool = True) -> Store:
        """Connect to ``workspace``, creating or migrating its schema first.

        Stores are shared per (metadata URL, artifact URL) within a process unless ``cache`` is
        false, so every run and query reuses one connection pool.
        """
        key = (workspace.uri, workspace.artifacts)
        with _LOCK:
            if cache and key in _OPEN:
                return _OPEN[key]
            engine = make_engine(
                workspace.uri, sqlite_synchronous=setting("sqlite_synchronous", workspace.root))
            dispose_after_fork(engine)
            try:
                migrate(engine)
                refresh_statistics(engine)
            except BaseException:
                engine.dispose()  # a refused or failed open must not leak its pool
                raise
            store = cls(workspace, engine, ArtifactStore(workspace.artifacts))
            if cache:
                _OPEN[key] = store
            return store

    def close(self) -> None:
        with _LOCK:
            _OPEN.pop((self.workspace.uri, self.workspace.artifacts), None)
        self.engine.dispose()

    def search(self, **criteria: Any) -> list:
        """Run records matching ``search_query``'s criteria, in its order."""
        with self.engine.connect() as connection:
            # A page sorted by a metric walks that metric's index instead of sorting every run.
            ids = search_ids(connection, **criteria)
            if not ids:
                return []
            selector = (search_query(**criteria).subquery().select()
                        if len(ids) > _MAX_LITERAL_IDS else None)
            return self.runs.load(connection, ids, selector=selector)

    def count(self, **criteria: Any) -> int:
        from sqlalchemy import func

        query = search_query(**criteria).order_by(None).limit(None).offset(None)
        with self.engine.connect() as connection:
            return int(
                connection.execute(select(func.count()).select_from(query.subquery())).scalar()
                or 0
            )
