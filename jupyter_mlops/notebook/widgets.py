"""``%mlops_runs`` and ``%mlops_compare``: an ipywidgets runs table and a runs comparison.

The runs table is a widget (filter box, sort column and direction, run selection, Compare
button). Its display bundle also carries a static HTML table, which front ends without a
widget manager (nbconvert, GitHub, a notebook whose widget state was not saved) show instead.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import MlopsError
from ..records import Run
from ..tracking.queries import get_run, metric_history, search_runs
from . import charts, runs_table

if TYPE_CHECKING:
    from collections.abc import Callable

    import ipywidgets
    from IPython.display import HTML


class StaticRuns:
    """Runs shown as a static table (no ipywidgets installed)."""

    def __init__(self, runs: Sequence[Run]) -> None:
        self.runs = list(runs)

    def _repr_html_(self) -> str:
        return runs_table.to_html(self.runs)

    def __repr__(self) -> str:
        return runs_table.to_text(self.runs)


def _sort_key(column: str) -> Callable[[Run], Any]:
    # Any: a number or text, depending on the column sorted by.
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
) -> _RunsWidgetBase | StaticRuns:
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
              order_by: Sequence[str] | None, max_results: int, runs: list[Run]) -> _RunsWidgetBase:
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
    """The result of ``%mlops_compare``: the metrics, figures and params of the compared runs.

    ``params`` are the params shown in the table and the parallel-coordinates chart: by default
    those that differ between the runs; ``choose`` (or the picker shown above the table in a
    notebook with ipywidgets) changes them.
    """

    def __init__(self, runs: list[Run], metric: str | None,
                 histories: dict[str, dict[str, list[tuple[int, float]]]],
                 params: Sequence[str] | None = None) -> None:
        self.runs = runs
        self.metric = metric
        self.metrics = charts.metrics_table(runs)
        stepped = charts.stepped(histories)
        single = [k for k in self.metrics.columns if k not in stepped]
        # A metric logged once per run (most sklearn metrics) is a bar, not an empty line chart.
        self.bars_figure = charts.bars_figure(runs, single) if single else None
        self.history_figure = charts.history_figure(runs, histories) if stepped else None
        self.all_params = sorted({key for run in runs for key in run.params})
        self.differing = list(charts.params_diff(runs).index)
        self.picker: Any = None
        self._redraw: Any = lambda: None  # set once shown with a picker
        self.choose(self.differing if params is None else params)

    def choose(self, params: Sequence[str]) -> Comparison:
        """Show ``params`` (in the table and the parallel-coordinates chart) and return self."""
        unknown = [p for p in params if p not in self.all_params]
        if unknown:
            known = ", ".join(self.all_params) or "none"
            raise MlopsError(f"No param {unknown[0]!r} in the compared runs; they have: "
                             f"{known}.")
        self.params = [p for p in self.all_params if p in set(params)]
        self.diff = charts.params_diff(self.runs, only_different=False).loc[self.params]
        self.parallel_figure = charts.parallel_figure(self.runs, self.metric, self.params)
        return self

    def figures(self) -> list[Any]:
        """The figures shown, in order: bars, histories, params against the metric."""
        return [f for f in (self.bars_figure, self.history_figure, self.parallel_figure)
                if f is not None]

    def _params_title(self) -> str:
        if self.params == self.differing and len(self.runs) > 1:
            return "Params that differ"
        return "Params"

    def _params_table(self) -> HTML:
        from IPython.display import HTML

        return HTML(f"<b>{self._params_title()}</b>" + self.diff.to_html(na_rep=""))

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, display

        display(HTML("<b>Metrics</b>" + self.metrics.to_html(na_rep="", float_format="{:.4g}"
                                                            .format)))
        for figure in (self.bars_figure, self.history_figure):
            if figure is not None:
                display(figure)
        picker = self._picker()
        if picker is not None:
            display(picker)
        # Plain outputs, updated in place by the picker: a saved notebook, nbconvert and
        # GitHub show the chart and the table as last chosen, which a widget output would lose.
        chart = display(self.parallel_figure, display_id=True)
        table = display(self._params_table(), display_id=True)
        if picker is not None:
            self._redraw = lambda: (chart.update(self.parallel_figure),
                                    table.update(self._params_table()))

    def _picker(self) -> ipywidgets.HBox | None:
        """The params picker (a widget); None without ipywidgets or with nothing to choose."""
        if len(self.all_params) < 2:
            return None
        try:
            import ipywidgets as w
        except ImportError:
            return None
        choice = w.SelectMultiple(options=self.all_params, value=tuple(self.params),
                                  rows=min(8, len(self.all_params)), description="Params",
                                  layout=w.Layout(width="50%"))
        differing = w.Button(description="Only those that differ",
                             tooltip="Show the params whose values differ between the runs")
        every = w.Button(description="All")

        def chosen(change: Any) -> None:
            self.choose(list(change["new"]))
            self._redraw()

        choice.observe(chosen, names="value")
        differing.on_click(lambda button: setattr(choice, "value", tuple(self.differing)))
        every.on_click(lambda button: setattr(choice, "value", tuple(self.all_params)))
        self.picker = choice
        return w.HBox([choice, w.VBox([differing, every])])

    def __repr__(self) -> str:
        names = ", ".join(charts.label(r, self.runs) for r in self.runs)
        return (f"Comparison of {names}\n{self.metrics.to_string()}\n"
                f"{self.diff.to_string()}")


def compare_view(run_ids: Sequence[str], metric: str | None = None,
                 params: Sequence[str] | None = None) -> Comparison:
    """Compare runs: metric histories, params against ``metric``, and the params that differ.

    Parameters
    ----------
    run_ids:
        Ids (or unique prefixes) of the runs.
    metric:
        The metric of the parallel-coordinates chart; default: the first metric all share.
    params:
        The params to show; default: those whose values differ between the runs.

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
    return Comparison(runs, metric, histories, params)
