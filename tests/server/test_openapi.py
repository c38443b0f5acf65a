"""The OpenAPI document and the registered routes describe the same API."""

from __future__ import annotations

import re
from importlib import resources

import yaml

from jupyter_mlops.server.routes import route_table


def _spec() -> dict:
    text = resources.files("jupyter_mlops.server").joinpath("openapi.yaml").read_text()
    return yaml.safe_load(text)


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
