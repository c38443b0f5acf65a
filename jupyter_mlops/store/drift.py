"""Saved drift reports: one row per report, one per column result; returns records."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, delete, func, select

from ..errors import InvalidInput, NotFound
from ..records import DriftReportRecord, DriftResult
from . import schema
from .engine import write

_R = schema.drift_reports
_C = schema.drift_results
_MIN_PREFIX = 6


def _to_db(value: float) -> float | None:
    return None if math.isnan(value) else value


def _from_db(value: float | None) -> float:
    return math.nan if value is None else value


def _dumps(data: dict[str, Any]) -> str:
    # NaN and infinities are valid in Python's JSON dialect, which both ends of this column use.
    return json.dumps(data, sort_keys=True, default=_plain)


def _plain(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


class DriftReports:
    """Writes and reads of drift reports."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def save(self, report: DriftReportRecord) -> None:
        """Store ``report`` and its column results in one transaction."""
        row = {
            "id": report.id,
            "name": report.name,
            "created_at": report.created_at,
            "reference": report.reference,
            "current": report.current,
            "model": report.model,
            "run_id": report.run_id,
            "drifted": report.drifted,
            "share": report.share,
            "drift_share": report.drift_share,
            "method": report.method,
            "reference_rows": report.reference_rows,
            "current_rows": report.current_rows,
            "details": _dumps(report.details),
        }
        results = [
            {
                "report_id": report.id,
                "position": position,
                "column_name": r.column,
                "type": r.type,
                "role": r.role,
                "statistic": r.statistic,
                "value": _to_db(r.value),
                "threshold": _to_db(r.threshold),
                "drifted": r.drifted,
                "note": r.note,
                "details": _dumps(r.details),
            }
            for position, r in enumerate(report.results)
        ]
        with write(self.engine) as connection:
            connection.execute(_R.insert(), row)
            if results:
                connection.execute(_C.insert(), results)

    def resolve_id(self, report_id: str) -> str:
        """The full id of the report ``report_id`` names (its full id or a unique suffix/prefix)."""
        text = report_id.strip().lower()
        if len(text) < _MIN_PREFIX:
            raise InvalidInput(
                f"Report id {report_id!r} is too short: give at least {_MIN_PREFIX} characters."
            )
        with self.engine.connect() as connection:
            found = connection.execute(
                select(_R.c.id).where(_R.c.id.like(f"{text}%") | _R.c.id.like(f"%{text}"))
                .limit(2)
            ).scalars().all()
        if not found:
            raise NotFound(
                f"No drift report {report_id!r}. List them with `jupyter mlops drift list`."
            )
        if len(found) > 1:
            raise InvalidInput(f"Report id {report_id!r} is ambiguous: give more characters.")
        return str(found[0])

    def get(self, report_id: str) -> DriftReportRecord:
        """The report ``report_id`` names, with all its column results."""
        full = self.resolve_id(report_id)
        with self.engine.connect() as connection:
            row = connection.execute(select(_R).where(_R.c.id == full)).one()
            results = connection.execute(
                select(_C).where(_C.c.report_id == full).order_by(_C.c.position)
            ).all()
        return self._record(row, [self._result(r) for r in results])

    def list(self, name: str | None = None, reference: str | None = None,
             current: str | None = None, limit: int = 50) -> list[DriftReportRecord]:
        """Reports, newest first, without their column results (``get`` loads those).

        Parameters
        ----------
        name, reference, current:
            Keep only reports with this name or comparing this data.
        limit:
            At most this many reports.
        """
        query = select(_R).order_by(_R.c.created_at.desc(), _R.c.id.desc()).limit(limit)
        for column, wanted in ((_R.c.name, name), (_R.c.reference, reference),
                               (_R.c.current, current)):
            if wanted is not None:
                query = query.where(column == wanted)
        with self.engine.connect() as connection:
            return [self._record(row, []) for row in connection.execute(query)]

    def count(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(_R)).scalar() or 0)

    def delete(self, report_ids: Sequence[str]) -> int:
        """Delete reports (and their results); returns how many were deleted."""
        full = [self.resolve_id(r) for r in report_ids]
        with write(self.engine) as connection:
            connection.execute(delete(_C).where(_C.c.report_id.in_(full)))
            return connection.execute(delete(_R).where(_R.c.id.in_(full))).rowcount or 0

    @staticmethod
    def _result(row: Any) -> DriftResult:
        return DriftResult(
            column=row.column_name,
            type=row.type,
            statistic=row.statistic,
            value=_from_db(row.value),
            threshold=_from_db(row.threshold),
            drifted=bool(row.drifted),
            role=row.role,
            note=row.note,
            details=json.loads(row.details),
        )

    @staticmethod
    def _record(row: Any, results: list[DriftResult]) -> DriftReportRecord:
        return DriftReportRecord(
            id=row.id,
            created_at=row.created_at,
            reference=row.reference,
            current=row.current,
            drifted=bool(row.drifted),
            share=row.share,
            drift_share=row.drift_share,
            method=row.method,
            reference_rows=int(row.reference_rows),
            current_rows=int(row.current_rows),
            results=tuple(results),
            name=row.name,
            model=row.model,
            run_id=row.run_id,
            details=json.loads(row.details),
        )
