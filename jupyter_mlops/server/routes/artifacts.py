"""``runs/{id}/artifacts/{path}``: one recorded artifact file, never corrupt bytes as complete.

A blob up to ``VERIFY_IN_MEMORY`` bytes is read and verified before the status line, so a
corrupt one is a plain JSON 500. A larger one streams, holding back its last chunk until the
digest checks out: on a mismatch the connection is closed short of ``Content-Length``, which
every HTTP client reports as an incomplete body, never as the file.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any, BinaryIO

import tornado.web

from ... import errors
from ...tracking import queries
from ..base import RUN_ID, MlopsHandler

CHUNK = 1024 * 1024
VERIFY_IN_MEMORY = 8 * 1024 * 1024


def _read_verified(stream: BinaryIO, limit: int) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise errors.IntegrityError("the stored blob is longer than recorded")
    while stream.read(CHUNK):  # the digest check happens on the empty read at the end
        raise errors.IntegrityError("the stored blob is longer than recorded")
    return data


class ArtifactHandler(MlopsHandler):
    """Streams one recorded artifact file; only paths the run recorded resolve."""

    @tornado.web.authenticated
    async def get(self, run_id: str, path: str) -> None:
        artifact, stream = await self.call(queries.open_artifact, run_id, path)
        try:
            if artifact.size <= VERIFY_IN_MEMORY:
                data = await self.call(_read_verified, stream, artifact.size)
                self._headers_for(artifact, path)
                self.finish(data, set_content_type=self._headers["Content-Type"])
                return
            self._headers_for(artifact, path)
            await self._stream(stream, artifact)
        finally:
            stream.close()

    def _headers_for(self, artifact: Any, path: str) -> None:
        name = path.rsplit("/", 1)[-1]
        self.set_header("Content-Type", _content_type(name))
        self.set_header("Content-Length", str(artifact.size))
        self.set_header("Content-Disposition", f'inline; filename="{_quote(name)}"')
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Content-Security-Policy", "sandbox")
        self.set_header("ETag", f'"{artifact.digest}"')

    async def _stream(self, stream: BinaryIO, artifact: Any) -> None:
        held = b""
        sent = 0
        try:
            while True:
                chunk = await asyncio.to_thread(stream.read, CHUNK)
                if not chunk:
                    break
                if held:
                    self.write(held)
                    sent += len(held)
                    await self.flush()
                held = chunk
                if sent + len(held) > artifact.size:
                    raise errors.IntegrityError("the stored blob is longer than recorded")
            if sent + len(held) != artifact.size:
                raise errors.IntegrityError("the stored blob is shorter than recorded")
        except errors.IntegrityError:
            self.log.error("jupyter-mlops: artifact %s is corrupt; response aborted",
                           artifact.digest)
            # The status line is gone; closing short of Content-Length is the one signal left.
            if self.request.connection is not None:
                self.request.connection.close()
            self._finished = True
            return
        self.finish(held, set_content_type=self._headers["Content-Type"])


def _content_type(name: str) -> str:
    import mimetypes

    guessed, _ = mimetypes.guess_type(name)
    # Never let an artifact run as a page of the Jupyter origin.
    if guessed is None or guessed in ("text/html", "application/xhtml+xml", "image/svg+xml"):
        return "application/octet-stream"
    return guessed


def _quote(name: str) -> str:
    return re.sub(r'["\\\r\n]', "_", name)


ROUTES: list[tuple[str, type[MlopsHandler]]] = [
    (f"runs/{RUN_ID}/artifacts/(?P<path>.+)", ArtifactHandler),
]
