"""``%mlops_evaluate``: a model version's sliced evaluation and blessing in a notebook cell.

::

    %mlops_evaluate churn@candidate test_df --label churned --slice country \\
        --slice country,plan --threshold auc>=0.8 --slice-threshold auc>=0.7 \\
        --change auc>=-0.01 --baseline churn@champion
    %mlops_evaluate replay churn@candidate --against churn@champion --since 7d

The first form evaluates a DataFrame variable (or a CSV/Parquet path, or a dataset version);
``replay`` runs the candidate on the requests the served model logged. Each shows the verdict,
the slices table and the per-slice chart, and returns the ``Evaluation`` (left in ``_``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from ...errors import MlopsError
from .common import NamespaceMagics, print_help, unquote, wants_help

if TYPE_CHECKING:
    from ...evaluate.result import Evaluation


def _slices(values: list[str] | None) -> list[Any]:
    out: list[Any] = []
    for value in values or []:
        names = tuple(n.strip() for n in unquote(value).split(",") if n.strip())  # type: ignore[union-attr]
        if not names:
            raise UsageError("Name a column to slice by, e.g. --slice country or "
                             "--slice country,plan for a cross.")
        out.append(names[0] if len(names) == 1 else names)
    return out


def _rules(args: Any, baseline: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    from ...evaluate.thresholds import parse_text

    overall = parse_text([unquote(t) or "" for t in args.threshold or []])
    change = parse_text([unquote(t) or "" for t in args.change or []], baseline=baseline,
                        change=True)
    for metric, body in change.items():
        overall.setdefault(metric, {}).update(body)
    return overall, parse_text([unquote(t) or "" for t in args.slice_threshold or []])


@magics_class
class EvaluateMagics(NamespaceMagics):
    """The evaluation magic."""

    @magic_arguments()
    @argument("model", metavar="MODEL",
              help="A registered version: churn@candidate, churn/3; or 'replay'.")
    @argument("data", metavar="DATA", nargs="?",
              help="A DataFrame variable, a CSV/Parquet path or a dataset version (name@N); "
                   "after replay: the candidate.")
    @argument("--label", help="The label column.")
    @argument("-s", "--slice", action="append", metavar="COL[,COL]",
              help="Slice by a column, or by the cross of several (repeatable).")
    @argument("-t", "--threshold", action="append", metavar="METRIC>=X",
              help="A bound on an overall metric: auc>=0.8 (repeatable).")
    @argument("--slice-threshold", action="append", metavar="METRIC>=X",
              help="The same bound on every slice big enough to judge.")
    @argument("-c", "--change", action="append", metavar="METRIC>=D",
              help="A change against --baseline: auc>=-0.01, or auc>=0.99x as a ratio.")
    @argument("--baseline", help="The baseline model of --change (churn@champion).")
    @argument("--min-slice-size", type=int, default=30,
              help="Smaller slices are shown but not judged (default 30).")
    @argument("--against", help="replay: the served version (default NAME@champion).")
    @argument("--since", default="7d", help="replay: the window of logged requests (7d).")
    @argument("--labels", metavar="VAR_OR_PATH", help="replay: labels that arrived.")
    @argument("--min-agreement", type=float, help="replay: least share answered as served.")
    @argument("--no-save", action="store_true", help="Do not store the result.")
    @line_magic
    def mlops_evaluate(self, line: str) -> Evaluation | None:
        """Evaluate MODEL on DATA overall and per slice and show its blessing (or, as
        ``%mlops_evaluate replay CANDIDATE``, replay the served model's requests through it).

        Returns the Evaluation (``.blessed``, ``.failures``, ``.to_frame()``, ``.figure()``).
        """
        if wants_help(line):
            print_help(self.mlops_evaluate)
            return None
        try:
            args = parse_argstring(self.mlops_evaluate, line)
        except SystemExit as exc:  # argparse's exit on a bad option
            raise UsageError(f"%mlops_evaluate: {exc}") from None
        try:
            if args.model == "replay":
                return self._replay(args)
            return self._evaluate(args)
        except MlopsError as exc:
            raise UsageError(str(exc)) from None

    def _evaluate(self, args: Any) -> Evaluation:
        if args.data is None or args.label is None:
            raise UsageError("%mlops_evaluate MODEL DATA --label COLUMN: name the data and "
                             "its label column.")
        from ...evaluate import evaluate

        baseline = unquote(args.baseline)
        overall, per_slice = _rules(args, baseline)
        return evaluate(unquote(args.model), self._labelled(args.data),
                        label=unquote(args.label) or "", slices=_slices(args.slice),
                        thresholds=overall, per_slice=per_slice, baseline=baseline,
                        min_slice_size=args.min_slice_size, save=not args.no_save)

    def _replay(self, args: Any) -> Evaluation:
        if args.data is None:
            raise UsageError("%mlops_evaluate replay CANDIDATE [--against NAME@champion]: name "
                             "the candidate.")
        from ...evaluate import replay

        overall, per_slice = _rules(args, None)
        labels = None if args.labels is None else self._value(args.labels)
        return replay(unquote(args.data), against=unquote(args.against),
                      since=unquote(args.since) or "7d", labels=labels,
                      label=unquote(args.label), slices=_slices(args.slice),
                      thresholds=overall, per_slice=per_slice,
                      min_agreement=args.min_agreement, min_slice_size=args.min_slice_size,
                      save=not args.no_save)
