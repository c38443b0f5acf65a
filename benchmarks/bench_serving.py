"""Serve the same scikit-learn model with ``jupyter mlops models serve`` and ``mlflow models
serve`` and load both from a separate process on loopback.

Targets (issue 5): p50 latency at most half of MLflow's and at least 2x its throughput, with
our prediction log on (every request's inputs and predictions written to the store).

Both servers run at once as subprocesses (one uvicorn worker each, MLflow's default); a
load-generator process keeps ``--concurrency`` keep-alive connections busy, sending one-row
``dataframe_split`` requests (20 features). Our server is also loaded through the Open
Inference Protocol (KServe V2, ``POST /v2/models/churn/infer``) in both of its request forms:
one named ``FP64`` tensor per column, and one ``[1, 20]`` tensor. Rounds alternate between
the servers and forms so drift in the machine's load hits all alike::

    python benchmarks/bench_serving.py [--quick] [--requests 10000] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _peer import clock, emit, machine, peer_python, quiet_env, run_worker, scratch

FEATURES = 20
MIB = 1024 * 1024
# Our server's own default --max-body (serving.wire.MAX_BODY); the heavy round raises it
# through the same option when --heavy-mb asks for more, so the large request is served, not
# answered 413, while the small ones are measured beside it.
DEFAULT_MAX_BODY = 256 * MIB
ROUNDS = 2
WARMUP = 300
_LENGTH = re.compile(rb"(?i)content-length:\s*(\d+)")


def _model() -> tuple[Any, Any]:
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(10_000, FEATURES)),
                     columns=[f"f{i}" for i in range(FEATURES)])
    y = (X["f0"] + rng.normal(scale=0.5, size=len(X)) > 0).astype(int)
    return LogisticRegression(max_iter=200).fit(X, y), X


def register_mlflow() -> dict[str, Any]:
    import mlflow

    model, X = _model()
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(model, name="model", input_example=X.head(5),
                                        pip_requirements=["scikit-learn"])
    version = mlflow.register_model(info.model_uri, "churn").version
    return {"uri": f"models:/churn/{version}", "version": mlflow.__version__}


def register_ours() -> dict[str, Any]:
    import jupyter_mlops as mlops
    from jupyter_mlops import models

    model, X = _model()
    with mlops.start_run():
        logged = models.log_model(model, input_example=X.head(5))
    version = models.register_model(logged.uri, "churn", alias="champion")
    return {"uri": "churn@champion", "version": version.version}


# -- load generator (its own process) ---------------------------------------------------------


FORMS = ("invocations", "v2-columns", "v2-tensor")


async def _load(port: int, path: str, body: bytes, total: int,
                concurrency: int) -> dict[str, Any]:
    request = (b"POST " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               b"Content-Type: application/json\r\nContent-Length: "
               + str(len(body)).encode() + b"\r\n\r\n" + body)
    latencies: list[float] = []
    failures = [0]
    remaining = [total]

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while remaining[0] > 0:
                remaining[0] -= 1
                start = clock()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                match = _LENGTH.search(head)
                await reader.readexactly(int(match.group(1)) if match else 0)
                latencies.append(clock() - start)
                if head[9:12] != b"200":
                    failures[0] += 1
        finally:
            writer.close()

    began = clock()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return {"latencies": latencies, "seconds": clock() - began, "failures": failures[0]}


def request_body(form: str) -> tuple[str, bytes]:
    """The path and the JSON body of one one-row request in ``form``."""
    row = [round(0.1 * i, 3) for i in range(FEATURES)]
    columns = [f"f{i}" for i in range(FEATURES)]
    if form == "invocations":
        return "/invocations", json.dumps(
            {"dataframe_split": {"columns": columns, "data": [row]}}).encode()
    if form == "v2-columns":
        inputs = [{"name": name, "shape": [1], "datatype": "FP64", "data": [value]}
                  for name, value in zip(columns, row, strict=True)]
    else:
        inputs = [{"name": "input", "shape": [1, FEATURES], "datatype": "FP64", "data": row}]
    return "/v2/models/churn/infer", json.dumps({"inputs": inputs}).encode()


def loadgen(port: int, total: int, concurrency: int,
            form: str = "invocations") -> dict[str, Any]:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    path, body = request_body(form)
    return asyncio.run(_load(port, path, body, total, concurrency))


def heavy_body(megabytes: int) -> bytes:
    """A ``dataframe_split`` request of about ``megabytes`` MiB (one-row requests' rows)."""
    row = "[" + ", ".join(f"{0.1 * i:.3f}" for i in range(FEATURES)) + "]"
    rows = max(1, megabytes * MIB // (len(row) + 2))
    return ('{"dataframe_split": {"columns": ['
            + ", ".join(f'"f{i}"' for i in range(FEATURES)) + '], "data": ['
            + ", ".join([row] * rows) + "]}}").encode()


def heavy(port: int, megabytes: int) -> None:
    """Post one ~``megabytes`` MiB request after another until killed (the one in flight).

    Each answer's status and the seconds it took go to stdout as they come, so the orchestra
    can tell that the large requests were served (200), not refused (413), while it measured.
    """
    import http.client

    body = heavy_body(megabytes)
    print(json.dumps({"bytes": len(body)}), flush=True)
    while True:
        start = clock()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        connection.request("POST", "/invocations", body,
                           {"Content-Type": "application/json"})
        answer = connection.getresponse()
        answer.read()
        connection.close()
        print(json.dumps({"status": answer.status, "seconds": clock() - start}), flush=True)


# -- the orchestra ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(url: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The server for {url} exited with {process.returncode}.")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"No answer from {url} within {timeout:.0f} s.")


def _stats(runs: list[dict[str, Any]]) -> dict[str, float]:
    latencies = sorted(x for run in runs for x in run["latencies"])
    count = len(latencies)
    return {"requests": count, "p50": latencies[count // 2],
            "p99": latencies[min(count - 1, int(count * 0.99))],
            "throughput": count / sum(run["seconds"] for run in runs),
            "failures": sum(run["failures"] for run in runs)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 requests per server")
    parser.add_argument("--requests", type=int, default=10_000, help="requests per server")
    parser.add_argument("--concurrency", type=int, default=4, help="open connections")
    parser.add_argument("--heavy-mb", type=int, default=100,
                        help="size of the request kept in flight in the last round (MB)")
    parser.add_argument("--worker", choices=("mlflow", "ours", "load", "heavy"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--form", choices=FORMS, default="invocations", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker == "mlflow":
        emit(register_mlflow())
        return 0
    if args.worker == "ours":
        emit(register_ours())
        return 0
    if args.worker == "heavy":
        heavy(args.port, args.heavy_mb)
        return 0
    if args.worker == "load":
        emit(loadgen(args.port, args.requests, args.concurrency, args.form))
        return 0

    total = 2_000 if args.quick else args.requests
    # The limit the large request must pass (a little above its size: JSON framing).
    max_body = max(DEFAULT_MAX_BODY, args.heavy_mb * MIB + MIB)
    mlflow_python = peer_python("mlflow", ["mlflow>=3", "scikit-learn"], "mlflow, sklearn")
    script = str(Path(__file__).resolve())
    with scratch("bench-serve-") as folder:
        (folder / "ours").mkdir()
        (folder / "mlflow").mkdir()
        mlflow_env = {"MLFLOW_TRACKING_URI": f"sqlite:///{folder / 'mlflow' / 'mlflow.db'}"}
        peer = run_worker(mlflow_python, [script, "--worker", "mlflow"], env=mlflow_env,
                          cwd=folder / "mlflow")
        ours = run_worker(sys.executable, [script, "--worker", "ours"], cwd=folder / "ours")
        ports = {"ours": _free_port(), "mlflow": _free_port()}
        servers = {
            "ours": subprocess.Popen(
                [sys.executable, "-c", "from jupyter_mlops.cli import main; main()",
                 "--workspace", str(folder / "ours"), "models", "serve", ours["uri"],
                 "--port", str(ports["ours"]), "--max-body", str(max_body)],
                cwd=folder / "ours", env=quiet_env(), stderr=subprocess.DEVNULL),
            "mlflow": subprocess.Popen(
                [str(Path(mlflow_python).parent / "mlflow"), "models", "serve", "-m",
                 peer["uri"], "--env-manager", "local", "-h", "127.0.0.1",
                 "-p", str(ports["mlflow"])],
                # MLflow starts `uvicorn` by name: its environment's bin must come first.
                cwd=folder / "mlflow", env=quiet_env({**mlflow_env, "PATH": os.pathsep.join(
                    [str(Path(mlflow_python).parent), os.environ.get("PATH", "")])}),
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        }
        runs: dict[str, list[dict[str, Any]]] = {"ours": [], "mlflow": [], "v2-columns": [],
                                                 "v2-tensor": []}
        # (label, server, request form) in the order each round loads them
        loads = [("ours", "ours", "invocations"), ("v2-columns", "ours", "v2-columns"),
                 ("v2-tensor", "ours", "v2-tensor"), ("mlflow", "mlflow", "invocations")]
        try:
            _wait(f"http://127.0.0.1:{ports['ours']}/health", servers["ours"])
            _wait(f"http://127.0.0.1:{ports['mlflow']}/ping", servers["mlflow"])
            for _, server, form in loads:
                run_worker(sys.executable, [script, "--worker", "load", "--port",
                                            str(ports[server]), "--requests", str(WARMUP),
                                            "--concurrency", str(args.concurrency),
                                            "--form", form])
            for _ in range(ROUNDS):
                for label, server, form in loads:
                    print(f"[bench] {label}: {total // ROUNDS:,} requests ...",
                          file=sys.stderr, flush=True)
                    runs[label].append(run_worker(sys.executable, [
                        script, "--worker", "load", "--port", str(ports[server]), "--requests",
                        str(total // ROUNDS), "--concurrency", str(args.concurrency),
                        "--form", form]))
            # The last round: one large request after another in flight beside the small ones,
            # which must not wait for its parsing or prediction.
            flood = subprocess.Popen([sys.executable, script, "--worker", "heavy", "--port",
                                      str(ports["ours"]), "--heavy-mb", str(args.heavy_mb)],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True)
            try:
                # The body is built before the first line; then let it start arriving.
                heavy_bytes = json.loads(flood.stdout.readline() or '{"bytes": 0}')["bytes"]
                time.sleep(2)
                print(f"[bench] ours with a {args.heavy_mb} MB request in flight ...",
                      file=sys.stderr, flush=True)
                runs["heavy"] = [run_worker(sys.executable, [
                    script, "--worker", "load", "--port", str(ports["ours"]), "--requests",
                    str(total // ROUNDS), "--concurrency", str(args.concurrency)])]
            finally:
                flood.kill()
                answers = [json.loads(line) for line in flood.stdout.read().splitlines()
                           if line.strip()]
                flood.wait()
        finally:
            for process in servers.values():
                process.send_signal(signal.SIGTERM)
            for process in servers.values():
                try:
                    process.wait(60)
                except subprocess.TimeoutExpired:
                    process.kill()
        logged = _logged(folder / "ours")
    mine, theirs = _stats(runs["ours"]), _stats(runs["mlflow"])
    print(f"\n### Serving beside `mlflow models serve` ({peer['version']}), "
          f"{args.concurrency} connections, one-row requests of {FEATURES} features\n")
    print("| server | requests | failed | p50 | p99 | throughput |")
    print("|---|---:|---:|---:|---:|---:|")
    loaded = _stats(runs["heavy"])
    columns, tensor = _stats(runs["v2-columns"]), _stats(runs["v2-tensor"])
    for label, stats in (("jupyter mlops models serve (prediction log on), /invocations", mine),
                         ("same, V2 infer, one FP64 tensor per column", columns),
                         ("same, V2 infer, one [1, 20] FP64 tensor", tensor),
                         (f"same, /invocations, a {args.heavy_mb} MB request in flight", loaded),
                         ("mlflow models serve, /invocations", theirs)):
        print(f"| {label} | {stats['requests']:,} | {stats['failures']} | "
              f"{stats['p50'] * 1e3:.2f} ms | {stats['p99'] * 1e3:.2f} ms | "
              f"{stats['throughput']:,.0f} req/s |")
    p50_ratio = theirs["p50"] / mine["p50"]
    rate_ratio = mine["throughput"] / theirs["throughput"]
    print(f"\np50: ours is {p50_ratio:.1f}x lower (target >= 2x: "
          f"{'PASS' if p50_ratio >= 2 else 'MISS'}); throughput: {rate_ratio:.1f}x "
          f"(target >= 2x: {'PASS' if rate_ratio >= 2 else 'MISS'}).")
    print(f"V2 against our /invocations: p50 {columns['p50'] / mine['p50']:.2f}x (per column), "
          f"{tensor['p50'] / mine['p50']:.2f}x (2-D); against MLflow's /invocations: "
          f"{theirs['p50'] / columns['p50']:.1f}x and {theirs['p50'] / tensor['p50']:.1f}x lower.")
    served = sum(1 for answer in answers if answer["status"] == 200)
    refused = [answer["status"] for answer in answers if answer["status"] != 200]
    print(f"The large request: {heavy_bytes / MIB:,.0f} MiB (--max-body {max_body:,}); "
          f"{len(answers)} answered by the end of its round, {served} with 200"
          + (f", others {sorted(set(refused))}" if refused else "")
          + (f", {min(a['seconds'] for a in answers):.1f} s each at best" if answers else
             ", one still in flight throughout") + ".")
    print(f"Our prediction log holds {logged:,} requests (warm-up included). {machine()}.")
    return 0


def _logged(workspace: Path) -> int:
    code = (f"import jupyter_mlops as m; m.set_workspace({str(workspace)!r});"
            "from jupyter_mlops.session import current;"
            "print(len(current().store.registry.predictions('churn')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=quiet_env(), check=False, cwd=workspace)
    return int(done.stdout.strip() or -1) if done.returncode == 0 else -1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
