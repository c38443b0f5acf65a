"""Notebook capture beside MLflow: ``%%mlops_track`` overhead and sklearn autolog.

Targets (issue 3), measured in one invocation on a real IPython ``InteractiveShell``:

1. ``%%mlops_track`` on a trivial cell, overhead over the same cell without it
   (median, after the first tracked cell) .......................................... < 5 ms
2. that overhead against ``with mlflow.start_run():`` around the same cell ........ >= 10x less
3. sklearn autolog of a 10k x 20 LogisticRegression fit, time added to the plain fit,
   model artifact included, against ``mlflow.sklearn.autolog()`` ................. >= 20x less

MLflow runs in its own virtual environment, ``.bench/mlflow`` (with IPython added), both on
SQLite in a fresh temporary folder. Each half runs in a fresh worker process; overheads are
medians of (tracked cell - plain cell) with the two interleaved so drift hits both alike::

    python benchmarks/bench_magics.py [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _peer import (
    Row,
    clock,
    emit,
    machine,
    median,
    package_version,
    peer_python,
    report,
    run_worker,
    scratch,
)

SIZES = {"full": {"cells": 200, "fits": 7, "peer_fits": 5},
         "quick": {"cells": 40, "fits": 3, "peer_fits": 2}}
TRIVIAL = "x = 1\n"
FIT = "LogisticRegression().fit(X, y)\n"
DATA = ("import numpy as np\nfrom sklearn.linear_model import LogisticRegression\n"
        "rng = np.random.default_rng(0)\nX = rng.normal(size=(10_000, 20))\n"
        "y = (X[:, 0] + rng.normal(size=10_000) > 0).astype(int)\n")


def _shell() -> Any:
    from IPython.core.interactiveshell import InteractiveShell

    return InteractiveShell.instance()


def _cell_times(shell: Any, plain: str, tracked: str, count: int) -> tuple[list, list]:
    """Seconds of each plain and each tracked cell, interleaved, output discarded."""
    plain_times, tracked_times = [], []
    sink = io.StringIO()
    for _ in range(count):
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            start = clock()
            shell.run_cell(plain, store_history=True)
            plain_times.append(clock() - start)
            start = clock()
            result = shell.run_cell(tracked, store_history=True)
            tracked_times.append(clock() - start)
        if not result.success:
            raise RuntimeError(f"tracked cell failed: {result.error_in_exec!r}")
        sink.seek(0)
        sink.truncate()
    return plain_times, tracked_times


def _overhead(plain: list[float], tracked: list[float]) -> float:
    return median([t - p for p, t in zip(plain, tracked, strict=True)])


def ours_worker(size: dict[str, int], folder: Path) -> dict[str, Any]:
    (folder / ".mlops").mkdir(exist_ok=True)
    os.environ["JUPYTER_MLOPS_CAPTURE_PACKAGES"] = "true"
    shell = _shell()
    shell.run_line_magic("load_ext", "jupyter_mlops")
    result: dict[str, Any] = {}
    _cell_times(shell, TRIVIAL, "%%mlops_track\n" + TRIVIAL, 3)  # the first pays set-up
    plain, tracked = _cell_times(shell, TRIVIAL, "%%mlops_track\n" + TRIVIAL, size["cells"])
    result["cell"] = _overhead(plain, tracked)
    plain, tracked = _cell_times(shell, TRIVIAL, "%%mlops_track --no-card\n" + TRIVIAL,
                                 size["cells"])
    result["cell_no_card"] = _overhead(plain, tracked)
    shell.run_cell(DATA)
    shell.run_cell("%%mlops_track --no-card\n" + FIT)  # sklearn's and skops' first use
    plain, tracked = _cell_times(shell, FIT, "%%mlops_track --no-card\n" + FIT, size["fits"])
    result["fit"] = median(plain)
    result["autolog"] = _overhead(plain, tracked)
    import jupyter_mlops as mlops

    last = mlops.get_run(mlops.search_runs(max_results=1)[0].id)
    result["artifacts"] = sorted(a.path for a in last.artifacts)
    return result


def mlflow_worker(size: dict[str, int], folder: Path) -> dict[str, Any]:
    import mlflow

    mlflow.set_experiment("bench")
    shell = _shell()
    shell.run_cell("import mlflow")
    body = "with mlflow.start_run():\n    " + TRIVIAL
    _cell_times(shell, TRIVIAL, body, 3)
    plain, tracked = _cell_times(shell, TRIVIAL, body, size["cells"])
    result: dict[str, Any] = {"version": mlflow.__version__, "cell": _overhead(plain, tracked)}
    shell.run_cell(DATA)
    # Switching its autolog on patches every estimator class, so plain fits are timed
    # first, then autologged ones; the overhead is the difference of the medians.
    plain = [t for t, _ in zip(*_cell_times(shell, FIT, FIT, size["peer_fits"]),
                               strict=True)]
    shell.run_cell("import mlflow.sklearn\nmlflow.sklearn.autolog()")
    fit_run = "with mlflow.start_run():\n    " + FIT
    shell.run_cell(fit_run)  # first use of its flavor machinery
    _, tracked = _cell_times(shell, TRIVIAL, fit_run, size["peer_fits"])
    result["fit"] = median(plain)
    result["autolog"] = median(tracked) - median(plain)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, for a smoke test")
    parser.add_argument("--worker", choices=("mlflow", "ours"), help=argparse.SUPPRESS)
    parser.add_argument("--size", help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    size = SIZES["quick" if args.quick else "full"]
    if args.worker:
        worker = mlflow_worker if args.worker == "mlflow" else ours_worker
        emit(worker(size, Path(args.dir)))
        return 0

    python = peer_python("mlflow", ["mlflow>=3", "scikit-learn", "ipython"], "IPython")
    script = str(Path(__file__).resolve())
    flag = ["--quick"] if args.quick else []
    with scratch("bench-mlflow-") as folder:
        peer = run_worker(python, [script, "--worker", "mlflow", "--dir", str(folder), *flag],
                          env={"MLFLOW_TRACKING_URI": f"sqlite:///{folder / 'mlflow.db'}"},
                          cwd=folder)
    with scratch("bench-ours-") as folder:
        ours = run_worker(sys.executable, [script, "--worker", "ours", "--dir", str(folder),
                                           *flag], cwd=folder)
    rows = [
        Row("%%mlops_track vs `with mlflow.start_run()` on `x = 1`, overhead", ours["cell"],
            peer["cell"], 10.0, f"median of {size['cells']}, run card shown"),
        Row("same, without the run card", ours["cell_no_card"], peer["cell"], 10.0),
        Row("sklearn autolog, 10k x 20 LogisticRegression, time added", ours["autolog"],
            peer["autolog"], 20.0, f"model artifact included, median of {size['fits']}"
                                   f" (MLflow {size['peer_fits']})"),
    ]
    print(f"# bench_magics — {machine()}")
    print(f"MLflow {peer['version']} ({package_version(python, 'scikit-learn')} sklearn)\n")
    print(report(rows, "MLflow"))
    cell_ms = ours["cell"] * 1e3
    print(f"\n%%mlops_track overhead per trivial cell: {cell_ms:.2f} ms (target < 5 ms): "
          f"{'PASS' if cell_ms < 5 else 'MISS'}")
    print(f"plain fit: ours {ours['fit'] * 1e3:.1f} ms, MLflow's venv {peer['fit'] * 1e3:.1f} ms;"
          f" our autologged run stored {', '.join(ours['artifacts'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
