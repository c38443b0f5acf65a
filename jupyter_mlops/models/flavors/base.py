"""What every model flavor is: the Flavor protocol, trust, precedence levels and the error.

Kept apart from the registry in ``__init__`` so the built-in flavor files import these names
the way a third party's would, without importing the package that imports them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from ...errors import MlopsError

Trust = bool | Sequence[str]
"""``False``: only what is safe (or recorded for this very file); a list: these type names
too; ``True``: everything."""

ENTRY_POINT_GROUP = "jupyter_mlops.flavors"
SPECIFIC = 100
"""Precedence of a flavor for one library's models (XGBoost, LightGBM, PyTorch ...)."""
LIBRARY = 0
"""Precedence of a flavor for a whole family (scikit-learn's BaseEstimator)."""
FALLBACK = -100
"""Precedence of the catch-all (any object with ``predict``, pickled)."""


class UntrustedModel(MlopsError):
    """A stored model needs code the caller has not trusted to load it."""

    def __init__(self, message: str, types: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.types = list(types)


@runtime_checkable
class Flavor(Protocol):
    """What a flavor provides: recognise, save, load and predict with one kind of model.

    Optional: ``record(data) -> dict`` (stored with the model's description at logging time,
    handed back to ``load`` as ``recorded``) and a ``priority`` attribute for entry points.
    """

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
