"""Saved drift reports: ``drift`` and ``drift/{id}`` with its plotly figure."""

from __future__ import annotations

import tornado.web

from ...monitor import saved as drift_reports
from ...monitor.views import drift_detail
from ..base import MlopsHandler

# Any segment matches, so a malformed id gets the JSON error shape rather than Jupyter's page.
REPORT_ID = r"(?P<report_id>[^/]+)"


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
