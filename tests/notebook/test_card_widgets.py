"""The run card's HTML and text, the runs table widget with its static fallback, compare."""

from __future__ import annotations

import pytest

import jupyter_mlops as mlops
from jupyter_mlops.notebook import runs_table
from jupyter_mlops.notebook.card import RunCard
from jupyter_mlops.notebook.widgets import StaticRuns, compare_view, runs_view


def _runs():
    with mlops.start_run(name="a<b", experiment="exp") as first:
        first.log_params({"C": 0.5, "kernel": "rbf"})
        for step, loss in enumerate([0.9, 0.5, 0.3]):
            first.log_metric("loss", loss, step=step)
        first.log_bytes(b"x" * 2048, "model/weights.bin")
    with mlops.start_run(name="second", experiment="exp") as second:
        second.log_params({"C": 2.0, "kernel": "rbf"})
        second.log_metric("loss", 0.4)
    return mlops.get_run(first.id), mlops.get_run(second.id)


def test_run_card_html_and_text(tracking):
    run, _ = _runs()
    card = RunCard(run)
    text = repr(card)
    assert run.id in text and "FINISHED" in text and "exp" in text
    assert "C" in text and "0.5" in text and "loss" in text and "0.3" in text
    assert "model/weights.bin" in text and "2.0 KiB" in text
    page = card._repr_html_()
    assert "a&lt;b" in page and "<b>a<b</b>" not in page  # names are escaped
    assert run.id in page and "Params (2)" in page and "Metrics (1)" in page
    assert "#1a7f37" in page  # FINISHED is green
    bundle = card._repr_mimebundle_()
    assert bundle["text/plain"] == text and bundle["text/html"] == page


def test_failed_run_card_shows_the_error_line(tracking):
    with pytest.raises(KeyError), mlops.start_run(name="oops") as run:
        raise KeyError("missing column")
    card = RunCard(mlops.get_run(run.id))
    assert "KeyError: 'missing column'" in repr(card)
    assert "FAILED" in card._repr_html_() and "#cf222e" in card._repr_html_()


def test_card_read_in_one_query_shows_what_the_full_record_shows(tracking):
    # The magic builds its card from ActiveRun.summary(); the card must not differ from the
    # one built from the full record, for any of the things a card shows.
    with mlops.start_run(name="parent", experiment="exp", tags={"team": "ml"}) as parent:
        parent.log_params({"C": 0.5, "kernel": "rbf"})
        parent.set_tags({"owner": "ana", "mlops.autolog": "sklearn"})
        for step, loss in enumerate([0.9, 0.5, 0.3]):
            parent.log_metric("loss", loss, step=step)
        parent.log_metric("gap", float("nan"))
        parent.log_metrics({"acc": 0.8}, step=2)
        parent.log_metrics({"acc": 0.7}, step=1)  # an earlier step: not the latest value
        parent.log_bytes(b"x" * 2048, "model/weights.bin")
        parent.log_bytes(b"y", "a.txt")
        running = RunCard(parent.summary())
        assert "RUNNING" in repr(running) and "loss  0.3" in repr(running)
        assert repr(running) == repr(RunCard(mlops.get_run(parent.id)))
        with pytest.raises(KeyError), mlops.start_run(name="child", nested=True) as child:
            child.log_param("depth", 3)
            raise KeyError("missing column")
    for run in (parent, child):
        fast, full = RunCard(run.summary()), RunCard(mlops.get_run(run.id))
        assert repr(fast) == repr(full) and fast._repr_html_() == full._repr_html_()
    text = repr(RunCard(child.summary()))
    assert f"parent: {parent.id}" in text and "KeyError: 'missing column'" in text
    assert "FAILED" in text and "depth  3" in text
    text = repr(RunCard(parent.summary()))
    assert "gap   nan" in text and "acc   0.8" in text and "2.0 KiB" in text
    assert "owner  ana" in text and "team   ml" in text and "mlops.autolog" not in text


def test_summary_of_an_unknown_run_is_not_found(tracking):
    from jupyter_mlops.errors import NotFound
    from jupyter_mlops.session import current
    from jupyter_mlops.tracking.summary import run_summary

    with pytest.raises(NotFound, match="No run 0123"):
        run_summary(current().store, "0123" + "0" * 28)


def test_runs_widget_filters_sorts_selects_and_compares(tracking):
    pytest.importorskip("ipywidgets")
    first, second = _runs()
    widget = runs_view(["exp"])
    filter_box, sort, descending, select, _table, message, _output = widget._parts
    assert [value for _, value in select.options] == [second.id, first.id]
    sort.value = "metrics.loss"
    descending.value = False
    assert [value for _, value in select.options] == [first.id, second.id]
    filter_box.value = "params.C = '2.0'"
    assert [value for _, value in select.options] == [second.id]
    filter_box.value = "params.C = = 1"
    assert "QuerySyntaxError" in message.value or "^" in message.value
    bundle = widget._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "<table" in bundle["text/html"]  # what a front end without widgets shows
    filter_box.value = ""
    select.value = (first.id, second.id)
    widget.compare()
    assert [r.id for r in widget.comparison.runs] == [first.id, second.id]


def test_static_fallback_and_compare_figures(tracking):
    first, second = _runs()
    static = StaticRuns(mlops.search_runs())
    assert first.id in static._repr_html_() and second.id in repr(static)
    assert "metrics.loss" in runs_table.to_html([first, second])
    comparison = compare_view([first.id, second.id[:12]])
    assert comparison.metric == "loss"
    # Run names tell the runs apart here, so labels need no id.
    traces = {trace.name: list(trace.y) for trace in comparison.history_figure.data}
    assert traces["a<b"] == [0.9, 0.5, 0.3]
    parcoords = comparison.parallel_figure.data[0]
    labels = [d.label for d in parcoords.dimensions]
    assert labels == ["C", "loss"]  # only the params that differ (kernel is the same)
    assert list(parcoords.dimensions[0].values) == [0.5, 2.0]
    assert list(comparison.diff.index) == ["C"]
    assert list(comparison.metrics.columns) == ["loss"]


def test_compare_single_value_metrics_as_table_and_bars(tracking):
    runs = []
    for name, (n, accuracy) in {"forest-20": (20, 0.91), "forest-50": (50, 0.95)}.items():
        with mlops.start_run(name=name) as run:
            mlops.log_params({"n_estimators": n, "random_state": 0})
            mlops.log_metrics({"accuracy": accuracy, "fit_time": 0.1})
        runs.append(run)
    comparison = compare_view([r.id for r in runs])
    assert comparison.history_figure is None  # no step charts for single values
    bars = {trace.name: (list(trace.x), list(trace.y))
            for trace in comparison.bars_figure.data}
    assert bars["accuracy"] == (["forest-20", "forest-50"], [0.91, 0.95])
    assert comparison.metrics.loc["forest-50", "accuracy"] == 0.95
    assert list(comparison.diff.index) == ["n_estimators"]
    assert "accuracy" in repr(comparison)


def test_compare_magic_and_runs_magic(shell, cell):
    first, second = _runs()
    result = cell(shell, f"%mlops_compare {first.id} {second.id} -m loss")
    assert result.success and result.result.metric == "loss"
    result = cell(shell, "%mlops_runs -e exp -f metrics.loss < 0.35")
    assert result.success
    ids = [value for _, value in result.result._parts[3].options]
    assert ids == [first.id]
    bad = cell(shell, "%mlops_compare nosuchrun")
    from IPython.core.error import UsageError

    assert isinstance(bad.error_in_exec, UsageError)


def test_run_card_shows_the_users_tags_not_bookkeeping():
    from jupyter_mlops.notebook.card import RunCard
    from jupyter_mlops.records import Run, RunStatus

    run = Run("01abc", "wine", "forest", RunStatus.FINISHED, 0.0, 1.5,
              tags={"owner": "ana", "mlops.model.digest": "f" * 64})
    card = RunCard(run)
    assert "Tags:" in repr(card) and "owner  ana" in repr(card)
    assert "mlops.model.digest" not in repr(card)
    assert "Tags (1)" in card._repr_html_() and "ana" in card._repr_html_()


def test_compare_params_picker_defaults_to_those_that_differ(tracking):
    runs = []
    for name, (n, depth) in {"forest-20": (20, 3), "forest-50": (50, 3)}.items():
        with mlops.start_run(name=name) as run:
            mlops.log_params({"n_estimators": n, "max_depth": depth, "random_state": 0})
            mlops.log_metric("accuracy", 0.9 + n / 1000)
        runs.append(run)
    comparison = compare_view([r.id for r in runs])
    assert comparison.params == ["n_estimators"]
    assert comparison.all_params == ["max_depth", "n_estimators", "random_state"]
    picker = comparison._picker()
    assert comparison.picker.value == ("n_estimators",)
    # Picking a param that is the same in every run shows it in the table and the chart.
    comparison.picker.value = ("max_depth", "n_estimators")
    assert list(comparison.diff.index) == ["max_depth", "n_estimators"]
    labels = [d.label for d in comparison.parallel_figure.data[0].dimensions]
    assert labels == ["max_depth", "n_estimators", "accuracy"]
    assert picker.children  # the list and its two buttons
    shown = compare_view([r.id for r in runs])
    shown._ipython_display_()  # the picker, then the chart and table it updates in place
    shown.picker.value = ("max_depth",)
    assert list(shown.diff.index) == ["max_depth"]
    chosen = compare_view([r.id for r in runs], params=["random_state"])
    assert list(chosen.diff.index) == ["random_state"]
    with pytest.raises(mlops.MlopsError, match=r"No param 'nope'.*max_depth"):
        compare_view([r.id for r in runs], params=["nope"])


def test_compare_magic_params_option(shell, cell):
    first, second = _runs()
    result = cell(shell, f"%mlops_compare {first.id} {second.id} -p kernel,C")
    assert result.success and list(result.result.diff.index) == ["C", "kernel"]
    bad = cell(shell, f"%mlops_compare {first.id} {second.id} -p nope")
    from IPython.core.error import UsageError

    assert isinstance(bad.error_in_exec, UsageError)
