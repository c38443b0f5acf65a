"""Sweeps: ``sweeps/{run_id}``, a sweep's summary and its trials for the lab's Sweep view."""

from __future__ import annotations

import tornado.web

from ...sweep.views import sweep_view
from ..base import RUN_ID, MlopsHandler


class SweepHandler(MlopsHandler):
    """GET sweeps/{run_id}: the sweep's direction, metric, best trial, counts and trials."""

    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        self.reply(await self.call(sweep_view, run_id))


ROUTES: list[tuple[str, type[MlopsHandler]]] = [
    (f"sweeps/{RUN_ID}", SweepHandler),
]
