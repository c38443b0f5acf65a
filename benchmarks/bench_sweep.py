"""Sweeps beside plain Optuna: 200 trials of a trivial objective, on SQLite, in one invocation.

    .venv/bin/python benchmarks/bench_sweep.py [--trials 200] [--rounds 3]

Plain Optuna: ``optuna.create_study(storage="sqlite:///...")`` and ``study.optimize`` with the
random sampler. Ours: ``mlops.sweep`` with the same sampler on a fresh workspace, each trial a
tracked run nested under the sweep's run (its params, its metric, its state tag), the study in
the workspace's own database. Each side runs in a fresh process per round, taking turns; the
figure is the median over the rounds. Target (issue 18): ours no slower than 1.5x, that is a
speed-up of at least 0.67x.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _peer


def _objective_values(values: dict) -> float:
    return -(values["x"] - 1.0) ** 2


def _worker(side: str, folder: Path, trials: int) -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if side == "optuna":
        started = time.perf_counter()
        study = optuna.create_study(storage=f"sqlite:///{folder / 'optuna.db'}",
                                    sampler=optuna.samplers.RandomSampler(seed=0),
                                    direction="maximize")
        study.optimize(lambda t: -(t.suggest_float("x", -5, 5) - 1.0) ** 2, n_trials=trials)
        seconds = time.perf_counter() - started
        _peer.emit({"seconds": seconds, "trials": len(study.trials)})
        return
    import jupyter_mlops as mlops

    (folder / ".mlops").mkdir()
    mlops.set_workspace(folder)
    started = time.perf_counter()
    result = mlops.sweep(_objective_values, {"x": {"low": -5.0, "high": 5.0}},
                         n_trials=trials, sampler="random", pruner=None, metric="score",
                         seed=0)
    seconds = time.perf_counter() - started
    _peer.emit({"seconds": seconds, "trials": len(result.study.trials)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--worker", choices=["ours", "optuna"])
    parser.add_argument("--dir")
    args = parser.parse_args()
    if args.worker:
        _worker(args.worker, Path(args.dir), args.trials)
        return
    times: dict[str, list[float]] = {"ours": [], "optuna": []}
    for _ in range(args.rounds):
        for side in ("optuna", "ours"):
            with _peer.scratch("bench-sweep-") as folder:
                result = _peer.run_worker(
                    sys.executable,
                    [__file__, "--worker", side, "--dir", str(folder),
                     "--trials", str(args.trials)],
                    env={"JUPYTER_MLOPS_CAPTURE_PACKAGES": "false"}, cwd=folder,
                )
                if result["trials"] != args.trials:
                    raise _peer.BenchError(f"{side} ran {result['trials']} trials")
                times[side].append(result["seconds"])
    import optuna

    row = _peer.Row(
        f"{args.trials} trials of a trivial objective, SQLite",
        _peer.median(times["ours"]), _peer.median(times["optuna"]), target=0.67,
        note=f"each a tracked run; median of {args.rounds} rounds",
    )
    print(_peer.machine())
    print(_peer.report([row], f"Optuna {optuna.__version__}"))


if __name__ == "__main__":
    main()
