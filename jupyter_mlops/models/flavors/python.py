"""The ``python`` flavor: any other object with ``predict`` (or a callable), via cloudpickle.

Unpickling runs arbitrary code, so a model of this flavor loads only with ``trust=True``:
nothing recorded at logging time can make a pickle safe. It is the fallback of lowest
precedence, tried after every library's flavor.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import metadata
from typing import TYPE_CHECKING, Any

from ...errors import MissingDependency
from .base import FALLBACK, Trust, UntrustedModel

if TYPE_CHECKING:
    from types import ModuleType

PRIORITY = FALLBACK


def _cloudpickle() -> ModuleType:
    try:
        import cloudpickle
    except ImportError as exc:
        raise MissingDependency(
            "Saving and loading Python-object models needs cloudpickle: pip install cloudpickle."
        ) from exc
    return cloudpickle


class PythonFlavor:
    """Any Python object with ``predict`` (or a callable), pickled with cloudpickle."""

    name = "python"
    file_name = "model.pkl"
    priority = PRIORITY

    def matches(self, model: Any) -> bool:
        return callable(getattr(model, "predict", None)) or callable(model)

    def save(self, model: Any) -> bytes:
        return bytes(_cloudpickle().dumps(model))

    def load(self, data: bytes, trust: Trust, recorded: Mapping[str, Any] | None = None) -> Any:
        if trust is not True:
            raise UntrustedModel(
                "This model is a pickle (python flavor): loading it runs arbitrary code. "
                "Load it only if you trust where it came from, with trust=True."
            )
        import pickle

        return pickle.loads(data)

    def predict(self, model: Any, data: Any) -> Any:
        method = getattr(model, "predict", None)
        return method(data) if callable(method) else model(data)

    def describe(self, model: Any) -> dict[str, Any]:
        kind = type(model)
        try:
            version = metadata.version("cloudpickle")
        except metadata.PackageNotFoundError:
            version = None
        return {"class": f"{kind.__module__}.{kind.__qualname__}",
                "libraries": {"cloudpickle": version}}
