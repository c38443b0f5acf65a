"""Fixtures of the pipeline tests: a project folder with real notebooks, data and a pipeline.

Kernels start slowly, so most tests run on SQLite only (``sqlite_only`` in pipeline_helpers);
the three-step pipeline's main scenario also runs on PostgreSQL.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .pipeline_helpers import NOTEBOOKS, THREE_STEPS, write_pipeline, write_raw_data


@pytest.fixture
def project(tracking) -> Path:
    """The workspace folder with notebooks/, data/raw.csv and the three-step pipeline.yaml."""
    root = Path(tracking.root)
    shutil.copytree(NOTEBOOKS, root / "notebooks")
    write_raw_data(root)
    write_pipeline(root, THREE_STEPS)
    return root
