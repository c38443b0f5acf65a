"""How our costs grow with size, with the fitted shape, and what the machine can do (issue 20).

    .venv/bin/python benchmarks/bench_growth.py [--families runs,metrics,files,drift] [--quick]
                                                [--postgres URL]

Each family runs in a fresh worker process of ours on a fresh workspace per size (SQLite,
WAL, ``synchronous=NORMAL``; ``--postgres`` repeats the metric family on a PostgreSQL server),
and prints a table of size, time, cost per item and the power law ``time = a * n^k`` fitted
to the points (``_peer.fit_power``):

- runs: ``mlops.runs()`` into a DataFrame over 1k / 10k / 100k runs (3 params, 3 metrics and
  2 tags each, written in bulk), median of 3 after a warm-up; the frame's own size and the
  peak memory the call allocated (``tracemalloc``, a separate untimed call).
- metrics: 10k / 100k / 1M values (100 keys x n/100 steps) logged with ``log_metrics`` and
  flushed, end to end, beside the floor: the same rows as tuples through the driver's
  ``executemany`` in one transaction into the same indexed table of a fresh workspace, the two
  taking turns. Targets: ours >= 80 % of that floor end to end on SQLite (within 2x of SQLite's
  figure on PostgreSQL), 1M values under 2 s.
- files: ``version_data`` of a 10 MiB / 100 MiB / 1 GiB file, first time (a fresh copy) and
  unchanged.
- drift: ``drift_report`` over 10k / 100k / 1M rows x (20 numeric + 5 categorical), warm median
  of 3, with what it allocated at its peak (``tracemalloc``: NumPy's buffers included) beside
  the two frames it reads; then 1M x 50 (40 numeric + 10 categorical) for the issue's memory
  target: the data plus that peak at most 2x the data.

There is no peer here: the shapes are ours, the floors the machine's.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _peer

SIZES = {
    "runs": (1_000, 10_000, 100_000),
    "metrics": (10_000, 100_000, 1_000_000),
    "files": (10, 100, 1024),
    "drift": (10_000, 100_000, 1_000_000),
}
QUICK = {
    "runs": (1_000, 3_000, 10_000),
    "metrics": (10_000, 30_000, 100_000),
    "files": (4, 16, 64),
    "drift": (10_000, 30_000, 100_000),
}
KEYS = [f"m{k}" for k in range(100)]


def _workspace(folder: Path, uri: str | None = None) -> Any:
    import jupyter_mlops as mlops
    from jupyter_mlops.session import current

    (folder / ".mlops").mkdir(parents=True, exist_ok=True)
    mlops.set_workspace(folder, uri=uri)
    return current()


# -- runs -------------------------------------------------------------------------------------


def _fill_runs(session: Any, count: int) -> None:
    """``count`` finished runs with 3 params, 3 metrics and 2 tags, written in bulk."""
    from jupyter_mlops.store import schema
    from jupyter_mlops.store.engine import write
    from jupyter_mlops.tracking.ids import new_run_id

    store = session.store
    now = time.time() - count
    experiment = store.runs.experiment_id("bench", now)
    runs, params, metrics, tags = [], [], [], []
    for i in range(count):
        run_id = new_run_id()
        runs.append({"id": run_id, "experiment_id": experiment, "name": f"run-{i}",
                     "status": "FINISHED", "start_time": now + i, "end_time": now + i + 1})
        for key, value in (("C", [0.1, 1.0, 10.0][i % 3]), ("penalty", ["l1", "l2"][i % 2]),
                           ("seed", i)):
            params.append({"run_id": run_id, "key": key, "value": str(value)})
        for key, value in (("auc", (i % 97) / 97), ("loss", 1.0 / (i + 1)),
                           ("accuracy", (i % 89) / 89)):
            metrics.append({"run_id": run_id, "key": key, "value": value, "step": 0,
                            "timestamp": now + i})
        for key, value in (("owner", ["ana", "ben"][i % 2]), ("stage", "bench")):
            tags.append({"run_id": run_id, "key": key, "value": value})
    with write(store.engine) as connection:
        connection.execute(schema.runs.insert(), runs)
        connection.execute(schema.params.insert(), params)
        connection.execute(schema.latest_metrics.insert(), metrics)
        connection.execute(schema.tags.insert(), tags)


def runs_family(base: Path, sizes: list[int]) -> dict[str, Any]:
    import jupyter_mlops as mlops

    out: dict[str, list] = {"sizes": sizes, "seconds": [], "frame_mb": [], "peak_mb": []}
    for size in sizes:
        session = _workspace(base / f"runs-{size}")
        _fill_runs(session, size)
        frame = mlops.runs(experiment="bench")  # warm-up: imports, statistics, page cache
        assert len(frame) == size, (len(frame), size)
        out["seconds"].append(_peer.median(_peer.time_calls(
            lambda: mlops.runs(experiment="bench"), 3)))
        out["frame_mb"].append(frame.memory_usage(deep=True).sum() / 1e6)
        del frame
        tracemalloc.start()
        mlops.runs(experiment="bench")
        out["peak_mb"].append(tracemalloc.get_traced_memory()[1] / 1e6)
        tracemalloc.stop()
    return out


# -- metrics ----------------------------------------------------------------------------------


def _ours_metrics(folder: Path, count: int, uri: str | None) -> dict[str, float]:
    import jupyter_mlops as mlops

    session = _workspace(folder, uri)
    with mlops.start_run(experiment="warm") as run:
        run.log_metric("warm", 1.0)
    session.writer.flush()
    with mlops.start_run(experiment="bench") as run:
        run.info()  # the run's row exists before timing, as the floor's does
        start = _peer.clock()
        for step in range(count // len(KEYS)):
            run.log_metrics({key: 1.0 / (step + 1) for key in KEYS}, step=step)
        calls = _peer.clock() - start
        session.writer.flush()
        total = _peer.clock() - start
    return {"calls": calls, "total": total}


def _floor_metrics(folder: Path, count: int, uri: str | None) -> float:
    """The same rows as tuples through the driver's executemany, one transaction."""
    import jupyter_mlops as mlops

    session = _workspace(folder, uri)
    with mlops.start_run(experiment="bench") as run:
        run_id = run.id
        run.info()
    now = time.time()
    rows = [(run_id, key, 1.0 / (step + 1), step, now)
            for step in range(count // len(KEYS)) for key in KEYS]
    raw = session.store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        qmark = session.store.engine.dialect.paramstyle == "qmark"
        mark = "?" if qmark else "%s"
        start = _peer.clock()
        if qmark:  # our SQLite connections run in autocommit and begin their own transactions
            cursor.execute("BEGIN IMMEDIATE")
        cursor.executemany("INSERT INTO metrics (run_id, key, value, step, timestamp) VALUES "
                           f"({', '.join([mark] * 5)})", rows)
        raw.commit()
        return _peer.clock() - start
    finally:
        raw.close()


def metrics_family(base: Path, sizes: list[int], uri: str | None) -> dict[str, Any]:
    out: dict[str, list] = {"sizes": sizes, "seconds": [], "calls": [], "floor": []}
    for index, size in enumerate(sizes):
        for turn in (0, 1) if index % 2 == 0 else (1, 0):  # alternate who goes first
            folder = base / f"metrics-{size}-{turn}"
            if uri is not None:
                _reset_postgres(uri)
            if turn == 0:
                ours = _ours_metrics(folder, size, uri)
            else:
                out["floor"].append(_floor_metrics(folder, size, uri))
        out["seconds"].append(ours["total"])
        out["calls"].append(ours["calls"])
    return out


def _reset_postgres(uri: str) -> None:
    """An empty database for each measurement, so neither side inherits the other's index."""
    from sqlalchemy import create_engine, text

    from jupyter_mlops.session import close

    close()
    engine = create_engine(uri)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


# -- files ------------------------------------------------------------------------------------


def files_family(base: Path, sizes: list[int]) -> dict[str, Any]:
    from bench_data import _make_file

    import jupyter_mlops as mlops

    out: dict[str, list] = {"sizes": sizes, "seconds": [], "unchanged": []}
    _workspace(base / "files")
    (base / "files" / "warm.txt").write_text("warm-up")
    mlops.version_data(base / "files" / "warm.txt", "warm-up")  # the schema, first-use costs
    for mib in sizes:
        path = base / "files" / f"file-{mib}.bin"
        _make_file(path, mib * 1024 * 1024)
        os.sync()  # the generator's dirty pages are not the versioning's to write
        start = _peer.clock()
        mlops.version_data(path, f"file-{mib}")
        out["seconds"].append(_peer.clock() - start)
        out["unchanged"].append(_peer.median(_peer.time_calls(
            lambda: mlops.version_data(path, f"file-{mib}"), 3)))  # noqa: B023 (called now)
        path.unlink()
    return out


# -- drift ------------------------------------------------------------------------------------


def _drift_once(ref: Any, cur: Any) -> tuple[float, float]:
    import jupyter_mlops as mlops

    def once() -> Any:
        return mlops.drift_report(ref, cur, progress=False)

    once()  # warm-up
    seconds = _peer.median(_peer.time_calls(once, 3))
    tracemalloc.start()
    once()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak


def drift_family(base: Path, sizes: list[int], million: bool) -> dict[str, Any]:
    from bench_drift import make_frames

    _workspace(base / "drift")
    out: dict[str, list] = {"sizes": sizes, "seconds": [], "peak_mb": [], "data_mb": []}
    for rows in sizes:
        ref, cur = make_frames(rows, 20, 5)
        seconds, peak = _drift_once(ref, cur)
        out["seconds"].append(seconds)
        out["peak_mb"].append(peak / 1e6)
        out["data_mb"].append((ref.memory_usage(deep=True).sum()
                               + cur.memory_usage(deep=True).sum()) / 1e6)
        del ref, cur
    if million:
        ref, cur = make_frames(1_000_000, 40, 10)
        seconds, peak = _drift_once(ref, cur)
        numeric = sum(ref[c].to_numpy().nbytes + cur[c].to_numpy().nbytes
                      for c in ref.columns if c.startswith("num_"))
        out["million"] = {"seconds": seconds, "peak_mb": peak / 1e6,
                          "data_mb": (ref.memory_usage(deep=True).sum()
                                      + cur.memory_usage(deep=True).sum()) / 1e6,
                          "numeric_mb": numeric / 1e6}
    return out


# -- the report -------------------------------------------------------------------------------


def _mb(values: list[float]) -> list[str]:
    return [f"{value:,.1f} MB" for value in values]


def render(family: str, result: dict[str, Any], label: str = "") -> str:
    sizes, seconds = result["sizes"], result["seconds"]
    if family == "runs":
        per_run = [s / n for s, n in zip(seconds, sizes, strict=True)]
        table = _peer.growth_table("runs", "run", sizes, seconds, {
            "frame": _mb(result["frame_mb"]), "peak allocated": _mb(result["peak_mb"]),
            "target": ["<= 10 µs a run"] * len(sizes),
            "verdict": ["PASS" if p <= 10e-6 else "MISS" for p in per_run]})
        return f"### `mlops.runs()` into a DataFrame{label}\n\n{table}"
    if family == "metrics":
        share = [floor / ours for floor, ours in zip(result["floor"], seconds, strict=True)]
        table = _peer.growth_table("metric values", "value", sizes, seconds, {
            "calls": [_peer._figure(c) for c in result["calls"]],
            "executemany floor": [_peer._figure(f) for f in result["floor"]],
            "floor / ours": [f"{s:.0%}" for s in share],
            "target": [">= 80%" + (", < 2 s" if n == 1_000_000 else "") for n in sizes],
            "verdict": ["PASS" if s >= 0.8 and (n != 1_000_000 or t < 2.0) else "MISS"
                        for s, n, t in zip(share, sizes, seconds, strict=True)]})
        return f"### metric values logged and flushed, end to end{label}\n\n{table}"
    if family == "files":
        table = _peer.growth_table("MiB", "MiB", sizes, seconds, {
            "unchanged": [_peer._figure(u) for u in result["unchanged"]],
            "GB/s first time": [f"{mib * 1.048576e-3 / s:.2f}"
                                for mib, s in zip(sizes, seconds, strict=True)]})
        return f"### `version_data` of one file, first time{label}\n\n{table}"
    table = _peer.growth_table("rows", "row", sizes, seconds, {
        "data (both frames)": _mb(result["data_mb"]),
        "allocated by the report at its peak": _mb(result["peak_mb"]),
        "(data + that) / data": [f"{(p + d) / d:.2f}x" for p, d in
                                 zip(result["peak_mb"], result["data_mb"], strict=True)]})
    text = f"### `drift_report`, 20 numeric + 5 categorical columns{label}\n\n{table}"
    million = result.get("million")
    if million:
        ratio = (million["peak_mb"] + million["data_mb"]) / million["data_mb"]
        text += (f"\n\n1,000,000 rows x 50 columns (40 numeric + 10 categorical), each side: "
                 f"{million['seconds']:.2f} s warm; the report allocated at most "
                 f"{million['peak_mb']:,.0f} MB beside the {million['data_mb']:,.0f} MB of the "
                 f"two frames ({million['numeric_mb']:,.0f} MB of it floats): peak "
                 f"{ratio:.2f}x the data (target <= 2x: {'PASS' if ratio <= 2 else 'MISS'})")
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", default="runs,metrics,files,drift")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke test")
    parser.add_argument("--postgres", metavar="URL",
                        help="also the metric family on this (scratch!) PostgreSQL database; "
                             "its public schema is dropped before each measurement")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    parser.add_argument("--sizes", help=argparse.SUPPRESS)
    parser.add_argument("--uri", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        sizes = [int(s) for s in args.sizes.split(",")]
        base = Path(args.dir)
        if args.worker == "runs":
            result = runs_family(base, sizes)
        elif args.worker == "metrics":
            result = metrics_family(base, sizes, args.uri)
        elif args.worker == "files":
            result = files_family(base, sizes)
        else:
            result = drift_family(base, sizes, million=not args.quick)
        _peer.emit(result)
        return 0
    table = QUICK if args.quick else SIZES
    started = _peer.machine()
    sections = []
    jobs = [(family, None) for family in args.families.split(",")]
    if args.postgres and "metrics" in args.families:
        jobs.append(("metrics", args.postgres))
    for family, uri in jobs:
        print(f"[bench] {family}{' on PostgreSQL' if uri else ''} ...", file=sys.stderr,
              flush=True)
        with _peer.scratch(f"bench-growth-{family}-") as base:
            argv = [__file__, "--worker", family, "--dir", str(base),
                    "--sizes", ",".join(map(str, table[family]))]
            argv += ["--uri", uri] if uri else []
            argv += ["--quick"] if args.quick else []
            result = _peer.run_worker(sys.executable, argv, timeout=3600)
        label = " (PostgreSQL)" if uri else " (SQLite)" if family == "metrics" else ""
        sections.append(render(family, result, label))
        sections[-1] += f"\n\n{_peer.load()} after this family"
    print(f"# bench_growth: {started}\n")
    print("\n\n".join(sections))
    return 0


if __name__ == "__main__":
    sys.exit(main())
