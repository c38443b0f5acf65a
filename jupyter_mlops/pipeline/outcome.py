"""What a pipeline run reports: each step's outcome, the run's result, and progress events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import StepFailed
from ..records import RunStatus
from .execution import CellFailure


@dataclass
class StepOutcome:
    """How one step ended in a pipeline run: ran, cached, failed, skipped or killed."""

    step: str
    state: str
    run_id: str | None = None
    duration: float = 0.0
    reason: str = ""
    failure: CellFailure | None = None
    error: str | None = None
    notebook: Path | None = None

    @property
    def ok(self) -> bool:
        return self.state in ("ran", "cached")


@dataclass
class PipelineResult:
    """The pipeline run's id and status, and each step's outcome in run order."""

    name: str
    run_id: str
    status: RunStatus
    steps: list[StepOutcome] = field(default_factory=list)
    duration: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status is RunStatus.FINISHED

    def outcome(self, step: str) -> StepOutcome:
        return next(o for o in self.steps if o.step == step)

    def states(self) -> dict[str, str]:
        return {o.step: o.state for o in self.steps}

    def raise_for_status(self) -> None:
        """Raise ``StepFailed`` for the first failed step, if any."""
        for outcome in self.steps:
            if outcome.state == "failed":
                if outcome.failure is not None:
                    raise outcome.failure.error(outcome.step)
                raise StepFailed(outcome.step, 0, "Error", outcome.error or "failed")


@dataclass(frozen=True)
class Event:
    """Progress of a pipeline run: a step started, finished a cell, or ended."""

    kind: str
    step: str
    outcome: StepOutcome | None = None
    cell: int = 0
    cells: int = 0
    reason: str = ""


Listener = Callable[[Event], None]
