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


def _paths(text: str) -> tuple[str, ...]:
    return tuple(part for part in str(text).split(os.pathsep) if part.strip())


def _names(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in str(text).split(",") if part.strip())


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
    Setting("kernel_start_timeout", 60.0, "JUPYTER_MLOPS_KERNEL_START_TIMEOUT",
            "Seconds a pipeline step's kernel may take to answer after it starts; one that does "
            "not is replaced by a fresh kernel once before the step fails.", _positive_float),
    Setting("capture_git", True, "JUPYTER_MLOPS_CAPTURE_GIT",
            "Record the git commit, branch and uncommitted diff of each run.", _bool),
    Setting("capture_packages", True, "JUPYTER_MLOPS_CAPTURE_PACKAGES",
            "Record the installed package versions of each run's environment.", _bool),
    Setting("sqlite_synchronous", "NORMAL", "JUPYTER_MLOPS_SQLITE_SYNCHRONOUS",
            "SQLite's synchronous pragma: NORMAL (WAL's default: a power cut may lose the last "
            "commits, never corrupts) or FULL (every commit survives a power cut, slower).",
            _choice("NORMAL", "FULL")),
    Setting("trusted_workspaces", (), "JUPYTER_MLOPS_TRUSTED_WORKSPACES",
            "Workspace folders owned by other users that may be used anyway, separated by the "
            "path separator, or * for all (read from the environment only).", _paths),
    Setting("require_blessing", (), "JUPYTER_MLOPS_REQUIRE_BLESSING",
            "Aliases (comma-separated, e.g. champion) that only a version blessed by its latest "
            "evaluation may take: promote() refuses others unless require_blessing=False.",
            _names),
    Setting("require_replay", (), "JUPYTER_MLOPS_REQUIRE_REPLAY",
            "Aliases (comma-separated) that only a version whose latest shadow replay against "
            "the current holder passed may take (promote(require_replay=...)).", _names),
    Setting("notebook", None, "JUPYTER_MLOPS_NOTEBOOK",
            "Path of the running notebook, where it cannot be discovered."),
)
_BY_NAME = {s.name: s for s in SETTINGS}


class UntrustedWorkspace(ValueError):
    """A ``.mlops`` workspace owned by another user, not listed as trusted."""


def _search_path(here: Path) -> list[Path]:
    """``here`` and its parents up to the git root or the home folder, whichever comes first.

    A ``.mlops`` above the project (in a shared folder such as the temp folder) must never
    receive its runs.
    """
    home = _home()
    folders = []
    for folder in (here, *here.parents):
        folders.append(folder)
        if (folder / ".git").exists() or folder == home:
            break
    return folders


def _home() -> Path | None:
    try:
        return Path.home().resolve()
    except (RuntimeError, KeyError, OSError):  # no home folder known for this user
        return None


def find_workspace(start: str | os.PathLike[str] | None = None) -> Path:
    """Return the folder that holds (or will hold) the ``.mlops/`` workspace for ``start``.

    The walk up stops at the git root or the home folder. A workspace owned by another user is
    refused unless listed in ``trusted_workspaces`` (as git's ``safe.directory``).
    """
    here = Path(start or os.getcwd()).resolve()
    folders = _search_path(here)
    for folder in folders:
        if (folder / WORKSPACE_DIR).is_dir():
            _check_owner(folder)
            if folder != here:
                _announce(folder, here)
            return folder
    for folder in folders:
        if (folder / ".git").exists():
            return folder
    return here


def _check_owner(folder: Path) -> None:
    if not hasattr(os, "getuid"):
        return  # no POSIX owners to compare (Windows)
    try:
        owner = (folder / WORKSPACE_DIR).stat().st_uid
    except OSError:
        return
    if owner == os.getuid() or _trusted(folder):
        return
    raise UntrustedWorkspace(
        f"The workspace {folder / WORKSPACE_DIR} belongs to another user (uid {owner}), so "
        "its runs and models cannot be trusted. If it is yours to share, trust it with "
        f"{_TRUSTED_ENV}={folder} (several paths separated by {os.pathsep!r}, or *); else "
        "work elsewhere, or make a workspace of your own with `mkdir .mlops`."
    )


_TRUSTED_ENV = "JUPYTER_MLOPS_TRUSTED_WORKSPACES"


def _trusted(folder: Path) -> bool:
    # Only from the environment: a workspace's own pyproject.toml must not vouch for itself.
    listed = setting("trusted_workspaces") or ()
    for entry in listed:
        if entry == "*":
            return True
        try:
            if Path(entry).expanduser().resolve() == folder:
                return True
        except OSError:
            continue
    return False


_ANNOUNCED: set[Path] = set()


def _announce(folder: Path, here: Path) -> None:
    if folder in _ANNOUNCED:
        return
    _ANNOUNCED.add(folder)
    import logging

    logging.getLogger("jupyter_mlops").info(
        "jupyter-mlops: using the workspace %s (found above %s)", folder / WORKSPACE_DIR, here)


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


# Any: each setting has its own type (str, int, float, bool, Path), given by its row.
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
