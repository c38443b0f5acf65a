"""Dataset versions: ``datasets``, ``datasets/{name}`` and ``datasets/{name}/diff``."""

from __future__ import annotations

from typing import Any

import tornado.web

from ...data import queries as data_queries
from ...data.refs import check_name
from ..base import MAX_VERSION, NAME, MlopsHandler

# The profile entries a listing shows; histograms, quantiles and top values stay in the blob.
PROFILE_SUMMARY = ("type", "dtype", "count", "nulls", "distinct", "min", "max", "mean", "std")


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
    from ...data.diff import COLUMNS

    diff = data_queries.diff_data(f"{check_name(name)}@{a}", f"{name}@{b}")
    return {
        "a": diff.a, "b": diff.b, "kind": diff.kind, "rows": list(diff.rows),
        "added": list(diff.added), "removed": list(diff.removed),
        "retyped": [{"column": c, "a": x, "b": y} for c, x, y in diff.retyped],
        "changes": [dict(zip(COLUMNS, change, strict=False)) for change in diff.changes],
        "same": diff.same, "summary": diff.summary(),
    }


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


ROUTES: list[tuple[str, type[MlopsHandler]]] = [
    ("datasets", DatasetsHandler),
    (f"datasets/{NAME}", DatasetHandler),
    (f"datasets/{NAME}/diff", DatasetDiffHandler),
]
