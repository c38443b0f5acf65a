"""``%mlops_runs`` and ``%mlops_compare``: an ipywidgets runs table and a runs comparison.

The runs table is a widget (filter box, sort column and direction, run selection, Compare
button). Its display bundle also carries a static HTML table, which front ends without a
widget manager (nbconvert, GitHub, a notebook whose widget state was not saved) show instead.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from ..errors import MlopsError
from ..records import Run
from ..tracking.queries import get_run, metric_history, search_runs
from . import charts, runs_table


class StaticRuns:
    """Runs shown as a static table (no ipywidgets installed)."""

    def __init__(self, runs: Sequence[Run]) -> None:
        self.runs = list(runs)

    def _repr_html_(self) -> str:
        return runs_table.to_html(self.runs)

    def __repr__(self) -> str:
        return runs_table.to_text(self.runs)


def _sort_key(column: str) -> Any:
    def key(run: Run) -> Any:
        if column.startswith("metrics."):
            return run.metrics.get(column[8:], float("-inf"))
        if column.startswith("params."):
            return run.params.get(column[7:], "")
        return {"run_id": run.id, "name": run.name, "status": run.status.value,
                "experiment": run.experiment, "start": run.start_time,
                "duration": run.duration or 0.0}[column]
    return key


def runs_view(
    experiments: Sequence[str] | None = None,
    filter: str | None = None,
    order_by: Sequence[str] | None = None,
    max_results: int = 200,
) -> Any:
    """The interactive runs table (a widget), or a static table without ipywidgets.

    Parameters
    ----------
    experiments, filter, order_by, max_results:
        As for ``mlops.search_runs``.

    Returns
    -------
    ipywidgets.VBox or StaticRuns
        Display it (a magic's return value is displayed).
    """
    runs = search_runs(list(experiments) if experiments else None, filter, order_by,
                       max_results)
    try:
        import ipywidgets as w
    except ImportError:
        return StaticRuns(runs)
    return _RunsWidgetBase.build(w, list(experiments or []) or None, filter, order_by,
                             max_results, runs)


class _RunsWidgetBase:
    """Behaviour of the runs widget; mixed into an ipywidgets VBox at build time."""

    runs: list[Run]
    comparison: Comparison | None = None

    @classmethod
    def build(cls, w: Any, experiments: list[str] | None, filter: str | None,
              order_by: Sequence[str] | None, max_results: int, runs: list[Run]) -> Any:
        klass = type("RunsWidget", (cls, w.VBox), {})
        filter_box = w.Text(value=filter or "", placeholder="metrics.auc > 0.8 and ...",
                            description="Filter", continuous_update=False,
                            layout=w.Layout(width="60%"))
        metric_keys = sorted({k for run in runs for k in run.metrics})
        sort = w.Dropdown(options=[*runs_table.IDENTITY,
                                   *(f"metrics.{k}" for k in metric_keys)], value="start",
                          description="Sort by")
        descending = w.ToggleButton(value=True, description="descending", icon="sort")
        select = w.SelectMultiple(options=[], rows=8, description="Runs",
                                  layout=w.Layout(width="90%"))
        compare = w.Button(description="Compare", button_style="primary")
        table = w.HTML()
        message = w.HTML()
        output = w.Output()
        widget = klass(children=[w.HBox([filter_box, sort, descending]), message, table,
                                 select, compare, output])
        widget.runs = runs
        widget._parts = (filter_box, sort, descending, select, table, message, output)
        widget._query = (experiments, order_by, max_results)

        filter_box.observe(lambda change: widget.refresh(), names="value")
        sort.observe(lambda change: widget.render(), names="value")
        descending.observe(lambda change: widget.render(), names="value")
        compare.on_click(lambda button: widget.compare())
        widget.render()
        return widget

    def refresh(self) -> None:
        """Query again with the filter box's text; a bad filter is shown, not raised."""
        filter_box, _, _, _, _, message, _ = self._parts
        experiments, order_by, max_results = self._query
        try:
            self.runs = search_runs(experiments, filter_box.value or None, order_by,
                                    max_results)
            message.value = ""
        except MlopsError as exc:
            message.value = f'<pre style="color:#cf222e">{html.escape(str(exc))}</pre>'
            return
        self.render()

    def sorted_runs(self) -> list[Run]:
        _, sort, descending, *_ = self._parts
        return sorted(self.runs, key=_sort_key(sort.value), reverse=descending.value)

    def render(self) -> None:
        _, _, _, select, table, _, _ = self._parts
        ordered = self.sorted_runs()
        table.value = runs_table.to_html(ordered)
        chosen = set(select.value)
        select.options = [(f"{r.name} · {r.status.value} · {r.id}", r.id) for r in ordered]
        select.value = tuple(r.id for r in ordered if r.id in chosen)

    def compare(self) -> None:
        *_, select, _, message, output = self._parts
        output.clear_output()
        if not select.value:
            message.value = "Select runs to compare first."
            return
        message.value = ""
        self.comparison = compare_view(list(select.value))
        with output:
            from IPython.display import display

            display(self.comparison)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = super()._repr_mimebundle_(**kwargs)  # type: ignore[misc]
        bundle = dict(bundle or {})
        ordered = self.sorted_runs()
        bundle["text/html"] = runs_table.to_html(ordered)
        # The table, not "VBox(children=...)", is what a text-only front end shows.
        bundle["text/plain"] = runs_table.to_text(ordered)
        return bundle



class Comparison:
    """The result of ``%mlops_compare``: two figures and a params diff, displayed in order."""

    def __init__(self, runs: list[Run], metric: str | None,
                 histories: dict[str, dict[str, list[tuple[int, float]]]]) -> None:
        self.runs = runs
        self.metric = metric
        self.metrics = charts.metrics_table(runs)
        stepped = charts.stepped(histories)
        single = [k for k in self.metrics.columns if k not in stepped]
        # A metric logged once per run (most sklearn metrics) is a bar, not an empty line chart.
        self.bars_figure = charts.bars_figure(runs, single) if single else None
        self.history_figure = charts.history_figure(runs, histories) if stepped else None
        self.parallel_figure = charts.parallel_figure(runs, metric)
        self.diff = charts.params_diff(runs)

    def figures(self) -> list[Any]:
        """The figures shown, in order: bars, histories, params against the metric."""
        return [f for f in (self.bars_figure, self.history_figure, self.parallel_figure)
                if f is not None]

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, display

        display(HTML("<b>Metrics</b>" + self.metrics.to_html(na_rep="", float_format="{:.4g}"
                                                            .format)))
        for figure in self.figures():
            display(figure)
        title = "Params that differ" if len(self.runs) > 1 else "Params"
        display(HTML(f"<b>{title}</b>" + self.diff.to_html(na_rep="")))

    def __repr__(self) -> str:
        names = ", ".join(charts.label(r, self.runs) for r in self.runs)
        return (f"Comparison of {names}\n{self.metrics.to_string()}\n"
                f"{self.diff.to_string()}")


def compare_view(run_ids: Sequence[str], metric: str | None = None) -> Comparison:
    """Compare runs: metric histories, params against ``metric``, and the params that differ.

    Parameters
    ----------
    run_ids:
        Ids (or unique prefixes) of the runs.
    metric:
        The metric of the parallel-coordinates chart; default: the first metric all share.

    Returns
    -------
    Comparison
        Displays as the charts and the table.
    """
    runs = [get_run(run_id) for run_id in run_ids]
    if metric is None:
        shared = set.intersection(*(set(run.metrics) for run in runs)) if runs else set()
        metric = min(shared) if shared else None
    histories: dict[str, dict[str, list[tuple[int, float]]]] = {}
    for run in runs:
        for key in run.metrics:
            frame = metric_history(run.id, key)
            histories.setdefault(run.id, {})[key] = list(
                zip(frame["step"].tolist(), frame["value"].tolist(), strict=True))
    return Comparison(runs, metric, histories)
