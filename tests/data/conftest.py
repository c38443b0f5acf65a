"""Fixtures of the data tests: a DataFrame of every common dtype, folders, blob counting."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest


@pytest.fixture
def frame() -> pd.DataFrame:
    """Ints with nulls, categoricals, zoned datetimes, strings with nulls, bools, floats."""
    rows = 50
    rng = np.random.default_rng(7)
    ints = pd.array(rng.integers(0, 100, rows), dtype="Int64")
    ints[[3, 11]] = pd.NA
    strings = pd.Series([f"name-{i}" for i in range(rows)], dtype="str")
    strings[[5, 6]] = None
    return pd.DataFrame({
        "id": np.arange(rows, dtype="int64"),
        "age": ints,
        "segment": pd.Categorical(rng.choice(["gold", "silver", "bronze"], rows),
                                  categories=["bronze", "silver", "gold"]),
        "signed_up": pd.date_range("2024-03-30", periods=rows, freq="7h",
                                   tz="Europe/Paris"),
        "name": strings,
        "active": rng.random(rows) > 0.5,
        "score": np.where(rng.random(rows) > 0.9, np.nan, rng.normal(50, 10, rows)),
    })


def _age(path: Path, seconds_ago: float = 3_600) -> None:
    when = time.time() - seconds_ago
    targets = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    for target in targets:
        os.utime(target, (when, when))


@pytest.fixture
def age() -> Callable[..., None]:
    """Give a file (or every file under a folder) an mtime out of the stat cache's racy
    window: ``age(path, seconds_ago=3600)``."""
    return _age


@pytest.fixture
def make_tree(tmp_path: Path) -> Callable[..., Path]:
    """Write ``{relative path: text}`` under a new folder, aged out of the racy window."""

    def make(files: dict[str, str], name: str = "tree") -> Path:
        root = tmp_path / name
        for relative, text in files.items():
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        _age(root)
        return root

    return make


@pytest.fixture
def blob_count(tracking) -> Callable[[], int]:
    """How many blobs the workspace's artifact store holds now."""

    def count() -> int:
        blobs = Path(tracking.artifacts) / "blobs"
        return sum(1 for p in blobs.rglob("*") if p.is_file()) if blobs.exists() else 0

    return count
