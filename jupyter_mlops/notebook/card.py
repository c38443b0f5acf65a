"""The run card shown after a tracked cell: HTML in JupyterLab, plain text elsewhere.

IPython picks the representation: ``_repr_html_`` where a front end renders HTML (JupyterLab,
Notebook, VS Code, nbconvert's HTML), ``__repr__`` in a terminal and in text-only outputs.
"""

from __future__ import annotations

import html
import math
from typing import Any

from ..records import Run

MAX_ROWS = 12
_STATUS_COLOURS = {"FINISHED": "#1a7f37", "FAILED": "#cf222e", "KILLED": "#9a6700",
                   "RUNNING": "#0969da"}


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "running"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return f"{int(minutes)} min {rest:.0f} s"
    hours, minutes = divmod(minutes, 60)
    return f"{int(hours)} h {int(minutes)} min"


def _number(value: float) -> str:
    if math.isnan(value) or math.isinf(value):
        return str(value)
    return f"{value:.6g}"


def _size(size: int) -> str:
    amount = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if amount < 1024 or unit == "GiB":
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{amount:.1f} GiB"


def _rows(items: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], int]:
    return items[:MAX_ROWS], max(0, len(items) - MAX_ROWS)


class RunCard:
    """A compact summary of one run, displayable in any IPython front end."""

    def __init__(self, run: Run) -> None:
        self.run = run

    def sections(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """(title, rows) of each non-empty section, in reading order."""
        run = self.run
        params = sorted(run.params.items())
        metrics = [(key, _number(value)) for key, value in sorted(run.metrics.items())]
        artifacts = [(a.path, _size(a.size)) for a in sorted(run.artifacts, key=lambda a: a.path)]
        # mlops.* tags are bookkeeping (digests, autolog classes); the user's tags are shown.
        tags = sorted((k, v) for k, v in run.tags.items() if not k.startswith("mlops."))
        found = [("Tags", tags), ("Params", params), ("Metrics", metrics),
                 ("Artifacts", artifacts)]
        return [(title, rows) for title, rows in found if rows]

    def _error_line(self) -> str | None:
        if not self.run.error:
            return None
        lines = [line for line in self.run.error.strip().splitlines() if line.strip()]
        return lines[-1].strip() if lines else None

    def __repr__(self) -> str:
        run = self.run
        lines = [f"Run {run.id}  {run.status.value}  {_duration(run.duration)}",
                 f"  experiment: {run.experiment}   name: {run.name}"]
        if run.parent_id:
            lines.append(f"  parent: {run.parent_id}")
        error = self._error_line()
        if error:
            lines.append(f"  error: {error}")
        for title, items in self.sections():
            shown, more = _rows(items)
            width = max(len(key) for key, _ in shown)
            lines.append(f"  {title}:")
            lines.extend(f"    {key.ljust(width)}  {value}" for key, value in shown)
            if more:
                lines.append(f"    ... and {more} more")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        run = self.run
        colour = _STATUS_COLOURS.get(run.status.value, "#57606a")
        esc = html.escape
        parts = [
            '<div class="jp-mlops-run-card" style="border:1px solid #d0d7de;border-radius:6px;'
            'padding:6px 10px;font-size:12px;max-width:720px">',
            f'<div><span style="color:{colour};font-weight:600">{esc(run.status.value)}</span>'
            f' &middot; <b>{esc(run.name)}</b> &middot; {esc(run.experiment)}'
            f' &middot; {esc(_duration(run.duration))}'
            f' &middot; <code title="run id">{esc(run.id)}</code></div>',
        ]
        if run.parent_id:
            parts.append(f'<div>parent <code>{esc(run.parent_id)}</code></div>')
        error = self._error_line()
        if error:
            parts.append(f'<div style="color:#cf222e">{esc(error)}</div>')
        for title, items in self.sections():
            shown, more = _rows(items)
            cells = "".join(
                f'<tr><td style="text-align:left;padding:0 12px 0 0">{esc(key)}</td>'
                f'<td style="text-align:left"><code>{esc(value)}</code></td></tr>'
                for key, value in shown
            )
            if more:
                cells += f'<tr><td colspan="2">&hellip; and {more} more</td></tr>'
            parts.append(
                f'<details open><summary>{esc(title)} ({len(items)})</summary>'
                f'<table style="margin:0">{cells}</table></details>'
            )
        parts.append("</div>")
        return "".join(parts)

    def bundle(self) -> dict[str, str]:
        """The card as plain text and HTML, as a display of it sends them."""
        return {"text/plain": repr(self), "text/html": self._repr_html_()}

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return self.bundle()
