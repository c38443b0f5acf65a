"""One MLflow client script against `mlflow server` (SQLite backend) and `jupyter mlops server`.

Target (issue 17): our server at least 3x faster on both cases:

- ``log_batch``: 100 runs, each created, given 100 metrics in one ``MlflowClient.log_batch``
  call and ended (300 REST calls), timed end to end;
- ``search_runs``: ``mlflow.search_runs`` over an experiment of 2,000 runs (each with 3
  params, 3 metrics and 2 tags), median of 3 after a warm-up. The fill is timed too and
  shown without a target.

The client is the same script, run by the same interpreter (MLflow's, in ``.bench/mlflow``),
once against each server; each server runs in its own process over a fresh folder, MLflow's
with ``--backend-store-uri sqlite:///...`` and one worker, ours over a fresh workspace::

    python benchmarks/bench_mlflow_server.py [--quick]
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _peer import (
    BenchError,
    Row,
    clock,
    emit,
    machine,
    median,
    package_version,
    peer_python,
    quiet_env,
    report,
    run_worker,
    scratch,
)

TARGET = 3.0
OURS = Path(sys.executable).parent / "jupyter-mlops"


def client(runs: int, metrics: int, search_runs: int) -> dict[str, Any]:
    """The MLflow client half: runs under MLflow's interpreter, talks HTTP only."""
    import mlflow
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param, RunTag

    tracking = MlflowClient()
    batch_experiment = tracking.create_experiment("batch")
    now = int(time.time() * 1000)
    start = clock()
    for _ in range(runs):
        run = tracking.create_run(batch_experiment)
        run_id = run.info.run_id
        tracking.log_batch(run_id, metrics=[Metric(f"m{k}", k * 0.5, now, 0)
                                            for k in range(metrics)])
        tracking.set_terminated(run_id)
    batch = clock() - start

    search_experiment = tracking.create_experiment("search")
    start = clock()
    for index in range(search_runs):
        run = tracking.create_run(search_experiment, tags={"team": "a", "kind": "bench"})
        tracking.log_batch(
            run.info.run_id,
            metrics=[Metric(k, index * 0.001 + j, now, 0)
                     for j, k in enumerate(("auc", "loss", "acc"))],
            params=[Param(k, str(index % 7)) for k in ("lr", "depth", "seed")],
            tags=[RunTag("fold", str(index % 5))])
        tracking.set_terminated(run.info.run_id)
    fill = clock() - start
    times = []
    for attempt in range(4):
        start = clock()
        frame = mlflow.search_runs(experiment_ids=[search_experiment])
        if attempt:  # the first is a warm-up
            times.append(clock() - start)
    if len(frame) != search_runs:
        raise BenchError(f"search_runs found {len(frame)} runs, not {search_runs}")
    return {"batch": batch, "fill": fill, "search": median(times),
            "version": mlflow.__version__}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, process: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"the server exited {process.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.3)
    raise BenchError(f"{url} did not answer within {timeout:.0f} s")


def _serve(argv: list[str], folder: Path, port: int) -> subprocess.Popen[bytes]:
    log = (folder / "server.log").open("wb")
    process = subprocess.Popen(argv, cwd=folder, env=quiet_env(), stdout=log,
                               stderr=subprocess.STDOUT)
    try:
        _wait(f"http://127.0.0.1:{port}/health", process)
    except BaseException:
        process.kill()
        raise
    return process


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _side(name: str, mlflow_python: Path, sizes: list[str]) -> dict[str, Any]:
    with scratch(f"bench-server-{name}-") as folder:
        port = _free_port()
        if name == "mlflow":
            mlflow = mlflow_python.parent / "mlflow"
            argv = [str(mlflow), "server", "--host", "127.0.0.1", "--port", str(port),
                    "--backend-store-uri", f"sqlite:///{folder / 'mlflow.db'}",
                    "--default-artifact-root", str(folder / "artifacts"), "--workers", "1"]
        else:
            (folder / ".mlops").mkdir()
            argv = [str(OURS), "server", "--port", str(port)]
        process = _serve(argv, folder, port)
        try:
            return run_worker(mlflow_python,
                              [str(Path(__file__).resolve()), "--worker", *sizes],
                              env={"MLFLOW_TRACKING_URI": f"http://127.0.0.1:{port}"},
                              cwd=folder)
        finally:
            _stop(process)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke test")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("sizes", nargs="*", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        emit(client(*args.sizes))
        return 0
    runs, metrics, search = (10, 100, 200) if args.quick else (100, 100, 2000)
    sizes = [str(runs), str(metrics), str(search)]
    mlflow_python = peer_python("mlflow", ["mlflow>=3", "scikit-learn"], "mlflow, sklearn")
    results = {}
    for name in ("mlflow", "ours"):
        print(f"[bench] {name} server ...", file=sys.stderr, flush=True)
        results[name] = _side(name, mlflow_python, sizes)
    ours, peer = results["ours"], results["mlflow"]
    rows = [
        Row(f"{runs} runs x {metrics} metrics through log_batch (create, log, end)",
            ours["batch"], peer["batch"], TARGET, f"{3 * runs} REST calls"),
        Row(f"search_runs over {search:,} runs to a DataFrame", ours["search"],
            peer["search"], TARGET, "median of 3 after a warm-up"),
        Row(f"fill: {search:,} runs (create, log_batch, end)", ours["fill"], peer["fill"],
            None, f"{3 * search:,} REST calls"),
    ]
    print(f"\n### MLflow's client against `mlflow server` {peer['version']} (SQLite) and "
          "`jupyter mlops server`\n")
    print(report(rows, "mlflow server"))
    print(f"\nClient: MLflow {package_version(mlflow_python, 'mlflow')} in .bench/mlflow, "
          f"the same script against both. {machine()}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
