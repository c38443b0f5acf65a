"""What an MLflow import brought in, and which runs the workspace already holds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from ..session import current
from ..store import schema

# What the caller says about a skops file's types: always (True), never (False), or ask it:
# (label "name/version", the types) -> trust them? The CLI asks at the terminal.
Trusting = bool | Callable[[str, list[str]], bool]


def decide(trust: Trusting, label: str, types: list[str]) -> bool:
    """Whether to record ``types`` as trusted for version ``label``; nothing to trust is no."""
    if not types:
        return False
    return bool(trust(label, types)) if callable(trust) else bool(trust)


@dataclass
class ImportSummary:
    """What an import brought in (and what was already here)."""

    source: str
    experiments: int = 0
    runs: int = 0
    runs_present: int = 0
    metrics: int = 0
    artifacts: int = 0
    logged_models: int = 0
    registered_models: int = 0
    versions: int = 0
    versions_present: int = 0
    aliases: int = 0
    # "name/version" -> the types its skops file needs beyond skops' defaults.
    untrusted_types: dict[str, list[str]] = field(default_factory=dict)
    # The "name/version" labels whose types were recorded as trusted by this import.
    trusted: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"Imported from {self.source}:",
               f"  {self.runs} runs ({self.runs_present} already here), {self.metrics:,} metric "
               f"values, {self.artifacts} files, {self.experiments} new experiments;",
               f"  {self.logged_models} logged models, {self.versions} model versions "
               f"({self.versions_present} already here) of {self.registered_models} new "
               f"registered models, {self.aliases} aliases set."]
        for label, types in sorted(self.untrusted_types.items()):
            if not types:
                continue
            verdict = "recorded as trusted" if label in self.trusted else (
                "not trusted: load with trust=[...] or import again with --trust")
            out.append(f"  {label} needs skops types {', '.join(types)}: {verdict}.")
        out.extend(f"  Note: {note}" for note in self.notes)
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def existing_runs(run_ids: list[str]) -> set[str]:
    r = schema.runs
    found: set[str] = set()
    with current().store.engine.connect() as connection:
        for start in range(0, len(run_ids), 500):
            chunk = run_ids[start:start + 500]
            found.update(connection.execute(select(r.c.id).where(r.c.id.in_(chunk))).scalars())
    return found
