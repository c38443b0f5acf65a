"""Thresholds and the checks they make: value bounds and changes against a baseline.

A rule per metric, as TFMA's ``MetricThreshold``: ``lower`` and ``upper`` bound the value;
``change`` compares with a baseline model evaluated on the same rows, by its difference
(``v_c - v_b``: ``min_delta``, ``max_delta``, or TFMA's ``absolute`` read in the metric's
direction) and by its ratio (``v_c / v_b``: ``min_ratio``, ``max_ratio``, or TFMA's
``relative``). A slice too small to judge, or a metric a slice cannot have (an AUC with one
class), is reported and not failed; so is a change threshold with no baseline yet (TFMA's first
run).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ..errors import InvalidInput
from .metrics import LOWER_IS_BETTER

_VALUE_KEYS = {"lower", "upper", "change"}
_CHANGE_KEYS = {"baseline", "min_delta", "max_delta", "min_ratio", "max_ratio", "absolute",
                "relative", "direction"}
_TEXT = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(>=|<=)\s*([-+]?[\d.]+(?:e[-+]?\d+)?)(x?)\s*$",
                   re.IGNORECASE)


@dataclass(frozen=True)
class Rule:
    """What one metric must satisfy."""

    metric: str
    lower: float | None = None
    upper: float | None = None
    min_delta: float | None = None
    max_delta: float | None = None
    min_ratio: float | None = None
    max_ratio: float | None = None
    baseline: str | None = None

    @property
    def has_change(self) -> bool:
        return any(v is not None for v in (self.min_delta, self.max_delta, self.min_ratio,
                                           self.max_ratio))


@dataclass(frozen=True)
class Check:
    """One judged (metric, slice): ``passed`` is None when it could not be judged."""

    metric: str
    slice: str
    kind: str
    bound: float
    value: float | None
    baseline: float | None
    passed: bool | None
    note: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInput(f"{where} must be a number, not {value!r}.")
    return float(value)


def parse(spec: Mapping[str, Any] | None, where: str = "thresholds") -> dict[str, Rule]:
    """``{"auc": {"lower": 0.8, "change": {"baseline": "churn@champion", "min_delta": -0.01}}}``
    as one ``Rule`` per metric."""
    rules: dict[str, Rule] = {}
    for metric, body in (spec or {}).items():
        if not isinstance(body, Mapping):
            raise InvalidInput(f"{where}[{metric!r}] must be a dict such as {{'lower': 0.8}}, "
                               f"not {body!r}.")
        unknown = set(body) - _VALUE_KEYS
        if unknown:
            raise InvalidInput(f"Unknown key(s) {', '.join(sorted(unknown))} in {where}"
                               f"[{metric!r}]: use lower, upper and change.")
        fields: dict[str, Any] = {}
        for key in ("lower", "upper"):
            if body.get(key) is not None:
                fields[key] = _number(body[key], f"{where}[{metric!r}][{key!r}]")
        change = body.get("change")
        if change is not None:
            fields.update(_change(metric, change, where))
        rules[str(metric)] = Rule(str(metric), **fields)
    return rules


def _change(metric: str, change: Any, where: str) -> dict[str, Any]:
    label = f"{where}[{metric!r}]['change']"
    if not isinstance(change, Mapping):
        raise InvalidInput(f"{label} must be a dict such as {{'baseline': 'churn@champion', "
                           "'min_delta': -0.01}.")
    unknown = set(change) - _CHANGE_KEYS
    if unknown:
        raise InvalidInput(f"Unknown key(s) {', '.join(sorted(unknown))} in {label}: use "
                           f"{', '.join(sorted(_CHANGE_KEYS))}.")
    direction = change.get("direction") or ("lower" if metric in LOWER_IS_BETTER else "higher")
    if direction not in ("higher", "lower"):
        raise InvalidInput(f"{label}['direction'] must be 'higher' or 'lower' (which is better).")
    out: dict[str, Any] = {"baseline": change.get("baseline")}
    for key in ("min_delta", "max_delta", "min_ratio", "max_ratio"):
        if change.get(key) is not None:
            out[key] = _number(change[key], f"{label}[{key!r}]")
    # TFMA's absolute and relative take their sense from the direction of the metric.
    for key, delta in (("absolute", "delta"), ("relative", "ratio")):
        if change.get(key) is not None:
            side = "min" if direction == "higher" else "max"
            out[f"{side}_{delta}"] = _number(change[key], f"{label}[{key!r}]")
    if len(out) == 1:
        raise InvalidInput(f"{label} sets no bound: give min_delta, max_delta, min_ratio, "
                           "max_ratio, absolute or relative.")
    return out


def parse_text(texts: Sequence[str], baseline: str | None = None,
               change: bool = False) -> dict[str, Any]:
    """``["auc>=0.8", "log_loss<=0.4"]`` (or, with ``change``, ``"auc>=-0.01"`` as a
    difference and ``"auc>=0.99x"`` as a ratio) as a ``thresholds`` dict."""
    spec: dict[str, Any] = {}
    for text in texts:
        found = _TEXT.match(text)
        if found is None:
            example = "auc>=-0.01 or auc>=0.99x" if change else "auc>=0.8 or log_loss<=0.4"
            raise InvalidInput(f"Invalid threshold {text!r}: write METRIC>=X or METRIC<=X, "
                               f"e.g. {example}.")
        metric, op, number, ratio = found[1], found[2], float(found[3]), bool(found[4])
        body = spec.setdefault(metric, {})
        if not change:
            if ratio:
                raise InvalidInput(f"{text!r}: a ratio (x) compares with a baseline; pass it "
                                   "as a change threshold.")
            body["lower" if op == ">=" else "upper"] = number
            continue
        moved = body.setdefault("change", {"baseline": baseline})
        moved[("min_" if op == ">=" else "max_") + ("ratio" if ratio else "delta")] = number
    return spec


def baselines(*rule_sets: Mapping[str, Rule]) -> set[str]:
    """Every baseline the rules name."""
    return {r.baseline for rules in rule_sets for r in rules.values()
            if r.has_change and r.baseline is not None}


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def judge(rules: Mapping[str, Rule], slices: Sequence[Mapping[str, Any]],
          base: Mapping[str, Mapping[str, Any]] | None, baseline_label: str | None,
          where: str) -> list[Check]:
    """The checks of ``rules`` on ``slices``, against the baseline's same slices in ``base``.

    ``where`` is "overall" (the whole data only) or "slices" (every slice but the whole).
    """
    checks: list[Check] = []
    for entry in slices:
        if (where == "overall") != (entry["feature"] == "overall"):
            continue
        name = entry["slice"]
        for metric, rule in rules.items():
            if metric not in entry["metrics"]:
                known = ", ".join(sorted(entry["metrics"]))
                raise InvalidInput(f"No metric {metric!r} in this evaluation: use one of "
                                   f"{known}.")
            value = entry["metrics"][metric]
            bounds = [("lower", rule.lower), ("upper", rule.upper)]
            for kind, bound in bounds:
                if bound is not None:
                    checks.append(_value_check(metric, entry, kind, bound, value))
            if rule.has_change:
                other = None if base is None else base.get(name)
                theirs = None if other is None else other["metrics"].get(metric)
                for kind, bound in (("min_delta", rule.min_delta), ("max_delta", rule.max_delta),
                                    ("min_ratio", rule.min_ratio), ("max_ratio", rule.max_ratio)):
                    if bound is not None:
                        checks.append(_change_check(metric, entry, kind, bound, value, theirs,
                                                    baseline_label))
    return checks


def _unjudged(entry: Mapping[str, Any], value: float | None) -> str | None:
    if entry.get("too_small"):
        return f"{entry['rows']} rows: too small to judge"
    if value is None or math.isnan(value):
        return "no value in this slice (e.g. one class only)"
    return None


def _value_check(metric: str, entry: Mapping[str, Any], kind: str, bound: float,
                 value: float) -> Check:
    name = entry["slice"]
    skip = _unjudged(entry, value)
    if skip is not None:
        return Check(metric, name, kind, bound, value, None, None, f"{metric} on {name}: {skip}")
    passed = value >= bound if kind == "lower" else value <= bound
    op = (">=" if passed else "<") if kind == "lower" else ("<=" if passed else ">")
    return Check(metric, name, kind, bound, value, None, passed,
                 f"{metric} on {name}: {_fmt(value)} {op} {bound:g}")


def _change_check(metric: str, entry: Mapping[str, Any], kind: str, bound: float,
                  value: float, theirs: float | None, label: str | None) -> Check:
    name = entry["slice"]
    skip = _unjudged(entry, value)
    if skip is None and label is None:
        skip = "no baseline to compare with yet"
    if skip is None and (theirs is None or math.isnan(theirs)):
        skip = f"the baseline {label} has no value here"
    if skip is not None:
        return Check(metric, name, kind, bound, value, theirs, None,
                     f"{metric} change on {name}: {skip}")
    assert theirs is not None
    if kind.endswith("delta"):
        change, what = value - theirs, "change"
    else:
        change, what = (value / theirs if theirs != 0 else math.inf), "ratio"
    passed = change >= bound if kind.startswith("min") else change <= bound
    op = (">=" if passed else "<") if kind.startswith("min") else ("<=" if passed else ">")
    shown = f"{change:+.4g}" if what == "change" else f"{change:.4g}x"
    unit = "" if what == "change" else "x"
    return Check(metric, name, kind, bound, value, theirs, passed,
                 f"{metric} {what} on {name} vs {label}: {shown} {op} {bound:g}{unit} "
                 f"({_fmt(value)} vs {_fmt(theirs)})")
