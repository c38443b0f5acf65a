"""The plotly figures and the params diff of ``%mlops_compare``.

Figures are plain ``plotly.graph_objects.Figure`` specs, the same whether shown in a notebook,
saved with ``mlops.log_figure`` or sent to the sidebar.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..records import Run

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go


def label(run: Run, runs: Sequence[Run] = ()) -> str:
    """How a run is named in legends and tables: its name, plus the end of its id only when
    another compared run has the same name."""
    if sum(1 for other in runs if other.name == run.name) > 1 or not runs:
        return f"{run.name} ({run.id[-6:]})"
    return run.name


def stepped(histories: dict[str, dict[str, list[tuple[int, float]]]]) -> set[str]:
    """The metrics that some run logged at more than one step (worth a history chart)."""
    return {key for per_run in histories.values() for key, points in per_run.items()
            if len(points) > 1}


def metrics_table(runs: Sequence[Run]) -> pd.DataFrame:
    """Runs (rows) by final metric value (columns): how single-value metrics compare."""
    import pandas as pd

    keys = sorted({key for run in runs for key in run.metrics})
    return pd.DataFrame([[run.metrics.get(k, float("nan")) for k in keys] for run in runs],
                        index=pd.Index([label(r, runs) for r in runs], name="run"),
                        columns=keys)


def bars_figure(runs: Sequence[Run], keys: Sequence[str]) -> go.Figure:
    """One bar chart per metric, a bar per run: single-value metrics side by side."""
    from plotly.subplots import make_subplots

    keys = list(keys)
    figure = make_subplots(rows=1, cols=max(1, len(keys)),
                           subplot_titles=keys or ["no metrics logged"])
    for col, key in enumerate(keys, start=1):
        shown = [r for r in runs if key in r.metrics]
        figure.add_bar(x=[label(r, runs) for r in shown], y=[r.metrics[key] for r in shown],
                       name=key, showlegend=False, row=1, col=col,
                       hovertemplate="%{x}: %{y:.4g}<extra>" + key + "</extra>")
    figure.update_layout(title="Metrics", height=340,
                         margin={"l": 40, "r": 20, "t": 70, "b": 60})
    return figure


def history_figure(runs: Sequence[Run], histories: dict[str, dict[str, list[tuple[int, float]]]]
                   ) -> go.Figure:
    """One line per run and metric over steps; one subplot row per metric.

    Parameters
    ----------
    runs:
        The compared runs.
    histories:
        ``{run_id: {metric: [(step, value), ...]}}``.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    from plotly.subplots import make_subplots

    keys = sorted(stepped(histories))
    figure = make_subplots(rows=max(1, len(keys)), cols=1, shared_xaxes=True,
                           subplot_titles=keys or ["no metrics logged"])
    for row, key in enumerate(keys, start=1):
        for run in runs:
            points = histories.get(run.id, {}).get(key)
            if not points:
                continue
            figure.add_scatter(x=[s for s, _ in points], y=[v for _, v in points],
                               mode="lines+markers", name=label(run, runs),
                               legendgroup=run.id,
                               showlegend=row == 1, row=row, col=1)
    figure.update_layout(height=220 * max(1, len(keys)) + 60, title="Metric history",
                         margin={"l": 40, "r": 20, "t": 60, "b": 30})
    figure.update_xaxes(title_text="step", row=max(1, len(keys)), col=1)
    return figure


def _as_number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parallel_figure(runs: Sequence[Run], metric: str | None,
                    params: Sequence[str] | None = None) -> go.Figure:
    """Parallel coordinates of the params that differ between the runs against ``metric``.

    Parameters
    ----------
    runs:
        The compared runs.
    metric:
        The metric coloring the lines and forming the last axis.
    params:
        The params to draw (default: those that differ between the runs).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    import plotly.graph_objects as go

    if params is not None:
        keys = list(params)
    else:
        keys = list(params_diff(runs).index) if len(runs) > 1 else sorted(
            {key for run in runs for key in run.params})
    dimensions = []
    for key in keys:
        raw = [run.params.get(key) for run in runs]
        numbers = [_as_number(v) for v in raw]
        if all(n is not None for n in numbers):
            dimensions.append({"label": key, "values": numbers})
        else:
            categories = sorted({str(v) for v in raw})
            index = {c: i for i, c in enumerate(categories)}
            dimensions.append({"label": key, "values": [index[str(v)] for v in raw],
                               "tickvals": list(range(len(categories))),
                               "ticktext": categories})
    line: dict[str, Any] = {}
    if metric:
        values = [run.metrics.get(metric, float("nan")) for run in runs]
        dimensions.append({"label": metric, "values": values})
        line = {"color": values, "colorscale": "Viridis", "showscale": True}
    figure = go.Figure(go.Parcoords(dimensions=dimensions, line=line))
    figure.update_layout(title=f"Params against {metric}" if metric else "Params",
                         height=360, margin={"l": 60, "r": 60, "t": 70, "b": 30})
    return figure


def params_diff(runs: Sequence[Run], only_different: bool = True) -> pd.DataFrame:
    """A table of params (rows) by run (columns), by default only those that differ."""
    import pandas as pd

    keys = sorted({key for run in runs for key in run.params})
    table = {label(run, runs): [run.params.get(key) for key in keys] for run in runs}
    frame = pd.DataFrame(table, index=pd.Index(keys, name="param"))
    if only_different and len(runs) > 1:
        differs = frame.astype("string").nunique(axis=1, dropna=False) > 1
        frame = frame[differs]
    return frame
