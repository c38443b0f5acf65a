"""Fixtures for the notebook face: a real IPython shell with the extension loaded."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def ipython() -> Any:
    """The test InteractiveShell of IPython's own test machinery (one per session)."""
    from IPython.testing.globalipapp import get_ipython, start_ipython

    # start_ipython() answers None when another folder's fixture started the shell first.
    return start_ipython() or get_ipython()


@pytest.fixture
def shell(ipython: Any, tracking: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The shell with ``%load_ext jupyter_mlops`` done, tracking into the test workspace."""
    from jupyter_mlops.notebook import notebook_path, papermill_info

    monkeypatch.delenv("JUPYTER_MLOPS_NOTEBOOK", raising=False)
    monkeypatch.delenv("JUPYTER_MLOPS_EXPERIMENT", raising=False)
    monkeypatch.setenv("JUPYTER_MLOPS_CAPTURE_PACKAGES", "false")
    ipython.run_line_magic("load_ext", "jupyter_mlops")
    notebook_path.forget()
    papermill_info.forget()
    yield ipython
    ipython.run_line_magic("unload_ext", "jupyter_mlops")
    ipython.user_ns.pop("__vsc_ipynb_file__", None)


def run_cell(shell: Any, source: str) -> Any:
    """Run ``source`` as a notebook cell would (stored in history), returning the result."""
    return shell.run_cell(source, store_history=True)


@pytest.fixture
def cell() -> Any:
    """``cell(shell, source)``: run a cell as a notebook would."""
    return run_cell
