"""``%mlops_runs`` shows its columns in one order: identity, metrics, params, tags."""

from __future__ import annotations

import html
import re

import pytest
from IPython.utils.capture import capture_output

import jupyter_mlops as mlops
from jupyter_mlops.notebook import runs_table
from jupyter_mlops.notebook.widgets import StaticRuns
from jupyter_mlops.records import Run, RunStatus

EXPECTED = [
    "run_id",
    "name",
    "status",
    "start",
    "duration",
    "experiment",
    "metrics.accuracy",
    "metrics.loss",
    "metrics.zeta",
    "params.alpha",
    "params.beta",
    "params.max_depth",
    "tags.owner",
    "tags.team",
]


def _html_columns(page: str) -> list[str]:
    return [html.unescape(name) for name in re.findall(r"<th>(.*?)</th>", page)]


def _text_columns(text: str) -> list[str]:
    return text.splitlines()[0].split()


def _log_runs_in_different_orders() -> list[Run]:
    with mlops.start_run(name="first", experiment="order", tags={"team": "ml"}) as first:
        first.log_params({"max_depth": 3, "beta": 0.1, "alpha": 1})
        first.log_metric("zeta", 0.1)
        first.log_metric("loss", 0.5)
        first.log_metric("accuracy", 0.9)
    with mlops.start_run(name="second", experiment="order", tags={"owner": "ana"}) as second:
        second.log_metric("accuracy", 0.8)
        second.log_metric("loss", 0.6)
        second.log_params({"alpha": 2, "max_depth": 5, "beta": 0.2})
        second.log_metric("zeta", 0.2)
    return [mlops.get_run(first.id), mlops.get_run(second.id)]


def test_logged_runs_give_the_same_columns_in_html_and_text(tracking):
    runs = _log_runs_in_different_orders()
    static = StaticRuns(runs)
    assert _html_columns(static._repr_html_()) == EXPECTED
    assert _text_columns(repr(static)) == EXPECTED
    # Whichever run comes first, the columns stay where they were.
    reversed_static = StaticRuns(runs[::-1])
    assert _html_columns(reversed_static._repr_html_()) == EXPECTED
    assert _text_columns(repr(reversed_static)) == EXPECTED


def test_text_rows_line_up_under_their_columns(tracking):
    first, second = _log_runs_in_different_orders()
    lines = repr(StaticRuns([first, second])).splitlines()
    header, row = lines[0], lines[1]
    assert row.startswith(first.id)
    at = header.index("params.alpha")
    assert row[at:].split()[0] == "1"
    assert lines[-1] == "2 runs"


def test_column_order_ignores_the_order_the_store_returns_keys_in():
    # Records built by hand, their dicts in opposite insertion orders, stand for any store.
    forward = Run(
        "01a",
        "order",
        "a",
        RunStatus.FINISHED,
        0.0,
        1.0,
        params={"alpha": "1", "beta": "2", "max_depth": "3"},
        metrics={"accuracy": 0.9, "loss": 0.5, "zeta": 0.1},
        tags={"owner": "ana", "team": "ml", "mlops.autolog": "sklearn"},
    )
    backward = Run(
        "01b",
        "order",
        "b",
        RunStatus.FAILED,
        2.0,
        None,
        params={"max_depth": "4", "beta": "5", "alpha": "6"},
        metrics={"zeta": 0.2, "loss": 0.6, "accuracy": 0.8},
        tags={"team": "ds", "owner": "bo"},
    )
    for runs in ([forward, backward], [backward, forward], [backward], [forward]):
        assert runs_table.columns(runs) == EXPECTED
        assert _html_columns(runs_table.to_html(runs)) == EXPECTED
        assert _text_columns(runs_table.to_text(runs)) == EXPECTED


def test_runs_magic_shows_the_same_columns_in_its_html_and_text(shell, cell):
    pytest.importorskip("ipywidgets")
    _log_runs_in_different_orders()
    with capture_output():
        result = cell(shell, "%mlops_runs -e order")
    assert result.success
    bundle = result.result._repr_mimebundle_()
    assert _html_columns(bundle["text/html"]) == EXPECTED
    assert _text_columns(bundle["text/plain"]) == EXPECTED
