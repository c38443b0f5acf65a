"""``%mlops_pipeline run``: run a pipeline from the notebook and show each step's state."""

from __future__ import annotations

import html
import sys
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from ...errors import MlopsError
from .common import NamespaceMagics, print_help, show, table, unquote, wants_help

if TYPE_CHECKING:
    from ...pipeline.outcome import PipelineResult


@magics_class
class PipelineMagics(NamespaceMagics):
    """Magics that run pipelines."""

    # -- %mlops_pipeline run ----------------------------------------------------------------

    @magic_arguments()
    @argument("action", choices=["run"], help="run: run the steps whose cache key changed.")
    @argument("pipeline", nargs="?", default="pipeline.yaml", metavar="PIPELINE_YAML",
              help="The pipeline file (default: pipeline.yaml).")
    @argument("-p", "--param", action="append", nargs="+", metavar="KEY=VALUE",
              help="Override a param (STEP.KEY=VALUE for one step's); values typed as in "
                   "YAML. Repeatable.")
    @argument("--only", action="append", metavar="STEP",
              help="Only this step (repeatable); upstream outputs must exist.")
    @argument("--from", dest="from_", metavar="STEP",
              help="This step and every step that depends on it.")
    @argument("--force", action="store_true", help="Run the selected steps even when cached.")
    @argument("-j", "--jobs", type=int, default=1, help="How many steps may run at once.")
    @line_magic
    def mlops_pipeline(self, line: str) -> PipelineResult | None:
        """Run a notebook pipeline: each step a tracked child run, cached steps skipped.

        Shows each step's state; a failed step's failing cell is printed on stderr.
        Returns the PipelineResult (``.ok``, ``.states()``, ``.raise_for_status()``).
        """
        if wants_help(line):
            print_help(self.mlops_pipeline)
            return None
        args = parse_argstring(self.mlops_pipeline, line)
        if args.jobs < 1:
            raise UsageError(f"--jobs must be 1 or more, not {args.jobs}.")
        from ...pipeline.located import parse_assignments
        from ...pipeline.runner import run_pipeline

        try:
            result = run_pipeline(unquote(args.pipeline) or "pipeline.yaml",
                                  params=parse_assignments([p for group in args.param or []
                                                            for p in group]),
                                  only=args.only, from_=args.from_, force=args.force,
                                  jobs=args.jobs)
        except MlopsError as exc:
            raise UsageError(str(exc)) from None
        _show_pipeline(result)
        return result


def _show_pipeline(result: Any) -> None:
    rows = []
    for o in result.steps:
        detail = o.reason if o.state != "failed" else (
            o.failure.summary() if o.failure is not None else o.error or "")
        rows.append((o.step, o.state, "" if o.state == "cached" else f"{o.duration:.1f}s",
                     (o.run_id or "")[:8], detail))
    text, markup = table(["step", "state", "time", "run", "detail"], rows)
    title = f"{result.name}: {result.status.value} (run {result.run_id[:8]})"
    show(title + "\n" + text, f"<p><b>{html.escape(title)}</b></p>{markup}")
    for o in result.steps:
        if o.state == "failed":
            print(o.failure.render(o.step) if o.failure is not None else
                  f"Step '{o.step}' failed: {o.error}", file=sys.stderr)
