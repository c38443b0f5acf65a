"""Kernels started ahead of their steps: every step still gets a fresh kernel of its own.

Real kernels, real pipelines, a real Ctrl-C and a real SIGKILL of the runner. No timings: the
tests look at which kernel process ran which step, what each step could see, and which kernel
processes exist afterwards.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from jupyter_mlops.errors import InvalidInput
from jupyter_mlops.pipeline import executors, run_pipeline
from jupyter_mlops.pipeline.kernel_pool import KernelPool
from jupyter_mlops.tracking.queries import search_runs

from .pipeline_helpers import sqlite_only, write_pipeline

# A step that reports what it can see of earlier steps, its kernel's process and start, then
# leaves a variable behind for a later step to (not) find.
PROBE = [
    "name = 'x'\nnap = 0.0",
    "import json, os, time\n"
    "seen = 'leftover' in globals()\n"
    "ticks = int(open('/proc/self/stat').read().rsplit(')', 1)[1].split()[19])\n"
    "started = ticks / os.sysconf('SC_CLK_TCK')\n"
    "time.sleep(nap)\n"
    "report = {'seen': seen, 'pid': os.getpid(), 'started': started,\n"
    "          'ended': time.clock_gettime(time.CLOCK_BOOTTIME),\n"
    "          'run_id': os.environ.get('JUPYTER_MLOPS_RUN_ID'), 'cwd': os.getcwd()}\n"
    "os.makedirs('out', exist_ok=True)\n"
    "with open(f'out/{name}.json', 'w') as handle:\n"
    "    json.dump(report, handle)\n"
    "leftover = name",
]


def _probe_notebook(root: Path) -> None:
    cells = [new_code_cell(source) for source in PROBE]
    cells[0].metadata["tags"] = ["parameters"]
    book = new_notebook(cells=cells, metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(book, str(root / "notebooks" / "probe.ipynb"))


def _chain(root: Path, steps: int, nap: float = 0.0) -> None:
    lines = ["name: chain", "steps:"]
    for i in range(steps):
        lines += [f"  s{i}:", "    notebook: notebooks/probe.ipynb",
                  f"    params: {{name: s{i}, nap: {nap if i == 0 else 0.0}}}",
                  f"    outputs: [out/s{i}.json]"]
        if i:
            lines.append(f"    needs: [s{i - 1}]")
    write_pipeline(root, "\n".join(lines) + "\n", "chain.yaml")


def _kernels_of(pid: int) -> set[int]:
    """The live kernel processes whose parent is ``pid``."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
        if (fields.get("PPid", "").strip() == str(pid) and b"ipykernel" in command
                and not fields.get("State", "").startswith("Z")):
            found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@sqlite_only
def test_each_step_gets_a_fresh_kernel_started_while_the_step_before_ran(project: Path):
    _probe_notebook(project)
    _chain(project, 4, nap=1.0)
    result = run_pipeline("chain.yaml")
    assert result.ok, [(o.step, o.error, o.failure) for o in result.steps]
    reports = [json.loads((project / "out" / f"s{i}.json").read_text()) for i in range(4)]
    # Isolation holds: no step sees what the one before left, each ran in its own process.
    assert [r["seen"] for r in reports] == [False] * 4
    assert len({r["pid"] for r in reports}) == 4
    # The kernel of the second step was started while the first step was still running.
    assert reports[1]["started"] < reports[0]["ended"]
    # A pooled kernel got its step's own run id and folder; the silent set-up is no cell.
    for outcome, report in zip(result.steps, reports, strict=True):
        assert report["run_id"] == outcome.run_id
        assert report["cwd"] == str(project)
    executed = nbformat.read(str(project / "executed" / "s2.ipynb"), as_version=4)
    counts = [c.get("execution_count") for c in executed.cells if c.cell_type == "code"]
    assert counts[0] == 1, counts
    # Each step's kernel log is its own; the kernels no step took left no log behind.
    logs = sorted(p.name for p in (project / "executed").glob("*.log"))
    assert logs == [f"s{i}.kernel.log" for i in range(4)]
    # The step runs are logged as before.
    runs = {r.name: r for r in search_runs(filter="name LIKE 's%'")}
    assert set(runs) == {"s0", "s1", "s2", "s3"}
    assert all(r.status.value == "FINISHED" for r in runs.values())


@sqlite_only
def test_without_the_pool_steps_start_their_own_kernels(project: Path):
    _probe_notebook(project)
    _chain(project, 2, nap=1.0)
    result = run_pipeline("chain.yaml", executor_options={"warm_kernels": 0})
    assert result.ok
    reports = [json.loads((project / "out" / f"s{i}.json").read_text()) for i in range(2)]
    assert [r["seen"] for r in reports] == [False, False]
    assert reports[1]["started"] > reports[0]["ended"]
    with pytest.raises(InvalidInput, match="warm_kernels must be a whole number"):
        executors.create("local", warm_kernels=-1)


def test_a_closed_pool_leaves_no_kernel_and_no_log(tmp_path: Path):
    pool = KernelPool(ahead=2)
    pool.warm("python3", str(tmp_path), str(tmp_path))
    taken = pool.take("python3", str(tmp_path))
    assert taken is not None and taken.manager.has_kernel
    pid = taken.manager.provisioner.pid
    spare_logs = list(tmp_path.glob(".kernel-*.log"))
    assert len(spare_logs) == 2
    pool.close()  # the other is shut down, even if it is still starting
    assert pool.take("python3", str(tmp_path)) is None
    assert [p for p in tmp_path.glob(".kernel-*.log")] == [taken.log]
    assert _alive(pid)
    taken.shutdown()
    assert not _alive(pid)
    assert list(tmp_path.glob("*.log")) == []
    assert _kernels_of(os.getpid()) == set()


def _start_cli(project: Path, tracking) -> subprocess.Popen[str]:
    env = {**os.environ, "JUPYTER_MLOPS_URI": tracking.uri,
           "JUPYTER_MLOPS_ARTIFACTS": tracking.artifacts}
    # SIGUSR1 dumps every thread's stack to stderr: what a runner that does not stop waits on.
    # Ctrl-C as at a terminal even when this suite was started in the background, where the
    # shell leaves SIGINT ignored for the whole tree (POSIX, without job control) and a child
    # Python keeps ignoring it.
    boot = ("import faulthandler, signal; faulthandler.register(signal.SIGUSR1, "
            "all_threads=True); signal.signal(signal.SIGINT, signal.default_int_handler); "
            "from jupyter_mlops.cli import main; main()")
    return subprocess.Popen(
        [sys.executable, "-c", boot, "pipeline", "run", "sleepy.yaml", "--no-progress"],
        cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _communicate(process: subprocess.Popen[str], timeout: float) -> str:
    """The runner's stderr once it exits; if it has not within ``timeout``, fail with the
    stacks of all its threads, so a hang in CI says where it hangs."""
    try:
        return process.communicate(timeout=timeout)[1]
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGUSR1)
        time.sleep(2)
        process.kill()
        stderr = process.communicate()[1]
        pytest.fail(f"the runner did not exit within {timeout:.0f} s; its threads:\n{stderr}")


def _wait_for_spares(process: subprocess.Popen[str]) -> set[int]:
    """The runner's kernels once the running step's and the spare ones all exist."""
    deadline = time.monotonic() + 90
    while len(kernels := _kernels_of(process.pid)) < 3 or not search_runs(
            filter="name = 'nap' and status = 'RUNNING'"):
        assert process.poll() is None and time.monotonic() < deadline, process.stderr
        time.sleep(0.1)
    return kernels


def _gone(pids: set[int], within: float) -> set[int]:
    deadline = time.monotonic() + within
    while (left := {p for p in pids if _alive(p)}) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


@sqlite_only
@pytest.mark.parametrize("how", ["ctrl-c", "sigkill"])
def test_a_killed_pipeline_leaves_no_kernel_behind(project: Path, tracking, how: str):
    write_pipeline(project, """\
        name: sleepy
        steps:
          nap:
            notebook: notebooks/sleepy.ipynb
          after:
            notebook: notebooks/sleepy.ipynb
            needs: [nap]
        """, "sleepy.yaml")
    process = _start_cli(project, tracking)
    try:
        kernels = _wait_for_spares(process)
        if how == "ctrl-c":
            process.send_signal(signal.SIGINT)
            # Up to 30 s for the killed step to end, then the spare kernels' shutdown: a
            # loaded CI machine has been seen to take longer than 60 s in all.
            stderr = _communicate(process, timeout=120)
            assert process.returncode == 130, stderr
            # Ctrl-C waits for its kernels: none is left when the command returns.
            assert {p for p in kernels if _alive(p)} == set()
        else:
            process.kill()
            _communicate(process, timeout=60)
            # Kernels, pooled or not, exit when they see their parent gone.
            assert _gone(kernels, within=60) == set()
    finally:
        if process.poll() is None:
            process.kill()
