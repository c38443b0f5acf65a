"""``%%mlops_track`` and ``%mlops_track start|stop``: notebook cells tracked as runs.

Each magic parses its line, calls the tracking API, and renders; nothing here decides what a
run records. Bad options raise ``UsageError``, which IPython shows as one line; errors raised by
the user's own code inside a tracked cell propagate unchanged.
"""

from __future__ import annotations

import sys
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from ...errors import MlopsError
from ...tracking.run import ActiveRun, active_run
from .. import live_card, tracked
from ..card import RunCard
from ..cell import run_body
from ..live_card import LiveCard
from .common import print_help, wants_help


def _tags(groups: list[list[str]] | None) -> dict[str, str]:
    tags: dict[str, str] = {}
    for pair in (item for group in groups or [] for item in group):
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"Tags are key=value, not {pair!r}.")
        tags[key] = value
    return tags


def _names(groups: list[str] | None) -> list[str]:
    names = [name.strip() for group in groups or [] for name in group.split(",")]
    bad = [name for name in names if name and not name.isidentifier()]
    if bad:
        raise UsageError(f"-p takes variable names separated by commas, not {bad[0]!r}.")
    return [name for name in names if name]


@magics_class
class TrackMagics(Magics):
    """Magics that track notebook cells as runs."""

    def __init__(self, shell: Any) -> None:
        super().__init__(shell)
        self._span: tuple[ActiveRun, tracked.TrackOptions] | None = None
        self._span_cells: list[str] = []
        self._span_autolog: Any = None

    # -- %%mlops_track and %mlops_track start|stop ------------------------------------------

    @magic_arguments()
    @argument("action", nargs="?", choices=["start", "stop"],
              help="Line magic only: start a run spanning several cells, or stop it.")
    @argument("-e", "--experiment", help="Experiment name (default: the notebook's name).")
    @argument("-n", "--name", help="Run name (default: a generated one).")
    @argument("-t", "--tag", action="append", nargs="+", metavar="KEY=VALUE",
              help="Tags of the run; repeatable.")
    @argument("-p", "--params", action="append", metavar="VAR1,VAR2",
              help="Variables whose values (at the end) are logged as params.")
    @argument("--no-autolog", action="store_true",
              help="Do not record scikit-learn fits automatically.")
    @argument("--nested", action="store_true", help="Start a child of the active run.")
    @argument("--no-card", action="store_true", help="Do not show the run card afterwards.")
    @argument("--status", choices=["FINISHED", "FAILED", "KILLED"], default="FINISHED",
              help="With stop: the status to end the spanning run with.")
    @line_cell_magic
    def mlops_track(self, line: str, cell: str | None = None) -> Any:
        """Track the cell (``%%mlops_track``) or the following cells (``start``/``stop``) as a run.

        The cell runs exactly as without the magic; an exception in it marks the run FAILED
        (KILLED for an interrupt) and propagates. A run card is shown afterwards.
        Where the notebook cannot be found, set ``JUPYTER_MLOPS_NOTEBOOK``.
        """
        __tracebackhide__ = True
        if wants_help(line):
            print_help(self.mlops_track)
            return None
        args = parse_argstring(self.mlops_track, line)
        options = tracked.TrackOptions(
            experiment=args.experiment, name=args.name, tags=_tags(args.tag),
            params=_names(args.params), autolog=not args.no_autolog, nested=args.nested,
            card=not args.no_card,
        )
        if cell is None:
            if args.action == "start":
                return self._start_span(options)
            if args.action == "stop":
                return self._stop_span(args.status)
            raise UsageError("Use %%mlops_track on a cell, or %mlops_track start|stop.")
        if args.action is not None:
            raise UsageError(f"%%mlops_track takes no action ({args.action!r}): drop it.")
        return self._track_cell(options, cell, f"%%mlops_track {line}".rstrip() + "\n" + cell)

    def _track_cell(self, options: tracked.TrackOptions, body: str, raw: str) -> Any:
        __tracebackhide__ = True
        # Inside a spanning run a tracked cell is one of its children.
        in_span = self._span is not None and active_run() is self._span[0]
        try:
            run = tracked.start(self.shell, options, nested=in_span, cell=raw)
        except MlopsError as exc:
            raise UsageError(str(exc)) from None
        scope = None
        if options.autolog and not in_span:
            from ..autolog import SklearnAutolog

            scope = SklearnAutolog(run)
        live = (LiveCard(run).start()
                if options.card and not in_span and live_card.wanted(self.shell) else None)
        # Entered as a context, the run is one a `start_run()` in the cell must nest under
        # (nested=True) instead of silently ending it.
        with run:
            try:
                if scope is not None:
                    with scope:
                        value = run_body(self.shell, body)
                else:
                    value = run_body(self.shell, body)
            except BaseException as error:
                handle = live.stop() if live is not None else None
                tracked.finish(self.shell, run, options, error)
                self._show_card_later(run, options, handle)
                raise
            handle = live.stop() if live is not None else None
            tracked.finish(self.shell, run, options)
        self._show_card_later(run, options, handle)
        return value

    def _start_span(self, options: tracked.TrackOptions) -> None:
        if self._span is not None and self._span[0].status.value == "RUNNING":
            raise UsageError(f"Run {self._span[0].id} spans cells already: "
                             "%mlops_track stop it first.")
        try:
            run = tracked.start(self.shell, options)
        except MlopsError as exc:
            raise UsageError(str(exc)) from None
        self._span = (run, options)
        self._span_cells = []
        events = self.shell.events
        events.register("pre_run_cell", self._span_pre_cell)
        events.register("post_run_cell", self._span_post_cell)
        print(f"Run {run.id} ({run.name}) started; end it with %mlops_track stop.")

    def _span_pre_cell(self, info: Any) -> None:
        if self._span is None:
            return
        run, options = self._span
        self._span_cells.append(info.raw_cell)
        if options.autolog and active_run() is run:
            from ..autolog import SklearnAutolog

            self._span_autolog = SklearnAutolog(run).__enter__()

    def _span_post_cell(self, result: Any) -> None:
        if self._span_autolog is not None:
            self._span_autolog.__exit__(None, None, None)
            self._span_autolog = None

    def _stop_span(self, status: str) -> None:
        if self._span is None:
            raise UsageError("No run spans cells: start one with %mlops_track start.")
        run, options = self._span
        self._span = None
        events = self.shell.events
        events.unregister("pre_run_cell", self._span_pre_cell)
        # The post hook of this very cell still has to undo the patching; it unregisters
        # itself then, as IPython iterates over a copy of the callbacks.
        self.shell.events.register("post_run_cell", self._span_finally)
        cells = [c for c in self._span_cells if not c.lstrip().startswith("%mlops_track stop")]
        try:
            if cells:
                run.log_bytes("\n\n".join(cells).encode(), "cells.py")
            tracked.record_variables(self.shell, run, options.params)
        except MlopsError as exc:
            print(f"jupyter-mlops: {exc}", file=sys.stderr)
        from ...records import RunStatus

        run.end(RunStatus(status))
        if options.card:
            self._display(RunCard(run.summary()))

    def _span_finally(self, result: Any) -> None:
        events = self.shell.events
        for name, callback in (("post_run_cell", self._span_post_cell),
                               ("post_run_cell", self._span_finally)):
            if callback in events.callbacks[name]:
                events.unregister(name, callback)

    def close_span(self) -> None:
        """End a spanning run left open (the extension is being unloaded)."""
        if self._span is not None:
            self._stop_span("FINISHED")
            self._span_finally(None)

    # -- cards ------------------------------------------------------------------------------

    def _show_card_later(self, run: ActiveRun, options: tracked.TrackOptions,
                         live: Any = None) -> None:
        if not options.card:
            return
        # After the cell's own output and Out[n], as the card's last line of output; a cell
        # that showed its running card gets that card updated in place instead.
        def show(result: Any) -> None:
            self.shell.events.unregister("post_run_cell", show)
            try:
                card = RunCard(run.summary())
                if live is not None:
                    live.update(card.bundle(), raw=True)
                else:
                    self._display(card)
            except MlopsError as exc:
                print(f"jupyter-mlops: no run card: {exc}", file=sys.stderr)

        self.shell.events.register("post_run_cell", show)

    def _display(self, card: RunCard) -> None:
        from IPython.display import display

        # Already formatted: IPython would otherwise ask each of its formatters (PNG, LaTeX,
        # JSON, ...) whether the card has that form too, on every tracked cell.
        display(card.bundle(), raw=True)
