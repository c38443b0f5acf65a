"""Tracking beside MLflow (SQLite backend): runs, metric logging, batches, queries, import.

Targets (issue 2), as speed-ups over MLflow measured in the same invocation:

1. an empty run, start and end (median per run) ............................ >= 10x
2. ``log_metric`` inside a run, per call (ours buffers; its flush shown apart) >= 200x
3. one batch of 10,000 metric values, written end to end ..................... >= 20x
4. 2,000 runs with params, metrics and tags queried into a DataFrame ......... >= 10x
5. ``python -c "import ..."`` (median of several) ............................ >= 20x

MLflow runs in its own virtual environment, ``.bench/mlflow`` (created on first use), because
installing it into ours would downgrade pyarrow and importlib-metadata. Each case runs in two
fresh worker processes, MLflow's then ours, each in a fresh temporary folder, and both print
their timings as JSON::

    python benchmarks/bench_tracking.py [--quick] [--rounds N] [--cases runs,search]
                                        [--same-durability]

Durability differs unless asked: MLflow keeps SQLite's defaults (a rollback journal,
``synchronous=FULL``: an fsync per commit), ours runs WAL with ``synchronous=NORMAL`` (fsyncs
at checkpoints only). ``--same-durability`` adds the write cases with ours at
``JUPYTER_MLOPS_SQLITE_SYNCHRONOUS=FULL``. Rounds alternate which side starts.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _peer import (
    Row,
    clock,
    emit,
    load,
    machine,
    median,
    package_version,
    peer_python,
    report,
    run_worker,
    scratch,
    time_commands,
)

CASES = ("runs", "log_metric", "batch", "search", "import")
TARGETS = {"runs": 10.0, "log_metric": 200.0, "batch": 20.0, "search": 10.0, "import": 20.0}
SIZES: dict[str, dict[str, int]] = {
    # runs: timed empty runs; metrics: log_metric calls; keys x steps: the batch;
    # search: stored runs; queries: timed queries; imports: timed interpreter starts.
    "full": {"runs": 200, "metrics": 2000, "keys": 100, "steps": 100, "search": 2000,
             "queries": 5, "imports": 7},
    "quick": {"runs": 40, "metrics": 500, "keys": 100, "steps": 100, "search": 200,
              "queries": 3, "imports": 3},
}
EXPERIMENT = "bench"
WARMUP_RUNS = 5


# -- MLflow's half (runs in .bench/mlflow's interpreter) --------------------------------------


def mlflow_case(case: str, size: dict[str, int]) -> dict[str, Any]:
    import mlflow
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param

    experiment_id = mlflow.set_experiment(EXPERIMENT).experiment_id
    for _ in range(WARMUP_RUNS):  # schema, caches, git context: paid once per process
        with mlflow.start_run():
            mlflow.log_metric("warm", 0.0)
    result: dict[str, Any] = {"version": mlflow.__version__}
    if case == "runs":
        times = []
        for _ in range(size["runs"]):
            start = clock()
            with mlflow.start_run():
                pass
            times.append(clock() - start)
        result["per_run"] = median(times)
    elif case == "log_metric":
        with mlflow.start_run():
            count = size["metrics"]
            start = clock()
            for i in range(count):
                mlflow.log_metric("loss", 1.0 / (i + 1), step=i)
            result["calls"] = clock() - start
            result["per_call"] = result["calls"] / count
    elif case == "batch":
        client = MlflowClient()
        run_id = client.create_run(experiment_id).info.run_id
        keys = [f"m{k}" for k in range(size["keys"])]
        start = clock()
        now = int(time.time() * 1000)
        metrics = [Metric(key, 1.0 / (s + 1), now, s) for s in range(size["steps"])
                   for key in keys]
        client.log_batch(run_id, metrics=metrics)
        result["total"] = clock() - start
        result["values"] = len(metrics)
        client.set_terminated(run_id)
    elif case == "search":
        client = MlflowClient()
        start = clock()
        for i in range(size["search"]):
            data = _run_data(i)
            run_id = client.create_run(
                experiment_id, tags=data["tags"], run_name=f"run-{i}"
            ).info.run_id
            now = int(time.time() * 1000)
            client.log_batch(
                run_id,
                metrics=[Metric(k, v, now, 0) for k, v in data["metrics"].items()],
                params=[Param(k, str(v)) for k, v in data["params"].items()],
            )
            client.set_terminated(run_id)
        result["fill"] = clock() - start

        def query() -> Any:
            return mlflow.search_runs(experiment_ids=[experiment_id], filter_string="",
                                      max_results=size["search"] + 100)

        frame = query()  # warm-up
        times = []
        for _ in range(size["queries"]):
            start = clock()
            frame = query()
            times.append(clock() - start)
        result["query"] = median(times)
        result["shape"] = [int(frame.shape[0]) - WARMUP_RUNS, int(frame.shape[1])]
    return result


# -- our half (runs in this repository's interpreter) -----------------------------------------


def ours_case(case: str, size: dict[str, int], folder: Path) -> dict[str, Any]:
    import jupyter_mlops as mlops
    from jupyter_mlops.session import current

    # A .mlops folder here stops the workspace walk-up at this temporary folder.
    (folder / ".mlops").mkdir(exist_ok=True)
    mlops.set_workspace(folder)
    writer = current().writer
    for _ in range(WARMUP_RUNS):
        with mlops.start_run(experiment=EXPERIMENT):
            mlops.log_metric("warm", 0.0)
    result: dict[str, Any] = {"version": mlops.__version__}
    if case == "runs":
        times = []
        for _ in range(size["runs"]):
            start = clock()
            with mlops.start_run(experiment=EXPERIMENT):
                pass
            times.append(clock() - start)
        result["per_run"] = median(times)
    elif case == "log_metric":
        with mlops.start_run(experiment=EXPERIMENT):
            count = size["metrics"]
            start = clock()
            for i in range(count):
                mlops.log_metric("loss", 1.0 / (i + 1), step=i)
            result["calls"] = clock() - start
            start = clock()
            writer.flush()
            result["flush"] = clock() - start
            result["per_call"] = result["calls"] / count
    elif case == "batch":
        with mlops.start_run(experiment=EXPERIMENT) as run:
            run.info()  # the run's row exists, as MLflow's create_run made it before timing
            keys = [f"m{k}" for k in range(size["keys"])]
            start = clock()
            for s in range(size["steps"]):
                run.log_metrics({key: 1.0 / (s + 1) for key in keys}, step=s)
            writer.flush()
            result["total"] = clock() - start
            result["values"] = size["keys"] * size["steps"]
    elif case == "search":
        start = clock()
        for i in range(size["search"]):
            data = _run_data(i)
            with mlops.start_run(name=f"run-{i}", experiment=EXPERIMENT,
                                 tags=data["tags"]) as run:
                run.log_params(data["params"])
                run.log_metrics(data["metrics"], step=0)
        result["fill"] = clock() - start
        frame = mlops.runs(experiment=EXPERIMENT)  # warm-up (imports pandas)
        times = []
        for _ in range(size["queries"]):
            start = clock()
            frame = mlops.runs(experiment=EXPERIMENT)
            times.append(clock() - start)
        result["query"] = median(times)
        result["shape"] = [int(frame.shape[0]) - WARMUP_RUNS, int(frame.shape[1])]
    return result


def _run_data(i: int) -> dict[str, dict[str, Any]]:
    """The params, metrics and tags of stored run ``i``, the same for both tools."""
    return {
        "params": {"C": [0.1, 1.0, 10.0][i % 3], "penalty": ["l1", "l2"][i % 2],
                   "seed": i},
        "metrics": {"auc": (i % 97) / 97, "loss": 1.0 / (i + 1), "accuracy": (i % 89) / 89},
        "tags": {"owner": ["ana", "ben"][i % 2], "stage": "bench"},
    }


# -- the orchestra ----------------------------------------------------------------------------


# SQLite's durability on each side. MLflow leaves SQLite's defaults: a rollback journal with
# synchronous=FULL, an fsync per commit. Ours runs WAL with synchronous=NORMAL, which fsyncs
# only at checkpoints, so a write case compares unequal durability unless ours runs FULL too.
DURABLE = {"JUPYTER_MLOPS_SQLITE_SYNCHRONOUS": "FULL"}
WRITE_CASES = ("runs", "log_metric", "batch", "search")


def measure(case: str, size: dict[str, int], mlflow_python: Path, durable: bool = False,
            ours_first: bool = False) -> tuple[dict, dict, dict | None]:
    """Run ``case`` in a fresh MLflow worker and fresh workers of ours, taking turns.

    ``durable`` adds a worker of ours at MLflow's durability (``synchronous=FULL``);
    ``ours_first`` starts the round with ours, so that alternating rounds share any drift of
    the machine's load between the sides.
    """
    if case == "import":
        with scratch() as folder:
            commands = [[str(mlflow_python), "-c", "import mlflow"],
                        [sys.executable, "-c", "import jupyter_mlops"]]
            time_commands(commands, 1, cwd=folder)  # warm the file cache
            peer, ours = time_commands(commands, size["imports"], cwd=folder)
        return {"import": median(peer)}, {"import": median(ours)}, None
    argv = [str(Path(__file__).resolve()), "--case", case, "--size", _encode(size)]

    def peer_side() -> dict:
        with scratch("bench-mlflow-") as folder:
            return run_worker(
                mlflow_python, [*argv, "--worker", "mlflow", "--dir", str(folder)],
                env={"MLFLOW_TRACKING_URI": f"sqlite:///{folder / 'mlflow.db'}"}, cwd=folder,
            )

    def our_side(env: dict[str, str] | None = None) -> dict:
        with scratch("bench-ours-") as folder:
            return run_worker(sys.executable, [*argv, "--worker", "ours", "--dir", str(folder)],
                              cwd=folder, env=env)

    sides = [("ours", our_side), ("peer", peer_side)]
    if durable and case in WRITE_CASES:
        sides.insert(1, ("durable", lambda: our_side(DURABLE)))
    if not ours_first:
        sides.reverse()
    results = {name: side() for name, side in sides}
    return results["peer"], results["ours"], results.get("durable")


def durable_rows(case: str, size: dict[str, int], peer: dict, ours: dict) -> list[Row]:
    """The write cases again with ours at MLflow's durability (an fsync per commit)."""
    same = "both sides fsync every commit: ours synchronous=FULL"
    if case == "runs":
        return [Row("empty run start+end, per run, same durability", ours["per_run"],
                    peer["per_run"], TARGETS[case], same)]
    if case == "log_metric":
        return [Row("log_metric, calls + flush, same durability", ours["calls"] + ours["flush"],
                    peer["calls"], None, f"{size['metrics']:,} values; {same}")]
    if case == "batch":
        return [Row("batch of metric values, end to end, same durability", ours["total"],
                    peer["total"], TARGETS[case], same)]
    if case == "search":
        return [Row("store those runs, same durability", ours["fill"], peer["fill"], None,
                    same)]
    return []


def rows_for(case: str, size: dict[str, int], peer: dict, ours: dict) -> tuple[list[Row], list]:
    """The report rows of one case, plus notes that keep the comparison honest."""
    target = TARGETS[case]
    notes: list[str] = []
    if case in WRITE_CASES:
        notes.append(f"{case}: ours at its default durability (WAL, synchronous=NORMAL: no fsync "
                     "per commit), MLflow at SQLite's (rollback journal, synchronous=FULL)")
    if case == "runs":
        rows = [Row("empty run start+end, per run", ours["per_run"], peer["per_run"],
                    target, f"median of {size['runs']}")]
    elif case == "log_metric":
        count = size["metrics"]
        rows = [
            Row("log_metric, per call", ours["per_call"], peer["per_call"], target,
                f"{count:,} calls in one run"),
            Row("log_metric, calls + flush", ours["calls"] + ours["flush"], peer["calls"],
                None, f"{count:,} values end to end"),
        ]
        notes.append(f"our {count:,} calls took {ours['calls'] * 1e3:.2f} ms and their flush "
                     f"{ours['flush'] * 1e3:.2f} ms")
    elif case == "batch":
        rows = [Row("batch of metric values, end to end", ours["total"], peer["total"],
                    target, f"{ours['values']:,} = {size['keys']} keys x {size['steps']} steps")]
    elif case == "search":
        rows = [
            Row("query runs into a DataFrame", ours["query"], peer["query"], target,
                f"{size['search']:,} runs, median of {size['queries']}"),
            Row("store those runs", ours["fill"], peer["fill"], None,
                "3 params, 3 metrics, 2 tags each"),
        ]
        notes.append(f"frames (runs x columns, less {WARMUP_RUNS} warm-up runs): ours "
                     f"{ours['shape']}, MLflow {peer['shape']}")
    else:
        rows = [Row("python -c 'import ...'", ours["import"], peer["import"], target,
                    f"median of {size['imports']}")]
    return rows, notes


def merge(rows: tuple[Row, ...]) -> Row:
    """One row from the same case measured in several rounds: the medians of both sides'
    times, and the median of the rounds' own ratios as the speed-up."""
    first = rows[0]
    if len(rows) == 1:
        return first
    note = f"{first.note}; median of {len(rows)} rounds, ratio: median of the rounds' ratios"
    return Row(first.case, median([r.ours for r in rows]), median([r.peer for r in rows]),
               first.target, note, first.limit, median([r.ratio for r in rows]))


def _encode(size: dict[str, int]) -> str:
    return ",".join(f"{k}={v}" for k, v in size.items())


def _decode(text: str) -> dict[str, int]:
    return {k: int(v) for k, v in (item.split("=") for item in text.split(","))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke test")
    parser.add_argument("--cases", default=",".join(CASES),
                        help=f"comma-separated subset of {', '.join(CASES)}")
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat every case this many times and report the medians")
    parser.add_argument("--same-durability", action="store_true",
                        help="also run the write cases with ours at synchronous=FULL, as "
                             "durable as MLflow's SQLite (an fsync per commit)")
    parser.add_argument("--worker", choices=("mlflow", "ours"), help=argparse.SUPPRESS)
    parser.add_argument("--case", choices=CASES, help=argparse.SUPPRESS)
    parser.add_argument("--size", help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        size = _decode(args.size)
        if args.worker == "mlflow":
            emit(mlflow_case(args.case, size))
        else:
            emit(ours_case(args.case, size, Path(args.dir)))
        return 0

    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = sorted(set(cases) - set(CASES))
    if unknown:
        parser.error(f"unknown case(s) {', '.join(unknown)}; choose from {', '.join(CASES)}")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    size = SIZES["quick" if args.quick else "full"]
    mlflow_python = peer_python("mlflow", ["mlflow>=3"], "mlflow")
    started = machine()
    rounds: list[list[Row]] = []
    notes: list[str] = []
    for number in range(args.rounds):
        rows: list[Row] = []
        for case in cases:
            print(f"[bench] round {number + 1}/{args.rounds}: {case} ...", file=sys.stderr,
                  flush=True)
            # Rounds alternate which side goes first; within a round the sides take turns.
            peer, ours, durable = measure(case, size, mlflow_python, args.same_durability,
                                          ours_first=number % 2 == 1)
            case_rows, case_notes = rows_for(case, size, peer, ours)
            rows += case_rows
            if durable is not None:
                rows += durable_rows(case, size, peer, durable)
            prefix = f"round {number + 1}: " if args.rounds > 1 else ""
            notes += [prefix + note for note in case_notes]
        rounds.append(rows)
    if args.rounds > 1:
        for same in zip(*rounds, strict=True):
            spread = ", ".join(f"{row.ratio:,.1f}x" for row in same)
            notes.append(f"{same[0].case}: speed-up per round {spread}")
    rows = [merge(same) for same in zip(*rounds, strict=True)]
    mlflow_version = package_version(mlflow_python, "mlflow")
    print(f"{started}; MLflow {mlflow_version} (SQLite)")
    print(f"finished: {load()}")
    command = " ".join(["python benchmarks/bench_tracking.py", *(argv or sys.argv[1:])])
    print(f"command: {command}")
    print()
    print(report(rows, f"MLflow {mlflow_version}"))
    for note in notes:
        print(f"- {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
