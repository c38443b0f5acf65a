"""The demo: train a small classifier with a few learning rates, tracking each run.

Runs land in the embedded SQLite workspace (.mlops/ at the repository root), so
`jupyter mlops runs list` and `jupyter mlops info` show them afterwards.
"""

from __future__ import annotations

import numpy as np

import jupyter_mlops as mlops


def make_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2_000, 5))
    weights = np.array([1.5, -2.0, 0.7, 0.0, 0.3])
    y = (x @ weights + rng.normal(scale=0.5, size=len(x)) > 0).astype(float)
    return x, y


def train(x: np.ndarray, y: np.ndarray, lr: float, epochs: int) -> np.ndarray:
    w = np.zeros(x.shape[1])
    for epoch in range(epochs):
        p = 1 / (1 + np.exp(-(x @ w)))
        loss = -np.mean(y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12))
        mlops.log_metric("loss", loss, step=epoch)
        w -= lr * x.T @ (p - y) / len(y)
    return w


def main() -> None:
    x, y = make_data()
    for lr in (0.05, 0.2, 1.0):
        with mlops.start_run(experiment="demo", name=f"logreg-lr{lr}", tags={"model": "logreg"}):
            mlops.log_params({"lr": lr, "epochs": 50})
            w = train(x, y, lr, epochs=50)
            accuracy = float(np.mean(((x @ w) > 0) == y))
            mlops.log_metric("accuracy", accuracy)
            mlops.log_dict({"weights": w.tolist()}, "model/weights.json")
    best = mlops.runs(experiment="demo", order_by=["metrics.accuracy DESC"], max_results=10)
    columns = ["run_id", "name", "status", "params.lr", "metrics.accuracy"]
    print(best[columns].to_string(index=False))
    print(f"\nWorkspace: {mlops.info()['workspace']}")
    print("Explore it with: .venv/bin/jupyter-mlops runs list -e demo")


if __name__ == "__main__":
    main()
