"""``%mlops_runs`` and ``%mlops_compare``: runs as a widget table, and a comparison."""

from __future__ import annotations

from typing import TYPE_CHECKING

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from ...errors import MlopsError
from .common import print_help, wants_help

if TYPE_CHECKING:
    from ..widgets import Comparison, StaticRuns, _RunsWidgetBase


@magics_class
class RunsMagics(Magics):
    """Magics that show runs and compare them."""

    # -- %mlops_runs, %mlops_compare ---------------------------------------------------------

    @magic_arguments()
    @argument("-e", "--experiment", action="append", help="Only this experiment; repeatable.")
    @argument("-f", "--filter", nargs="+", help="A query, e.g. metrics.auc > 0.8")
    @argument("-o", "--order-by", action="append", help="A sort key, e.g. 'metrics.auc DESC'.")
    @argument("-m", "--max-results", type=int, default=200, help="At most this many runs.")
    @line_magic
    def mlops_runs(self, line: str) -> _RunsWidgetBase | StaticRuns | None:
        """Show runs in a table with a filter box, sortable columns and a Compare button."""
        if wants_help(line):
            print_help(self.mlops_runs)
            return None
        args = parse_argstring(self.mlops_runs, line)
        from ..widgets import runs_view

        try:
            return runs_view(args.experiment, " ".join(args.filter) if args.filter else None,
                             args.order_by, args.max_results)
        except MlopsError as exc:
            raise UsageError(str(exc)) from None

    @magic_arguments()
    @argument("run_ids", nargs="+", metavar="RUN_ID", help="Runs to compare (ids or prefixes).")
    @argument("-m", "--metric", help="Metric for the parallel-coordinates chart.")
    @argument("-p", "--params", metavar="P1,P2",
              help="Params to show (default: those that differ between the runs).")
    @line_magic
    def mlops_compare(self, line: str) -> Comparison | None:
        """Compare runs: metric histories, params against a metric, and a diff of params."""
        if wants_help(line):
            print_help(self.mlops_compare)
            return None
        args = parse_argstring(self.mlops_compare, line)
        from ..widgets import compare_view

        try:
            params = None if args.params is None else [
                p.strip() for p in args.params.split(",") if p.strip()]
            return compare_view(args.run_ids, args.metric, params)
        except MlopsError as exc:
            raise UsageError(str(exc)) from None
