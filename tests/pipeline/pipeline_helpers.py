"""Helpers shared by the pipeline tests (a uniquely named module, importable from them)."""

from __future__ import annotations

import functools
import textwrap
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).parent / "notebooks"

sqlite_only = pytest.mark.parametrize("workspace", ["sqlite"], indirect=True)

THREE_STEPS = """\
name: iris
params: {seed: 0}
steps:
  prepare:
    notebook: notebooks/prepare.ipynb
    params: {test_size: 0.3}
    inputs: [data/raw.csv]
    outputs: [data/prepared]
  train:
    notebook: notebooks/train.ipynb
    needs: [prepare]
    params: {C: 0.5}
    outputs: [models/weights.npy]
  evaluate:
    notebook: notebooks/evaluate.ipynb
    needs: [prepare, train]
"""


@functools.cache
def _iris_csv() -> str:
    import io

    import numpy as np
    from sklearn.datasets import load_iris

    features, labels = load_iris(return_X_y=True)
    text = io.StringIO()
    np.savetxt(text, np.column_stack([features, labels]), delimiter=",", fmt="%.6g")
    return text.getvalue()


def write_raw_data(root: Path) -> Path:
    """The iris table scikit-learn ships, as the pipeline's raw input."""
    path = root / "data" / "raw.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_iris_csv())
    return path


def write_pipeline(root: Path, text: str, name: str = "pipeline.yaml") -> Path:
    path = root / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path
