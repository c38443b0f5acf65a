"""Frozen records shared by every layer: what the store returns and the faces render."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class RunStatus(str, enum.Enum):
    """Lifecycle of a run; a RUNNING run whose process died is reported as KILLED."""

    RUNNING = "RUNNING"
    FINISHED = "FINISHED"
    FAILED = "FAILED"
    KILLED = "KILLED"

    def __str__(self) -> str:
        return self.value

    @property
    def is_terminal(self) -> bool:
        return self is not RunStatus.RUNNING


@dataclass(frozen=True)
class Experiment:
    """A named group of runs."""

    id: int
    name: str
    created_at: float
    run_count: int = 0


@dataclass(frozen=True)
class Metric:
    """One logged value of a metric; ``value`` may be NaN or infinite."""

    key: str
    value: float
    step: int
    timestamp: float


@dataclass(frozen=True)
class Artifact:
    """A file attached to a run, stored by content digest."""

    path: str
    digest: str
    size: int
    created_at: float


@dataclass(frozen=True)
class Environment:
    """The interpreter and packages a run executed with, stored once per distinct set."""

    digest: str
    python: str
    platform: str
    packages: dict[str, str]


@dataclass(frozen=True)
class GitState:
    """The repository state a run started from; ``diff_digest`` names the stored dirty diff."""

    commit: str
    branch: str | None
    dirty: bool
    diff_digest: str | None = None
    remote: str | None = None


@dataclass(frozen=True)
class Source:
    """Where a run's code came from: a script, a notebook cell, a pipeline step."""

    type: str
    path: str | None = None
    cell: str | None = None
    execution_count: int | None = None


@dataclass(frozen=True)
class LineageLink:
    """A data version, model or artifact a run read (input) or wrote (output)."""

    direction: str
    kind: str
    ref: str
    created_at: float


@dataclass(frozen=True)
class Run:
    """A tracked execution with everything recorded about it."""

    id: str
    experiment: str
    name: str
    status: RunStatus
    start_time: float
    end_time: float | None
    parent_id: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    artifacts: tuple[Artifact, ...] = ()
    source: Source | None = None
    environment_digest: str | None = None
    git: GitState | None = None
    lineage: tuple[LineageLink, ...] = ()
    error: str | None = None
    deleted: bool = False
    host: str | None = None
    pid: int | None = None

    @property
    def duration(self) -> float | None:
        return None if self.end_time is None else self.end_time - self.start_time

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the run."""
        from dataclasses import asdict

        data = asdict(self)
        data["status"] = self.status.value
        return data
