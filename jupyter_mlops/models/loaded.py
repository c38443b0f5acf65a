"""A loaded model: the object itself plus its flavor and signature, checking every input.

Loading reads the model's description and file from the artifact store, which verifies both
against their digests, so a tampered file raises ``IntegrityError`` before any byte of it is
deserialised; what the flavor recorded at logging time (the types a skops file needs) is
accepted for that file only. ``predict`` validates the input against the signature first:
missing and mistyped columns are one error listing them all, not a stack trace from
deep in the model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import IntegrityError
from . import flavors
from .flavors import Trust
from .signature import Signature

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


@dataclass(frozen=True)
class LoadedModel:
    """A model ready to predict, with where it came from."""

    model: Any
    flavor: str
    signature: Signature | None
    uri: str
    name: str | None = None
    version: int | None = None
    run_id: str | None = None
    model_digest: str = ""
    meta: dict[str, Any] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        return (f"<LoadedModel {self.uri} flavor={self.flavor} "
                f"{type(self.model).__name__}>")

    @property
    def label(self) -> str:
        """How errors name the model: ``churn/3`` or its URI."""
        if self.name is not None and self.version is not None:
            return f"{self.name}/{self.version}"
        return self.uri

    @property
    def input_example(self) -> pd.DataFrame | np.ndarray | None:
        """The stored input example (a DataFrame, or an array for tensor models), or None."""
        example = self.meta.get("input_example")
        if not example:
            return None
        if "columns" in example:
            import pandas as pd

            return pd.DataFrame(example["data"], columns=example["columns"])
        import numpy as np

        return np.asarray(example["data"])

    def prepare(self, data: Any) -> Any:
        """``data`` checked against the signature and shaped as the model expects."""
        if self.signature is None:
            return data
        return self.signature.validate(data, self.label)

    def predict(self, data: Any) -> Any:
        """Predictions for ``data`` after checking it against the signature.

        Parameters
        ----------
        data:
            A DataFrame, a dict of columns, a list of records, or an array.

        Returns
        -------
        Any
            What the model's own ``predict`` returns (usually a NumPy array).
        """
        return self.predict_prepared(self.prepare(data))

    def predict_prepared(self, data: Any) -> Any:
        """Predictions for data already checked by ``prepare`` (the server's fast path)."""
        return flavors.get(self.flavor).predict(self.model, data)

    def predict_proba(self, data: Any) -> Any:
        """Class probabilities for ``data`` (for classifiers that provide them)."""
        method = getattr(self.model, "predict_proba", None)
        if method is None:
            from ..errors import InvalidInput

            raise InvalidInput(f"{self.label} ({type(self.model).__name__}) has no "
                               "predict_proba.")
        return method(self.prepare(data))


def load_stored(store: Any, meta_digest: str, model_digest: str | None, uri: str,
                trust: Trust = False, name: str | None = None, version: int | None = None,
                run_id: str | None = None) -> LoadedModel:
    """Load the model whose description has ``meta_digest``, verifying every byte.

    Parameters
    ----------
    store:
        The workspace's store (its artifact blobs are read).
    meta_digest:
        Digest of the model's ``model.json``.
    model_digest:
        Digest the registry recorded for the model file; must match the description's.
    uri:
        How the model was asked for, kept on the result.
    trust:
        Types (or everything, True) to trust when the flavor would run code to load them.

    Returns
    -------
    LoadedModel
    """
    meta = json.loads(store.artifacts.get_bytes(meta_digest))
    if model_digest is not None and meta.get("model_digest") != model_digest:
        raise IntegrityError(
            f"The description of {uri} names model file {meta.get('model_digest')}, but the "
            f"registry recorded {model_digest}. Register the model again."
        )
    flavor = flavors.get(meta["flavor"])
    # get_bytes verifies the file against model_digest: what the description recorded at
    # logging time (e.g. the types the file needs) therefore holds for exactly these bytes.
    data = store.artifacts.get_bytes(meta["model_digest"])
    model = flavors.load(flavor, data, trust, meta.get("record"))
    return LoadedModel(
        model=model, flavor=flavor.name, signature=Signature.from_dict(meta.get("signature")),
        uri=uri, name=name, version=version, run_id=run_id or meta.get("run_id"),
        model_digest=meta["model_digest"], meta=meta,
    )
