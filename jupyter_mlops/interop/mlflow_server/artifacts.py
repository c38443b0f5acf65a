"""MLflow's proxied artifact routes over our content-addressed artifact store.

An artifact path is ``<experiment>/<run id>/artifacts/<file>`` (a run's file) or
``<experiment>/models/<model id>/artifacts/<file>`` (a logged model's file), as the URIs in
``ids`` make them. Uploads go into the blob store by digest and are recorded against the run
or the logged model; downloads resolve only a path so recorded, so no client input ever
becomes a filesystem path, and a blob linked out of the store is refused.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from typing import Any

from ...errors import IntegrityError, NotFound
from . import ids
from .protocol import MAX_ARTIFACT_BYTES, Request, Response, invalid, missing, text

_PATH = re.compile(
    r"(?P<experiment>\d{1,18})/(?:(?P<run>[0-9a-f]{32})|models/(?P<model>m-[0-9a-f]{32}))"
    r"/artifacts(?:/(?P<rest>.*))?")
_CHUNK = 1 << 20


def _relative(rest: str | None, allow_empty: bool) -> str:
    rest = (rest or "").strip("/")
    if not rest:
        if allow_empty:
            return ""
        raise invalid("Name a file below the artifact root.")
    parts = rest.split("/")
    if any(part in ("", ".", "..") for part in parts) or "\\" in rest or "\x00" in rest or \
            len(rest) > 1024:
        raise invalid(f"Invalid artifact path {rest[:80]!r}: no empty, '.' or '..' parts, no "
                      "backslashes, at most 1024 characters.")
    return rest


def _files(path: str, allow_empty: bool = False) -> tuple[str, str | None, str | None, str]:
    """(experiment, run, model, relative path) of an artifact path, each checked."""
    match = _PATH.fullmatch(path.strip("/"))
    if match is None:
        raise invalid(f"Invalid artifact path {path[:80]!r}: expected "
                      "<experiment>/<run id>/artifacts/<file> or "
                      "<experiment>/models/<model id>/artifacts/<file>.")
    experiment, run, model = match["experiment"], match["run"], match["model"]
    rest = _relative(match["rest"], allow_empty)
    if run is not None:
        record = ids.store().runs.get(ids.run_id(run))
        if ids.experiment_key(record.experiment) != experiment:
            raise missing(f"Run {run} is not in experiment {experiment}.")
    else:
        assert model is not None
        found = ids.store().logged_models.get(model)
        if str(found["experiment_id"]) != str(ids.experiment_number(experiment)):
            raise missing(f"Logged model {model} is not in experiment {experiment}.")
    return experiment, run, model, rest


def _recorded(run: str | None, model: str | None) -> dict[str, tuple[str, int]]:
    store = ids.store()
    if run is not None:
        return {a.path: (a.digest, a.size) for a in store.runs.artifacts(run)}
    assert model is not None
    return {path: (entry[0], int(entry[1]))
            for path, entry in store.logged_models.get(model)["files"].items()}


def upload(request: Request) -> Response:
    _, run, model, rest = _files(request.match["path"])
    if len(request.body) > MAX_ARTIFACT_BYTES:
        raise invalid(f"An artifact may be at most {MAX_ARTIFACT_BYTES} bytes.")
    store = ids.store()
    digest, size = store.artifacts.put_bytes(request.body)
    now = time.time()
    if run is not None:
        store.runs.add_artifacts(run, [(rest, digest, size)], now)
        store.runs.heartbeat([run], now)
    else:
        assert model is not None
        store.logged_models.update(model, now, files={rest: (digest, size)})
    return Response(payload={})


def _stream(handle: Any) -> Iterator[bytes]:
    try:
        while True:
            chunk = handle.read(_CHUNK)
            if not chunk:
                return
            yield chunk
    finally:
        handle.close()


def download(request: Request) -> Response:
    _, run, model, rest = _files(request.match["path"])
    entry = _recorded(run, model).get(rest)
    if entry is None:
        raise missing(f"No artifact {rest!r} at {request.match['path']!r}.")
    store = ids.store().artifacts
    local = store.local_path(entry[0])
    if local is not None:
        root = os.path.realpath(store.root)
        if not os.path.realpath(local).startswith(root + os.sep):
            raise IntegrityError(f"Artifact {entry[0]} points outside the artifact store; "
                                 "refusing to read it.")
    try:
        handle = store.open(entry[0])
    except (FileNotFoundError, NotFound):
        raise missing(f"The blob of artifact {rest!r} is missing from the store.") from None
    return Response(content_type="application/octet-stream", stream=_stream(handle),
                    headers={"Content-Length": str(entry[1])})


def _children(files: dict[str, tuple[str, int]], folder: str) -> list[dict[str, Any]]:
    prefix = folder + "/" if folder else ""
    if folder in files:
        return []  # a file, as MLflow's stores list it: no children
    entries: dict[str, dict[str, Any]] = {}
    for path, (_, size) in files.items():
        if not path.startswith(prefix):
            continue
        head, sep, _ = path[len(prefix):].partition("/")
        if sep:
            entries.setdefault(head, {"path": head, "is_dir": True})
        else:
            entries[head] = {"path": head, "is_dir": False, "file_size": size}
    return [entries[name] for name in sorted(entries)]


def listing(request: Request) -> Response:
    path = text(request.json(), "path", required=False, limit=2048) or ""
    if not _PATH.fullmatch(path.strip("/")):
        return Response(payload={"files": []})  # above any run's root: nothing of a run
    _, run, model, rest = _files(path, allow_empty=True)
    return Response(payload={"files": _children(_recorded(run, model), rest)})


def list_run_artifacts(request: Request) -> Response:
    """``artifacts/list`` of the tracking API: paths relative to the run's root."""
    body = request.json()
    run = ids.run_id(body.get("run_id") or body.get("run_uuid"))
    folder = _relative(text(body, "path", required=False, limit=1024), True)
    record = ids.store().runs.get(run)
    experiment = ids.experiment_key(record.experiment)
    children = _children(_recorded(run, None), folder)
    for child in children:
        child["path"] = f"{folder}/{child['path']}" if folder else child["path"]
    return Response(payload={"root_uri": ids.run_artifact_uri(experiment, run),
                             "files": children})
