"""Shared helpers of the side-by-side benchmarks: peer environments, workers, clocks, reports.

A peer tool (MLflow, DVC, Evidently ...) often pins library versions that our own environment
must not take, so each peer gets its own virtual environment under ``.bench/<name>`` in the
repository (ignored by git), created on first use. A benchmark then runs the peer's half in a
subprocess of that interpreter and ours in a subprocess of the current one; both halves print
one JSON line of timings, which the benchmark turns into ratios. The machines we run on are
noisy, so only ratios measured in the same invocation mean anything.

This module imports only the standard library: peer interpreters import it too.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH_DIR = REPO / ".bench"

# Peers must not phone home (the benchmark machines have no internet, and a timed-out
# request would be measured as the peer's own slowness).
QUIET_ENV: dict[str, str] = {
    "DO_NOT_TRACK": "1",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DVC_NO_ANALYTICS": "1",
    "PYTHONWARNINGS": "ignore",
}

clock = time.perf_counter


class BenchError(RuntimeError):
    """A peer environment could not be made or a worker failed; the message says which."""


# -- peer environments ----------------------------------------------------------------------


def venv_python(name: str) -> Path:
    """The interpreter of the peer environment ``.bench/<name>`` (which may not exist yet)."""
    return venv_python_at(BENCH_DIR / name)


def venv_python_at(home: Path) -> Path:
    """The interpreter of the virtual environment at ``home`` (which may not exist yet)."""
    scripts = "Scripts" if os.name == "nt" else "bin"
    exe = "python.exe" if os.name == "nt" else "python"
    return home / scripts / exe


def _imports(python: Path, module: str) -> bool:
    if not python.exists():
        return False
    probe = subprocess.run([str(python), "-c", f"import {module}"], capture_output=True,
                           env=quiet_env(), check=False)
    return probe.returncode == 0


def peer_python(name: str, requirements: Sequence[str], module: str) -> Path:
    """The interpreter of peer environment ``name``, created and filled when missing.

    Parameters
    ----------
    name:
        Folder under ``.bench/``, e.g. ``"mlflow"``.
    requirements:
        pip requirement specifiers to install into a new environment.
    module:
        A module the environment must import; when it does not, the environment is
        (re)filled with ``requirements``.

    Returns
    -------
    pathlib.Path
        The environment's ``python``.
    """
    return environment(BENCH_DIR / name, requirements, module)


def environment(home: Path, requirements: Sequence[str], module: str) -> Path:
    """The ``python`` of the virtual environment at ``home``, made and filled when missing.

    The tests' own peer environments (``tests/peers.py``) are made here too, in a cache
    folder outside the clone, so both follow one recipe.
    """
    python = venv_python_at(home)
    if _imports(python, module):
        return python
    import fcntl

    home.parent.mkdir(parents=True, exist_ok=True)
    # Two processes (xdist workers, two clones' suites, a benchmark) asking for one environment
    # build it once: pip racing itself into one folder would leave it half-made.
    with open(home.parent / f".{home.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _imports(python, module):
            return python
        if not _imports(python, "pip"):
            # Missing, or left half-made by a killed run (a python without pip): made anew.
            print(f"[peer] creating {home} ...", file=sys.stderr, flush=True)
            # sys.executable may itself be a venv's python; venv builds from the base one.
            _check([sys.executable, "-m", "venv", "--clear", str(home)],
                   f"create the venv {home}")
        print(f"[peer] pip install {' '.join(requirements)} into {home} ...",
              file=sys.stderr, flush=True)
        _check([str(python), "-m", "pip", "install", "-q", *requirements],
               f"install {', '.join(requirements)} into {home}")
        if not _imports(python, module):
            raise BenchError(f"{home} still cannot import {module}; delete the folder and "
                             "rerun.")
    return python


def _check(argv: Sequence[str], what: str) -> None:
    done = subprocess.run(list(argv), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-15:]
        raise BenchError(f"Could not {what}:\n" + "\n".join(tail))


def package_version(python: Path | str, distribution: str) -> str:
    """The installed version of ``distribution`` in the environment of ``python``."""
    code = f"import importlib.metadata as m; print(m.version({distribution!r}))"
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True,
                          check=False)
    return done.stdout.strip() if done.returncode == 0 else "?"


# -- workers ----------------------------------------------------------------------------------


def quiet_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment with peers' telemetry off, plus ``extra``."""
    env = dict(os.environ)
    env.update(QUIET_ENV)
    env.update(extra or {})
    return env


@contextmanager
def scratch(prefix: str = "bench-") -> Iterator[Path]:
    """A fresh temporary folder, removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def run_worker(
    python: Path | str,
    argv: Sequence[str],
    env: Mapping[str, str] | None = None,
    cwd: Path | str | None = None,
    timeout: float = 1800,
) -> dict[str, Any]:
    """Run ``python argv...`` and return the JSON object printed on its last stdout line."""
    command = [str(python), *argv]
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=quiet_env(env),
                              cwd=cwd, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"Worker timed out after {timeout:.0f} s: {' '.join(command)}") from exc
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = "\n".join(done.stderr.strip().splitlines()[-20:])
        raise BenchError(f"Worker failed ({done.returncode}): {' '.join(command)}\n{tail}")
    return json.loads(lines[-1])


def emit(result: Mapping[str, Any]) -> None:
    """Print a worker's result as the one JSON line ``run_worker`` reads."""
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()


# -- clocks -----------------------------------------------------------------------------------


def time_calls(func: Callable[[], Any], repeat: int) -> list[float]:
    """Seconds taken by each of ``repeat`` calls of ``func``."""
    times = []
    for _ in range(repeat):
        start = clock()
        func()
        times.append(clock() - start)
    return times


def time_commands(
    commands: Sequence[Sequence[str]],
    repeat: int,
    env: Mapping[str, str] | None = None,
    cwd: Path | str | None = None,
) -> list[list[float]]:
    """Wall seconds of each command, run ``repeat`` times in turn (interleaved against drift).

    Returns
    -------
    list of list of float
        One list of ``repeat`` timings per command, in the order given.
    """
    times: list[list[float]] = [[] for _ in commands]
    full_env = quiet_env(env)
    for _ in range(repeat):
        for index, argv in enumerate(commands):
            start = clock()
            subprocess.run(list(argv), env=full_env, cwd=cwd, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times[index].append(clock() - start)
    return times


def time_fresh(
    commands: Sequence[Sequence[str]],
    repeat: int,
    env: Mapping[str, str] | None = None,
    cwd: Path | str | None = None,
) -> tuple[list[list[float]], list[list[float]]]:
    """Like ``time_commands`` (in turn, ``repeat`` rounds), with each run's CPU time too.

    The CPU seconds (user + system of the child) move less than wall time when other work
    shares the CPUs, so a fresh-process figure is printed with both.

    Returns
    -------
    (walls, cpus)
        One list of ``repeat`` figures per command, in the order given, for each.
    """
    import resource

    walls: list[list[float]] = [[] for _ in commands]
    cpus: list[list[float]] = [[] for _ in commands]
    full_env = quiet_env(env)
    for _ in range(repeat):
        for index, argv in enumerate(commands):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = clock()
            done = subprocess.run(list(argv), env=full_env, cwd=cwd, check=False,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            walls[index].append(clock() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if done.returncode != 0:
                tail = done.stderr.decode(errors="replace").strip().splitlines()[-10:]
                raise BenchError(f"{' '.join(argv)} failed ({done.returncode}):\n"
                                 + "\n".join(tail))
            cpus[index].append((after.ru_utime - before.ru_utime)
                               + (after.ru_stime - before.ru_stime))
    return walls, cpus


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


# -- reports ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One case of a report: our time, the peer's (seconds), and what the issue asks.

    ``target`` is a speed-up over the peer; ``limit`` a time ours must stay under (seconds),
    for the cases whose goal is what a user notices rather than a ratio. With both, both must
    hold.
    """

    case: str
    ours: float
    peer: float
    target: float | None = None
    note: str = ""
    limit: float | None = None
    # Several rounds merged: the median of each round's own ratio (the two sides ran side by
    # side in a round, so a round's load hits both), not the ratio of the two medians.
    paired_ratio: float | None = None

    @property
    def ratio(self) -> float:
        if self.paired_ratio is not None:
            return self.paired_ratio
        return self.peer / self.ours if self.ours > 0 else float("inf")

    @property
    def verdict(self) -> str:
        if self.target is None and self.limit is None:
            return "-"
        met = ((self.target is None or self.ratio >= self.target)
               and (self.limit is None or self.ours < self.limit))
        return "PASS" if met else "MISS"

    @property
    def goal(self) -> str:
        parts = []
        if self.limit is not None:
            parts.append(f"< {_figure(self.limit)}")
        if self.target is not None:
            parts.append(f">= {self.target:g}x")
        return " and ".join(parts) or "-"


def _figure(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.3g} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


def report(rows: Sequence[Row], peer: str) -> str:
    """A Markdown table of ``rows`` (readable as text too): figures, ratio, target, verdict."""
    lines = [
        f"| case | jupyter-mlops | {peer} | speed-up | target | verdict |",
        "|---|---:|---:|---:|---:|:---:|",
    ]
    for row in rows:
        case = f"{row.case} ({row.note})" if row.note else row.case
        lines.append(
            f"| {case} | {_figure(row.ours)} | {_figure(row.peer)} | "
            f"{row.ratio:,.1f}x | {row.goal} | {row.verdict} |"
        )
    return "\n".join(lines)


def load() -> str:
    """The load average (1, 5, 15 minutes): what else the machine was doing meanwhile."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:  # not every platform has one
        return "load average unknown"
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


def machine() -> str:
    """One line naming when and where a benchmark ran, and the load at that moment.

    Print it again at the end of a run (or print ``load()``): a figure means little without
    what the other CPUs' users were doing while it was measured.
    """
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (f"{now}, {platform.system()} {platform.machine()}, "
            f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {load()}")


# -- growth -----------------------------------------------------------------------------------


def fit_power(sizes: Sequence[float], seconds: Sequence[float]) -> tuple[float, float]:
    """The power law ``seconds = a * size ** k`` closest to the points (least squares in logs).

    Returns
    -------
    (k, a)
        ``k`` near 1 is linear growth, near 0 constant, near 2 quadratic.
    """
    import math

    xs = [math.log(x) for x in sizes]
    ys = [math.log(max(y, 1e-12)) for y in seconds]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    k = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    return k, math.exp(mean_y - k * mean_x)


def shape(k: float) -> str:
    """Words for a fitted exponent: what a user can expect when the size grows tenfold."""
    if k < 0.2:
        kind = "constant"
    elif k < 0.8:
        kind = "sublinear"
    elif k <= 1.2:
        kind = "linear"
    elif k <= 1.8:
        kind = "superlinear"
    else:
        kind = "quadratic or worse"
    return f"n^{k:.2f} ({kind}: x{10 ** k:.1f} per 10x)"


def growth_table(label: str, unit: str, sizes: Sequence[int], seconds: Sequence[float],
                 extra: Mapping[str, Sequence[str]] | None = None) -> str:
    """A Markdown table of one cost at several sizes, per-item cost and the fitted shape."""
    k, _ = fit_power(sizes, seconds)
    extra = dict(extra or {})
    header = f"| {label} | time | per {unit} |" + "".join(f" {name} |" for name in extra)
    lines = [header, "|---:|---:|---:|" + "---:|" * len(extra)]
    for index, (size, took) in enumerate(zip(sizes, seconds, strict=True)):
        cells = "".join(f" {values[index]} |" for values in extra.values())
        lines.append(f"| {size:,} | {_figure(took)} | {_figure(took / size)} |{cells}")
    lines.append(f"\nfitted shape: {shape(k)}")
    return "\n".join(lines)
