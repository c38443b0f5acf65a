"""``%mlops_register`` and ``%mlops_models``: register a fitted model, promote its versions."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from ...errors import MlopsError
from .common import NamespaceMagics, print_help, unquote, wants_help

if TYPE_CHECKING:
    import pandas as pd

    from ...records import ModelVersion, Promotion


@magics_class
class ModelMagics(NamespaceMagics):
    """Magics that register models and promote their versions."""

    # -- %mlops_register, %mlops_models -----------------------------------------------------

    @magic_arguments()
    @argument("name", help="The registered model's name; created on first registration.")
    @argument("model", metavar="MODEL_VAR",
              help="A variable holding a model (or a LoggedModel), or a runs:/ID/PATH URI.")
    @argument("--alias", help="Point this alias (e.g. champion) at the new version too.")
    @argument("--description", help="What this version is for.")
    @argument("--reason", help="Why, for the audit log.")
    @line_magic
    def mlops_register(self, line: str) -> ModelVersion | None:
        """Register MODEL_VAR as the next version of NAME from the tracked run that fitted it.

        The version takes that run's metrics, params and training data (what a gated
        promote compares). Only a model no tracked run logged is logged anew, into the active
        run or a new run (said in one line). Returns the ModelVersion.
        """
        if wants_help(line):
            print_help(self.mlops_register)
            return None
        args = parse_argstring(self.mlops_register, line)
        source = self._value(args.model)
        if isinstance(source, str) and not source.startswith("runs:/"):
            raise UsageError(f"{args.model!r} is not a variable of this notebook: pass the "
                             "variable holding the model, or a runs:/RUN_ID/PATH URI.")
        from ...models import register_model

        try:
            version = register_model(source, args.name, alias=args.alias,
                                     description=unquote(args.description),
                                     reason=unquote(args.reason))
        except MlopsError as exc:
            raise UsageError(str(exc)) from None
        return version

    @magic_arguments()
    @argument("name", nargs="?", help="Show this model's versions instead of every model.")
    @argument("--promote", action="store_true",
              help="With NAME: add a form that promotes a version to an alias, if it is at "
                   "least as good on the required metrics.")
    @line_magic
    def mlops_models(self, line: str) -> pd.DataFrame | PromoteForm | None:
        """Show the registered models, or the versions of NAME, as a DataFrame."""
        if wants_help(line):
            print_help(self.mlops_models)
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

    def promote(self) -> Promotion | None:
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
