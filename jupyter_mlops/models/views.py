"""What the lab's model views show: a registered model's versions and aliases, and a version's
model card, each as plain JSON-ready values (the REST routes only parse and reply).
"""

from __future__ import annotations

from typing import Any

from . import card as model_cards
from . import registry
from .reference import check_alias, check_model_name

__all__ = ["card_of", "model_detail"]


def model_detail(name: str) -> dict[str, Any]:
    """A registered model's versions (oldest first) and where each alias points.

    Parameters
    ----------
    name:
        The registered model's name.

    Returns
    -------
    dict
        ``{"name", "versions": [ModelVersion], "aliases": {alias: version}}``.
    """
    versions = registry.list_versions(name)
    aliases = {alias: v.version for v in versions for alias in v.aliases}
    return {"name": name, "versions": versions, "aliases": dict(sorted(aliases.items()))}


def card_of(name: str, version: int | None, alias: str | None) -> dict[str, str]:
    """The model card of one version of ``name`` as Markdown and HTML.

    Parameters
    ----------
    name:
        The registered model's name.
    version, alias:
        Which version; neither means the newest READY version.

    Returns
    -------
    dict
        ``{"uri", "markdown", "html"}``.
    """
    # Checked before it is joined into a reference, so no name can smuggle in "@x" or "/3".
    check_model_name(name)
    if version is not None:
        uri = f"{name}/{version}"
    elif alias is not None:
        uri = f"{name}@{check_alias(alias)}"
    else:
        uri = name
    card = model_cards.model_card(uri)
    return {"uri": uri, "markdown": card.markdown, "html": card.html}
