"""Settings and the workspace walk-up.

One table defines every setting: its name, default, environment variable and help. Values come
from, in order: the environment, ``[tool.jupyter-mlops]`` in the workspace's ``pyproject.toml``,
the default. The workspace is found like git finds its repository: walk up from the current
directory to the first ``.mlops/`` folder; without one it is made at the git root, else here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WORKSPACE_DIR = ".mlops"
DB_NAME = "mlops.db"
ARTIFACTS_DIR = "artifacts"


def _bool(text: str) -> bool:
    lowered = str(text).strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true or false, got {text!r}")


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise ValueError(f"expected a positive number, got {text!r}")
    return value


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = str(text).strip().upper()
        if value not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}, got {text!r}")
        return value

    return parse


@dataclass(frozen=True)
class Setting:
    """One configurable value of jupyter-mlops."""

    name: str
    default: Any
    env: str
    help: str
    parse: Callable[[str], Any] = str


SETTINGS: tuple[Setting, ...] = (
    Setting("uri", None, "JUPYTER_MLOPS_URI",
            "SQLAlchemy URL of the metadata store; default: SQLite in the workspace's .mlops/."),
    Setting("artifacts", None, "JUPYTER_MLOPS_ARTIFACTS",
            "fsspec URL of the artifact store; default: .mlops/artifacts in the workspace."),
    Setting("experiment", "Default", "JUPYTER_MLOPS_EXPERIMENT",
            "Experiment of runs started without one (a notebook's runs default to its name)."),
    Setting("flush_interval", 1.0, "JUPYTER_MLOPS_FLUSH_INTERVAL",
            "Seconds between background writes of buffered metrics.", _positive_float),
    Setting("heartbeat_interval", 10.0, "JUPYTER_MLOPS_HEARTBEAT_INTERVAL",
            "Seconds between heartbeats of a running run.", _positive_float),
    Setting("dead_after", 60.0, "JUPYTER_MLOPS_DEAD_AFTER",
            "Seconds without a heartbeat after which a RUNNING run is reported KILLED.",
            _positive_float),
    Setting("capture_git", True, "JUPYTER_MLOPS_CAPTURE_GIT",
            "Record the git commit, branch and uncommitted diff of each run.", _bool),
    Setting("capture_packages", True, "JUPYTER_MLOPS_CAPTURE_PACKAGES",
            "Record the installed package versions of each run's environment.", _bool),
    Setting("sqlite_synchronous", "NORMAL", "JUPYTER_MLOPS_SQLITE_SYNCHRONOUS",
            "SQLite's synchronous pragma: NORMAL (WAL's default: a power cut may lose the last "
            "commits, never corrupts) or FULL (every commit survives a power cut, slower).",
            _choice("NORMAL", "FULL")),
    Setting("notebook", None, "JUPYTER_MLOPS_NOTEBOOK",
            "Path of the running notebook, where it cannot be discovered."),
)
_BY_NAME = {s.name: s for s in SETTINGS}


def find_workspace(start: str | os.PathLike[str] | None = None) -> Path:
    """Return the folder that holds (or will hold) the ``.mlops/`` workspace for ``start``."""
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / WORKSPACE_DIR).is_dir():
            return folder
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return here


def _pyproject_table(root: Path) -> dict[str, Any]:
    path = root / "pyproject.toml"
    if not path.is_file():
        return {}
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"Cannot read {path}: {exc}. Fix the file or remove it.") from exc
    table = data.get("tool", {}).get("jupyter-mlops", {})
    return table if isinstance(table, dict) else {}


def setting(name: str, root: Path | None = None) -> Any:
    """Return the value of setting ``name``: environment, then pyproject, then default."""
    spec = _BY_NAME.get(name)
    if spec is None:
        known = ", ".join(sorted(_BY_NAME))
        raise KeyError(f"Unknown setting {name!r}. Known settings: {known}.")
    raw = os.environ.get(spec.env)
    origin = f"${spec.env}"
    if raw is None and root is not None:
        table = _pyproject_table(root)
        if name in table:
            raw, origin = table[name], f"[tool.jupyter-mlops] {name} in pyproject.toml"
    if raw is None:
        return spec.default
    try:
        return spec.parse(raw) if isinstance(raw, str) else raw
    except ValueError as exc:
        raise ValueError(f"Invalid value for {origin}: {exc}.") from exc


@dataclass(frozen=True)
class Workspace:
    """Where the metadata and artifacts of this project live."""

    root: Path
    uri: str
    artifacts: str

    @property
    def is_embedded(self) -> bool:
        return self.uri.startswith("sqlite")


def resolve_workspace(
    path: str | os.PathLike[str] | None = None,
    uri: str | None = None,
    artifacts: str | None = None,
) -> Workspace:
    """Locate the workspace for ``path`` and fill in its store URLs from the settings."""
    root = find_workspace(path)
    uri = uri or setting("uri", root)
    artifacts = artifacts or setting("artifacts", root)
    folder = root / WORKSPACE_DIR
    if uri is None:
        uri = f"sqlite:///{folder / DB_NAME}"
    if artifacts is None:
        artifacts = str(folder / ARTIFACTS_DIR)
    return Workspace(root=root, uri=uri, artifacts=artifacts)
