"""The REST API's one route table, one module per resource.

Extension point (keep it stable): each module named in ``MODULES`` is
``jupyter_mlops/server/routes/<name>.py`` and defines ``ROUTES``, a list of
``(pattern, handler class)`` with patterns relative to ``/jupyter-mlops/api/``. To add routes,
write such a module, append its name to ``MODULES`` and document its paths in
``server/openapi/<name>.yaml``, merged into ``openapi.yaml`` by ``server.spec.load_spec``
(``tests/server/test_openapi.py`` holds the two together). Every handler derives from
``server.base.MlopsHandler`` and reads: parse the input, ``await self.call(<one capability
function>)``, ``self.reply(...)``.
"""

from __future__ import annotations

import importlib
from typing import Any

MODULES: list[str] = ["runs", "artifacts", "models", "datasets", "drift", "pipelines",
                      "sweeps"]


def route_table() -> list[tuple[str, type]]:
    """Every ``(pattern, handler)`` of the modules in ``MODULES``, in that order."""
    table: list[tuple[str, type]] = []
    for name in MODULES:
        table.extend(importlib.import_module(f"{__name__}.{name}").ROUTES)
    return table


def setup_handlers(web_app: Any) -> None:
    """Register the route table under ``<base_url>/jupyter-mlops/api/``."""
    from jupyter_server.utils import url_path_join

    from ..base import UnknownRoute

    base = url_path_join(web_app.settings["base_url"], "jupyter-mlops", "api")
    handlers = [(url_path_join(base, pattern), handler) for pattern, handler in route_table()]
    # Last, so it only takes what no route matched.
    handlers.append((url_path_join(base, "(.*)"), UnknownRoute))
    web_app.add_handlers(".*$", handlers)
    importlib.import_module(f"{__name__}.mlflow").setup(web_app)  # MLflow's API, its own mount
