"""Pipelines: the ``pipeline.yaml`` files under the server's root, one's DAG with its last
run's states, and runs started from the lab (``POST pipelines/runs``) watched by polling.

Paths are relative to the server's root folder, as the file browser names them; a run uses
the CLI's runner in a child process (``pipeline.live``), behind Jupyter's auth and XSRF rules.
"""

from __future__ import annotations

import json
from typing import Any

import tornado.web

from ...pipeline import live, view
from ..base import MlopsHandler

JOB_ID = r"(?P<job_id>[^/]+)"


class _Rooted(MlopsHandler):
    @property
    def root(self) -> str:
        return str(self.settings.get("server_root_dir") or ".")

    def path_argument(self) -> str:
        path = self.get_argument("path", None)
        if path is None:
            raise tornado.web.HTTPError(400, "give the pipeline file as ?path=pipeline.yaml "
                                             "(relative to the server's root)")
        return path


class PipelinesHandler(_Rooted):
    """GET pipelines: the pipeline files under the root and the runs this server started."""

    @tornado.web.authenticated
    async def get(self) -> None:
        found = await self.call(view.find_pipelines, self.root)
        jobs = await self.call(live.list_pipeline_runs, self.root)
        self.reply({"pipelines": found, "jobs": jobs})


class PipelineGraphHandler(_Rooted):
    """GET pipelines/graph?path=P: the DAG and each step's state in the last run."""

    @tornado.web.authenticated
    async def get(self) -> None:
        self.reply(await self.call(view.pipeline_graph, self.root, self.path_argument()))


class PipelineRunsHandler(_Rooted):
    """POST pipelines/runs {"path", "force"}: start a run; 202 with the job to poll."""

    @tornado.web.authenticated
    async def post(self) -> None:
        path, force = self._body()
        job = await self.call(live.start_pipeline_run, self.root, path, force)
        self.set_status(202)
        self.reply({"job": job})

    def _body(self) -> tuple[str, bool]:
        try:
            body: Any = json.loads(self.request.body or b"")
        except (ValueError, UnicodeDecodeError):
            raise tornado.web.HTTPError(
                400, 'the body must be JSON like {"path": "pipeline.yaml"}') from None
        if not isinstance(body, dict):
            raise tornado.web.HTTPError(400, "the body must be a JSON object")
        unknown = sorted(set(body) - {"path", "force"})
        if unknown:
            raise tornado.web.HTTPError(400, f"unknown fields: {', '.join(unknown)}")
        path, force = body.get("path"), body.get("force", False)
        if not isinstance(path, str):
            raise tornado.web.HTTPError(400, "path is required: the pipeline file relative "
                                             "to the server's root")
        if not isinstance(force, bool):
            raise tornado.web.HTTPError(400, "force must be true or false")
        return path, force


class PipelineRunHandler(_Rooted):
    """GET pipelines/runs/{job_id}: a started run's state and its steps' states."""

    @tornado.web.authenticated
    async def get(self, job_id: str) -> None:
        self.reply({"job": await self.call(live.pipeline_run_status, job_id)})


ROUTES: list[tuple[str, type[MlopsHandler]]] = [
    ("pipelines", PipelinesHandler),
    ("pipelines/graph", PipelineGraphHandler),
    ("pipelines/runs", PipelineRunsHandler),
    (f"pipelines/runs/{JOB_ID}", PipelineRunHandler),
]
