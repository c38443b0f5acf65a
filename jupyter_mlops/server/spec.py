"""The OpenAPI document of the REST API, assembled from one file per resource group.

``openapi.yaml`` holds the document's frame (info, security, the shared components and the
first routes); each ``openapi/<name>.yaml`` beside it adds ``paths`` and ``components`` of a
route module of its own, so a new resource documents itself without editing the shared file.
A name defined twice is an error: two fragments must never silently disagree.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml


def load_spec() -> dict[str, Any]:
    """The whole OpenAPI document: the frame merged with every fragment, in name order."""
    folder = resources.files(__package__)
    spec = yaml.safe_load(folder.joinpath("openapi.yaml").read_text())
    parts = folder.joinpath("openapi")
    # An installed copy without fragments may lack the folder altogether.
    found = parts.iterdir() if parts.is_dir() else ()
    fragments = sorted((item for item in found if item.name.endswith(".yaml")),
                       key=lambda item: item.name)
    for fragment in fragments:
        part = yaml.safe_load(fragment.read_text()) or {}
        _merge(spec.setdefault("paths", {}), part.get("paths", {}), fragment.name)
        for section, entries in (part.get("components") or {}).items():
            target = spec.setdefault("components", {}).setdefault(section, {})
            _merge(target, entries, fragment.name)
    return spec


def _merge(target: dict[str, Any], extra: dict[str, Any], source: str) -> None:
    clash = sorted(set(target) & set(extra))
    if clash:
        raise ValueError(f"openapi/{source} defines {', '.join(clash)} again")
    target.update(extra)
