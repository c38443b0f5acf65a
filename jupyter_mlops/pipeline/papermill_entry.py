"""The ``papermill.engine`` entry point: hands papermill the ``mlops`` engine class.

This is the engine's only registration. papermill loads its entry points while
``papermill.engines`` is first imported. When that import comes from our own engine module
(someone imported it first, as the step execution does), the engine class is not defined yet:
papermill then gets ``DeferredEngine``, whose every attribute is the real engine's, looked up
on use, by which time the engine module has finished. Otherwise papermill gets the engine
class itself (the engine module imports cleanly from papermill's half-imported ``engines``).
"""

from __future__ import annotations

import sys
from typing import Any

_ENGINE_MODULE = "jupyter_mlops.pipeline.papermill_engine"


class _Forwarding(type):
    """A class whose missing attributes are the real engine class's."""

    def __getattr__(cls, name: str) -> Any:
        from .papermill_engine import MlopsEngine

        return getattr(MlopsEngine, name)


class DeferredEngine(metaclass=_Forwarding):
    """The ``mlops`` engine as papermill registers it while the engine module is importing."""


def __getattr__(name: str) -> Any:
    if name != "MlopsEngine":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    loading = sys.modules.get(_ENGINE_MODULE)
    if loading is not None and not hasattr(loading, "MlopsEngine"):
        return DeferredEngine
    from .papermill_engine import MlopsEngine

    return MlopsEngine
