"""The notebook tests' real IPython shell, for the sweep magic."""

from __future__ import annotations

from tests.notebook.conftest import ipython, shell

__all__ = ["ipython", "shell"]
