"""The capability magics: ``%mlops_data``, ``%mlops_drift``, ``%mlops_register``,
``%mlops_models`` and ``%mlops_pipeline run``.

Each magic parses its line, calls one capability function, and renders what it returns; the
capabilities are imported inside the magics so that ``%load_ext jupyter_mlops`` stays light.
Bad options and refused input raise ``UsageError``, which IPython shows as one line.
"""

from __future__ import annotations

import html
import sys
from collections.abc import Sequence
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from ...errors import MlopsError
from .track import _print_help, _wants_help


def _split(groups: list[str] | None) -> list[str] | None:
    """``["a,b", "c"]`` as ``["a", "b", "c"]``; None when the option was not given."""
    if groups is None:
        return None
    names = [name.strip() for group in groups for name in group.split(",") if name.strip()]
    if not names:
        raise UsageError("Name at least one column, e.g. --columns age,income.")
    return names


def _unquote(text: str | None) -> str | None:
    """``text`` without the quotes around it: IPython's argument split keeps them."""
    if text is not None and len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _show(text: str, markup: str) -> None:
    from IPython.display import display

    display({"text/plain": text, "text/html": markup}, raw=True)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> tuple[str, str]:
    """The rows as aligned plain text and as an HTML table."""
    lines = [tuple(str(cell) for cell in row) for row in (headers, *rows)]
    widths = [max(len(cell) for cell in column) for column in zip(*lines, strict=True)]
    text = "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
                     .rstrip() for row in lines)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row)
                   + "</tr>" for row in rows)
    return text, f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


@magics_class
class FeatureMagics(Magics):
    """Magics that version data, check drift, register models and run pipelines."""

    def _value(self, target: str) -> Any:
        """The notebook variable ``target`` names, else ``target`` unquoted (a path or ref)."""
        if target.isidentifier() and target in self.shell.user_ns:
            return self.shell.user_ns[target]
        return _unquote(target)

    # -- %mlops_data ------------------------------------------------------------------------

    @magic_arguments()
    @argument("name", help="The dataset's name, e.g. customers.")
    @argument("target", metavar="VAR_OR_PATH",
              help="A variable holding a DataFrame, or a file or folder to version.")
    @argument("--validate", action="store_true",
              help="Check the DataFrame against the dataset's schema first.")
    @argument("-d", "--description", help="What this version is.")
    @line_magic
    def mlops_data(self, line: str) -> Any:
        """Version a DataFrame variable, a file or a folder as the next version of NAME.

        Content already stored gives back the existing version. Returns the DatasetVersion.
        """
        if _wants_help(line):
            _print_help(self.mlops_data)
            return None
        args = parse_argstring(self.mlops_data, line)
        from ...data.magic import version_from_magic

        try:
            version = version_from_magic(args.name, args.target, self.shell.user_ns,
                                         validate=args.validate,
                                         description=_unquote(args.description))
        except MlopsError as exc:
            raise UsageError(str(exc)) from None
        # The record displays itself (one line, or a table in a notebook): shown once.
        return version

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
    def mlops_drift(self, line: str) -> Any:
        """Compare CUR with REF column by column and show the drift report.

        Returns the DriftReport (``.drifted``, ``.to_frame()``, ``.figure()``, ``.save()``).
        """
        if _wants_help(line):
            _print_help(self.mlops_drift)
            return None
        args = parse_argstring(self.mlops_drift, line)
        if args.name is not None and not args.save:
            raise UsageError("--name names a saved report: add --save.")
        from ...monitor.drift import drift_report

        try:
            report = drift_report(self._labelled(args.reference), self._labelled(args.current),
                                  columns=_split(args.columns),
                                  categorical=_split(args.categorical))
            if args.save:
                report.save(name=_unquote(args.name))
        except MlopsError as exc:
            raise UsageError(str(exc)) from None
        return report

    def _labelled(self, target: str) -> Any:
        value = self._value(target)
        attrs = getattr(value, "attrs", None)
        if isinstance(value, str) or not isinstance(attrs, dict) or "mlops_ref" in attrs:
            return value
        # The report names each side by the frame's label: the variable's name says more than
        # "DataFrame", and a shallow copy keeps the user's frame untouched.
        labelled = value.copy(deep=False)
        labelled.attrs = {**attrs, "mlops_ref": target}
        return labelled

    # -- %mlops_register, %mlops_models -----------------------------------------------------

    @magic_arguments()
    @argument("name", help="The registered model's name; created on first registration.")
    @argument("model", metavar="MODEL_VAR",
              help="A variable holding a model (or a LoggedModel), or a runs:/ID/PATH URI.")
    @argument("--alias", help="Point this alias (e.g. champion) at the new version too.")
    @argument("--description", help="What this version is for.")
    @argument("--reason", help="Why, for the audit log.")
    @line_magic
    def mlops_register(self, line: str) -> Any:
        """Register MODEL_VAR as the next version of NAME from the tracked run that fitted it.

        The version takes that run's metrics, params and training data (what a gated
        promote compares). Only a model no tracked run logged is logged anew, into the active
        run or a new run (said in one line). Returns the ModelVersion.
        """
        if _wants_help(line):
            _print_help(self.mlops_register)
            return None
        args = parse_argstring(self.mlops_register, line)
        source = self._value(args.model)
        if isinstance(source, str) and not source.startswith("runs:/"):
            raise UsageError(f"{args.model!r} is not a variable of this notebook: pass the "
                             "variable holding the model, or a runs:/RUN_ID/PATH URI.")
        from ...models import register_model

        try:
            version = register_model(source, args.name, alias=args.alias,
                                     description=_unquote(args.description),
                                     reason=_unquote(args.reason))
        except MlopsError as exc:
            raise UsageError(str(exc)) from None
        return version

    @magic_arguments()
    @argument("name", nargs="?", help="Show this model's versions instead of every model.")
    @argument("--promote", action="store_true",
              help="With NAME: add a form that promotes a version to an alias, if it is at "
                   "least as good on the required metrics.")
    @line_magic
    def mlops_models(self, line: str) -> Any:
        """Show the registered models, or the versions of NAME, as a DataFrame."""
        if _wants_help(line):
            _print_help(self.mlops_models)
            return None
        args = parse_argstring(self.mlops_models, line)
        if args.promote and args.name is None:
            raise UsageError("--promote needs the model: %mlops_models NAME --promote.")
        from ...models import model_versions, models

        try:
            frame = models() if args.name is None else model_versions(args.name)
        except MlopsError as exc:
            raise UsageError(str(exc)) from None
        if frame.empty:
            what = "models are registered" if args.name is None else \
                f"versions of {args.name!r} are registered"
            print(f"No {what} yet: register one with %mlops_register NAME MODEL_VAR.")
            return None
        if not args.promote:
            return frame
        try:
            return PromoteForm(args.name, frame)
        except ImportError:
            raise UsageError("--promote needs ipywidgets: pip install ipywidgets, or call "
                             "mlops.models.promote(...).") from None

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
    def mlops_pipeline(self, line: str) -> Any:
        """Run a notebook pipeline: each step a tracked child run, cached steps skipped.

        Shows each step's state; a failed step's failing cell is printed on stderr.
        Returns the PipelineResult (``.ok``, ``.states()``, ``.raise_for_status()``).
        """
        if _wants_help(line):
            _print_help(self.mlops_pipeline)
            return None
        args = parse_argstring(self.mlops_pipeline, line)
        if args.jobs < 1:
            raise UsageError(f"--jobs must be 1 or more, not {args.jobs}.")
        from ...pipeline.located import parse_assignments
        from ...pipeline.runner import run_pipeline

        try:
            result = run_pipeline(_unquote(args.pipeline) or "pipeline.yaml",
                                  params=parse_assignments([p for group in args.param or []
                                                            for p in group]),
                                  only=args.only, from_=args.from_, force=args.force,
                                  jobs=args.jobs)
        except MlopsError as exc:
            raise UsageError(str(exc)) from None
        _show_pipeline(result)
        return result


class PromoteForm:
    """A model's versions above an ipywidgets form that promotes one of them to an alias."""

    def __init__(self, name: str, frame: Any) -> None:
        import ipywidgets as w

        self.name = name
        self.frame = frame
        versions = [int(v) for v in frame["version"]]
        self.version = w.Dropdown(options=versions, value=versions[-1], description="Version")
        self.alias = w.Text(value="champion", description="Alias")
        self.require = w.Text(placeholder="auc>=,log_loss<=", description="Require")
        self.reason = w.Text(placeholder="why, for the audit log", description="Reason")
        self.button = w.Button(description="Promote", button_style="primary")
        self.message = w.HTML()
        table = w.HTML(frame.to_html(index=False))
        self.widget = w.VBox([table, w.HBox([self.version, self.alias]),
                              w.HBox([self.require, self.reason]), self.button, self.message])
        self.button.on_click(lambda button: self.promote())

    def promote(self) -> Any:
        """Promote the chosen version as the form says; show why (not) below the form."""
        import warnings

        from ...models import PromotionRefused, promote

        try:
            with warnings.catch_warnings():
                # The form shows the refusal below itself; the warning would repeat it.
                warnings.simplefilter("ignore", PromotionRefused)
                outcome = promote(self.name, self.version.value,
                                  alias=self.alias.value.strip(),
                                  require=_requirements(self.require.value),
                                  reason=self.reason.value.strip() or None)
        except (MlopsError, UsageError) as exc:
            self.message.value = f"<p>{html.escape(str(exc))}</p>"
            return None
        verdict = (f"Version {outcome.version} now holds @{outcome.alias}" if outcome.promoted
                   else f"Version {outcome.version} was not promoted to @{outcome.alias}")
        why = "; ".join(outcome.reasons)
        self.message.value = f"<p>{html.escape(verdict + (': ' + why if why else '.'))}</p>"
        return outcome

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        # Front ends without a widget manager show the versions table instead of the form.
        bundle.setdefault("text/html", self.frame.to_html(index=False))
        bundle["text/plain"] = repr(self.frame)
        return bundle


def _requirements(text: str) -> dict[str, str]:
    """``"auc>=, log_loss<="`` as ``{"auc": ">=", "log_loss": "<="}`` (a bare name means >=)."""
    import re

    rules: dict[str, str] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        match = re.fullmatch(r"([^<>=\s]+)\s*(>=|<=|>|<)?", item)
        if match is None:
            raise UsageError(f"Require metrics as name>= or name<=, not {item!r}.")
        rules[match[1]] = match[2] or ">="
    return rules


def _show_pipeline(result: Any) -> None:
    rows = []
    for o in result.steps:
        detail = o.reason if o.state != "failed" else (
            o.failure.summary() if o.failure is not None else o.error or "")
        rows.append((o.step, o.state, "" if o.state == "cached" else f"{o.duration:.1f}s",
                     (o.run_id or "")[:8], detail))
    text, table = _table(["step", "state", "time", "run", "detail"], rows)
    title = f"{result.name}: {result.status.value} (run {result.run_id[:8]})"
    _show(title + "\n" + text, f"<p><b>{html.escape(title)}</b></p>{table}")
    for o in result.steps:
        if o.state == "failed":
            print(o.failure.render(o.step) if o.failure is not None else
                  f"Step '{o.step}' failed: {o.error}", file=sys.stderr)
