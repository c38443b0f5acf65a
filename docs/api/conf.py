"""Sphinx configuration of the Python API reference (``docs/api``).

Built by the test suite (tests/test_docs.py) with warnings as errors, so a docstring that
Sphinx cannot read fails the build: ``python -m sphinx -W -b html docs/api <out>``.
"""

from __future__ import annotations

import jupyter_mlops

project = "jupyter-mlops"
release = jupyter_mlops.__version__
extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon"]
# The docstrings follow numpydoc's sections (Parameters, Returns, Raises ...).
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": False}
html_theme = "alabaster"
html_title = f"jupyter-mlops {release} API"
autodoc_typehints_description_target = "documented_params"
