"""Search spaces written as data (a dict or space.yaml) turned into Optuna suggestions.

A parameter is one of::

    C: {type: float, low: 0.001, high: 10, log: true}
    depth: {type: int, low: 2, high: 8, step: 2}
    kernel: {choices: [linear, rbf]}      # or simply [linear, rbf]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import InvalidInput


def _check(name: str, spec: Any) -> dict[str, Any]:
    if isinstance(spec, list):
        spec = {"choices": spec}
    if not isinstance(spec, Mapping):
        raise InvalidInput(
            f"Search space entry {name!r} must be a list of choices or a mapping with "
            "type/low/high (or choices), not {spec!r}."
        )
    spec = dict(spec)
    if "choices" in spec:
        if not isinstance(spec["choices"], list) or not spec["choices"]:
            raise InvalidInput(f"Search space entry {name!r}: choices must be a non-empty list.")
        return {"type": "categorical", "choices": spec["choices"]}
    kind = spec.get("type", "float")
    if kind not in ("float", "int"):
        raise InvalidInput(
            f"Search space entry {name!r}: type must be float, int or choices, not {kind!r}."
        )
    for bound in ("low", "high"):
        if not isinstance(spec.get(bound), (int, float)) or isinstance(spec.get(bound), bool):
            raise InvalidInput(f"Search space entry {name!r} needs a numeric {bound!r}.")
    if spec["low"] > spec["high"]:
        raise InvalidInput(f"Search space entry {name!r}: low is above high.")
    unknown = set(spec) - {"type", "low", "high", "log", "step"}
    if unknown:
        raise InvalidInput(
            f"Search space entry {name!r}: unknown key(s) {', '.join(sorted(unknown))}; "
            "use type, low, high, log, step or choices."
        )
    return {"type": kind, **{k: spec[k] for k in ("low", "high", "log", "step") if k in spec}}


def check_space(space: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The space with every entry checked and written out in full."""
    if not isinstance(space, Mapping) or not space:
        raise InvalidInput("A search space is a non-empty mapping of parameter name to range.")
    return {str(name): _check(str(name), spec) for name, spec in space.items()}


def suggest(trial: Any, space: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """Ask ``trial`` for one value of each parameter of a checked space."""
    values: dict[str, Any] = {}
    for name, spec in space.items():
        if spec["type"] == "categorical":
            values[name] = trial.suggest_categorical(name, spec["choices"])
        elif spec["type"] == "int":
            values[name] = trial.suggest_int(name, int(spec["low"]), int(spec["high"]),
                                             step=int(spec.get("step", 1)),
                                             log=bool(spec.get("log", False)))
        else:
            values[name] = trial.suggest_float(name, float(spec["low"]), float(spec["high"]),
                                               step=spec.get("step"),
                                               log=bool(spec.get("log", False)))
    return values


def grid_values(space: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Every value of every parameter, for the grid sampler (ranges need a step)."""
    grid: dict[str, list[Any]] = {}
    for name, spec in check_space(space).items():
        if spec["type"] == "categorical":
            grid[name] = list(spec["choices"])
            continue
        if "step" not in spec:
            raise InvalidInput(
                f"The grid sampler needs a step for {name!r} (or a list of choices)."
            )
        low, high, step = spec["low"], spec["high"], spec["step"]
        count = round((high - low) / step) + 1
        grid[name] = [low + i * step for i in range(count)]
        if spec["type"] == "int":
            grid[name] = [int(v) for v in grid[name]]
    return grid
