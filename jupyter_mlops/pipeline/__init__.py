"""Notebook pipelines: papermill steps, cached, tracked as runs, run locally or on Dask.

Names are imported on first use, so importing the package loads neither papermill nor YAML.
"""

from __future__ import annotations

import importlib
from typing import Any

# These two functions share their module's name. Importing a submodule sets the package
# attribute of that name to the module, so they are bound here, after their (light) modules
# load, instead of lazily.
from .reproduce import reproduce
from .upstream import upstream

_EXPORTS: dict[str, str] = {
    "Pipeline": "jupyter_mlops.pipeline.spec",
    "PipelineResult": "jupyter_mlops.pipeline.outcome",
    "Reproduction": "jupyter_mlops.pipeline.reproduce",
    "SpecError": "jupyter_mlops.pipeline.spec",
    "Step": "jupyter_mlops.pipeline.spec",
    "StepStatus": "jupyter_mlops.pipeline.status",
    "Upstream": "jupyter_mlops.pipeline.upstream",
    "load_pipeline": "jupyter_mlops.pipeline.spec",
    "pipeline_status": "jupyter_mlops.pipeline.status",
    "register_executor": "jupyter_mlops.pipeline.executors",
    "run_pipeline": "jupyter_mlops.pipeline.runner",
}

__all__ = [
    "Pipeline",
    "PipelineResult",
    "Reproduction",
    "SpecError",
    "Step",
    "StepStatus",
    "Upstream",
    "load_pipeline",
    "pipeline_status",
    "register_executor",
    "reproduce",
    "run_pipeline",
    "upstream",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'jupyter_mlops.pipeline' has no attribute {name!r}")
    attribute = "register" if name == "register_executor" else name
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
