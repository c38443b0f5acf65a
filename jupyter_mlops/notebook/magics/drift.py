"""``%mlops_drift``: a drift report between two DataFrames, files or data versions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from IPython.core.error import UsageError
from IPython.core.magic import line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from ...errors import MlopsError
from .common import NamespaceMagics, print_help, split_names, unquote, wants_help

if TYPE_CHECKING:
    from ...monitor.report import DriftReport


@magics_class
class DriftMagics(NamespaceMagics):
    """Magics that check drift."""

    # -- %mlops_drift -----------------------------------------------------------------------

    @magic_arguments()
    @argument("reference", metavar="REF",
              help="A DataFrame variable, a CSV/Parquet path or a dataset version (name@N).")
    @argument("current", metavar="CUR", help="The data to check, in the same forms.")
    @argument("--columns", action="append", metavar="A,B",
              help="Compare only these columns (default: all).")
    @argument("--categorical", action="append", metavar="X,Y",
              help="Numeric columns to test as categories.")
    @argument("--save", action="store_true",
              help="Store the report (linked to the active run, if any).")
    @argument("-n", "--name", help="With --save: a name to find the report by.")
    @line_magic
    def mlops_drift(self, line: str) -> DriftReport | None:
        """Compare CUR with REF column by column and show the drift report.

        Returns the DriftReport (``.drifted``, ``.to_frame()``, ``.figure()``, ``.save()``).
        """
        if wants_help(line):
            print_help(self.mlops_drift)
            return None
        args = parse_argstring(self.mlops_drift, line)
        if args.name is not None and not args.save:
            raise UsageError("--name names a saved report: add --save.")
        from ...monitor.drift import drift_report

        try:
            report = drift_report(self._labelled(args.reference), self._labelled(args.current),
                                  columns=split_names(args.columns),
                                  categorical=split_names(args.categorical))
            if args.save:
                report.save(name=unquote(args.name))
        except MlopsError as exc:
            raise UsageError(str(exc)) from None
        return report
