"""Model flavors: how a kind of model is saved, loaded and asked to predict.

Flavors are plugins of one ``Registry`` (entry-point group ``jupyter_mlops.flavors``); the two
built-ins, ``sklearn.py`` and ``python.py``, register exactly as a third party's would. The
flavor that saves a model is the first, by precedence, whose ``matches`` accepts it, so a
specific flavor (XGBoost, LightGBM: ``priority=SPECIFIC``) wins over the sklearn catch-all
(``LIBRARY``) and every library's flavor wins over the pickle fallback (``FALLBACK``)::

    [project.entry-points."jupyter_mlops.flavors"]
    xgboost = "their_pkg.flavor:XGBoostFlavor"     # a class with priority = 100

A flavor may also ``record`` what its file needs when it is logged (sklearn: the types skops
does not trust by default); the record is stored with the file's digest, and loading accepts
exactly those needs for exactly that file.
"""

from __future__ import annotations

from typing import Any

from ...errors import InvalidInput
from ...plugins import Registry
from .base import (
    ENTRY_POINT_GROUP,
    FALLBACK,
    LIBRARY,
    SPECIFIC,
    Flavor,
    Trust,
    UntrustedModel,
)

__all__ = [
    "FALLBACK", "FLAVORS", "LIBRARY", "SPECIFIC", "Flavor", "Trust", "UntrustedModel",
    "for_model", "get", "load", "names", "record", "register",
]

FLAVORS: Registry[Flavor] = Registry(
    ENTRY_POINT_GROUP, "model flavor",
    hint="Install the package that provides it, or register it with "
         "jupyter_mlops.models.flavors.register(name, flavor).",
)


def register(name: str, flavor: Flavor, priority: int = LIBRARY, replace: bool = True) -> None:
    """Make ``flavor`` available under ``name``.

    Parameters
    ----------
    name:
        The flavor's name, recorded with every model it saves.
    flavor:
        An object with ``name``, ``file_name``, ``matches``, ``save``, ``load``, ``predict``
        and ``describe``.
    priority:
        Precedence when choosing a flavor for a model: ``SPECIFIC`` for one library's models,
        ``LIBRARY`` for a family, ``FALLBACK`` for a catch-all.
    replace:
        Replace a flavor registered under the same name (default, as for a notebook re-run).
    """
    if not isinstance(flavor, Flavor):
        raise InvalidInput(
            f"Flavor {name!r} must provide name, file_name, matches, save, load, predict and "
            "describe."
        )
    FLAVORS.register(name, flavor, priority=priority, replace=replace)


def get(name: str) -> Flavor:
    """The flavor registered as ``name``; raises ``NotFound`` naming the known ones."""
    return FLAVORS.get(name)


def names() -> list[str]:
    """The registered flavors' names, sorted (for help texts and errors)."""
    return FLAVORS.names()


def for_model(model: Any) -> Flavor:
    """The flavor of highest precedence whose ``matches`` accepts ``model``."""
    chosen = FLAVORS.first(lambda flavor: bool(flavor.matches(model)))
    if chosen is None:
        raise InvalidInput(
            f"No flavor can save a {type(model).__name__} (flavors: {', '.join(names())}): "
            "give it a predict method, or register a flavor for it with "
            "jupyter_mlops.models.flavors.register(name, flavor)."
        )
    return chosen


def record(flavor: Flavor, data: bytes) -> dict[str, Any]:
    """What ``flavor`` notes about a saved file at logging time (empty when it notes nothing)."""
    method = getattr(flavor, "record", None)
    return dict(method(data)) if callable(method) else {}


def load(flavor: Flavor, data: bytes, trust: Trust, recorded: dict[str, Any] | None) -> Any:
    """``flavor.load`` given what was recorded for exactly this file (if the flavor takes it)."""
    import inspect

    if recorded and "recorded" in inspect.signature(flavor.load).parameters:
        return flavor.load(data, trust, recorded=recorded)  # type: ignore[call-arg]
    return flavor.load(data, trust)


def _builtins() -> None:
    # Imported here, not at the top, so each built-in reads as a third party's plugin file.
    from . import python, sklearn

    register("sklearn", sklearn.SklearnFlavor(), priority=sklearn.PRIORITY)
    register("python", python.PythonFlavor(), priority=python.PRIORITY)


_builtins()
