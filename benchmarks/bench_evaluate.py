"""Sliced evaluation beside MLflow's ``mlflow.models.evaluate`` on the same data and model.

Target (issue 19): 1,000,000 rows, a binary classifier (scikit-learn's LogisticRegression on
8 numeric features), ours with 20 slices (``slices=["segment"]``, a per-slice and an overall
threshold, the evaluation stored in a workspace) against MLflow's default classifier evaluator
without slices, its best case (model explainability off) ........... ours >= 2x faster

Both sides load a logged model from their own store and predict the same Parquet file; the
model is fitted the same way on the same rows in each worker (lbfgs is deterministic). MLflow
runs in its own virtual environment, ``.bench/mlflow`` (created on first use). Each side reports
its first (cold) call and the median of warm calls; the speed-up uses the warm medians::

    python benchmarks/bench_evaluate.py [--quick] [--rows N]
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

MLFLOW = ["mlflow>=3"]
ROWS = 1_000_000
SEGMENTS = 20
FEATURES = [f"x{i}" for i in range(8)]
SEED = 19


def make_frame(rows: int) -> Any:
    """Features, a 20-valued ``segment`` whose label noise differs, and the label ``y``."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(SEED)
    X = rng.normal(size=(rows, len(FEATURES)))
    segment = rng.integers(0, SEGMENTS, rows)
    logit = X @ np.linspace(1.0, -0.6, len(FEATURES)) + rng.normal(0, 0.5 + segment / 10, rows)
    frame = pd.DataFrame(X, columns=FEATURES)
    frame["segment"] = np.char.add("s", segment.astype(str))
    frame["y"] = (logit > 0).astype("int64")
    return frame


def fitted(frame: Any) -> Any:
    from sklearn.linear_model import LogisticRegression

    head = frame.head(50_000)
    return LogisticRegression().fit(head[FEATURES], head["y"])


# -- workers ----------------------------------------------------------------------------------


def mlflow_worker(folder: Path, repeat: int) -> dict[str, Any]:
    import warnings

    import mlflow
    import pandas as pd

    warnings.filterwarnings("ignore")
    mlflow.set_tracking_uri(f"sqlite:///{folder / 'mlflow.db'}")
    frame = pd.read_parquet(folder / "data.parquet")
    data = frame[[*FEATURES, "y"]]  # MLflow's evaluate has no slices: the features and label
    model = fitted(frame)
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(model, name="model", input_example=data[FEATURES].head())

    def once() -> dict[str, float]:
        with mlflow.start_run():
            result = mlflow.models.evaluate(
                info.model_uri, data, targets="y", model_type="classifier",
                evaluators=["default"],
                evaluator_config={"default": {"log_model_explainability": False}})
        return dict(result.metrics)

    start = clock()
    metrics = once()
    first = clock() - start
    warm = []
    for _ in range(repeat):
        start = clock()
        once()
        warm.append(clock() - start)
    return {"first": first, "warm": warm, "auc": metrics.get("roc_auc"),
            "accuracy": metrics.get("accuracy_score")}


def ours_worker(folder: Path, repeat: int) -> dict[str, Any]:
    import pandas as pd

    import jupyter_mlops as mlops
    from jupyter_mlops import models
    from jupyter_mlops.evaluate import evaluate

    root = folder / "ours"
    (root / ".mlops").mkdir(parents=True)
    mlops.set_workspace(root)
    frame = pd.read_parquet(folder / "data.parquet")
    model = fitted(frame)
    with mlops.start_run(name="fit"):
        logged = models.log_model(model, input_example=frame[FEATURES].head())
    models.register_model(logged.uri, "bench", alias="candidate")

    def once() -> Any:
        return evaluate("bench@candidate", frame, label="y", slices=["segment"],
                        thresholds={"auc": {"lower": 0.5}}, per_slice={"auc": {"lower": 0.5}})

    start = clock()
    result = once()
    first = clock() - start
    warm = []
    for _ in range(repeat):
        start = clock()
        once()
        warm.append(clock() - start)
    return {"first": first, "warm": warm, "auc": result.overall["auc"],
            "accuracy": result.overall["accuracy"], "slices": len(result.slices) - 1,
            "blessed": result.blessed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Fewer warm repetitions.")
    parser.add_argument("--rows", type=int, default=ROWS, help="Rows of the data (1,000,000).")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "mlflow":
        emit(mlflow_worker(Path(args.folder), args.repeat))
        return
    if args.worker == "ours":
        emit(ours_worker(Path(args.folder), args.repeat))
        return

    repeat = 1 if args.quick else 3
    python = peer_python("mlflow", MLFLOW, "mlflow")
    print(f"# Sliced evaluation beside MLflow {package_version(python, 'mlflow')} "
          f"mlflow.models.evaluate ({machine()})\n")
    this = str(Path(__file__).resolve())
    with scratch("bench-evaluate-") as folder:
        make_frame(args.rows).to_parquet(folder / "data.parquet")
        peer = run_worker(python, [this, "--worker", "mlflow", "--folder", str(folder),
                                   "--repeat", str(repeat)])
        ours = run_worker(sys.executable, [this, "--worker", "ours", "--folder", str(folder),
                                           "--repeat", str(repeat)])
    size = f"{args.rows:,} rows"
    rows = [
        Row(f"{size}: ours with {ours['slices']} slices vs MLflow without, warm (median)",
            median(ours["warm"]), median(peer["warm"]), 2.0),
        Row(f"{size}: first call in process", ours["first"], peer["first"]),
    ]
    print(report(rows, "MLflow"))
    ratio = median(peer["warm"]) / median(ours["warm"])
    print(f"\nSpeed-up (MLflow without slices / ours with {ours['slices']} slices): "
          f"{ratio:.1f}x ({'PASS' if ratio >= 2 else 'MISS'} >= 2x).")
    print(f"Overall AUC: MLflow {peer['auc']:.6f}, ours {ours['auc']:.6f}; accuracy: MLflow "
          f"{peer['accuracy']:.6f}, ours {ours['accuracy']:.6f}.")


if __name__ == "__main__":
    main()
