"""The OpenAPI document and the registered routes describe the same API."""

from __future__ import annotations

import re

import pytest

from jupyter_mlops.server.routes import route_table
from jupyter_mlops.server.spec import load_spec


def _spec() -> dict:
    return load_spec()


def test_routes_and_spec_agree():
    from_routes = {
        "/" + re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern) for pattern, _ in route_table()
    }
    assert from_routes == set(_spec()["paths"])


def test_every_operation_documents_its_errors_and_summary():
    for path, operations in _spec()["paths"].items():
        for verb, operation in operations.items():
            assert operation.get("summary"), (path, verb)
            assert "default" in operation["responses"], (path, verb)


def test_a_fragment_may_not_define_a_path_again():
    from jupyter_mlops.server.spec import _merge

    paths = {"/runs": {}}
    _merge(paths, {"/models": {}}, "models.yaml")
    assert set(paths) == {"/runs", "/models"}
    with pytest.raises(ValueError, match=r"openapi/views\.yaml defines /runs again"):
        _merge(paths, {"/runs": {}}, "views.yaml")
