"""Dataset versions: ``datasets``, ``datasets/{name}`` and ``datasets/{name}/diff``."""

from __future__ import annotations

import tornado.web

from ...data import lineage as data_lineage
from ...data import queries as data_queries
from ...data.views import dataset_detail, dataset_diff
from ..base import MAX_VERSION, NAME, MlopsHandler
from .models import VERSION, version_number


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


class DatasetVersionHandler(MlopsHandler):
    """GET datasets/{name}/versions/{version}: its profile, schema and the runs using it."""

    @tornado.web.authenticated
    async def get(self, name: str, version: str) -> None:
        number = version_number(version)
        self.reply(await self.call(data_lineage.dataset_version, name, number))


ROUTES: list[tuple[str, type[MlopsHandler]]] = [
    ("datasets", DatasetsHandler),
    (f"datasets/{NAME}", DatasetHandler),
    (f"datasets/{NAME}/diff", DatasetDiffHandler),
    (f"datasets/{NAME}/versions/{VERSION}", DatasetVersionHandler),
]
