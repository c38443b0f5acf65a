"""Stored evaluations and replays: list them, load one, and the latest verdict of a version."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .result import Evaluation

if TYPE_CHECKING:
    from ..store import Store


def _store() -> Store:
    from ..session import current

    return current().store


def _parts(model: str | None) -> tuple[str | None, int | None]:
    if model is None:
        return None, None
    from ..models.reference import parse

    ref = parse(model)
    name = getattr(ref, "name", None)
    if name is None:
        from ..errors import InvalidInput

        raise InvalidInput(f"{model} is a run's model: name a registered one (churn, churn/3, "
                           "churn@candidate).")
    if getattr(ref, "alias", None) is not None or getattr(ref, "version", None) is not None:
        from ..models.registry import resolve_version

        return name, resolve_version(ref)
    return name, None


def evaluations(model: str | None = None, kind: str | None = None,
                limit: int = 50) -> list[Evaluation]:
    """Stored evaluations, newest first.

    Parameters
    ----------
    model:
        Only this model (``churn``) or version (``churn/3``, ``churn@candidate``).
    kind:
        Only ``"evaluation"``, ``"replay"`` or ``"skew"``.
    limit:
        At most this many.

    Returns
    -------
    list of Evaluation
    """
    name, version = _parts(model)
    return [Evaluation(r, saved=True) for r in _store().evaluations.list(
        name=name, version=version, kind=kind, limit=limit)]


def get_evaluation(evaluation_id: str) -> Evaluation:
    """The stored evaluation ``evaluation_id`` names (its id, or a unique prefix or suffix)."""
    return Evaluation(_store().evaluations.get(evaluation_id), saved=True)
