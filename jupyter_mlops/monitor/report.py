"""``DriftReport``: a drift comparison's results as a table, JSON, figures, HTML, and stored."""

from __future__ import annotations

import dataclasses
import json
import math
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput
from ..jsonable import jsonable
from ..records import DriftReportRecord, DriftResult

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

HTML_ROWS = 200
"""At most this many columns are listed in the notebook display (drifted ones first)."""

FRAME_COLUMNS = ["column", "type", "statistic", "value", "threshold", "drifted", "role", "note"]


class DriftReport:
    """The result of ``drift_report``: per-column results and the dataset verdict."""

    def __init__(self, record: DriftReportRecord, saved: bool = False) -> None:
        self.record = record
        self._saved = saved

    def __repr__(self) -> str:
        verdict = "DRIFTED" if self.drifted else "no drift"
        return (f"<DriftReport {self.record.reference} -> {self.record.current}: {verdict}, "
                f"{self.drifted_count}/{self.tested_count} columns drifted>")

    # -- the verdict ----------------------------------------------------------------------------

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def drifted(self) -> bool:
        """Whether the share of drifted feature columns reaches ``drift_share``."""
        return self.record.drifted

    @property
    def share(self) -> float:
        """The share of tested feature columns that drifted."""
        return self.record.share

    @property
    def results(self) -> tuple[DriftResult, ...]:
        return self.record.results

    @property
    def tested_count(self) -> int:
        return sum(1 for r in self.results if r.role == "feature" and r.tested)

    @property
    def drifted_count(self) -> int:
        return sum(1 for r in self.results if r.role == "feature" and r.drifted)

    @property
    def drifted_columns(self) -> list[str]:
        return self.record.drifted_columns

    def result(self, column: str) -> DriftResult:
        """The result of one column."""
        for found in self.results:
            if found.column == column:
                return found
        known = ", ".join(r.column for r in self.results[:20])
        raise InvalidInput(f"The report has no column {column!r}. Columns: {known}.")

    @property
    def target_drift(self) -> DriftResult | None:
        return next((r for r in self.results if r.role == "target"), None)

    @property
    def prediction_drift(self) -> DriftResult | None:
        return next((r for r in self.results if r.role == "prediction"), None)

    @property
    def outliers(self) -> dict[str, Any] | None:
        """Outlier shares (``outliers=True``): range check and IsolationForest."""
        return self.record.details.get("outliers")

    # -- views ----------------------------------------------------------------------------------

    def to_frame(self) -> pd.DataFrame:
        """One row per column: column, type, statistic, value, threshold, drifted, role, note.

        Extra columns give the null shares and the share of current values outside the
        reference's range (or categories unseen in it).
        """
        import pandas as pd

        rows = []
        for r in self.results:
            rows.append({
                "column": r.column, "type": r.type, "statistic": r.statistic, "value": r.value,
                "threshold": r.threshold, "drifted": r.drifted, "role": r.role, "note": r.note,
                "null_share_reference": r.details.get("null_share_reference", math.nan),
                "null_share_current": r.details.get("null_share_current", math.nan),
                "out_of_range_share": r.details.get("out_of_range_share", math.nan),
            })
        frame = pd.DataFrame(rows, columns=[*FRAME_COLUMNS, "null_share_reference",
                                            "null_share_current", "out_of_range_share"])
        return frame.astype({"value": "float64", "threshold": "float64", "drifted": "bool"})

    def to_dict(self, details: bool = True) -> dict[str, Any]:
        """A JSON-ready dict of the report (NaN and infinities as strings)."""
        data = dataclasses.asdict(self.record)
        data["tested_count"] = self.tested_count
        data["drifted_count"] = self.drifted_count
        if not details:
            for result in data["results"]:
                result.pop("details", None)
        return jsonable(data)

    def to_json(self, indent: int | None = None, details: bool = True) -> str:
        """The report as a JSON string (always valid JSON)."""
        return json.dumps(self.to_dict(details), indent=indent, allow_nan=False)

    def figure(self, column: str | None = None) -> go.Figure:
        """A plotly figure: every column's score against its threshold, or one column's
        reference and current distributions overlaid when ``column`` is given."""
        from .figures import column_figure, scores_figure

        if column is None:
            return scores_figure(self)
        return column_figure(self, self.result(column))

    # Departure from issue 14 (HTML in the notebook face): IPython's display protocol asks the
    # object itself, so this renders in any notebook, extension loaded or not. See
    # docs/architecture.md, "Displays".
    def _repr_html_(self) -> str:
        from .figures import report_html

        return report_html(self, HTML_ROWS)

    # -- storage --------------------------------------------------------------------------------

    def save(self, name: str | None = None, model: str | None = None) -> DriftReport:
        """Store the report in the workspace, linked to the active run if there is one.

        Parameters
        ----------
        name:
            A name to find it by (e.g. the monitored model or job).
        model:
            The model version the data feeds, if not given to ``drift_report``.

        Returns
        -------
        DriftReport
            This report (saving twice stores it once).
        """
        if self._saved:
            return self
        from ..session import current
        from ..tracking.run import active_run

        run = active_run()
        self.record = dataclasses.replace(
            self.record,
            name=name if name is not None else self.record.name,
            model=model if model is not None else self.record.model,
            run_id=run.id if run is not None else self.record.run_id,
        )
        if run is None:
            current().store.drift.save(self.record)
        else:
            # The run's row must exist before a report can point at it.
            run._ensure()
            for label in (self.record.reference, self.record.current):
                if "@" in label:
                    run.log_input("dataset", label)
            run.store.drift.save(self.record)
            run.log_output("drift_report", self.record.id)
        self._saved = True
        from .alerts import after_drift_saved  # drift rules tell right away
        after_drift_saved(self.record)
        return self

