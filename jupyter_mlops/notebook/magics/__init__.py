"""The notebook magics, one class per group, and the one list that registers them.

``%load_ext jupyter_mlops`` registers every class named in ``MAGIC_CLASSES`` (imported then,
not before, so loading the package stays light). A new group of magics is one new file here
plus one line in that list, e.g. ``"magics.evaluate:EvaluateMagics"``.
"""

from __future__ import annotations

import importlib
from typing import Any

MAGIC_CLASSES: list[str] = [
    "magics.track:TrackMagics",
    "magics.runs:RunsMagics",
    "magics.data:DataMagics",
    "magics.drift:DriftMagics",
    "magics.models:ModelMagics",
    "magics.pipeline:PipelineMagics",
    "magics.sweep:SweepMagics",
    "magics.evaluate:EvaluateMagics",
]
"""``module:Class`` of each magics class, relative to ``jupyter_mlops.notebook``, in
registration order."""


def magic_classes() -> list[type[Any]]:
    """The classes of ``MAGIC_CLASSES``, imported."""
    found = []
    for spec in MAGIC_CLASSES:
        module, _, name = spec.partition(":")
        found.append(getattr(importlib.import_module(f"jupyter_mlops.notebook.{module}"),
                             name))
    return found
