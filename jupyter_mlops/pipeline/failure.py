"""The cell of an executed notebook that raised: found by the step execution and the engine.

A leaf of the pipeline package, so that ``execution`` (which drives the papermill engine) and
``papermill_engine`` (which ends a tracked run FAILED with the cell's summary) share it
without importing each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..errors import StepFailed

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def strip_ansi(text: str) -> str:
    """``text`` without terminal colour codes (kernel tracebacks and logs carry them)."""
    return _ANSI.sub("", text)


@dataclass(frozen=True)
class CellFailure:
    """The cell that raised: its number in the step's own notebook, source and error."""

    cell: int
    execution_count: int | None
    source: str
    ename: str
    evalue: str
    traceback: str

    def summary(self) -> str:
        return f"cell {self.cell}: {self.ename}: {self.evalue}"

    def error(self, step: str) -> StepFailed:
        return StepFailed(step, self.cell, self.ename, self.evalue, self.traceback)

    def render(self, step: str) -> str:
        """The failing cell and its error, as the runner prints them."""
        count = f" (In [{self.execution_count}])" if self.execution_count else ""
        source = "\n".join("    " + line for line in self.source.splitlines()[-12:])
        return (f"Step '{step}' failed in cell {self.cell}{count}:\n{source}\n"
                f"{self.traceback.rstrip() or f'{self.ename}: {self.evalue}'}")


def failure(nb: Any) -> CellFailure | None:
    """The first cell of an executed notebook that raised, or None if none did.

    ``sys.exit(0)`` counts as success, as in papermill. The cell number counts the step's own
    cells from 1, leaving out the cell papermill injects.
    """
    injected = 0
    for index, cell in enumerate(nb.get("cells", [])):
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags:
            injected += 1
        if cell.get("cell_type") != "code":
            continue
        exited = False
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            if output.get("ename") == "SystemExit" and output.get("evalue") in ("", "0"):
                exited = True
                continue
            source = cell.get("source", "")
            return CellFailure(
                cell=index + 1 - injected,
                execution_count=cell.get("execution_count"),
                source="".join(source) if isinstance(source, list) else str(source),
                ename=str(output.get("ename", "")),
                evalue=str(output.get("evalue", "")),
                traceback=strip_ansi("\n".join(output.get("traceback", []))),
            )
        if exited:
            return None  # execution stopped there, successfully: the cells after did not run
        if cell.get("metadata", {}).get("papermill", {}).get("exception") is True:
            source = cell.get("source", "")
            return CellFailure(index + 1 - injected, cell.get("execution_count"),
                               "".join(source) if isinstance(source, list) else str(source),
                               "CellExecutionError", "the cell raised without an error output",
                               "")
    return None
