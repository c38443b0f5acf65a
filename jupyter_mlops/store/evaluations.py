"""Saved evaluations of model versions: one row each, the slices and checks as JSON.

One table holds three kinds of judgement of a model version (``kind``): a sliced
``"evaluation"`` with its blessing, a shadow ``"replay"`` on served traffic, and a ``"skew"``
report; the promotion gate reads the newest of a kind for a version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select

from ..errors import InvalidInput, NotFound
from . import schema
from .engine import write

_E = schema.evaluations
_MIN_PREFIX = 6
KINDS = ("evaluation", "replay", "skew")


@dataclass(frozen=True)
class EvaluationRecord:
    """One stored judgement of a version: on what data, against which baseline, the verdict.

    ``failures`` names every failing check ("auc on country=FR: 0.61 < 0.7");
    ``details`` holds the metrics of every slice and every check.
    """

    id: str
    created_at: float
    name: str
    version: int
    data: str
    label: str
    task: str
    rows: int
    blessed: bool
    failures: tuple[str, ...] = ()
    baseline: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    kind: str = "evaluation"

    @property
    def model(self) -> str:
        return f"{self.name}/{self.version}"


def _dumps(data: Any) -> str:
    # NaN is valid in Python's JSON dialect, which both ends of this column use.
    return json.dumps(data, sort_keys=True, default=_plain)


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InvalidInput(f"Unknown evaluation kind {kind!r}: use one of {', '.join(KINDS)}.")
    return kind


class Evaluations:
    """Writes and reads of evaluations, replays and skew reports."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def save(self, record: EvaluationRecord) -> None:
        """Store ``record`` (its id is chosen by the caller, time-ordered)."""
        row = {
            "id": record.id, "kind": _check_kind(record.kind), "created_at": record.created_at,
            "name": record.name, "version": record.version, "data": record.data,
            "baseline": record.baseline, "label": record.label, "task": record.task,
            "rows": record.rows, "blessed": record.blessed,
            "failures": _dumps(list(record.failures)), "details": _dumps(record.details),
        }
        with write(self.engine) as connection:
            connection.execute(_E.insert(), row)

    def get(self, evaluation_id: str) -> EvaluationRecord:
        """The evaluation ``evaluation_id`` names (its id, or a unique prefix or suffix)."""
        text = evaluation_id.strip().lower()
        if len(text) < _MIN_PREFIX:
            raise InvalidInput(f"Evaluation id {evaluation_id!r} is too short: give at least "
                               f"{_MIN_PREFIX} characters.")
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(_E).where(_E.c.id.like(f"{text}%") | _E.c.id.like(f"%{text}")).limit(2)
            ).all()
        if not rows:
            raise NotFound(f"No evaluation {evaluation_id!r}. List them with "
                           "mlops.evaluations().")
        if len(rows) > 1:
            raise InvalidInput(f"Evaluation id {evaluation_id!r} is ambiguous: give more "
                               "characters.")
        return self._record(rows[0])

    def list(self, name: str | None = None, version: int | None = None,
             kind: str | None = None, limit: int = 50) -> list[EvaluationRecord]:
        """Evaluations, newest first, of one model (and version) and kind when given."""
        query = select(_E).order_by(_E.c.created_at.desc(), _E.c.id.desc()).limit(limit)
        if name is not None:
            query = query.where(_E.c.name == name)
        if version is not None:
            query = query.where(_E.c.version == version)
        if kind is not None:
            query = query.where(_E.c.kind == _check_kind(kind))
        with self.engine.connect() as connection:
            return [self._record(row) for row in connection.execute(query)]

    def latest(self, name: str, version: int, kind: str = "evaluation") -> EvaluationRecord | None:
        """The newest ``kind`` of ``name`` version ``version``, or None if there is none."""
        found = self.list(name, version, kind, limit=1)
        return found[0] if found else None

    @staticmethod
    def _record(row: Any) -> EvaluationRecord:
        return EvaluationRecord(
            id=row.id, created_at=row.created_at, name=row.name, version=int(row.version),
            data=row.data, label=row.label, task=row.task, rows=int(row.rows),
            blessed=bool(row.blessed), failures=tuple(json.loads(row.failures)),
            baseline=row.baseline, details=json.loads(row.details), kind=row.kind,
        )
