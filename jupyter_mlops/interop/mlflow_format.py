"""What an MLflow store holds, as plain records every reader fills and the import writes.

Three readers (``mlflow_import_files`` for an ``mlruns`` folder, ``mlflow_import_sql`` for
MLflow's database, ``mlflow_import_http`` for a tracking server) turn their store into these
records, so the import (``mlflow_import``) knows one shape. Times here are float seconds, as
in our store; MLflow's milliseconds are converted by the readers. No record imports mlflow:
its version pins clash with ours, and its formats are small enough to read directly.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol
from urllib.parse import unquote, urlparse

from ..errors import InvalidInput

# MLflow's RunStatus enum (service.proto) and LoggedModelStatus, by number.
RUN_STATUS = {1: "RUNNING", 2: "SCHEDULED", 3: "FINISHED", 4: "FAILED", 5: "KILLED"}
RUN_STATUS_NUMBER = {name: number for number, name in RUN_STATUS.items()}
MODEL_STATUS = {0: "LOGGED_MODEL_STATUS_UNSPECIFIED", 1: "LOGGED_MODEL_PENDING",
                2: "LOGGED_MODEL_READY", 3: "LOGGED_MODEL_UPLOAD_FAILED"}
MODEL_STATUS_NUMBER = {name: number for number, name in MODEL_STATUS.items()}
# SourceType of MLflow's run meta: NOTEBOOK=1, JOB=2, PROJECT=3, LOCAL=4, UNKNOWN=1000.
SOURCE_TYPE = {1: "NOTEBOOK", 2: "JOB", 3: "PROJECT", 4: "LOCAL", 1000: "UNKNOWN"}
SOURCE_TYPE_NUMBER = {name: number for number, name in SOURCE_TYPE.items()}

RUN_NAME, PARENT, USER = "mlflow.runName", "mlflow.parentRunId", "mlflow.user"
SOURCE_NAME, SOURCE_TYPE_TAG = "mlflow.source.name", "mlflow.source.type"
RUN_ID = re.compile(r"[0-9a-f]{32}")
MODEL_ID = re.compile(r"m-[0-9a-f]{32}")

Opener = Callable[[], IO[bytes]]


def seconds(millis: Any) -> float | None:
    """MLflow's epoch milliseconds as our float seconds (None stays None)."""
    if millis is None or millis == "":
        return None
    return int(millis) / 1000.0


def millis(when: float | None) -> int | None:
    return None if when is None else round(when * 1000)


def run_status(value: Any) -> str:
    """A run status as MLflow spells it, from its number (file store) or name (SQL, REST)."""
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return RUN_STATUS.get(int(value), "FINISHED")
    text = str(value or "FINISHED").upper()
    return text if text in RUN_STATUS_NUMBER else "FINISHED"


def model_status(value: Any) -> str:
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return MODEL_STATUS.get(int(value), "LOGGED_MODEL_READY")
    return str(value or "LOGGED_MODEL_READY")


@dataclass
class MlflowExperiment:
    id: str
    name: str
    created_at: float | None = None
    tags: dict[str, str] = field(default_factory=dict)
    deleted: bool = False


@dataclass
class MlflowRun:
    """One run with everything but its metric history and files (read when written)."""

    id: str
    experiment_id: str
    name: str
    status: str
    start_time: float
    end_time: float | None
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    deleted: bool = False
    user: str | None = None
    artifact_uri: str | None = None
    # (model id, step) of the logged models this run produced (MLflow 3's run outputs).
    outputs: list[tuple[str, int]] = field(default_factory=list)

    @property
    def parent(self) -> str | None:
        return self.tags.get(PARENT) or None


@dataclass
class MlflowLoggedModel:
    """MLflow 3's logged model: files of its own, by id ``m-<32 hex>``."""

    id: str
    experiment_id: str
    name: str
    run_id: str | None
    model_type: str | None
    status: str
    created_at: float
    updated_at: float
    artifact_location: str | None
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class MlflowVersion:
    name: str
    version: int
    created_at: float
    source: str
    run_id: str | None = None
    model_id: str | None = None
    storage_location: str | None = None
    description: str | None = None
    user: str | None = None
    status: str = "READY"
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class MlflowRegisteredModel:
    name: str
    created_at: float
    updated_at: float
    description: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, int] = field(default_factory=dict)


class MlflowReader(Protocol):
    """What each reader of an MLflow store answers; ``label`` names the store in messages."""

    label: str

    def experiments(self) -> list[MlflowExperiment]: ...

    def runs(self, experiment: MlflowExperiment) -> list[MlflowRun]: ...

    def history(self, run: MlflowRun) -> list[tuple[str, float, int, float]]:
        """Every metric value: (key, value, step, timestamp seconds)."""
        ...

    def run_files(self, run: MlflowRun) -> Iterator[tuple[str, int | None, Opener]]:
        """(path under the run's artifact root, size if known, opener) of each file."""
        ...

    def logged_models(self, experiment: MlflowExperiment) -> list[MlflowLoggedModel]: ...

    def model_files(self, model: MlflowLoggedModel
                    ) -> Iterator[tuple[str, int | None, Opener]]: ...

    def registered_models(self) -> list[MlflowRegisteredModel]: ...

    def versions(self, model: MlflowRegisteredModel) -> list[MlflowVersion]: ...

    def close(self) -> None: ...


def check_run_id(value: str, where: str) -> str:
    """MLflow's run ids are 32 hex digits, which is what ours are: kept as they are."""
    text = str(value).lower().replace("-", "")
    if not RUN_ID.fullmatch(text):
        raise InvalidInput(f"{where}: run id {value!r} is not 32 hexadecimal digits, so it "
                           "is not an MLflow run id; is this an MLflow store?")
    return text


def parse_mlmodel(data: bytes) -> dict[str, Any]:
    """An ``MLmodel`` file (YAML) as a dict; {} when it is not one."""
    import yaml

    try:
        loaded = yaml.safe_load(data.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def local_path(uri: str | None) -> Path | None:
    """A local folder from an artifact URI (``file://`` or a plain path); None otherwise."""
    if not uri:
        return None
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    if parsed.scheme == "" or (len(parsed.scheme) == 1 and os.name == "nt"):
        return Path(uri)
    return None


def walk_files(folder: Path | None) -> Iterator[tuple[str, int | None, Opener]]:
    """(relative path, size, opener) of every plain file below ``folder``, in a stable order."""
    if folder is None or not folder.is_dir():
        return
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            path = Path(root) / name
            if path.is_symlink():  # a link could read anything on this machine: not a file
                continue
            yield (path.relative_to(folder).as_posix(), path.stat().st_size,
                   lambda path=path: path.open("rb"))
