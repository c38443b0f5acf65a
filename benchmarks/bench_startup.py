"""The fresh-process floor: commands as a shell or CI runs them, each a new process (issue 20).

    .venv/bin/python benchmarks/bench_startup.py [--runs 1000] [--size-mib 1024] [--repeat 7]
                                                 [--quick]

Git's and DVC's users notice a command slower than about 150 ms, and a script or a fresh
kernel pays its imports before its first result. Each case times a new process end to end, ours
and the peer's taking turns (``time_fresh``: wall and CPU seconds, medians of ``--repeat``):

1. ``jupyter mlops runs list`` over ``--runs`` runs (3 params, 3 metrics, 2 tags each) against
   ``mlflow runs list`` over the same runs in MLflow's SQLite store. Target: under 150 ms.
2. An unchanged ``--size-mib`` file versioned again from a fresh process
   (``python -c "...version_data(path, name)"``: there is no ``data add`` command) against
   ``dvc add`` of the same unchanged file in its own repository. Target: under 150 ms.
3. ``jupyter mlops pipeline run`` of a 3-step notebook pipeline with every step cached against
   ``dvc repro`` of a 3-stage pipeline with every stage up to date. Target: under 150 ms.
4. The first ``runs()`` DataFrame from a fresh interpreter (``python -c``: import and query)
   against ``import mlflow; mlflow.search_runs(...)``. Target: at least 3x faster.

A bare ``python -c pass`` of each interpreter is printed as the floor. Both sides use SQLite
with their default durability (ours WAL with ``synchronous=NORMAL``; MLflow's default, FULL in
rollback-journal mode). Bytecode is written on the first round, as an installed package has it
(this machine's ``PYTHONDONTWRITEBYTECODE`` is dropped for the children); that round is not
timed. Peers live in ``.bench/mlflow`` and ``.bench/dvc``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _peer
from bench_pipeline import notebook

LIMIT = 0.150
MLFLOW = ["mlflow>=3", "scikit-learn", "ipython"]
DVC = ["dvc==3.67.1"]


def _runs_data(i: int) -> dict[str, dict]:
    return {
        "params": {"C": [0.1, 1.0, 10.0][i % 3], "penalty": ["l1", "l2"][i % 2], "seed": i},
        "metrics": {"auc": (i % 97) / 97, "loss": 1.0 / (i + 1), "accuracy": (i % 89) / 89},
        "tags": {"owner": ["ana", "ben"][i % 2], "stage": "bench"},
    }


# -- filling both sides (worker processes) ----------------------------------------------------


def fill_mlflow(count: int) -> None:
    """``count`` runs in MLflow's store (MLFLOW_TRACKING_URI), as bench_tracking stores them."""
    import mlflow
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param

    experiment_id = mlflow.set_experiment("bench").experiment_id
    client = MlflowClient()
    for i in range(count):
        data = _runs_data(i)
        run_id = client.create_run(experiment_id, tags=data["tags"],
                                   run_name=f"run-{i}").info.run_id
        now = int(time.time() * 1000)
        client.log_batch(run_id,
                         metrics=[Metric(k, v, now, 0) for k, v in data["metrics"].items()],
                         params=[Param(k, str(v)) for k, v in data["params"].items()])
        client.set_terminated(run_id)
    _peer.emit({"experiment_id": experiment_id, "version": mlflow.__version__})


def fill_ours(count: int, folder: str) -> None:
    import jupyter_mlops as mlops

    mlops.set_workspace(folder)
    for i in range(count):
        data = _runs_data(i)
        with mlops.start_run(name=f"run-{i}", experiment="bench", tags=data["tags"]) as run:
            run.log_params(data["params"])
            run.log_metrics(data["metrics"], step=0)
    _peer.emit({"runs": len(mlops.search_runs(experiment="bench"))})


# -- the projects -----------------------------------------------------------------------------


def _pipeline(root: Path) -> None:
    notebook(root / "notebooks" / "step.ipynb", "i = 0",
             "import os\nos.makedirs('out', exist_ok=True)",
             "with open(f'out/step{i}.txt', 'w') as handle:\n    handle.write(str(i))")
    lines = ["name: three", "steps:"]
    for i in range(3):
        lines += [f"  s{i}:", "    notebook: notebooks/step.ipynb", f"    params: {{i: {i}}}",
                  f"    outputs: [out/step{i}.txt]"]
        if i:
            lines.append(f"    needs: [s{i - 1}]")
    (root / "pipeline.yaml").write_text("\n".join(lines) + "\n")


def _dvc_project(repo: Path, dvc: str, target: str | None) -> None:
    """A DVC repository with a 3-stage pipeline reproduced once, and ``target`` added."""
    env = _peer.quiet_env()
    for argv in (["git", "init", "-q"], [dvc, "init", "-q"],
                 [dvc, "config", "core.analytics", "false"],
                 [dvc, "config", "core.check_update", "false"]):
        subprocess.run(argv, cwd=repo, env=env, check=True, capture_output=True)
    (repo / "dvc.yaml").write_text(textwrap.dedent("""\
        stages:
          s0:
            cmd: echo 0 > out0.txt
            outs: [out0.txt]
          s1:
            cmd: cat out0.txt > out1.txt && echo 1 >> out1.txt
            deps: [out0.txt]
            outs: [out1.txt]
          s2:
            cmd: cat out1.txt > out2.txt && echo 2 >> out2.txt
            deps: [out1.txt]
            outs: [out2.txt]
        """))
    if target is not None:
        subprocess.run([dvc, "add", "-q", target], cwd=repo, env=env, check=True,
                       capture_output=True)
    subprocess.run([dvc, "repro", "-q"], cwd=repo, env=env, check=True, capture_output=True)


def _age(path: Path) -> None:
    when = time.time() - 3_600
    os.utime(path, (when, when))


def _make_file(path: Path, size: int) -> None:
    block = os.urandom(16 * 1024 * 1024)
    with open(path, "wb") as handle:
        written = 0
        while written < size:
            chunk = block[: size - written]
            handle.write(written.to_bytes(8, "little") + chunk[8:])
            written += len(chunk)
    _age(path)


# -- the comparison ---------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="200 runs, 64 MiB, 3 repeats")
    parser.add_argument("--cases", default="list,data,pipeline,first")
    parser.add_argument("--worker", choices=("mlflow", "ours"), help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "mlflow":
        fill_mlflow(args.runs)
        return 0
    if args.worker == "ours":
        fill_ours(args.runs, args.dir)
        return 0
    if args.quick:
        args.runs, args.size_mib, args.repeat = 200, 64, 3
    cases = set(args.cases.split(","))
    # Installed packages come with their bytecode; this machine's setting would make every
    # fresh process of ours compile its modules again (the peers' were compiled by pip).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    mlflow_python = _peer.peer_python("mlflow", MLFLOW, "mlflow, sklearn, IPython")
    dvc_python = _peer.peer_python("dvc", DVC, "dvc")
    bin_dir = Path(sys.executable).parent
    jupyter, mlflow_cli, dvc = (str(bin_dir / "jupyter"), str(mlflow_python.parent / "mlflow"),
                                str(dvc_python.parent / "dvc"))
    started = _peer.machine()
    rows: list[_peer.Row] = []
    notes: list[str] = []

    def measure(case: str, ours: list[str], peer: list[str], *, ours_cwd: Path,
                peer_cwd: Path, peer_env: dict[str, str] | None = None,
                limit: float | None = LIMIT, target: float | None = None) -> None:
        # Each side in its own folder and environment; _peer.time_fresh takes one of each,
        # so the turns are taken here: ours, then the peer, round after round.
        for argv, cwd, env in ((ours, ours_cwd, None), (peer, peer_cwd, peer_env)):
            _peer.time_fresh([argv], 1, env=env, cwd=cwd)  # bytecode, page cache
        walls: list[list[float]] = [[], []]
        cpus: list[list[float]] = [[], []]
        for _ in range(args.repeat):
            for side, (argv, cwd, env) in enumerate(((ours, ours_cwd, None),
                                                     (peer, peer_cwd, peer_env))):
                wall, cpu = _peer.time_fresh([argv], 1, env=env, cwd=cwd)
                walls[side] += wall[0]
                cpus[side] += cpu[0]
        ours_s, peer_s = _peer.median(walls[0]), _peer.median(walls[1])
        rows.append(_peer.Row(case, ours_s, peer_s, target,
                              f"CPU {_peer.median(cpus[0]) * 1e3:.0f} ms vs "
                              f"{_peer.median(cpus[1]) * 1e3:.0f} ms", limit))
        notes.append(f"{case}: ours {', '.join(f'{t * 1e3:.0f}' for t in walls[0])} ms; peer "
                     f"{', '.join(f'{t * 1e3:.0f}' for t in walls[1])} ms")

    with _peer.scratch("bench-startup-") as base:
        ours_dir, mlflow_dir, dvc_dir = base / "ours", base / "mlflow", base / "dvc"
        for folder in (ours_dir, mlflow_dir, dvc_dir):
            folder.mkdir()
        (ours_dir / ".mlops").mkdir()
        mlflow_env = {"MLFLOW_TRACKING_URI": f"sqlite:///{mlflow_dir / 'mlflow.db'}"}
        this = str(Path(__file__).resolve())
        print(f"[bench] storing {args.runs:,} runs on each side ...", file=sys.stderr,
              flush=True)
        filled = _peer.run_worker(mlflow_python, [this, "--worker", "mlflow", "--runs",
                                                  str(args.runs)], env=mlflow_env,
                                  cwd=mlflow_dir)
        _peer.run_worker(sys.executable, [this, "--worker", "ours", "--runs", str(args.runs),
                                          "--dir", str(ours_dir)], cwd=ours_dir)
        experiment_id = filled["experiment_id"]
        floor_walls, _ = _peer.time_fresh([[sys.executable, "-c", "pass"],
                                           [str(mlflow_python), "-c", "pass"]], args.repeat)

        if "list" in cases:
            print("[bench] runs list ...", file=sys.stderr, flush=True)
            measure(f"`jupyter mlops runs list` ({args.runs:,} runs, a page of 50)",
                    [jupyter, "mlops", "runs", "list"],
                    [mlflow_cli, "runs", "list", "--experiment-id", experiment_id],
                    ours_cwd=ours_dir, peer_cwd=mlflow_dir, peer_env=mlflow_env)
        if "first" in cases:
            print("[bench] first runs() ...", file=sys.stderr, flush=True)
            measure(f"first DataFrame of {args.runs:,} runs from a fresh interpreter",
                    [sys.executable, "-c", "import jupyter_mlops as m; "
                     "assert len(m.runs(experiment='bench')) == " + str(args.runs)],
                    [str(mlflow_python), "-c", "import mlflow; assert len(mlflow.search_runs("
                     f"experiment_ids=['{experiment_id}'], max_results=100000)) == "
                     f"{args.runs}"],
                    ours_cwd=ours_dir, peer_cwd=mlflow_dir, peer_env=mlflow_env,
                    limit=None, target=3.0)
        if "pipeline" in cases:
            print("[bench] pipelines: first runs ...", file=sys.stderr, flush=True)
            _pipeline(ours_dir)
            subprocess.run([jupyter, "mlops", "pipeline", "run", "--no-progress"],
                           cwd=ours_dir, check=True, capture_output=True, env=_peer.quiet_env())
            _dvc_project(dvc_dir, dvc, None)
            measure("`jupyter mlops pipeline run`, 3 notebook steps all cached, vs "
                    "`dvc repro`, 3 stages up to date",
                    [jupyter, "mlops", "pipeline", "run", "--no-progress"], [dvc, "repro"],
                    ours_cwd=ours_dir, peer_cwd=dvc_dir)
        if "data" in cases:
            print(f"[bench] writing {args.size_mib} MiB twice ...", file=sys.stderr,
                  flush=True)
            size = args.size_mib * 1024 * 1024
            ours_file, dvc_repo = ours_dir / "big.bin", base / "dvc-data"
            dvc_repo.mkdir()
            _make_file(ours_file, size)
            subprocess.run(["cp", "-a", str(ours_file), str(dvc_repo / "big.bin")], check=True)
            _age(dvc_repo / "big.bin")
            version = ("import jupyter_mlops as m; "
                       "m.version_data('big.bin', 'big')")
            subprocess.run([sys.executable, "-c", version], cwd=ours_dir, check=True,
                           env=_peer.quiet_env())
            _dvc_project(dvc_repo, dvc, "big.bin")
            measure(f"{args.size_mib:,} MiB file versioned again, unchanged: version_data "
                    "in `python -c` vs `dvc add`",
                    [sys.executable, "-c", version], [dvc, "add", "-q", "big.bin"],
                    ours_cwd=ours_dir, peer_cwd=dvc_repo)
    version = _peer.package_version(mlflow_python, "mlflow")
    dvc_version = _peer.package_version(dvc_python, "dvc")
    print(f"# bench_startup: {started}")
    print(f"finished: {_peer.load()}; MLflow {version}, DVC {dvc_version}; every figure a new "
          f"process, median of {args.repeat}, the two sides in turn\n")
    print(_peer.report(rows, "MLflow / DVC"))
    print(f"\nfloor: `python -c pass` ours {_peer.median(floor_walls[0]) * 1e3:.0f} ms, "
          f"MLflow's interpreter {_peer.median(floor_walls[1]) * 1e3:.0f} ms")
    for note in notes:
        print(f"- {note}")
    print("\n" + json.dumps([{"case": r.case, "ours": r.ours, "peer": r.peer,
                              "verdict": r.verdict} for r in rows]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
