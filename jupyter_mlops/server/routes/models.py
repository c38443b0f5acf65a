"""The model registry: ``models``, ``models/{name}``, its audit log, card and aliases.

Moving an alias is the only write; it goes through ``set_alias`` so the move and its audit
entry land in one transaction, and Jupyter's XSRF rules guard it (a cookie-authenticated POST
needs the ``_xsrf`` token; a token-authenticated one does not).
"""

from __future__ import annotations

import json
from typing import Any

import tornado.web

from ...models import card as model_cards
from ...models import registry
from ...models.reference import check_alias, check_model_name
from ..base import ALIAS, MAX_VERSION, NAME, MlopsHandler

MAX_REASON = 2000


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


class ModelsHandler(MlopsHandler):
    """GET models: every registered model."""

    @tornado.web.authenticated
    async def get(self) -> None:
        self.reply({"models": await self.call(registry.list_models)})


class ModelHandler(MlopsHandler):
    """GET models/{name}: its versions and aliases."""

    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        self.reply(await self.call(model_detail, name))


class AuditHandler(MlopsHandler):
    """GET models/{name}/audit: its audit log, oldest first."""

    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        limit = self.int_argument("limit", 0, 1, 100_000) or None
        self.reply({"entries": await self.call(registry.audit_entries, name, limit)})


class CardHandler(MlopsHandler):
    """GET models/{name}/card: one version's model card (?version=N or ?alias=A)."""

    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        version = self.int_argument("version", 0, 1, MAX_VERSION) or None
        alias = self.get_argument("alias", None)
        if version is not None and alias is not None:
            raise tornado.web.HTTPError(400, "give version or alias, not both")
        self.reply(await self.call(card_of, name, version, alias))


class AliasHandler(MlopsHandler):
    """Moves an alias to a version, with the reason the audit log keeps."""

    @tornado.web.authenticated
    async def post(self, name: str, alias: str) -> None:
        version, reason = self._body()
        move = await self.call(registry.set_alias, name, alias, version, reason=reason)
        self.reply({"move": move})

    def _body(self) -> tuple[int, str]:
        try:
            body = json.loads(self.request.body or b"")
        except (ValueError, UnicodeDecodeError):
            raise tornado.web.HTTPError(
                400, 'the body must be JSON like {"version": 3, "reason": "why"}') from None
        if not isinstance(body, dict):
            raise tornado.web.HTTPError(400, "the body must be a JSON object")
        unknown = sorted(set(body) - {"version", "reason"})
        if unknown:
            raise tornado.web.HTTPError(400, f"unknown fields: {', '.join(unknown)}")
        version, reason = body.get("version"), body.get("reason")
        if isinstance(version, bool) or not isinstance(version, int) \
                or not 1 <= version <= MAX_VERSION:
            raise tornado.web.HTTPError(400, "version must be an integer from 1")
        if not isinstance(reason, str) or not reason.strip():
            raise tornado.web.HTTPError(400, "reason is required: say why the alias moves")
        if len(reason) > MAX_REASON:
            raise tornado.web.HTTPError(400, f"reason must be at most {MAX_REASON} characters")
        return version, reason.strip()


ROUTES: list[tuple[str, type[MlopsHandler]]] = [
    ("models", ModelsHandler),
    (f"models/{NAME}", ModelHandler),
    (f"models/{NAME}/audit", AuditHandler),
    (f"models/{NAME}/card", CardHandler),
    (f"models/{NAME}/aliases/{ALIAS}", AliasHandler),
]
