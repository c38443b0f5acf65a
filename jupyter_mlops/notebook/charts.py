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


def label(run: Run) -> str:
    """How a run is named in legends and tables: its name and the end of its id."""
    return f"{run.name} ({run.id[-6:]})"


def history_figure(runs: Sequence[Run], histories: dict[str, dict[str, list[tuple[int, float]]]]
                   ) -> Any:
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

    keys = sorted({key for per_run in histories.values() for key in per_run})
    figure = make_subplots(rows=max(1, len(keys)), cols=1, shared_xaxes=True,
                           subplot_titles=keys or ["no metrics logged"])
    for row, key in enumerate(keys, start=1):
        for run in runs:
            points = histories.get(run.id, {}).get(key)
            if not points:
                continue
            figure.add_scatter(x=[s for s, _ in points], y=[v for _, v in points],
                               mode="lines+markers", name=label(run), legendgroup=run.id,
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


def parallel_figure(runs: Sequence[Run], metric: str | None) -> Any:
    """Parallel coordinates of the runs' params against ``metric``.

    Parameters
    ----------
    runs:
        The compared runs.
    metric:
        The metric coloring the lines and forming the last axis.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    import plotly.graph_objects as go

    keys = sorted({key for run in runs for key in run.params})
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
    table = {label(run): [run.params.get(key) for key in keys] for run in runs}
    frame = pd.DataFrame(table, index=pd.Index(keys, name="param"))
    if only_different and len(runs) > 1:
        differs = frame.astype("string").nunique(axis=1, dropna=False) > 1
        frame = frame[differs]
    return frame
