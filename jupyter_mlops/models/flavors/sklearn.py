"""The ``sklearn`` flavor: scikit-learn estimators and pipelines, saved with skops.

Loading runs no code from the file. skops refuses types outside its safe list unless they are
trusted by name; this flavor records, when a model is logged, exactly the types its file needs
(``skops.io.get_untrusted_types``), so that the same file loads again without the user naming
them, while any other file (edited, swapped, logged elsewhere) still has to be trusted by hand.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from importlib import metadata
from typing import TYPE_CHECKING, Any

from ...errors import MissingDependency
from .base import LIBRARY, Trust, UntrustedModel

if TYPE_CHECKING:
    from types import ModuleType

PRIORITY = LIBRARY
RECORD_KEY = "skops_untrusted_types"


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _skops() -> ModuleType:
    try:
        import skops.io as sio
    except ImportError as exc:
        raise MissingDependency(
            "Saving and loading scikit-learn models needs skops: "
            "pip install scikit-learn skops."
        ) from exc
    return sio


class SklearnFlavor:
    """scikit-learn estimators and pipelines through skops (no pickle, no code on load)."""

    name = "sklearn"
    file_name = "model.skops"
    priority = PRIORITY

    def matches(self, model: Any) -> bool:
        # Only an object made with scikit-learn loaded can be one of its estimators; checking
        # sys.modules keeps sklearn unimported for everyone else.
        if "sklearn" not in sys.modules:
            return False
        from sklearn.base import BaseEstimator

        return isinstance(model, BaseEstimator)

    def save(self, model: Any) -> bytes:
        return bytes(_skops().dumps(model))

    def record(self, data: bytes) -> dict[str, Any]:
        """The types this file needs beyond skops' defaults, noted when it is logged."""
        return {RECORD_KEY: sorted(_skops().get_untrusted_types(data=data))}

    def load(self, data: bytes, trust: Trust, recorded: Mapping[str, Any] | None = None) -> Any:
        """The estimator; types neither trusted nor recorded for this file are refused."""
        sio = _skops()
        untrusted = list(sio.get_untrusted_types(data=data))
        if trust is not True:
            given = set((recorded or {}).get(RECORD_KEY, ()))
            if trust is not False:
                given |= {str(t) for t in trust}
            refused = [t for t in untrusted if t not in given]
            if refused:
                raise UntrustedModel(
                    f"The model uses types skops does not trust by default: "
                    f"{', '.join(refused)}. Review them, then load with "
                    f"trust={refused!r} (or trust=True).",
                    refused,
                )
        return sio.loads(data, trusted=untrusted)

    def predict(self, model: Any, data: Any) -> Any:
        return model.predict(data)

    def describe(self, model: Any) -> dict[str, Any]:
        kind = type(model)
        return {
            "class": f"{kind.__module__}.{kind.__qualname__}",
            "libraries": {"scikit-learn": _version("scikit-learn"), "skops": _version("skops")},
        }
