"""Read an MLflow ``mlruns`` folder directly: meta.yaml, metrics/, params/, tags/, artifacts/.

The layout of MLflow's file store::

    mlruns/<experiment id>/meta.yaml                       name, creation_time, lifecycle_stage
    mlruns/<experiment id>/<run id>/meta.yaml              run_name, status (a number), times
    mlruns/<experiment id>/<run id>/metrics/<key>          "<ms> <value> <step>" per line
    mlruns/<experiment id>/<run id>/params|tags/<key>      the value (keys may hold "/")
    mlruns/<experiment id>/<run id>/artifacts/...          the run's files
    mlruns/<experiment id>/<run id>/outputs/<model id>/    the logged models it produced
    mlruns/<experiment id>/models/<model id>/meta.yaml     MLflow 3 logged models (+ artifacts/)
    mlruns/models/<name>/meta.yaml, tags/, aliases/<alias>, version-<n>/meta.yaml, tags/

A folder copied elsewhere (rsync, an HPC scratch disk) keeps absolute artifact URIs of its old
place: files are looked for there first, then in the folder itself.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


def _yaml(path: Path) -> dict[str, Any]:
    import yaml

    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InvalidInput(f"Cannot read MLflow's {path}: {exc}") from None
    return loaded if isinstance(loaded, dict) else {}


def _values(folder: Path) -> dict[str, str]:
    """Every file below ``folder`` as key (its relative path, '/'-joined) -> its text."""
    out: dict[str, str] = {}
    if not folder.is_dir():
        return out
    for root, _, files in os.walk(folder):
        for name in files:
            path = Path(root) / name
            out[path.relative_to(folder).as_posix()] = path.read_text(encoding="utf-8")
    return out


class FileReader:
    """An ``mlruns`` folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.label = str(root)
        if not root.is_dir():
            raise InvalidInput(f"No MLflow folder at {root}: pass an mlruns folder, an MLflow "
                               "database URI (sqlite:///mlflow.db) or a tracking server URL.")
        if not any((child / "meta.yaml").is_file() for child in root.iterdir()
                   if child.is_dir()):
            raise InvalidInput(f"{root} is not an MLflow mlruns folder (no <experiment>/"
                               "meta.yaml inside): pass the folder MLflow wrote, e.g. ./mlruns.")

    def close(self) -> None:
        pass

    def experiments(self) -> list[MlflowExperiment]:
        found = []
        for child in sorted(self.root.iterdir()):
            meta_file = child / "meta.yaml"
            if child.name in ("models", ".trash") or not meta_file.is_file():
                continue
            meta = _yaml(meta_file)
            found.append(MlflowExperiment(
                id=str(meta.get("experiment_id", child.name)), name=str(meta.get("name")),
                created_at=seconds(meta.get("creation_time")), tags=_values(child / "tags"),
                deleted=meta.get("lifecycle_stage") == "deleted"))
        return found

    def _experiment_dir(self, experiment_id: str) -> Path:
        return self.root / experiment_id

    def runs(self, experiment: MlflowExperiment) -> list[MlflowRun]:
        folder = self._experiment_dir(experiment.id)
        found = []
        for child in sorted(folder.iterdir()):
            meta_file = child / "meta.yaml"
            if child.name in ("tags", "models", "datasets", "traces") or \
                    not meta_file.is_file():
                continue
            meta = _yaml(meta_file)
            run_id = check_run_id(meta.get("run_id") or meta.get("run_uuid") or child.name,
                                  str(meta_file))
            tags = _values(child / "tags")
            outputs = []
            for output in sorted((child / "outputs").glob("*/")):
                outputs.append((output.name, int(_yaml(output / "meta.yaml").get("step", 0))
                                if (output / "meta.yaml").is_file() else 0))
            found.append(MlflowRun(
                id=run_id, experiment_id=experiment.id,
                name=str(meta.get("run_name") or tags.get("mlflow.runName") or run_id[:8]),
                status=run_status(meta.get("status")),
                start_time=seconds(meta.get("start_time")) or 0.0,
                end_time=seconds(meta.get("end_time")), params=_values(child / "params"),
                tags=tags, deleted=meta.get("lifecycle_stage") == "deleted",
                user=meta.get("user_id") or None, artifact_uri=meta.get("artifact_uri"),
                outputs=outputs))
        return found

    def _run_dir(self, run: MlflowRun) -> Path:
        return self._experiment_dir(run.experiment_id) / run.id

    def history(self, run: MlflowRun) -> list[tuple[str, float, int, float]]:
        folder = self._run_dir(run) / "metrics"
        rows: list[tuple[str, float, int, float]] = []
        if not folder.is_dir():
            return rows
        for key, text in sorted(_values(folder).items()):
            for line in text.splitlines():
                parts = line.split()
                if len(parts) < 2:
                    continue
                step = int(parts[2]) if len(parts) >= 3 else 0
                rows.append((key, float(parts[1]), step, int(parts[0]) / 1000.0))
        return rows

    def _files_at(self, uri: str | None, fallback: Path) -> Path:
        where = local_path(uri)
        if where is not None and where.is_dir():
            return where
        return fallback

    def run_files(self, run: MlflowRun) -> Iterator[tuple[str, int | None, Opener]]:
        yield from walk_files(self._files_at(run.artifact_uri, self._run_dir(run) / "artifacts"))

    def logged_models(self, experiment: MlflowExperiment) -> list[MlflowLoggedModel]:
        folder = self._experiment_dir(experiment.id) / "models"
        found = []
        for child in sorted(folder.glob("m-*/")):
            meta_file = child / "meta.yaml"
            if not meta_file.is_file():
                continue
            meta = _yaml(meta_file)
            if meta.get("lifecycle_stage") == "deleted":
                continue
            created = seconds(meta.get("creation_timestamp")) or 0.0
            found.append(MlflowLoggedModel(
                id=str(meta.get("model_id", child.name)), experiment_id=experiment.id,
                name=str(meta.get("name") or child.name), run_id=meta.get("source_run_id"),
                model_type=meta.get("model_type"), status=model_status(meta.get("status")),
                created_at=created,
                updated_at=seconds(meta.get("last_updated_timestamp")) or created,
                artifact_location=meta.get("artifact_location"),
                params=_values(child / "params"), tags=_values(child / "tags")))
        return found

    def model_files(self, model: MlflowLoggedModel) -> Iterator[tuple[str, int | None, Opener]]:
        fallback = self._experiment_dir(model.experiment_id) / "models" / model.id / "artifacts"
        yield from walk_files(self._files_at(model.artifact_location, fallback))

    def registered_models(self) -> list[MlflowRegisteredModel]:
        folder = self.root / "models"
        found = []
        for child in sorted(folder.iterdir()) if folder.is_dir() else []:
            meta_file = child / "meta.yaml"
            if not meta_file.is_file():
                continue
            meta = _yaml(meta_file)
            created = seconds(meta.get("creation_timestamp")) or 0.0
            aliases = {str(a): int(v) for a, v in (meta.get("aliases") or {}).items()}
            aliases.update({alias: int(text.strip())
                            for alias, text in _values(child / "aliases").items()})
            found.append(MlflowRegisteredModel(
                name=str(meta.get("name") or child.name), created_at=created,
                updated_at=seconds(meta.get("last_updated_timestamp")) or created,
                description=meta.get("description") or None, tags=_values(child / "tags"),
                aliases=aliases))
        return found

    def versions(self, model: MlflowRegisteredModel) -> list[MlflowVersion]:
        folder = self.root / "models" / model.name
        found = []
        for child in folder.glob("version-*/"):
            meta_file = child / "meta.yaml"
            if not meta_file.is_file():
                continue
            meta = _yaml(meta_file)
            if meta.get("current_stage") == "Deleted_Internal":
                continue
            found.append(MlflowVersion(
                name=model.name, version=int(meta.get("version") or child.name.split("-")[1]),
                created_at=seconds(meta.get("creation_timestamp")) or 0.0,
                source=str(meta.get("source") or ""), run_id=meta.get("run_id") or None,
                model_id=meta.get("model_id") or None,
                storage_location=meta.get("storage_location") or None,
                description=meta.get("description") or None, user=meta.get("user_id") or None,
                status=str(meta.get("status") or "READY"), tags=_values(child / "tags")))
        return sorted(found, key=lambda v: v.version)
