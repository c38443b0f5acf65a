"""An evaluation as the user holds it: one line in a terminal, a table and a chart in a notebook.

``Evaluation`` wraps the stored record (``store.evaluations.EvaluationRecord``) of a sliced
evaluation or a shadow replay; it is truthy when the version is blessed, so
``if mlops.evaluate(...):`` reads as the gate it is.
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING, Any

from ..store.evaluations import EvaluationRecord

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

HTML_ROWS = 60


def _number(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


class Evaluation:
    """A sliced evaluation (or replay) of a model version and its verdict."""

    def __init__(self, record: EvaluationRecord, saved: bool = False) -> None:
        self.record = record
        self.saved = saved

    # -- what it says -------------------------------------------------------------------------

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def kind(self) -> str:
        return self.record.kind

    @property
    def model(self) -> str:
        """``name/version`` of the evaluated version."""
        return self.record.model

    @property
    def blessed(self) -> bool:
        return self.record.blessed

    @property
    def failures(self) -> tuple[str, ...]:
        """Every failing check, named with its metric and slice."""
        return self.record.failures

    @property
    def baseline(self) -> str | None:
        return self.record.baseline

    @property
    def notes(self) -> list[str]:
        """What could not be judged, and why (small slices, no baseline yet)."""
        return list(self.record.details.get("notes", []))

    @property
    def checks(self) -> list[dict[str, Any]]:
        return list(self.record.details.get("checks", []))

    @property
    def metrics(self) -> list[str]:
        return list(self.record.details.get("metrics", []))

    @property
    def slices(self) -> list[dict[str, Any]]:
        return list(self.record.details.get("slices", []))

    @property
    def overall(self) -> dict[str, float]:
        """The metrics on all the rows."""
        for entry in self.slices:
            if entry["feature"] == "overall":
                return dict(entry["metrics"])
        return {}

    @property
    def agreement(self) -> float | None:
        """A replay's share of rows where the candidate answered as the served model did."""
        value = self.record.details.get("agreement")
        return None if value is None else float(value)

    def __bool__(self) -> bool:
        return self.blessed

    def to_frame(self, baseline: bool = False) -> pd.DataFrame:
        """One row per slice (overall first): feature, slice, rows, each metric, judged.

        Parameters
        ----------
        baseline:
            Use the baseline model's metrics on the same slices instead (a replay: the served
            model's).
        """
        import pandas as pd

        entries = self.record.details.get("baseline_slices" if baseline else "slices") or []
        failed = {c["slice"] for c in self.checks if c["passed"] is False}
        rows = []
        for e in entries:
            state = ("too small" if e.get("too_small") else
                     "FAILED" if e["slice"] in failed else "ok")
            rows.append({"feature": e["feature"], "slice": e["slice"], "rows": e["rows"],
                         **e["metrics"], "status": state})
        columns = ["feature", "slice", "rows", *self.metrics, "status"]
        return pd.DataFrame(rows, columns=columns)

    def agreement_frame(self) -> pd.DataFrame:
        """A replay's agreement with the served answers, one row per slice."""
        import pandas as pd

        entries = self.record.details.get("agreement_slices") or []
        return pd.DataFrame([{"feature": e["feature"], "slice": e["slice"], "rows": e["rows"],
                              "agreement": e["agreement"], "status": "ok"} for e in entries],
                            columns=["feature", "slice", "rows", "agreement", "status"])

    def figure(self, metric: str | None = None) -> go.Figure:
        """A plotly bar per slice of ``metric`` (a menu switches metric), bounds dashed,
        failing slices red and slices too small to judge grey; a replay adds the outputs of
        both models."""
        from .figures import slices_figure

        return slices_figure(self, metric)

    # -- how it shows -------------------------------------------------------------------------

    def _line(self) -> str:
        r = self.record
        what = "replay" if r.kind == "replay" else "evaluation"
        where = f"{r.model} {what} on {r.data} ({r.rows:,} rows"
        sliced = sum(1 for e in self.slices if e["feature"] != "overall")
        where += f", {sliced} slices)" if sliced else ")"
        if r.kind == "replay" and self.agreement is not None:
            where += f", agreement {self.agreement:.1%} with {r.baseline}"
        if r.blessed:
            judged = sum(1 for c in self.checks if c["passed"] is not None)
            return f"{where}: blessed ({judged} checks passed)"
        return f"{where}: NOT blessed: {'; '.join(r.failures)}"

    def __repr__(self) -> str:
        return f"<Evaluation {self.id[-8:]} {self._line()}>"

    # Departure from issue 14 (HTML in the notebook face): IPython's display protocol asks the
    # object itself, so this renders in any notebook, extension loaded or not. See
    # docs/architecture.md, "Displays".
    def _repr_html_(self) -> str:
        from .figures import figure_html

        r = self.record
        colour = "#2ca02c" if r.blessed else "#d62728"
        verdict = "Blessed" if r.blessed else "Not blessed"
        parts = [f'<div class="jp-mlops-evaluation"><p><b style="color:{colour}">{verdict}</b>'
                 f" {html.escape(self._line())}</p>"]
        if r.failures:
            parts.append("<ul>" + "".join(f"<li>{html.escape(f)}</li>" for f in r.failures)
                         + "</ul>")
        if self.notes:
            parts.append("<details><summary>Not judged</summary><ul>" + "".join(
                f"<li>{html.escape(n)}</li>" for n in self.notes) + "</ul></details>")
        frame = self.to_frame() if self.metrics else self.agreement_frame()
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
        body = []
        for row in frame.head(HTML_ROWS).itertuples(index=False):
            style = ' style="color:#d62728"' if row[-1] == "FAILED" else (
                ' style="color:#888"' if row[-1] == "too small" else "")
            body.append(f"<tr{style}>" + "".join(
                f"<td>{html.escape(_number(v))}</td>" for v in row) + "</tr>")
        parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody>"
                     "</table>")
        if len(frame) > HTML_ROWS:
            parts.append(f"<p>... {len(frame) - HTML_ROWS} more slices: .to_frame() has them "
                         "all.</p>")
        parts.append(figure_html(self.figure()))
        if r.kind == "replay":
            from .figures import outputs_figure

            parts.append(figure_html(outputs_figure(self), with_js=False))
        parts.append("</div>")
        return "".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """The record as plain data (for ``--json`` and the REST routes)."""
        from dataclasses import asdict

        return asdict(self.record)
