"""What an MLflow export wrote, and how it writes MLflow's files (YAML, one file per key)."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class ExportSummary:
    """What an export wrote."""

    destination: str
    experiments: int = 0
    runs: int = 0
    metrics: int = 0
    artifacts: int = 0
    logged_models: int = 0
    registered_models: int = 0
    versions: int = 0
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"Exported to {self.destination}: {self.runs} runs in {self.experiments} "
               f"experiments, {self.metrics:,} metric values, {self.artifacts} files, "
               f"{self.logged_models} logged models, {self.versions} model versions of "
               f"{self.registered_models} registered models."]
        out.extend(f"  Note: {note}" for note in self.notes)
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def _yaml(path: Path, data: dict[str, Any]) -> None:
    import yaml

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(yaml.safe_dump(data, default_flow_style=False), encoding="utf-8")
    os.replace(partial, path)


def _values(folder: Path, values: dict[str, str]) -> None:
    """MLflow's one file per key (a key's '/' makes folders), replacing what was there."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for key, value in values.items():
        target = folder / key
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(value, encoding="utf-8")
