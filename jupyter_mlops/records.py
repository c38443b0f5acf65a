"""Frozen records shared by every layer: what the store returns and the faces render."""

from __future__ import annotations

import enum
import html
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


def _when(timestamp: float | None) -> str:
    """A timestamp as local ``YYYY-MM-DD HH:MM:SS``: records never show epoch floats."""
    return "" if timestamp is None else datetime.fromtimestamp(timestamp).strftime(
        "%Y-%m-%d %H:%M:%S")


def _metrics(values: dict[str, float]) -> str:
    return ", ".join(f"{k}={v:.4g}" for k, v in sorted(values.items()))


class _Shown:
    """One readable line in a terminal (``__repr__``), a small table in a notebook."""

    def _line(self) -> str:
        raise NotImplementedError

    def _rows(self) -> list[tuple[str, str]]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._line()}>"

    # Departure from issue 14 (HTML in the notebook face): IPython's display protocol asks the
    # object itself, so this renders in any notebook, extension loaded or not. See
    # docs/architecture.md, "Displays".
    def _repr_html_(self) -> str:
        rows = "".join(
            f'<tr><th style="text-align:left">{html.escape(k)}</th>'
            f'<td style="text-align:left">{html.escape(v)}</td></tr>'
            for k, v in self._rows() if v not in ("", None))
        return (f'<table class="jp-mlops-record"><caption style="text-align:left">'
                f"<b>{html.escape(type(self).__name__)}</b> {html.escape(self._line())}"
                f"</caption>{rows}</table>")


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


# --- Drift ---


@dataclass(frozen=True)
class DriftResult:
    """One column's drift verdict: the statistic used, its value, threshold and why.

    ``value`` and ``threshold`` are NaN when the column could not be tested; ``note`` then says
    why (all null, missing on one side, a type the statistics do not cover). ``details`` holds
    null shares, out-of-range shares and the small histograms that the report's figures draw.
    """

    column: str
    type: str
    statistic: str | None
    value: float
    threshold: float
    drifted: bool
    role: str = "feature"
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def tested(self) -> bool:
        return self.statistic is not None


@dataclass(frozen=True)
class DriftReportRecord:
    """A drift report as stored: what was compared, the per-column results and the verdict.

    ``reference`` and ``current`` name the data ("customers@3", a file, "DataFrame");
    ``share`` is the share of drifted feature columns among those tested, and ``drifted`` is
    ``share >= drift_share``. ``details`` holds the target, prediction and outlier summaries.
    """

    id: str
    created_at: float
    reference: str
    current: str
    drifted: bool
    share: float
    drift_share: float
    method: str
    reference_rows: int
    current_rows: int
    results: tuple[DriftResult, ...] = ()
    name: str | None = None
    model: str | None = None
    run_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def drifted_columns(self) -> list[str]:
        return [r.column for r in self.results if r.drifted and r.role == "feature"]


# --- Models ---


class VersionStatus(str, enum.Enum):
    """Lifecycle of a model version: READY to serve, or ARCHIVED (kept, never served anew)."""

    READY = "READY"
    ARCHIVED = "ARCHIVED"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class RegisteredModel:
    """A registered model name with its description, tags, aliases and newest version."""

    name: str
    description: str | None
    tags: dict[str, str]
    created_at: float
    updated_at: float
    created_by: str
    latest_version: int | None = None
    version_count: int = 0
    aliases: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, repr=False)
class ModelVersion(_Shown):
    """One registered version: where it came from and what it was worth when registered.

    ``model_digest`` names the stored model file and ``meta_digest`` its description (flavor,
    signature, input example); both are verified on every load. ``datasets`` are the data
    versions ("customers@3") the source run read; ``metrics`` and ``params`` are frozen copies
    of the source run's at registration.
    """

    name: str
    version: int
    status: VersionStatus
    flavor: str
    model_digest: str
    meta_digest: str
    artifact_path: str
    run_id: str | None
    created_at: float
    created_by: str
    signature: dict[str, Any] | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    datasets: tuple[str, ...] = ()
    environment_digest: str | None = None
    description: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()

    @property
    def uri(self) -> str:
        return f"models:/{self.name}/{self.version}"

    def _line(self) -> str:
        aliases = "".join(f" @{a}" for a in self.aliases)
        run = f" from run {self.run_id[:8]}" if self.run_id else ""
        metrics = f" [{_metrics(self.metrics)}]" if self.metrics else ""
        return (f"{self.name}/{self.version}{aliases} {self.status.value} {self.flavor}{run}"
                f"{metrics}, registered {_when(self.created_at)} by {self.created_by}")

    def _rows(self) -> list[tuple[str, str]]:
        return [("model", f"{self.name}/{self.version}"), ("aliases", " ".join(
            f"@{a}" for a in self.aliases)), ("status", self.status.value),
            ("flavor", self.flavor), ("run", self.run_id or ""),
            ("metrics", _metrics(self.metrics)), ("data", ", ".join(self.datasets)),
            ("registered", f"{_when(self.created_at)} by {self.created_by}"),
            ("description", self.description or "")]


@dataclass(frozen=True)
class AuditEntry:
    """One line of a model's append-only audit log.

    ``action`` is ``register``, ``status``, ``alias`` or ``promotion-refused``; ``from_value``
    and ``to_value`` are versions (alias moves) or statuses, None where there was none;
    ``version`` is the version acted on.
    """

    id: int
    name: str
    action: str
    version: int | None
    alias: str | None
    from_value: str | None
    to_value: str | None
    user: str
    timestamp: float
    reason: str | None = None


@dataclass(frozen=True, repr=False)
class AliasMove(_Shown):
    """An alias set, moved or removed: which version it left and which it now names."""

    name: str
    alias: str
    from_version: int | None
    to_version: int | None
    user: str
    timestamp: float
    reason: str | None = None

    def _line(self) -> str:
        was = f"version {self.from_version}" if self.from_version is not None else "none"
        now = f"version {self.to_version}" if self.to_version is not None else "removed"
        why = f" ({self.reason})" if self.reason else ""
        return f"{self.name}@{self.alias}: {was} -> {now}, {_when(self.timestamp)} by " \
               f"{self.user}{why}"

    def _rows(self) -> list[tuple[str, str]]:
        return [("alias", f"{self.name}@{self.alias}"),
                ("from", "" if self.from_version is None else str(self.from_version)),
                ("to", "" if self.to_version is None else str(self.to_version)),
                ("when", _when(self.timestamp)), ("by", self.user),
                ("reason", self.reason or "")]


@dataclass(frozen=True)
class MetricCheck:
    """One requirement of a promotion: candidate ``op`` holder on ``metric``."""

    metric: str
    op: str
    candidate: float | None
    current: float | None
    passed: bool
    note: str = ""


@dataclass(frozen=True, repr=False)
class Promotion(_Shown):
    """The outcome of a promotion: whether the alias moved, and why (not)."""

    name: str
    alias: str
    version: int
    previous: int | None
    promoted: bool
    checks: tuple[MetricCheck, ...] = ()
    reasons: tuple[str, ...] = ()
    move: AliasMove | None = None

    def __bool__(self) -> bool:
        return self.promoted

    def _line(self) -> str:
        verdict = (f"{self.name} version {self.version} holds @{self.alias}" if self.promoted
                   else f"NOT promoted: {self.name} version {self.version} to @{self.alias}")
        word = "was" if self.promoted else "holder:"
        was = f" ({word} version {self.previous})" if self.previous not in (
            None, self.version) else ""
        why = f": {'; '.join(self.reasons)}" if self.reasons else ""
        return verdict + was + why

    def _rows(self) -> list[tuple[str, str]]:
        return [("promoted", "yes" if self.promoted else "no"),
                ("alias", f"{self.name}@{self.alias}"), ("candidate", str(self.version)),
                ("holder before", "" if self.previous is None else str(self.previous)),
                *((("passed" if c.passed else "FAILED") + f" {c.metric} {c.op}", c.note)
                  for c in self.checks),
                *(("why", r) for r in self.reasons if not self.checks)]


@dataclass(frozen=True)
class PredictionRecord:
    """One served request: the inputs the model saw and what it answered."""

    id: int
    name: str
    version: int
    timestamp: float
    rows: int
    inputs: dict[str, Any]
    predictions: list[Any]
    request_id: str | None = None


# --- Datasets ---


@dataclass(frozen=True, repr=False)
class DatasetVersion(_Shown):
    """One immutable version of a named dataset: a DataFrame, a file or a folder.

    ``digest`` identifies the content (the same content is the same version): for a DataFrame
    it is computed from its data and logical schema, for a file it is the file's BLAKE3
    digest, for a folder the digest of its manifest (each file's path, size and digest).
    ``storage_digest`` names the stored copy (the Parquet blob or the file's blob; None for a
    folder, whose files are listed by ``DatasetFile``). ``columns`` maps each column to its
    dtype; ``profile_digest`` names the JSON column profile, ``schema`` is the pandera schema
    (YAML) the version was validated against, if any.
    """

    name: str
    version: int
    kind: str
    digest: str
    bytes: int
    created_at: float
    created_by: str
    storage_digest: str | None = None
    rows: int | None = None
    files: int | None = None
    columns: dict[str, str] = field(default_factory=dict)
    format: str | None = None
    source: str | None = None
    description: str | None = None
    run_id: str | None = None
    profile_digest: str | None = None
    schema: str | None = None

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    def _line(self) -> str:
        size = [f"{self.rows:,} rows"] if self.rows is not None else []
        size += [f"{self.files:,} files"] if self.files is not None else []
        size += [f"{len(self.columns)} columns"] if self.columns else []
        return (f"{self.ref} {self.kind}, {', '.join([*size, f'{self.bytes:,} bytes'])}, "
                f"{self.digest[:12]}, {_when(self.created_at)} by {self.created_by}")

    def _rows(self) -> list[tuple[str, str]]:
        return [("version", self.ref), ("kind", self.kind),
                ("rows", "" if self.rows is None else f"{self.rows:,}"),
                ("files", "" if self.files is None else f"{self.files:,}"),
                ("bytes", f"{self.bytes:,}"),
                ("columns", ", ".join(f"{k}: {v}" for k, v in self.columns.items())),
                ("digest", self.digest), ("created", f"{_when(self.created_at)} by "
                                                     f"{self.created_by}"),
                ("run", self.run_id or ""), ("source", self.source or ""),
                ("description", self.description or "")]


@dataclass(frozen=True)
class DatasetFile:
    """One file of a folder version: its path inside the folder, size and blob digest."""

    path: str
    digest: str
    size: int


@dataclass(frozen=True)
class Dataset:
    """A dataset name with its description, schema contract and newest version."""

    name: str
    description: str | None
    created_at: float
    updated_at: float
    latest_version: int | None = None
    version_count: int = 0
    schema: str | None = None
