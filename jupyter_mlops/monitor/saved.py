"""Saved drift reports: list, load and delete them through the workspace's store."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..records import DriftReportRecord
from .report import DriftReport

if TYPE_CHECKING:
    from ..store import Store


def _store() -> Store:
    from ..session import current

    return current().store


def list_reports(name: str | None = None, reference: str | None = None,
                 current: str | None = None, limit: int = 50) -> list[DriftReportRecord]:
    """Saved drift reports, newest first, without their column results.

    Parameters
    ----------
    name, reference, current:
        Keep only reports with this name, or comparing this reference or current data.
    limit:
        At most this many.

    Returns
    -------
    list of DriftReportRecord
        Records whose ``results`` are empty; ``get_report`` loads one whole.
    """
    return _store().drift.list(name=name, reference=reference, current=current, limit=limit)


def get_report(report_id: str) -> DriftReport:
    """The saved report ``report_id`` names (its id, or a unique prefix or suffix of it)."""
    return DriftReport(_store().drift.get(report_id), saved=True)


def delete_reports(report_ids: Sequence[str]) -> int:
    """Delete saved reports; returns how many were deleted."""
    return int(_store().drift.delete(list(report_ids)))
