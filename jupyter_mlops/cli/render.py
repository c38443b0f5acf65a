"""What the commands print: rich tables for people, JSON for programs.

JSON is always valid: NaN and infinite metric values, which JSON cannot spell, are written as
the strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"`` (the spelling Python's and
JavaScript's parsers use), so no information is lost and every parser accepts the output.
Times in JSON are seconds since the epoch, as in the records; tables show local time.

rich is imported inside the functions that draw, so ``jupyter mlops --help`` never loads it.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from ..jsonable import jsonable

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.table import Table

STATUS_STYLES = {
    "FINISHED": "green",
    "RUNNING": "cyan",
    "FAILED": "bold red",
    "KILLED": "magenta",
}


# -- JSON --------------------------------------------------------------------------------------


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON on stdout."""
    click.echo(json.dumps(jsonable(data), indent=2, ensure_ascii=False, allow_nan=False))


# -- text forms of values ----------------------------------------------------------------------


def when(timestamp: float | None, seconds: bool = True) -> str:
    """A timestamp as local ``YYYY-MM-DD HH:MM:SS`` (or without seconds); empty when missing."""
    if timestamp is None:
        return ""
    form = "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"
    return datetime.fromtimestamp(timestamp).strftime(form)


def duration(seconds: float | None) -> str:
    """A duration as ``0.42s``, ``12.3s``, ``4m 05s``, ``2h 03m`` or ``3d 04h``."""
    if seconds is None or math.isnan(seconds):
        return ""
    if seconds < 10:
        return f"{seconds:.2f}s"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours:02d}h"


def size(count: int | None) -> str:
    """A byte count as ``812 B``, ``1.2 KiB``, ``3.4 MiB`` ..."""
    if count is None:
        return ""
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def number(value: float | None) -> str:
    """A metric value in at most six significant digits; NaN and infinities by name."""
    if value is None:
        return ""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.6g}"


def short_id(run_id: str) -> str:
    """The short form of a run id shown in tables: its last 8 characters.

    The store's own short form; any 6+ characters from either end are accepted back.
    """
    return run_id[-8:]


def status(text: str) -> str:
    """A run status with its colour as rich markup."""
    style = STATUS_STYLES.get(text)
    return f"[{style}]{text}[/]" if style else text


def plain(text: object) -> str:
    """``text`` with rich markup escaped, for values the user chose (names, params, paths)."""
    from rich.markup import escape

    return escape("" if text is None else str(text))


# -- drawing -----------------------------------------------------------------------------------


PIPE_WIDTH = 200
"""Width of tables written to a file or pipe (without $COLUMNS): wide rows stay on one line
for grep and less instead of folding at rich's default of 80."""


def console(stderr: bool = False) -> Console:
    """A console on the current stdout (or stderr), looked up per call so CliRunner captures it."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None
    if "COLUMNS" not in os.environ and not stream.isatty():
        width = PIPE_WIDTH
    return Console(file=stream, highlight=False, soft_wrap=False, width=width)


def table(columns: Sequence[str], rows: Iterable[Sequence[Any]], title: str | None = None,
          right: Sequence[str] = (), nowrap: Sequence[str] = ()) -> Table:
    """A table with a header; cells are rich markup.

    ``right`` names right-aligned columns, ``nowrap`` columns of short fixed-form values
    (ids, times, numbers) that must never fold; the others fold when the terminal is narrow.
    """
    from rich import box
    from rich.table import Table

    drawn = Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, title_justify="left",
                  title_style="bold")
    for name in columns:
        drawn.add_column(name, justify="right" if name in right else "left", overflow="fold",
                         no_wrap=name in nowrap)
    for row in rows:
        drawn.add_row(*("" if cell is None else str(cell) for cell in row))
    return drawn


def fitting(build: Callable[[list[str]], Table], optional: Sequence[str]) -> tuple[Table, int]:
    """The table ``build`` makes with as many ``optional`` columns as fit the console's width.

    Optional columns are dropped from the end until the table's natural width fits; the
    returned count says how many were dropped.
    """
    out = console()
    # Measured as if unbounded: a measurement within the console's width is clamped to it.
    unbounded = out.options.update_width(1_000_000)
    chosen = list(optional)
    while True:
        drawn = build(chosen)
        if not chosen or out.measure(drawn, options=unbounded).maximum <= out.width:
            return drawn, len(optional) - len(chosen)
        chosen.pop()


def fields(pairs: Iterable[tuple[str, Any]], title: str | None = None) -> Table:
    """A two-column ``name  value`` grid; pairs with an empty value are left out."""
    from rich.table import Table

    grid = Table.grid(padding=(0, 2))
    grid.title = title
    grid.title_justify = "left"
    grid.title_style = "bold"
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    for name, value in pairs:
        if value is None or value == "":
            continue
        grid.add_row(name, str(value))
    return grid


def show(*renderables: RenderableType | None) -> None:
    """Print renderables on stdout, one blank line between them; None is skipped."""
    out = console()
    first = True
    for item in renderables:
        if item is None:
            continue
        if not first:
            out.print()
        out.print(item)
        first = False


def note(message: str) -> None:
    """A hint for people on stderr, so it never mixes into output a program reads."""
    console(stderr=True).print(message, style="dim")
