"""What the lab's drift view shows: a saved report with its results and its plotly figure, as
JSON-ready values (the REST route only parses and replies).
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..errors import InvalidInput
from . import saved as drift_reports

__all__ = ["drift_detail"]

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
