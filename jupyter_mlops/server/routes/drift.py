"""Saved drift reports: ``drift`` and ``drift/{id}`` with its plotly figure."""

from __future__ import annotations

import json
import re
from typing import Any

import tornado.web

from ...errors import InvalidInput
from ...monitor import saved as drift_reports
from ..base import MlopsHandler

# Any segment matches, so a malformed id gets the JSON error shape rather than Jupyter's page.
REPORT_ID = r"(?P<report_id>[^/]+)"
_HEX_ID = re.compile(r"[0-9a-fA-F]{6,32}")


def drift_detail(report_id: str, column: str | None) -> dict[str, Any]:
    """A saved drift report with its column results and its plotly figure as JSON.

    Parameters
    ----------
    report_id:
        The report's id or a unique prefix or suffix of it.
    column:
        Give this column's distributions overlaid instead of every column's score.

    Returns
    -------
    dict
        ``{"report": {...}, "figure": {"data", "layout"}}``.
    """
    if not _HEX_ID.fullmatch(report_id):
        # Checked here because the store matches ids with LIKE, where % and _ are wildcards.
        raise InvalidInput(f"Invalid drift report id {report_id!r}: give 6 to 32 hex digits "
                           "of it (see GET drift).")
    report = drift_reports.get_report(report_id)
    if column is not None:
        known = [r.column for r in report.results]
        if column not in known:
            raise InvalidInput(f"Report {report.id} has no column {column!r}: use one of "
                               f"{', '.join(known) or 'none'}.")
    figure = report.figure(column)
    return {"report": report.to_dict(details=True), "figure": json.loads(figure.to_json())}


class DriftReportsHandler(MlopsHandler):
    """GET drift: saved reports, newest first (?name=, ?limit=)."""

    @tornado.web.authenticated
    async def get(self) -> None:
        name = self.get_argument("name", None) or None
        limit = self.int_argument("limit", 50, 1, 1000)
        reports = await self.call(drift_reports.list_reports, name=name, limit=limit)
        self.reply({"reports": reports})


class DriftReportHandler(MlopsHandler):
    """GET drift/{id}: one report with its figure (?column= for a distribution overlay)."""

    @tornado.web.authenticated
    async def get(self, report_id: str) -> None:
        column = self.get_argument("column", None)
        self.reply(await self.call(drift_detail, report_id, column))


ROUTES: list[tuple[str, type[MlopsHandler]]] = [
    ("drift", DriftReportsHandler),
    (f"drift/{REPORT_ID}", DriftReportHandler),
]
