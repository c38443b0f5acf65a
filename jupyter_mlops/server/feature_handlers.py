"""REST handlers for the model registry, dataset versions and saved drift reports.

Same rules as the run routes in ``handlers``: every route is authenticated, validates its
input with the rules the capability itself uses, calls the capability in a worker thread, and
answers errors in the one JSON shape of ``base``. Moving an alias is the only write; it goes
through ``set_alias`` so the move and its audit entry land in one transaction, and Jupyter's
XSRF rules guard it (a cookie-authenticated POST needs the ``_xsrf`` token; a
token-authenticated one does not).
"""

from __future__ import annotations

import json
import re
from typing import Any

import tornado.web

from ..data import queries as data_queries
from ..data.refs import check_name
from ..errors import InvalidInput
from ..models import card as model_cards
from ..models import registry
from ..models.reference import check_alias, check_model_name
from ..monitor import saved as drift_reports
from .base import MlopsHandler

NAME = r"(?P<name>[^/]+)"
ALIAS = r"(?P<alias>[^/]+)"
# Any segment matches, so a malformed id gets the JSON error shape rather than Jupyter's page.
REPORT_ID = r"(?P<report_id>[^/]+)"
_HEX_ID = re.compile(r"[0-9a-fA-F]{6,32}")
MAX_VERSION = 10**9
MAX_REASON = 2000
# The profile entries a listing shows; histograms, quantiles and top values stay in the blob.
PROFILE_SUMMARY = ("type", "dtype", "count", "nulls", "distinct", "min", "max", "mean", "std")


# -- the work each route does in its worker thread ---------------------------------------------


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


def dataset_detail(name: str) -> dict[str, Any]:
    """Every version of dataset ``name`` with a summary of its stored column profile.

    Parameters
    ----------
    name:
        The dataset's name.

    Returns
    -------
    dict
        ``{"name", "versions": [{...version, "profile": {"rows", "columns"} | None}]}``.
    """
    from dataclasses import asdict

    rows = []
    for version in data_queries.list_versions(name):
        row = asdict(version)
        row["ref"] = version.ref
        row["profile"] = None
        if version.profile_digest is not None:
            profile = data_queries.get_profile(version.ref)
            row["profile"] = {
                "rows": profile.get("rows"),
                "columns": {column: {k: entry[k] for k in PROFILE_SUMMARY if k in entry}
                            for column, entry in profile.get("columns", {}).items()},
            }
        rows.append(row)
    return {"name": name, "versions": rows}


def dataset_diff(name: str, a: int, b: int) -> dict[str, Any]:
    """What changed in dataset ``name`` from version ``a`` to version ``b``.

    Parameters
    ----------
    name:
        The dataset's name.
    a, b:
        Version numbers.

    Returns
    -------
    dict
        The ``DataDiff`` fields, ``changes`` as records, plus ``same`` and ``summary``.
    """
    from ..data.diff import COLUMNS

    diff = data_queries.diff_data(f"{check_name(name)}@{a}", f"{name}@{b}")
    return {
        "a": diff.a, "b": diff.b, "kind": diff.kind, "rows": list(diff.rows),
        "added": list(diff.added), "removed": list(diff.removed),
        "retyped": [{"column": c, "a": x, "b": y} for c, x, y in diff.retyped],
        "changes": [dict(zip(COLUMNS, change, strict=False)) for change in diff.changes],
        "same": diff.same, "summary": diff.summary(),
    }


def drift_detail(report_id: str, column: str | None) -> dict[str, Any]:
    """A saved drift report with its column results and its plotly figure as JSON.

    Parameters
    ----------
    report_id:
        The report's id or a unique prefix or suffix of it.
    column:
        Give this column's distributions overlaid instead of every column's score.

    Returns
    -------
    dict
        ``{"report": {...}, "figure": {"data", "layout"}}``.
    """
    if not _HEX_ID.fullmatch(report_id):
        # Checked here because the store matches ids with LIKE, where % and _ are wildcards.
        raise InvalidInput(f"Invalid drift report id {report_id!r}: give 6 to 32 hex digits "
                           "of it (see GET drift).")
    report = drift_reports.get_report(report_id)
    if column is not None:
        known = [r.column for r in report.results]
        if column not in known:
            raise InvalidInput(f"Report {report.id} has no column {column!r}: use one of "
                               f"{', '.join(known) or 'none'}.")
    figure = report.figure(column)
    return {"report": report.to_dict(details=True), "figure": json.loads(figure.to_json())}


# -- handlers ----------------------------------------------------------------------------------


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


class DatasetsHandler(MlopsHandler):
    """GET datasets: every dataset."""

    @tornado.web.authenticated
    async def get(self) -> None:
        self.reply({"datasets": await self.call(data_queries.list_datasets)})


class DatasetHandler(MlopsHandler):
    """GET datasets/{name}: its versions with profile summaries."""

    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        self.reply(await self.call(dataset_detail, name))


class DatasetDiffHandler(MlopsHandler):
    """GET datasets/{name}/diff?a=N&b=M: what changed between two versions."""

    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        if self.get_argument("a", None) is None or self.get_argument("b", None) is None:
            raise tornado.web.HTTPError(400, "give the versions to compare as ?a=N&b=M")
        a = self.int_argument("a", 0, 1, MAX_VERSION)
        b = self.int_argument("b", 0, 1, MAX_VERSION)
        self.reply(await self.call(dataset_diff, name, a, b))


class DriftReportsHandler(MlopsHandler):
    """GET drift: saved reports, newest first (?name=, ?limit=)."""

    @tornado.web.authenticated
    async def get(self) -> None:
        name = self.get_argument("name", None) or None
        limit = self.int_argument("limit", 50, 1, 1000)
        reports = await self.call(drift_reports.list_reports, name=name, limit=limit)
        self.reply({"reports": reports})


class DriftReportHandler(MlopsHandler):
    """GET drift/{id}: one report with its figure (?column= for a distribution overlay)."""

    @tornado.web.authenticated
    async def get(self, report_id: str) -> None:
        column = self.get_argument("column", None)
        self.reply(await self.call(drift_detail, report_id, column))


FEATURE_ROUTES: list[tuple[str, type[MlopsHandler]]] = [
    ("models", ModelsHandler),
    (f"models/{NAME}", ModelHandler),
    (f"models/{NAME}/audit", AuditHandler),
    (f"models/{NAME}/card", CardHandler),
    (f"models/{NAME}/aliases/{ALIAS}", AliasHandler),
    ("datasets", DatasetsHandler),
    (f"datasets/{NAME}", DatasetHandler),
    (f"datasets/{NAME}/diff", DatasetDiffHandler),
    ("drift", DriftReportsHandler),
    (f"drift/{REPORT_ID}", DriftReportHandler),
]
