"""The ``papermill.engine`` entry point: hands papermill the ``mlops`` engine class.

papermill loads its entry points while ``papermill.engines`` is first imported. When that
import comes from our own engine module (someone imported it first), the class does not exist
yet: hand over nothing, since the engine module registers itself once defined. Otherwise
import the engine module, which papermill's half-imported ``engines`` already supports.
"""

from __future__ import annotations

import sys
from typing import Any

_ENGINE_MODULE = "jupyter_mlops.pipeline.papermill_engine"


def __getattr__(name: str) -> Any:
    if name != "MlopsEngine":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    loading = sys.modules.get(_ENGINE_MODULE)
    if loading is not None and not hasattr(loading, "MlopsEngine"):
        return None
    from .papermill_engine import MlopsEngine

    return MlopsEngine
