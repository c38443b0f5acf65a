"""The notebook tests' real IPython shell, for the sweep magic."""

from __future__ import annotations

from typing import Any

import pytest

from tests.notebook.conftest import shell

__all__ = ["ipython", "shell"]


@pytest.fixture(scope="session")
def ipython() -> Any:
    """IPython's test shell; started once per process, so reuse it when tests/notebook did."""
    from IPython.testing import globalipapp

    return globalipapp.start_ipython() or globalipapp.get_ipython()
