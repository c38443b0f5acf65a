"""Model flavors: how a kind of model is saved, loaded and asked to predict.

Flavors live in a registry, ``register(name, flavor)``, which our own flavors use exactly as a
third party's would (also through the ``jupyter_mlops.flavors`` entry point group). Two ship:

- ``sklearn``: scikit-learn estimators and pipelines, saved with skops. Loading runs no code
  from the file; a type outside skops' safe list must be trusted by name (or ``trust=True``).
- ``python``: any other object with ``predict`` (or a callable), saved with cloudpickle.
  Unpickling runs arbitrary code, so it is loaded only with ``trust=True``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib import metadata
from typing import Any, Protocol, runtime_checkable

from ..errors import InvalidInput, MissingDependency, MlopsError, NotFound

Trust = bool | Sequence[str]
"""``False``: only what is safe; a list: these type names too; ``True``: everything."""

ENTRY_POINT_GROUP = "jupyter_mlops.flavors"


class UntrustedModel(MlopsError):
    """A stored model needs code the caller has not trusted to load it."""

    def __init__(self, message: str, types: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.types = list(types)


@runtime_checkable
class Flavor(Protocol):
    """What a flavor provides: recognise, save, load and predict with one kind of model."""

    name: str
    file_name: str

    def matches(self, model: Any) -> bool:
        """Whether this flavor can save ``model``."""

    def save(self, model: Any) -> bytes:
        """The model as bytes."""

    def load(self, data: bytes, trust: Trust) -> Any:
        """The model from ``data``; raises ``UntrustedModel`` rather than run untrusted code."""

    def predict(self, model: Any, data: Any) -> Any:
        """The model's predictions for ``data``."""

    def describe(self, model: Any) -> dict[str, Any]:
        """The model's class and the versions of the libraries it needs."""


_FLAVORS: dict[str, Flavor] = {}
_entry_points_loaded = False


def register(name: str, flavor: Flavor) -> None:
    """Make ``flavor`` available under ``name``; a later registration replaces an earlier one.

    Parameters
    ----------
    name:
        The flavor's name, recorded with every model it saves.
    flavor:
        An object with ``matches``, ``save``, ``load``, ``predict`` and ``describe``.
    """
    if not isinstance(flavor, Flavor):
        raise InvalidInput(
            f"Flavor {name!r} must provide name, file_name, matches, save, load, predict and "
            "describe."
        )
    _FLAVORS[name] = flavor


def _load_entry_points() -> None:
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    for point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if point.name not in _FLAVORS:
            register(point.name, point.load())


def get(name: str) -> Flavor:
    """The flavor registered as ``name``; raises ``NotFound`` naming the known ones."""
    flavor = _FLAVORS.get(name)
    if flavor is None:
        _load_entry_points()
        flavor = _FLAVORS.get(name)
    if flavor is None:
        raise NotFound(
            f"No model flavor named {name!r}. Known flavors: {', '.join(sorted(_FLAVORS))}. "
            "Install the package that provides it, or register it with "
            "jupyter_mlops.models.flavors.register(name, flavor)."
        )
    return flavor


def names() -> list[str]:
    _load_entry_points()
    return sorted(_FLAVORS)


def for_model(model: Any) -> Flavor:
    """The first registered flavor that matches ``model``; ``python`` is tried last."""
    _load_entry_points()
    ordered = [f for n, f in _FLAVORS.items() if n != "python"]
    if "python" in _FLAVORS:
        ordered.append(_FLAVORS["python"])
    for flavor in ordered:
        if flavor.matches(model):
            return flavor
    raise InvalidInput(
        f"No flavor can save a {type(model).__name__}: give it a predict method, or register "
        "a flavor for it with jupyter_mlops.models.flavors.register(name, flavor)."
    )


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _class_name(model: Any) -> str:
    kind = type(model)
    return f"{kind.__module__}.{kind.__qualname__}"


class SklearnFlavor:
    """scikit-learn estimators and pipelines through skops (no pickle, no code on load)."""

    name = "sklearn"
    file_name = "model.skops"

    def matches(self, model: Any) -> bool:
        # Only an object made with scikit-learn loaded can be one of its estimators; checking
        # sys.modules keeps sklearn unimported for everyone else.
        if "sklearn" not in sys.modules:
            return False
        from sklearn.base import BaseEstimator

        return isinstance(model, BaseEstimator)

    @staticmethod
    def _skops() -> Any:
        try:
            import skops.io as sio
        except ImportError as exc:
            raise MissingDependency(
                "Saving and loading scikit-learn models needs skops: "
                "pip install 'jupyter-mlops[sklearn]'."
            ) from exc
        return sio

    def save(self, model: Any) -> bytes:
        return bytes(self._skops().dumps(model))

    def load(self, data: bytes, trust: Trust) -> Any:
        sio = self._skops()
        untrusted = list(sio.get_untrusted_types(data=data))
        if trust is True:
            allowed = untrusted
        else:
            given = [] if trust is False else [str(t) for t in trust]
            refused = [t for t in untrusted if t not in given]
            if refused:
                raise UntrustedModel(
                    f"The model uses types skops does not trust by default: "
                    f"{', '.join(refused)}. Review them, then load with "
                    f"trust={refused!r} (or trust=True).",
                    refused,
                )
            allowed = untrusted
        return sio.loads(data, trusted=allowed)

    def predict(self, model: Any, data: Any) -> Any:
        return model.predict(data)

    def describe(self, model: Any) -> dict[str, Any]:
        return {
            "class": _class_name(model),
            "libraries": {"scikit-learn": _version("scikit-learn"), "skops": _version("skops")},
        }


class PythonFlavor:
    """Any Python object with ``predict`` (or a callable), pickled with cloudpickle."""

    name = "python"
    file_name = "model.pkl"

    def matches(self, model: Any) -> bool:
        return callable(getattr(model, "predict", None)) or callable(model)

    @staticmethod
    def _cloudpickle() -> Any:
        try:
            import cloudpickle
        except ImportError as exc:
            raise MissingDependency(
                "Saving and loading Python-object models needs cloudpickle: "
                "pip install cloudpickle."
            ) from exc
        return cloudpickle

    def save(self, model: Any) -> bytes:
        return bytes(self._cloudpickle().dumps(model))

    def load(self, data: bytes, trust: Trust) -> Any:
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
        return {
            "class": _class_name(model),
            "libraries": {"cloudpickle": _version("cloudpickle")},
        }


register("sklearn", SklearnFlavor())
register("python", PythonFlavor())
