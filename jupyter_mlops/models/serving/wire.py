"""What the scoring app's two protocols share on the wire: size limits, the bounded body read,
and predictions as JSON-ready lists. Its own module so ``app`` and ``oip`` both import it
rather than each other."""

from __future__ import annotations

from typing import Any

THREADPOOL_ROWS = 512
"""Requests with more rows than this predict in the thread pool, off the event loop."""
THREADPOOL_BYTES = 64 * 1024
"""Bodies larger than this are parsed in the thread pool, so /ping and others never wait."""
MAX_BODY = 256 * 1024 * 1024
"""The default request-size limit (``max_body``), checked before a byte is parsed."""


class TooLarge(Exception):
    """The request body passed the size limit."""


async def read_body(request: Any, limit: int) -> bytes:
    """The body, refused as soon as it passes ``limit`` (whatever Content-Length claims)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def listed(output: Any) -> Any:
    """Predictions as JSON-ready lists (NumPy arrays, pandas Series or DataFrames)."""
    if hasattr(output, "to_dict") and hasattr(output, "columns"):
        return output.to_dict(orient="records")
    if hasattr(output, "tolist"):
        return output.tolist()
    return list(output) if isinstance(output, tuple) else output
