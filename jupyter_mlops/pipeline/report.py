"""What a pipeline run shows while it runs (tqdm bars) and leaves for CI (JUnit XML)."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .outcome import Event, PipelineResult

_MARKS = {"ran": "✓", "cached": "✓", "failed": "✗", "skipped": "-", "killed": "!"}


class ProgressBar:
    """One bar for the pipeline's steps, and one bar of cells per running step (on stderr)."""

    def __init__(self, name: str, steps: list[str]) -> None:
        from tqdm.auto import tqdm

        self._tqdm = tqdm
        self._lock = threading.Lock()
        self._overall = tqdm(total=len(steps), desc=name, unit="step", position=0, leave=True)
        self._cells: dict[str, Any] = {}
        self._free = list(range(1, 1 + len(steps)))

    def __call__(self, event: Event) -> None:
        with self._lock:
            if event.kind == "start":
                position = self._free.pop(0) if self._free else None
                bar = self._tqdm(total=0, desc=f"  {event.step}", unit="cell",
                                 position=position, leave=False)
                self._cells[event.step] = (bar, position)
            elif event.kind == "cell" and event.step in self._cells:
                bar = self._cells[event.step][0]
                bar.total = event.cells
                bar.n = event.cell
                bar.refresh()
            elif event.kind == "done" and event.outcome is not None:
                entry = self._cells.pop(event.step, None)
                if entry is not None:
                    entry[0].close()
                    if entry[1] is not None:
                        self._free.insert(0, entry[1])
                outcome = event.outcome
                detail = {"ran": f"ran in {outcome.duration:.1f}s", "cached": "cached"}.get(
                    outcome.state, outcome.state + (f" ({outcome.reason})"
                                                    if outcome.reason else ""))
                if outcome.state == "failed" and outcome.failure is not None:
                    detail = f"FAILED in cell {outcome.failure.cell}"
                self._tqdm.write(f"{_MARKS.get(outcome.state, '?')} {event.step}: {detail}")
                self._overall.update(1)

    def close(self) -> None:
        with self._lock:
            for bar, _ in self._cells.values():
                bar.close()
            self._cells.clear()
            self._overall.close()


def write_junit(result: PipelineResult, path: str | os.PathLike[str]) -> Path:
    """Write a JUnit XML report with one test case per step.

    Parameters
    ----------
    result:
        The pipeline run's result.
    path:
        The XML file to write (its folder is created).

    Returns
    -------
    Path
        The file written. Ran and cached steps pass, failed and killed steps are failures
        (with the failing cell and traceback), skipped steps are skipped.
    """
    import xml.etree.ElementTree as ET

    failures = sum(o.state in ("failed", "killed") for o in result.steps)
    skipped = sum(o.state == "skipped" for o in result.steps)
    suite = ET.Element("testsuite", {
        "name": result.name, "tests": str(len(result.steps)), "failures": str(failures),
        "errors": "0", "skipped": str(skipped), "time": f"{result.duration:.3f}",
    })
    ET.SubElement(ET.SubElement(suite, "properties"), "property",
                  {"name": "run_id", "value": result.run_id})
    for outcome in result.steps:
        case = ET.SubElement(suite, "testcase", {
            "classname": f"pipeline.{result.name}", "name": outcome.step,
            "time": f"{outcome.duration:.3f}",
        })
        if outcome.state == "failed":
            if outcome.failure is not None:
                element = ET.SubElement(case, "failure", {
                    "message": outcome.failure.summary(), "type": outcome.failure.ename})
                element.text = outcome.failure.render(outcome.step)
            else:
                element = ET.SubElement(case, "failure", {"message": outcome.error or "failed",
                                                          "type": "StepError"})
                element.text = outcome.error or ""
        elif outcome.state == "killed":
            ET.SubElement(case, "failure", {"message": "killed (interrupted)",
                                            "type": "KeyboardInterrupt"})
        elif outcome.state == "skipped":
            ET.SubElement(case, "skipped", {"message": outcome.reason or "skipped"})
        if outcome.run_id:
            out = ET.SubElement(case, "system-out")
            out.text = f"{outcome.state}; run {outcome.run_id}" + (
                f"; {outcome.reason}" if outcome.reason else "")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    ET.indent(suite)
    ET.ElementTree(suite).write(target, encoding="utf-8", xml_declaration=True)
    return target
