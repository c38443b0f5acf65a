"""The model registry: ``models``, ``models/{name}``, its audit log, card, aliases, and a
version's lineage and evaluations.

Moving an alias is the only write; it goes through ``set_alias`` so the move and its audit
entry land in one transaction, and Jupyter's XSRF rules guard it (a cookie-authenticated POST
needs the ``_xsrf`` token; a token-authenticated one does not).
"""

from __future__ import annotations

import json
import re

import tornado.web

from ...evaluate.views import version_evaluations
from ...models import registry
from ...models.views import card_of, model_detail
from ...monitor import lineage
from ..base import ALIAS, MAX_VERSION, NAME, MlopsHandler

MAX_REASON = 2000
# Any segment matches, so a malformed version gets the JSON error shape, not a 404 page.
VERSION = r"(?P<version>[^/]+)"


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


class LineageHandler(MlopsHandler):
    """GET models/{name}/versions/{version}/lineage: its data, run, drift reports and log."""

    @tornado.web.authenticated
    async def get(self, name: str, version: str) -> None:
        number = version_number(version)
        self.reply(await self.call(lineage.model_lineage, name, number))


class AliasDriftHandler(MlopsHandler):
    """GET models/{name}/aliases/{alias}/drift: one point per saved report for the alias."""

    @tornado.web.authenticated
    async def get(self, name: str, alias: str) -> None:
        limit = self.int_argument("limit", 500, 1, 10_000)
        self.reply(await self.call(lineage.drift_history, name, alias, limit))


class EvaluationsHandler(MlopsHandler):
    """GET models/{name}/versions/{version}/evaluations: its evaluations and blessing."""

    @tornado.web.authenticated
    async def get(self, name: str, version: str) -> None:
        number = version_number(version)
        limit = self.int_argument("limit", 10, 1, 100)
        self.reply(await self.call(version_evaluations, name, number, limit))


def version_number(text: str) -> int:
    """A version path segment as its number, or a 400 that says what a version looks like."""
    if not re.fullmatch(r"\d{1,10}", text) or not 1 <= int(text) <= MAX_VERSION:
        raise tornado.web.HTTPError(400, f"version must be an integer from 1, not {text!r}")
    return int(text)


ROUTES: list[tuple[str, type[MlopsHandler]]] = [
    ("models", ModelsHandler),
    (f"models/{NAME}", ModelHandler),
    (f"models/{NAME}/audit", AuditHandler),
    (f"models/{NAME}/card", CardHandler),
    (f"models/{NAME}/aliases/{ALIAS}", AliasHandler),
    (f"models/{NAME}/aliases/{ALIAS}/drift", AliasDriftHandler),
    (f"models/{NAME}/versions/{VERSION}/lineage", LineageHandler),
    (f"models/{NAME}/versions/{VERSION}/evaluations", EvaluationsHandler),
]
