"""Read an MLflow tracking server over its REST API with a plain HTTP client (urllib).

The calls: ``experiments/search``, ``runs/search`` (ALL, paged), ``metrics/get-history`` per
key, ``artifacts/list`` per folder, ``logged-models/search``, ``registered-models/search``,
``model-versions/search``; files through the proxied ``mlflow-artifacts`` routes (or
``get-artifact`` for a server that does not proxy). Credentials as MLflow's own client takes
them: ``MLFLOW_TRACKING_TOKEN`` (Bearer) or ``MLFLOW_TRACKING_USERNAME``/``_PASSWORD``.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

from ..errors import InvalidInput
from .mlflow_format import (
    MlflowExperiment,
    MlflowLoggedModel,
    MlflowRegisteredModel,
    MlflowRun,
    MlflowVersion,
    Opener,
    check_run_id,
    local_path,
    model_status,
    run_status,
    seconds,
    walk_files,
)

if TYPE_CHECKING:
    from http.client import HTTPResponse

API = "/api/2.0/mlflow/"
ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts"
PROXIED = "mlflow-artifacts:"


def _pairs(items: Any) -> dict[str, str]:
    return {i["key"]: str(i.get("value", "")) for i in items or []}


class HttpReader:
    """An MLflow tracking server (``http://host:port``)."""

    def __init__(self, uri: str, timeout: float = 60.0) -> None:
        parsed = urllib.parse.urlsplit(uri)
        self.base = urllib.parse.urlunsplit(
            (parsed.scheme, parsed.hostname + (f":{parsed.port}" if parsed.port else ""),
             parsed.path.rstrip("/"), "", "")) if parsed.hostname else ""
        if not self.base:
            raise InvalidInput(f"Invalid tracking server URL {uri!r}: expected "
                               "http://host:port.")
        self.label = self.base
        self.timeout = timeout
        self.headers: dict[str, str] = {}
        token = os.environ.get("MLFLOW_TRACKING_TOKEN")
        user = parsed.username or os.environ.get("MLFLOW_TRACKING_USERNAME")
        password = parsed.password or os.environ.get("MLFLOW_TRACKING_PASSWORD")
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        elif user:
            pair = f"{urllib.parse.unquote(user)}:{urllib.parse.unquote(password or '')}"
            self.headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        self.call("GET", "experiments/search", {"max_results": 1})  # reachable, and MLflow

    def close(self) -> None:
        pass

    def _open(self, method: str, url: str, body: bytes | None = None) -> HTTPResponse:
        request = urllib.request.Request(url, data=body, method=method, headers={
            **self.headers, "Content-Type": "application/json"})
        try:
            return urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:300].decode("utf-8", "replace")
            with contextlib.suppress(ValueError):
                detail = json.loads(detail).get("message", detail)
            hint = " (set MLFLOW_TRACKING_TOKEN)" if exc.code in (401, 403) else ""
            raise InvalidInput(f"The MLflow server at {self.base} answered {exc.code} to "
                               f"{method} {url[len(self.base):]}{hint}: {detail}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise InvalidInput(f"Cannot reach an MLflow server at {self.base}: {reason}. "
                               "Is it running (mlflow server / jupyter mlops server)?") from None

    def call(self, method: str, endpoint: str, payload: dict[str, Any]) -> dict[str, Any]:
        url = self.base + API + endpoint
        body = None
        if method == "GET":
            url += "?" + urllib.parse.urlencode(payload, doseq=True)
        else:
            body = json.dumps(payload).encode()
        with self._open(method, url, body) as response:
            data = response.read()
        try:
            answer = json.loads(data or b"{}")
        except ValueError:
            raise InvalidInput(f"{self.base} is not an MLflow tracking server (its answer to "
                               f"{endpoint} is not JSON).") from None
        if not isinstance(answer, dict):
            raise InvalidInput(f"{self.base} answered {endpoint} with no JSON object.")
        return answer

    def _paged(self, method: str, endpoint: str, payload: dict[str, Any], key: str
               ) -> Iterator[dict[str, Any]]:
        token = None
        while True:
            page = self.call(method, endpoint, {**payload, **(
                {"page_token": token} if token else {})})
            yield from page.get(key) or []
            token = page.get("next_page_token")
            if not token:
                return

    def experiments(self) -> list[MlflowExperiment]:
        found = self._paged("POST", "experiments/search",
                            {"max_results": 1000, "view_type": "ALL"}, "experiments")
        return [MlflowExperiment(
            id=str(e["experiment_id"]), name=e["name"],
            created_at=seconds(e.get("creation_time")), tags=_pairs(e.get("tags")),
            deleted=e.get("lifecycle_stage") == "deleted") for e in found]

    def runs(self, experiment: MlflowExperiment) -> list[MlflowRun]:
        found = self._paged("POST", "runs/search",
                            {"experiment_ids": [experiment.id], "max_results": 1000,
                             "run_view_type": "ALL"}, "runs")
        out = []
        for r in found:
            info, data = r["info"], r.get("data") or {}
            tags = _pairs(data.get("tags"))
            outputs = [(m["model_id"], int(m.get("step", 0)))
                       for m in (r.get("outputs") or {}).get("model_outputs") or []]
            run_id = check_run_id(info.get("run_id") or info["run_uuid"], self.label)
            out.append(MlflowRun(
                id=run_id, experiment_id=experiment.id,
                name=info.get("run_name") or tags.get("mlflow.runName") or run_id[:8],
                status=run_status(info.get("status")),
                start_time=seconds(info.get("start_time")) or 0.0,
                end_time=seconds(info.get("end_time")), params=_pairs(data.get("params")),
                tags=tags, deleted=info.get("lifecycle_stage") == "deleted",
                user=info.get("user_id") or None, artifact_uri=info.get("artifact_uri"),
                outputs=outputs))
        out.sort(key=lambda run: (run.start_time, run.id))
        return out

    def history(self, run: MlflowRun) -> list[tuple[str, float, int, float]]:
        latest = self.call("GET", "runs/get", {"run_id": run.id})["run"].get("data") or {}
        rows: list[tuple[str, float, int, float]] = []
        for key in sorted({m["key"] for m in latest.get("metrics") or []}):
            for m in self._paged("GET", "metrics/get-history",
                                 {"run_id": run.id, "metric_key": key, "max_results": 25000},
                                 "metrics"):
                rows.append((key, float(m["value"]), int(m.get("step", 0)),
                             int(m.get("timestamp", 0)) / 1000.0))
        return rows

    def _download(self, path: str) -> Opener:
        url = self.base + ARTIFACTS + "/" + urllib.parse.quote(path)

        def opener() -> IO[bytes]:
            with self._open("GET", url) as response:
                return io.BytesIO(response.read())
        return opener

    def _proxied_files(self, root: str) -> Iterator[tuple[str, int | None, Opener]]:
        """Files below ``root`` (a path under the proxied artifact routes), recursively."""
        folders = [""]
        while folders:
            folder = folders.pop(0)
            where = f"{root}/{folder}" if folder else root
            url = self.base + ARTIFACTS + "?" + urllib.parse.urlencode({"path": where})
            with self._open("GET", url) as response:
                listing = json.loads(response.read() or b"{}")
            for entry in sorted(listing.get("files") or [], key=lambda e: e["path"]):
                name = entry["path"].rsplit("/", 1)[-1]
                relative = f"{folder}/{name}" if folder else name
                if entry.get("is_dir"):
                    folders.append(relative)
                else:
                    yield (relative, entry.get("file_size"),
                           self._download(f"{root}/{relative}"))

    def _files(self, uri: str | None, run_id: str | None
               ) -> Iterator[tuple[str, int | None, Opener]]:
        if uri and uri.startswith(PROXIED):
            yield from self._proxied_files(uri[len(PROXIED):].lstrip("/"))
            return
        where = local_path(uri)
        if where is not None and where.is_dir():  # a server on this machine, not proxying
            yield from walk_files(where)

    def run_files(self, run: MlflowRun) -> Iterator[tuple[str, int | None, Opener]]:
        yield from self._files(run.artifact_uri, run.id)

    def logged_models(self, experiment: MlflowExperiment) -> list[MlflowLoggedModel]:
        found = self._paged("POST", "logged-models/search",
                            {"experiment_ids": [experiment.id], "max_results": 100}, "models")
        out = []
        for m in found:
            info, data = m["info"], m.get("data") or {}
            created = seconds(info.get("creation_timestamp_ms")) or 0.0
            out.append(MlflowLoggedModel(
                id=info["model_id"], experiment_id=experiment.id, name=info.get("name") or "",
                run_id=info.get("source_run_id"), model_type=info.get("model_type"),
                status=model_status(info.get("status")), created_at=created,
                updated_at=seconds(info.get("last_updated_timestamp_ms")) or created,
                artifact_location=info.get("artifact_uri"),
                params=_pairs(data.get("params")), tags=_pairs(info.get("tags"))))
        return out

    def model_files(self, model: MlflowLoggedModel) -> Iterator[tuple[str, int | None, Opener]]:
        yield from self._files(model.artifact_location, None)

    def registered_models(self) -> list[MlflowRegisteredModel]:
        found = self._paged("GET", "registered-models/search", {"max_results": 1000},
                            "registered_models")
        out = []
        for m in found:
            created = seconds(m.get("creation_timestamp")) or 0.0
            out.append(MlflowRegisteredModel(
                name=m["name"], created_at=created,
                updated_at=seconds(m.get("last_updated_timestamp")) or created,
                description=m.get("description") or None, tags=_pairs(m.get("tags")),
                aliases={a["alias"]: int(a["version"]) for a in m.get("aliases") or []}))
        return out

    def versions(self, model: MlflowRegisteredModel) -> list[MlflowVersion]:
        escaped = model.name.replace("'", "\\'")
        found = self._paged("GET", "model-versions/search",
                            {"filter": f"name = '{escaped}'", "max_results": 1000},
                            "model_versions")
        out = [MlflowVersion(
            name=model.name, version=int(v["version"]),
            created_at=seconds(v.get("creation_timestamp")) or 0.0,
            source=v.get("source") or "", run_id=v.get("run_id") or None,
            model_id=v.get("model_id") or None, description=v.get("description") or None,
            user=v.get("user_id") or None, status=v.get("status") or "READY",
            tags=_pairs(v.get("tags"))) for v in found]
        return sorted(out, key=lambda v: v.version)
