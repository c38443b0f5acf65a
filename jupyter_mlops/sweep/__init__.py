"""Sweeps: hyperparameter search as tracked runs, on an Optuna study in the workspace's database.

Optuna does the searching (samplers, pruners, storage); this package makes each trial a run
nested under the sweep's run, feeds metrics logged with steps to the pruner, and keeps the
study beside the runs so a killed sweep resumes where it stopped.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from .core import Sweep, sweep
from .plugins import PRUNERS, SAMPLERS

__all__ = ["PRUNERS", "SAMPLERS", "Sweep", "sweep"]


class _CallableModule(types.ModuleType):
    # Importing this package sets ``jupyter_mlops.sweep`` to the package, hiding the public
    # function of the same name; calling the package calls the function, so both spellings work.
    def __call__(self, *args: Any, **kwargs: Any) -> Sweep:
        return sweep(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
