"""``%%mlops_sweep``: the cell is the objective, run in the kernel with ``trial`` in scope.

::

    %%mlops_sweep -n 30 --maximize auc
    C = trial.suggest_float("C", 1e-3, 10, log=True)
    model = LogisticRegression(C=C).fit(X_train, y_train)
    auc = roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])

The trial's value is the metric the cell logs (``mlops.log_metric("auc", v, step=i)`` also
feeds the pruner) or else the variable of the metric's name the cell leaves behind. A model
the cell fits is autologged into its trial's run, as in ``%%mlops_track``, so the sweep's best
trial has its model (``_sweep.best_model_uri``). The sweep is left in ``_sweep``; its
optimisation history, parallel coordinates and parameter importances are shown.
"""

from __future__ import annotations

import numbers
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from ...errors import MlopsError


@magics_class
class SweepMagics(Magics):
    """The sweep cell magic."""

    @magic_arguments()
    @argument("-n", "--trials", type=int, default=20, help="Trials to finish (default 20).")
    @argument("--maximize", metavar="METRIC", help="Maximize this metric.")
    @argument("--minimize", metavar="METRIC", help="Minimize this metric.")
    @argument("--sampler", default="tpe", help="tpe, random, grid, cmaes or qmc.")
    @argument("--pruner", default="median", help="median, hyperband or none.")
    @argument("--name", help="The study's name; an existing one is continued.")
    @argument("-e", "--experiment", help="The experiment to file the sweep under.")
    @argument("--seed", type=int, help="The sampler's seed.")
    @argument("--no-autolog", action="store_true",
              help="Do not log the models the cell fits into each trial's run.")
    @argument("--no-plot", action="store_true",
              help="Do not show the optimisation history, parallel coordinates and importances.")
    @cell_magic
    def mlops_sweep(self, line: str, cell: str) -> None:
        """Run the cell as a sweep's objective, ``trial`` in its namespace."""
        try:
            args = parse_argstring(self.mlops_sweep, line)
        except SystemExit as exc:  # argparse's exit on a bad option
            raise UsageError(f"%%mlops_sweep: {exc}") from None
        if args.maximize and args.minimize:
            raise UsageError("%%mlops_sweep: give --maximize or --minimize, not both.")
        metric = args.maximize or args.minimize or "auc"
        direction = "minimize" if args.minimize else "maximize"
        shell = self.shell
        assert shell is not None
        code = compile(cell, "<mlops_sweep>", "exec")

        def objective(trial: Any) -> float | None:
            from ...tracking.run import active_run

            shell.user_ns["trial"] = trial
            shell.user_ns.pop(metric, None)
            run = active_run()  # the trial's run, started by the sweep around this call
            if args.no_autolog or run is None:
                exec(code, shell.user_ns)  # the user's cell, in the user's namespace
            else:
                from ..autolog import SklearnAutolog

                with SklearnAutolog(run):
                    exec(code, shell.user_ns)
            value = shell.user_ns.get(metric)
            return float(value) if isinstance(value, numbers.Real) else None

        from ...sweep import sweep

        try:
            result = sweep(objective, None, n_trials=args.trials, direction=direction,
                           metric=metric, sampler=args.sampler,
                           pruner=None if args.pruner == "none" else args.pruner,
                           name=args.name, experiment=args.experiment, seed=args.seed)
        except MlopsError as exc:
            raise UsageError(str(exc)) from None
        shell.user_ns["_sweep"] = result
        print(f"Sweep {result.study.study_name!r} (run {result.run_id}): best {metric} "
              f"{result.best_value:.6g} with {result.best_params}")
        if not args.no_plot:
            _show_figures(result)


def _show_figures(result: Any) -> None:
    """The sweep's figures as plotly's own mime bundle, which JupyterLab draws; a figure
    Optuna cannot draw yet (importances need two finished trials and two params) is skipped."""
    import json

    from IPython.display import display

    for draw in (result.plot_history, result.plot_parallel, result.plot_importances):
        try:
            figure = draw()
        except (ValueError, RuntimeError):
            continue
        if not figure.data:
            continue
        # Explicitly the mime type: plotly's default renderer outside a kernel opens a browser.
        display({"application/vnd.plotly.v1+json": json.loads(figure.to_json()),
                 "text/plain": f"<{figure.layout.title.text or 'figure'}>"}, raw=True)
