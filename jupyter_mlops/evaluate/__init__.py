"""Sliced evaluation, thresholds and blessings of model versions, and shadow replays.

``evaluate(model, data, label, slices=..., thresholds=..., per_slice=...)`` measures a
registered version overall and per slice with its task's default metrics, judges value and
change thresholds (TFMA's meaning), and stores the verdict, its *blessing*, on the version;
``replay(candidate, against=..., since=...)`` runs a candidate on the requests the served model
answered. ``promote(..., require_blessing=True)`` reads both. Importing this package is cheap:
numpy, pandas and plotly load on first use.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from .._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "Evaluation": "jupyter_mlops.evaluate.result",
    "evaluate": "jupyter_mlops.evaluate.evaluation",
    "evaluations": "jupyter_mlops.evaluate.saved",
    "get_evaluation": "jupyter_mlops.evaluate.saved",
    "replay": "jupyter_mlops.evaluate.replay",
}

__all__ = [
    "Evaluation",
    "evaluate",
    "evaluations",
    "get_evaluation",
    "replay",
]


__getattr__, __dir__ = lazy_exports("jupyter_mlops.evaluate", _EXPORTS, globals(), __all__)


class _CallableModule(types.ModuleType):
    """``mlops.evaluate`` is this package once any of it is imported; calling it evaluates.

    Importing ``jupyter_mlops.evaluate.<module>`` binds the package to the ``evaluate`` name
    of ``jupyter_mlops``, where the public API promises the function: one object serves both,
    whatever the import order (as ``jupyter_mlops.models`` does).
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Evaluation:
        from .evaluation import evaluate

        return evaluate(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule


if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors only
    from .evaluation import evaluate
    from .replay import replay
    from .result import Evaluation
    from .saved import evaluations, get_evaluation
