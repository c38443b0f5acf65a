"""Models: flavors, signatures, logging, the registry and its governance, cards and serving.

``log_model`` stores a model in the active run; ``register_model`` makes it a numbered version
of a named model; aliases (``churn@champion``) name the version to use, and only move through
audited calls (``set_alias``, ``promote``). ``load_model`` verifies every byte it reads and
returns a model that checks its inputs against the signature. ``serving`` runs it over HTTP.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING

from .card import ModelCard, model_card
from .flavors import UntrustedModel
from .loaded import LoadedModel
from .logging import LoggedModel, log_model
from .registry import (
    PromotionRefused,
    audit_entries,
    delete_alias,
    get_version,
    list_models,
    list_versions,
    load_model,
    promote,
    register_model,
    set_alias,
    set_version_status,
)
from .signature import Signature, SignatureMismatch, infer_signature
from .tables import audit_log, model_versions, models, predictions

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "LoadedModel",
    "LoggedModel",
    "ModelCard",
    "PromotionRefused",
    "Signature",
    "SignatureMismatch",
    "UntrustedModel",
    "audit_entries",
    "audit_log",
    "delete_alias",
    "get_version",
    "infer_signature",
    "list_models",
    "list_versions",
    "load_model",
    "log_model",
    "model_card",
    "model_versions",
    "models",
    "predictions",
    "promote",
    "register_model",
    "set_alias",
    "set_version_status",
]



class _CallableModule(types.ModuleType):
    """``mlops.models`` is this package; calling it, ``mlops.models()``, lists the models.

    The public API promises both ``mlops.models()`` (a DataFrame) and the ``models``
    package; one object serves both, so neither import order nor ``from jupyter_mlops import
    models`` can shadow the other.
    """

    def __call__(self) -> pd.DataFrame:
        return models()


sys.modules[__name__].__class__ = _CallableModule
