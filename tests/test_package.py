"""The public surface: a pinned, sorted __all__ and an import that stays light."""

from __future__ import annotations

import json
import subprocess
import sys

import jupyter_mlops

PUBLIC = [
    "ActiveRun", "MlopsError", "Run", "RunStatus", "__version__", "active_run", "delete_runs",
    "end_run", "experiments", "gc", "get_run", "info", "log_artifact", "log_dict",
    "log_figure", "log_metric", "log_metrics", "log_param", "log_params", "log_table",
    "log_text", "metric_history", "restore_runs", "runs", "search_runs", "set_tag",
    "set_tags", "set_workspace", "start_run", "sweep",
]


def test_all_is_sorted_and_pinned():
    assert jupyter_mlops.__all__ == sorted(jupyter_mlops.__all__)
    assert set(PUBLIC) <= set(jupyter_mlops.__all__)


def test_every_export_resolves():
    for name in jupyter_mlops.__all__:
        assert getattr(jupyter_mlops, name) is not None, name


HEAVY = ["pandas", "numpy", "sqlalchemy", "plotly", "sklearn", "scipy", "IPython", "papermill",
         "matplotlib", "fsspec", "pyarrow"]


def test_import_loads_nothing_heavy():
    code = (
        "import sys, json; import jupyter_mlops; "
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert json.loads(out.stdout) == []
