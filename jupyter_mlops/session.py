"""The workspace session of this process: its store, its metric writer and its settings.

Every capability (tracking, data, models, monitor, pipeline, ...) reaches the store through
``current()``: the session for the workspace chosen with ``use()``, or found by the usual
walk-up, opened on first use. Sessions are also context managers, so a test or a tool can work
in another workspace for a while and close it::

    with Session.open(resolve_workspace(path)) as session:
        session.store.runs.get(run_id)
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from .config import DB_NAME, WORKSPACE_DIR, Workspace, resolve_workspace, setting
from .errors import InvalidInput

if TYPE_CHECKING:
    from .store import Store
    from .store.writer import Writer

_lock = threading.Lock()
_current: Session | None = None
_chosen: Workspace | None = None


@dataclass(frozen=True)
class Settings:
    """The settings a session's runs use, read once when the session opens."""

    experiment: str
    flush_interval: float
    heartbeat_interval: float
    dead_after: float
    capture_git: bool
    capture_packages: bool

    @classmethod
    def load(cls, root: Path | None) -> Settings:
        """Read each setting from the environment, the workspace's pyproject, or its default."""
        return cls(
            experiment=setting("experiment", root),
            flush_interval=setting("flush_interval", root),
            heartbeat_interval=setting("heartbeat_interval", root),
            dead_after=setting("dead_after", root),
            capture_git=setting("capture_git", root),
            capture_packages=setting("capture_packages", root),
        )


class Session:
    """One workspace opened: its store, the background writer of its metrics, its settings."""

    def __init__(self, store: Store, writer: Writer, settings: Settings) -> None:
        self.store = store
        self.writer = writer
        self.settings = settings
        self._warned_unshared = False

    @property
    def workspace(self) -> Workspace:
        return self.store.workspace

    @classmethod
    def open(cls, workspace: Workspace, cache: bool = True) -> Session:
        """Open ``workspace``'s store and a writer for it (the writer starts on first use)."""
        # The store (and SQLAlchemy under it) loads on the first run, not on import.
        from .store import Store
        from .store.writer import Writer

        _check_sqlite_folder(workspace)
        settings = Settings.load(workspace.root)
        store = Store.open(workspace, cache=cache)
        writer = Writer(store, flush_interval=settings.flush_interval,
                        heartbeat_interval=settings.heartbeat_interval)
        return cls(store, writer, settings)

    def warn_if_unshared(self) -> None:
        """Say once, before the first write, that a shared database with local artifacts
        leaves teammates unable to load what this process stores."""
        if self._warned_unshared:
            return
        self._warned_unshared = True
        workspace = self.workspace
        if workspace.is_embedded or "://" in workspace.artifacts.replace("file://", "", 1):
            return
        print(f"jupyter-mlops: runs go to a shared database but artifacts to the local folder "
              f"{workspace.artifacts}; teammates will not be able to load them: set "
              "JUPYTER_MLOPS_ARTIFACTS to shared storage (e.g. s3://bucket/prefix).",
              file=sys.stderr)

    def close(self) -> None:
        """Write what is buffered and release the store's connections."""
        self.writer.flush()
        self.store.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Session({self.workspace.uri!r}, artifacts={self.workspace.artifacts!r})"


def _check_sqlite_folder(workspace: Workspace) -> None:
    """Refuse a SQLite URL whose folder does not exist: a typo must not make a new empty store."""
    if not workspace.uri.startswith("sqlite"):
        return
    from sqlalchemy.engine import make_url

    database = make_url(workspace.uri).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if path == workspace.root / WORKSPACE_DIR / DB_NAME:
        return  # the workspace's own database: its folder is made with the workspace
    if not path.parent.is_dir():
        raise InvalidInput(
            f"The folder of the SQLite database {database!r} does not exist: check the URI "
            "(JUPYTER_MLOPS_URI or --uri), or create the folder first."
        )


def use(
    path: str | os.PathLike[str] | None = None,
    uri: str | None = None,
    artifacts: str | None = None,
) -> Workspace:
    """Send runs and queries of this process to another workspace.

    Parameters
    ----------
    path:
        A folder inside the workspace (found by the usual walk-up); default: the current one.
    uri, artifacts:
        A SQLAlchemy URL and an fsspec URL overriding the workspace's own.

    Returns
    -------
    Workspace
        The workspace now in use; its session opens on the next ``current()``.
    """
    global _current, _chosen
    workspace = resolve_workspace(path, uri, artifacts)
    with _lock:
        if _current is not None:
            _current.writer.flush()
        _chosen = workspace
        _current = None
    return workspace


def current() -> Session:
    """The session of the chosen (or discovered) workspace, opened on first use."""
    global _current
    session = _current
    if session is not None:
        return session
    with _lock:
        if _current is None:
            _current = Session.open(_chosen or resolve_workspace())
        return _current


def close() -> None:
    """Close the current session and forget the chosen workspace (the walk-up decides again)."""
    global _current, _chosen
    with _lock:
        session, _current, _chosen = _current, None, None
    if session is not None:
        session.close()


# The public API has always called this ``set_workspace``; ``use`` is the session's own word.
set_workspace = use
