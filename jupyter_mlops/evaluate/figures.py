"""Plotly figures of an evaluation: a bar per slice for each metric, and a replay's outputs.

One figure, one metric shown at a time (a menu switches): slices read top to bottom in the
order they were measured, overall first; bounds are dashed lines, failing slices red, slices
too small to judge grey, the baseline's value a diamond beside each bar.
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from .result import Evaluation

OK = "#1f77b4"
FAILED = "#d62728"
SMALL = "#b0b0b0"
BASELINE = "#ff7f0e"
_ROW_HEIGHT = 22


def _primary(evaluation: Evaluation) -> str | None:
    checked = [c["metric"] for c in evaluation.checks]
    for name in (*checked, "auc", "accuracy", "rmse"):
        if name in evaluation.metrics:
            return name
    return evaluation.metrics[0] if evaluation.metrics else None


def slices_figure(evaluation: Evaluation, metric: str | None = None) -> go.Figure:
    """The per-slice bar chart (see the module docstring)."""
    import plotly.graph_objects as go

    if evaluation.kind == "replay" and not evaluation.metrics:
        return agreement_figure(evaluation)
    slices = evaluation.slices
    base = {e["slice"]: e for e in evaluation.record.details.get("baseline_slices") or []}
    shown = metric or _primary(evaluation)
    names = [f"{e['slice']} ({e['rows']:,})" for e in slices]
    figure = go.Figure()
    metrics = evaluation.metrics
    if shown is not None and shown not in metrics:
        from ..errors import InvalidInput

        raise InvalidInput(f"No metric {shown!r} in this evaluation: use one of "
                           f"{', '.join(metrics)}.")
    buttons = []
    per_metric = 2 if base else 1
    for position, name in enumerate(metrics):
        failed = {c["slice"] for c in evaluation.checks
                  if c["metric"] == name and c["passed"] is False}
        colours = [SMALL if e.get("too_small") else FAILED if e["slice"] in failed else OK
                   for e in slices]
        visible = name == shown
        figure.add_bar(x=[e["metrics"].get(name) for e in slices], y=names, orientation="h",
                       marker_color=colours, name=name, visible=visible,
                       hovertemplate="%{y}: %{x:.4g}<extra>" + name + "</extra>")
        if base:
            figure.add_scatter(x=[base.get(e["slice"], {}).get("metrics", {}).get(name)
                                  for e in slices], y=names, mode="markers",
                               marker={"symbol": "diamond", "color": BASELINE, "size": 9},
                               name=f"baseline {evaluation.baseline}", visible=visible,
                               hovertemplate="%{y}: %{x:.4g}<extra>baseline</extra>")
        mask = [False] * (per_metric * len(metrics))
        mask[per_metric * position:per_metric * (position + 1)] = [True] * per_metric
        buttons.append({"label": name, "method": "update",
                        "args": [{"visible": mask}, {"shapes": _bounds(evaluation, name),
                                                     "xaxis.title.text": name}]})
    verdict = "blessed" if evaluation.blessed else "NOT blessed"
    figure.update_layout(
        title=f"{evaluation.model} per slice: {verdict}",
        height=max(260, 120 + _ROW_HEIGHT * len(slices)),
        margin={"l": 10, "r": 20, "t": 80, "b": 40},
        yaxis={"autorange": "reversed", "automargin": True},
        xaxis_title=shown, showlegend=bool(base), bargap=0.25,
        shapes=_bounds(evaluation, shown) if shown else [],
        updatemenus=[{"buttons": buttons, "direction": "down", "x": 1.0, "xanchor": "right",
                      "y": 1.12, "yanchor": "bottom", "showactive": True}] if len(buttons) > 1
        else [],
    )
    return figure


def _bounds(evaluation: Evaluation, metric: str | None) -> list[dict[str, Any]]:
    """Dashed vertical lines at the value bounds set on ``metric`` (overall or per slice)."""
    seen = sorted({float(c["bound"]) for c in evaluation.checks
                   if c["metric"] == metric and c["kind"] in ("lower", "upper")
                   and math.isfinite(float(c["bound"]))})
    return [{"type": "line", "xref": "x", "yref": "paper", "x0": b, "x1": b, "y0": 0, "y1": 1,
             "line": {"dash": "dash", "color": FAILED, "width": 1}} for b in seen]


def agreement_figure(evaluation: Evaluation) -> go.Figure:
    """A replay without labels: per slice, the share of rows where both models agree."""
    import plotly.graph_objects as go

    entries = evaluation.record.details.get("agreement_slices") or []
    names = [f"{e['slice']} ({e['rows']:,})" for e in entries]
    figure = go.Figure(go.Bar(x=[e["agreement"] for e in entries], y=names, orientation="h",
                              marker_color=OK,
                              hovertemplate="%{y}: %{x:.1%}<extra>agreement</extra>"))
    figure.update_layout(title=f"{evaluation.model} agreement with {evaluation.baseline} per "
                               "slice", height=max(260, 120 + _ROW_HEIGHT * len(entries)),
                         xaxis={"title": "agreement", "tickformat": ".0%", "range": [0, 1]},
                         yaxis={"autorange": "reversed", "automargin": True},
                         margin={"l": 10, "r": 20, "t": 60, "b": 40})
    return figure


def outputs_figure(evaluation: Evaluation) -> go.Figure:
    """A replay's outputs: how often each model answered each class, or both histograms."""
    import plotly.graph_objects as go

    dist = evaluation.record.details.get("distributions") or {}
    figure = go.Figure()
    for side, colour in (("served", BASELINE), ("candidate", OK)):
        part = dist.get(side) or {}
        if "counts" in part:
            figure.add_bar(x=list(part["counts"]), y=list(part["counts"].values()),
                           name=side, marker_color=colour)
        elif "histogram" in part:
            edges = part["histogram"]["edges"]
            centres = [(a + b) / 2 for a, b in itertools.pairwise(edges)]
            figure.add_bar(x=centres, y=part["histogram"]["counts"], name=side,
                           marker_color=colour, opacity=0.6)
    figure.update_layout(title="Outputs of the served model and the candidate on the same "
                               "requests", barmode="group" if "counts" in dist.get(
                                   "served", {}) else "overlay", height=320,
                         xaxis_title="output", yaxis_title="rows")
    return figure


def figure_html(figure: Any, with_js: bool = True) -> str:
    """The figure for a notebook's HTML output (plotly.js from its CDN, as our saved figures;
    once per output)."""
    return str(figure.to_html(full_html=False, include_plotlyjs="cdn" if with_js else False,
                              config={"displaylogo": False}))
