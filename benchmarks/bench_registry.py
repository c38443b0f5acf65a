"""Log, register and load a small scikit-learn model, beside MLflow (SQLite backend).

Target (issue 5): the whole cycle (start a run, log the model with an input example, end the
run, register it, load it back) at least 20x faster than MLflow's, with the environment still
recorded. MLflow spends most of its time inferring pip requirements; it is measured with its
defaults, and once more with ``pip_requirements`` given to show where its time goes.

Each side runs in its own fresh worker process and folder (MLflow in ``.bench/mlflow``); one
warm-up cycle is not timed, then the median of the rest is reported::

    python benchmarks/bench_registry.py [--quick]
"""

from __future__ import annotations

import argparse
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

TARGET = 20.0
ROWS, FEATURES = 10_000, 20


def _data() -> tuple[Any, Any]:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(ROWS, FEATURES)),
                     columns=[f"f{i}" for i in range(FEATURES)])
    y = (X["f0"] + 0.5 * X["f1"] + rng.normal(scale=0.5, size=ROWS) > 0).astype(int)
    return X, y


def _model() -> tuple[Any, Any]:
    from sklearn.linear_model import LogisticRegression

    X, y = _data()
    return LogisticRegression(max_iter=200).fit(X, y), X


def mlflow_cycles(repeat: int, pip_requirements: bool) -> dict[str, Any]:
    import mlflow

    model, X = _model()
    times = []
    for i in range(repeat + 1):
        start = clock()
        with mlflow.start_run():
            mlflow.log_metric("auc", 0.9)
            extra = {"pip_requirements": ["scikit-learn"]} if pip_requirements else {}
            info = mlflow.sklearn.log_model(model, name="model", input_example=X.head(5),
                                            **extra)
        version = mlflow.register_model(info.model_uri, "churn").version
        loaded = mlflow.pyfunc.load_model(f"models:/churn/{version}")
        elapsed = clock() - start
        assert len(loaded.predict(X.head(3))) == 3
        if i:
            times.append(elapsed)
    return {"cycle": median(times), "version": mlflow.__version__}


def ours_cycles(repeat: int) -> dict[str, Any]:
    import jupyter_mlops as mlops
    from jupyter_mlops import models

    model, X = _model()
    times = []
    env_packages = 0
    for i in range(repeat + 1):
        start = clock()
        with mlops.start_run() as run:
            mlops.log_metric("auc", 0.9)
            logged = models.log_model(model, input_example=X.head(5))
        version = models.register_model(logged.uri, "churn").version
        loaded = models.load_model(f"churn/{version}")
        elapsed = clock() - start
        assert len(loaded.predict(X.head(3))) == 3
        if i:
            times.append(elapsed)
        record = mlops.get_run(run.id)
        from jupyter_mlops.session import current

        env_packages = len(current().store.runs.environment(record.environment_digest).packages)
    return {"cycle": median(times), "env_packages": env_packages}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer cycles, for a smoke test")
    parser.add_argument("--worker", choices=("mlflow", "mlflow-pinned", "ours"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker == "ours":
        emit(ours_cycles(args.repeat))
        return 0
    if args.worker:
        emit(mlflow_cycles(args.repeat, args.worker == "mlflow-pinned"))
        return 0

    repeat = 2 if args.quick else 5
    mlflow_python = peer_python("mlflow", ["mlflow>=3", "scikit-learn"], "mlflow, sklearn")
    argv_base = [str(Path(__file__).resolve()), "--repeat", str(repeat)]
    results: dict[str, dict[str, Any]] = {}
    for worker in ("mlflow", "mlflow-pinned", "ours"):
        print(f"[bench] {worker} ...", file=sys.stderr, flush=True)
        python = sys.executable if worker == "ours" else mlflow_python
        with scratch(f"bench-{worker}-") as folder:
            results[worker] = run_worker(
                python, [*argv_base, "--worker", worker], cwd=folder,
                env={"MLFLOW_TRACKING_URI": f"sqlite:///{folder / 'mlflow.db'}"},
            )
    ours, peer, pinned = results["ours"], results["mlflow"], results["mlflow-pinned"]
    rows = [
        Row("log + register + load a sklearn model", ours["cycle"], peer["cycle"], TARGET,
            f"median of {repeat}"),
        Row("same, MLflow given pip_requirements", ours["cycle"], pinned["cycle"], None,
            "MLflow skips requirement inference"),
    ]
    print(f"\n### Model registry beside MLflow {peer['version']} "
          f"(scikit-learn {package_version(mlflow_python, 'scikit-learn')})\n")
    print(report(rows, "MLflow"))
    print(f"\nOur runs recorded their environment ({ours['env_packages']} packages) as usual. "
          f"LogisticRegression on {ROWS:,} x {FEATURES}, input example of 5 rows. {machine()}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
