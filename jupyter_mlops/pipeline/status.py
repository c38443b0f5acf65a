"""``pipeline status``: which steps would run, and why, without running anything."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import NotFound
from . import cache
from .dag import graph_of, select
from .spec import load_pipeline


@dataclass(frozen=True)
class StepStatus:
    """A step's state: ``fresh`` (would be cached) or ``stale``, with the reasons."""

    step: str
    state: str
    reasons: list[str] = field(default_factory=list)
    run_id: str | None = None
    key: str | None = None

    @property
    def stale(self) -> bool:
        return self.state != "fresh"


def pipeline_status(
    path: str | os.PathLike[str] = "pipeline.yaml",
    params: Mapping[str, Any] | None = None,
    only: Iterable[str] | None = None,
    from_: str | None = None,
) -> list[StepStatus]:
    """The state of each selected step, in run order.

    Parameters
    ----------
    path:
        The pipeline file.
    params:
        The same overrides ``run`` would get (a changed param makes steps stale).
    only, from_:
        The same selection ``run`` would get.

    Returns
    -------
    list[StepStatus]
        ``fresh`` steps have a finished run with their key and intact outputs (``run_id``);
        ``stale`` ones say why: never run, notebook code, a param, an input or an upstream
        output changed, outputs missing or modified, or an upstream step that will rerun.
    """
    pipeline = load_pipeline(path, params)
    graph = graph_of(pipeline)
    outputs: dict[str, dict[str, str]] = {}
    result: dict[str, StepStatus] = {}
    for name in select(pipeline, only, from_):
        step = pipeline.steps[name]
        stale_needs = [n for n in graph[name] if n in result and result[n].stale]
        if stale_needs:
            result[name] = StepStatus(name, "stale",
                                      [f"upstream '{n}' will rerun" for n in stale_needs])
            continue
        for need in graph[name]:
            if need not in outputs:
                digests = {p: cache.digest_path(pipeline.root / p)
                           for p in pipeline.steps[need].outputs}
                outputs[need] = {p: d for p, d in digests.items() if d is not None}
        try:
            parts = cache.key_parts(pipeline, step, outputs)
        except NotFound as exc:
            result[name] = StepStatus(name, "stale", [str(exc)])
            continue
        result[name] = _state(pipeline, name, parts)
        if not result[name].stale:
            outputs[name] = cache.find_cached(parts.key).outputs  # type: ignore[union-attr]
    return list(result.values())


def _state(pipeline: Any, name: str, parts: cache.KeyParts) -> StepStatus:
    step = pipeline.steps[name]
    key = parts.key
    hit = cache.find_cached(key)
    if hit is not None:
        if set(hit.outputs) != set(step.outputs):
            return StepStatus(name, "stale", ["declared outputs changed"], hit.run.id, key)
        state, paths = cache.output_state(pipeline.root, hit.outputs)
        if state == "intact":
            return StepStatus(name, "fresh", [], hit.run.id, key)
        if _restorable(hit, paths):
            return StepStatus(name, "fresh", [f"{state} outputs restorable from run "
                                              f"{hit.run.id}: {', '.join(paths)}"],
                              hit.run.id, key)
        return StepStatus(name, "stale", [f"output {p} {state}" for p in paths], hit.run.id, key)
    last = cache.last_run(pipeline, name)
    if last is None:
        return StepStatus(name, "stale", ["never run"], None, key)
    before = cache.KeyParts.from_json(last.tags.get(cache.PARTS_TAG, ""))
    reasons = cache.explain(before, parts)
    if before is not None and before.key == key:
        reasons = [f"last run {last.status.value.lower()}"]
    return StepStatus(name, "stale", reasons, last.id, key)


def _restorable(hit: cache.CacheHit, paths: list[str]) -> bool:
    stored = {a.path for a in hit.run.artifacts}
    return all(any(p == f"{cache.OUTPUTS_PREFIX}/{path}" or
                   p.startswith(f"{cache.OUTPUTS_PREFIX}/{path}/") for p in stored)
               for path in paths)
