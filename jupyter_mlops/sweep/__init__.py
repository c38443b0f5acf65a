"""Sweeps: hyperparameter search as tracked runs, on an Optuna study in the workspace's database.

Optuna does the searching (samplers, pruners, storage); this package makes each trial a run
nested under the sweep's run, feeds metrics logged with steps to the pruner, and keeps the
study beside the runs so a killed sweep resumes where it stopped.
"""

from __future__ import annotations

from .core import Sweep, sweep
from .plugins import PRUNERS, SAMPLERS

__all__ = ["PRUNERS", "SAMPLERS", "Sweep", "sweep"]
