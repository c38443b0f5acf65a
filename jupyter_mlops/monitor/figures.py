"""How a drift report looks: plotly figures on demand and a small, script-free HTML table.

The notebook display is plain HTML with CSS bars (no iframe, no plotly.js), listing at most a
few hundred columns, so a report adds tens of KB to the .ipynb however wide the data is; the
interactive figures are built only when ``report.figure()`` is called.
"""

from __future__ import annotations

import html
import itertools
import math
from typing import TYPE_CHECKING, Any

from ..records import DriftResult

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from .report import DriftReport

DRIFT_COLOUR = "#d62728"
STABLE_COLOUR = "#2ca02c"
REFERENCE_COLOUR = "#1f77b4"
CURRENT_COLOUR = "#ff7f0e"
# Mid grey reads on light and dark backgrounds alike (the sidebar draws this figure too).
THRESHOLD_COLOUR = "#7f7f7f"


def _score(result: DriftResult) -> float:
    """The value as a multiple of its threshold, oriented so that above 1 means drift.

    p-values shrink as drift grows, distances grow: dividing the right way round puts every
    statistic on one scale where the threshold is 1 (the HTML table's bars use it).
    """
    value, threshold = result.value, result.threshold
    if math.isnan(value) or math.isnan(threshold):
        return math.nan
    if result.statistic is not None and _is_p_value(result.statistic):
        return threshold / value if value > 0 else math.inf
    return value / threshold if threshold > 0 else math.inf


def _is_p_value(name: str) -> bool:
    from . import statistics

    try:
        return statistics.get(name).kind == "p_value"
    except Exception:
        return False


def _neg_log10(value: float) -> float:
    return -math.log10(value) if value > 0 else math.inf


# A bar is drawn at most this many times its threshold line high: one p-value of 1e-300 beside
# one of 0.04 must not flatten the rest of the chart. The hover keeps the true value.
CLIP_FACTOR = 3.0


def scores_figure(report: DriftReport) -> go.Figure:
    """Each tested column's statistic against its own threshold, on a scale read at a glance.

    p-value tests are drawn as -log10(p) (p = 0.05 is 1.3, p = 1e-6 is 6, higher is more drift)
    and distances as they are, each kind in a panel of its own so that neither squeezes the
    other; every column's threshold is a marker across its bar, bars past ``CLIP_FACTOR`` times
    the highest threshold are cut there and say so, and the hover shows the raw value.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    tested = [r for r in report.results if r.tested]
    groups = [
        ("p-value tests: -log10(p)", "-log10(p)", _neg_log10,
         [r for r in tested if r.statistic is not None and _is_p_value(r.statistic)]),
        ("distances", "distance", float,
         [r for r in tested if not (r.statistic is not None and _is_p_value(r.statistic))]),
    ]
    groups = [group for group in groups if group[3]]
    # One panel says what it is on its y axis; two need a title each to tell them apart.
    figure = make_subplots(rows=1, cols=max(len(groups), 1), shared_yaxes=False,
                           subplot_titles=[g[0] for g in groups] if len(groups) > 1 else None,
                           column_widths=[len(g[3]) for g in groups] or None,
                           horizontal_spacing=0.08)
    for index, (title, axis, scale, results) in enumerate(groups, start=1):
        values = [scale(r.value) if not math.isnan(r.value) else 0.0 for r in results]
        lines = [scale(r.threshold) for r in results]
        cap = CLIP_FACTOR * max(lines)
        clipped = [v > cap for v in values]
        shown = [min(v, cap) for v in values]
        figure.add_trace(go.Bar(
            x=[r.column for r in results], y=shown, name=title,
            marker_color=[DRIFT_COLOUR if r.drifted else STABLE_COLOUR for r in results],
            text=[f"≥{cap:.3g}" if c else "" for c in clipped], textposition="inside",
            customdata=[[r.statistic, r.value, r.threshold, r.role, v]
                        for r, v in zip(results, values, strict=True)],
            hovertemplate=("%{x} (%{customdata[3]})<br>%{customdata[0]} = %{customdata[1]:.4g}"
                           "<br>threshold %{customdata[2]:.4g}<extra></extra>"),
        ), row=1, col=index)
        figure.add_trace(go.Scatter(
            x=[r.column for r in results], y=lines, mode="markers", name="threshold",
            marker={"symbol": "line-ew-open", "size": 28, "line": {"width": 2},
                    "color": THRESHOLD_COLOUR},
            customdata=[r.threshold for r in results],
            hovertemplate="%{x}: threshold %{customdata:.4g}<extra></extra>",
        ), row=1, col=index)
        figure.update_yaxes(title_text=axis, range=[0, cap * 1.05], row=1, col=index)
    verdict = "drift detected" if report.drifted else "no dataset drift"
    figure.update_layout(
        # Two short lines: a sidebar panel is a few hundred pixels wide.
        title=(f"{report.record.reference} → {report.record.current}<br>{verdict} "
               f"({report.drifted_count}/{report.tested_count} columns; above the mark = drift)"),
        template="plotly_white", showlegend=False,
    )
    return figure


def column_figure(report: DriftReport, result: DriftResult) -> go.Figure:
    """The reference and current distributions of one column, as shares, overlaid."""
    import plotly.graph_objects as go

    d = result.details
    figure = go.Figure()
    if "edges" in d:
        edges = d["edges"]
        centres = [(a + b) / 2 for a, b in itertools.pairwise(edges)]
        widths = [b - a for a, b in itertools.pairwise(edges)]
        for label, counts, colour in (("reference", d["reference_counts"], REFERENCE_COLOUR),
                                      ("current", d["current_counts"], CURRENT_COLOUR)):
            total = sum(counts) or 1
            figure.add_trace(go.Bar(x=centres, y=[c / total for c in counts], width=widths,
                                    name=label, marker_color=colour, opacity=0.55))
        figure.update_layout(barmode="overlay", xaxis_title=result.column)
    elif "categories" in d:
        for label, counts, colour in (("reference", d["reference_counts"], REFERENCE_COLOUR),
                                      ("current", d["current_counts"], CURRENT_COLOUR)):
            total = sum(counts) or 1
            figure.add_trace(go.Bar(x=d["categories"], y=[c / total for c in counts],
                                    name=label, marker_color=colour))
        figure.update_layout(barmode="group", xaxis_title=result.column)
    if result.tested:
        headline = (f"{result.column}: {result.statistic} = {result.value:.4g} "
                    f"(threshold {result.threshold:.4g}) — "
                    f"{'drift' if result.drifted else 'no drift'}")
    else:
        headline = f"{result.column}: not tested — {result.note}"
    figure.update_layout(title=headline, yaxis_title="share of rows", template="plotly_white")
    return figure


_CSS = (
    "<style>.mlops-drift td,.mlops-drift th{padding:2px 8px;text-align:left;font-size:12px}"
    ".mlops-drift .bar{background:#eee;width:120px;height:10px;position:relative}"
    ".mlops-drift .bar span{display:block;height:10px}"
    ".mlops-drift .bar i{position:absolute;left:50%;top:-2px;height:14px;border-left:1px "
    "solid #000}</style>"
)


def _bar(result: DriftResult) -> str:
    score = _score(result)
    if math.isnan(score):
        return ""
    # Half the bar is the threshold: a full bar means twice as far past it, or more.
    width = 100.0 if math.isinf(score) else min(score / 2, 1.0) * 100
    colour = DRIFT_COLOUR if result.drifted else STABLE_COLOUR
    return (f'<div class="bar"><span style="width:{width:.0f}%;background:{colour}"></span>'
            "<i></i></div>")


def _number(value: float) -> str:
    return "" if math.isnan(value) else f"{value:.4g}"


def report_html(report: DriftReport, limit: int) -> str:
    """The notebook display: the verdict, then one line per column (drifted first)."""

    r = report.record
    verdict = (f"<b style='color:{DRIFT_COLOUR}'>Dataset drift detected</b>" if r.drifted
               else f"<b style='color:{STABLE_COLOUR}'>No dataset drift</b>")
    parts = [
        _CSS, '<div class="mlops-drift">',
        f"<p>{verdict}: {report.drifted_count} of {report.tested_count} columns drifted "
        f"({r.share:.0%}; the dataset drifts from {r.drift_share:.0%}).<br>"
        f"Reference <code>{escape(r.reference)}</code> ({r.reference_rows:,} rows), current "
        f"<code>{escape(r.current)}</code> ({r.current_rows:,} rows).</p>",
    ]
    for role in ("target", "prediction"):
        found = next((x for x in report.results if x.role == role), None)
        if found is not None:
            state = "drifted" if found.drifted else "stable" if found.tested else "not tested"
            parts.append(f"<p>{role.capitalize()} <code>{escape(found.column)}</code>: "
                         f"{state}.</p>")
    outliers = r.details.get("outliers")
    if outliers:
        forest = outliers.get("forest_share")
        parts.append(f"<p>Outliers: {outliers['range_share']:.1%} of current rows outside the "
                     "reference's range" + (f", {forest:.1%} by IsolationForest" if forest
                                             is not None else "") + ".</p>")
    ordered = sorted(report.results, key=lambda x: (not x.drifted, not x.tested,
                                                    -(_score(x) if x.tested and not
                                                      math.isnan(_score(x)) else 0)))
    parts.append("<table><thead><tr><th>column</th><th>type</th><th>statistic</th>"
                 "<th>value</th><th>threshold</th><th>score</th><th>drift</th><th>note</th>"
                 "</tr></thead><tbody>")
    for x in ordered[:limit]:
        mark = "●" if x.drifted else ""
        parts.append(
            f"<tr><td>{escape(x.column[:100])}</td><td>{escape(x.type)}</td>"
            f"<td>{escape(x.statistic or '')}</td><td>{_number(x.value)}</td>"
            f"<td>{_number(x.threshold)}</td><td>{_bar(x)}</td>"
            f"<td style='color:{DRIFT_COLOUR}'>{mark}</td><td>{escape(x.note[:200])}</td></tr>"
        )
    parts.append("</tbody></table>")
    if len(ordered) > limit:
        parts.append(f"<p>… and {len(ordered) - limit:,} more columns: "
                     "<code>report.to_frame()</code> lists them all.</p>")
    parts.append("<p><code>report.figure()</code> plots every score; "
                 "<code>report.figure(column=...)</code> one column's distributions.</p></div>")
    return "".join(parts)


def escape(value: Any) -> str:
    return html.escape(str(value), quote=True)
