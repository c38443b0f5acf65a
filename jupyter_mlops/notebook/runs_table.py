"""The table of runs that ``%mlops_runs`` shows, as HTML and as plain text.

Both displays come from one list of columns, so they agree: the run's identity first
(``run_id``, ``name``, ``status``, ``start``, ``duration``, ``experiment``), then metrics,
params and the user's tags, each sorted by name. The order depends on the keys the runs hold,
never on the order the store returned them in, so the same runs always give the same table.
"""

from __future__ import annotations

import datetime
import html
from collections.abc import Sequence

from ..records import Run
from .card import _duration, _number

IDENTITY = ("run_id", "name", "status", "start", "duration", "experiment")
MAX_PARAMS = 6


def _user_tags(run: Run) -> dict[str, str]:
    # mlops.* tags are bookkeeping (digests, autolog classes), as on the run card.
    return {k: v for k, v in run.tags.items() if not k.startswith("mlops.")}


def columns(runs: Sequence[Run], max_params: int = MAX_PARAMS) -> list[str]:
    """The table's column names, in display order.

    Parameters
    ----------
    runs:
        The runs of the table.
    max_params:
        At most this many params columns (the first by name); a wide table hides its runs.

    Returns
    -------
    list of str
        Identity columns, then ``metrics.*``, ``params.*`` and ``tags.*``, each sorted.
    """
    metric_keys = sorted({k for run in runs for k in run.metrics})
    param_keys = sorted({k for run in runs for k in run.params})[:max_params]
    tag_keys = sorted({k for run in runs for k in _user_tags(run)})
    return [
        *IDENTITY,
        *(f"metrics.{k}" for k in metric_keys),
        *(f"params.{k}" for k in param_keys),
        *(f"tags.{k}" for k in tag_keys),
    ]


def cell(run: Run, column: str) -> str:
    """The text of one run's cell in ``column``; empty where the run lacks the key."""
    prefix, _, key = column.partition(".")
    if prefix == "metrics":
        return _number(run.metrics[key]) if key in run.metrics else ""
    if prefix == "params":
        return run.params.get(key, "")
    if prefix == "tags":
        return _user_tags(run).get(key, "")
    if column == "start":
        return datetime.datetime.fromtimestamp(run.start_time).strftime("%Y-%m-%d %H:%M:%S")
    if column == "duration":
        return _duration(run.duration)
    return {
        "run_id": run.id,
        "name": run.name,
        "status": run.status.value,
        "experiment": run.experiment,
    }[column]


def rows(runs: Sequence[Run], names: Sequence[str]) -> list[list[str]]:
    """The cells of each run under the columns ``names``."""
    return [[cell(run, name) for name in names] for run in runs]


def to_html(runs: Sequence[Run], max_params: int = MAX_PARAMS) -> str:
    """A static HTML table of runs: the fallback where widgets cannot render."""
    names = columns(runs, max_params)
    # Dates and durations never wrap: a narrow output keeps each run on one line per row.
    body = "".join(
        "<tr>"
        + "".join(f'<td style="white-space:nowrap">{html.escape(c)}</td>' for c in row)
        + "</tr>"
        for row in rows(runs, names)
    )
    header = "".join(f"<th>{html.escape(h)}</th>" for h in names)
    return (
        f'<table class="jp-mlops-runs"><thead><tr>{header}</tr></thead>'
        f"<tbody>{body}</tbody></table><p>{len(runs)} runs</p>"
    )


def to_text(runs: Sequence[Run], max_params: int = MAX_PARAMS) -> str:
    """The same table as fixed-width text, for terminals and text-only outputs."""
    if not runs:
        return "no runs"
    names = columns(runs, max_params)
    table = [names, *rows(runs, names)]
    widths = [max(len(row[i]) for row in table) for i in range(len(names))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in table
    ]
    return "\n".join([*lines, f"{len(runs)} runs"])
