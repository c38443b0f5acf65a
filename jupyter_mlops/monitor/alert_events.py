"""What each kind of alert rule tells about: the new drift reports, verdicts, registry events
and performance windows since its last check, as ``Event``s keyed so each is told once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..models.reference import ModelRef



REGISTRY_EVENTS = ("register", "alias", "promotion-refused", "status")
MIN_ROWS = 30


@dataclass(frozen=True)
class Event:
    """Something a rule tells about: its key (unique per rule), the text and the details."""

    key: str
    text: str
    details: dict[str, Any]


def model_ref(model: str) -> ModelRef:
    """A registered model reference; a run's model is refused (alerts watch the registry)."""
    from ..models.reference import RunModelRef, parse

    ref = parse(model)
    if isinstance(ref, RunModelRef):
        raise InvalidInput(f"model={model!r} is a run's model: alerts watch registered models "
                           "(churn@champion, churn/3, churn).")
    return ref


def events(store: Any, rule: Any) -> list[Event]:
    if rule.watches == "drift":
        return _drift_events(store, rule)
    if rule.watches in ("skew", "evaluation"):
        return _verdict_events(store, rule)
    if rule.watches == "registry":
        return _registry_events(store, rule)
    return _performance_events(rule)


def _matcher(model: str | None) -> Callable[[str, Any], bool]:
    """A test of (name, version or alias text) against the rule's model, resolved now."""
    if model is None:
        return lambda name, version: True
    ref = model_ref(model)
    number = ref.version
    if ref.alias is not None:
        from .. import models

        try:
            number = models.get_version(model).version
        except NotFound:
            number = -1  # the alias is unset: nothing of it can match by number

    def matches(name: str, version: Any) -> bool:
        if name != ref.name:
            return False
        if ref.version is None and ref.alias is None:
            return True
        if isinstance(version, str) and version == (ref.alias or str(ref.version)):
            return True
        return version is not None and str(version) == str(number)

    return matches


def _split_model(text: str | None) -> tuple[str | None, Any]:
    """(name, version or alias) of a stored model label such as churn@champion or churn/3."""
    if not text:
        return None, None
    name, sep, rest = text.removeprefix("models:/").replace("@", "/", 1).partition("/")
    return name, (rest if sep else None)


def _drift_events(store: Any, rule: Any) -> list[Event]:
    matches = _matcher(rule.model)
    threshold = rule.condition.get("threshold")
    out = []
    for report in store.alerts.drift_reports_since(rule.created_at):
        name, version = _split_model(report.model)
        if rule.model is not None and (name is None or not matches(name, version)):
            continue
        fired = report.drifted if threshold is None else report.share >= threshold
        if not fired:
            continue
        limit = report.drift_share if threshold is None else threshold
        what = report.model or report.name or "data"
        out.append(Event(
            f"drift:{report.id}",
            f":warning: Drift in {what}: {report.share:.0%} of columns drifted (alerts at "
            f"{limit:.0%}); reference {report.reference}, current {report.current}. "
            f"Report {report.id}: `jupyter mlops drift show {report.id}`.",
            {"kind": "drift", "report_id": report.id, "model": report.model,
             "share": report.share, "threshold": limit, "reference": report.reference,
             "current": report.current}))
    return out


def _verdict_events(store: Any, rule: Any) -> list[Event]:
    matches = _matcher(rule.model)
    kinds = ("skew",) if rule.watches == "skew" else ("evaluation", "replay")
    out = []
    for kind in kinds:
        for record in store.alerts.evaluations_since(kind, rule.created_at):
            if not matches(record.name, record.version):
                continue
            if record.blessed and rule.condition.get("when", "failed") == "failed":
                continue
            model = f"{record.name}/{record.version}"
            if kind == "skew":
                verdict = "no skew" if record.blessed else "training-serving skew"
            else:
                verdict = "blessed" if record.blessed else "NOT blessed"
            failing = "; ".join(record.failures[:5])
            more = f" (and {len(record.failures) - 5} more)" if len(record.failures) > 5 else ""
            icon = ":white_check_mark:" if record.blessed else ":x:"
            text = (f"{icon} {kind.capitalize()} of {model} on {record.data}: {verdict}"
                    + (f": {failing}{more}" if failing else "") + f". Record {record.id}.")
            out.append(Event(f"{kind}:{record.id}", text, {
                "kind": kind, "evaluation_id": record.id, "model": model,
                "blessed": record.blessed, "failures": list(record.failures),
                "data": record.data, "baseline": record.baseline}))
    return out


def _registry_events(store: Any, rule: Any) -> list[Event]:
    wanted = set(rule.condition.get("events", REGISTRY_EVENTS))
    ref = model_ref(rule.model) if rule.model is not None else None
    entries = store.alerts.audit_after(int(rule.condition.get("audit_after", 0)))
    out = []
    for entry in entries:
        if entry.action not in wanted or (ref is not None and entry.name != ref.name):
            continue
        if ref is not None and ref.alias is not None and entry.action in (
                "alias", "promotion-refused") and entry.alias != ref.alias:
            continue
        if ref is not None and ref.version is not None and entry.version != ref.version:
            continue
        out.append(Event(f"audit:{entry.id}", _audit_text(entry), {
            "kind": "registry", "action": entry.action, "model": entry.name,
            "version": entry.version, "alias": entry.alias, "from": entry.from_value,
            "to": entry.to_value, "user": entry.user, "reason": entry.reason,
            "timestamp": entry.timestamp}))
    if entries:
        store.alerts.set_condition(rule.id, {**rule.condition, "audit_after": entries[-1].id})
    return out


def _audit_text(entry: Any) -> str:
    why = f" ({entry.reason})" if entry.reason else ""
    if entry.action == "register":
        return f":package: {entry.name}: version {entry.version} registered by {entry.user}."
    if entry.action == "alias":
        if entry.to_value is None:
            return (f":arrow_right: {entry.name}@{entry.alias} removed (was version "
                    f"{entry.from_value}) by {entry.user}{why}.")
        was = f"version {entry.from_value}" if entry.from_value else "unset"
        return (f":arrow_right: {entry.name}@{entry.alias} moved from {was} to version "
                f"{entry.to_value} by {entry.user}{why}.")
    if entry.action == "promotion-refused":
        return (f":no_entry: Promotion of {entry.name}/{entry.version} to @{entry.alias} "
                f"refused{why}.")
    return (f":information_source: {entry.name}/{entry.version}: status {entry.from_value} -> "
            f"{entry.to_value} by {entry.user}{why}.")


def _performance_events(rule: Any) -> list[Event]:
    from .estimate import estimate_performance

    c = rule.condition
    frame = estimate_performance(rule.model, window=c["window"], since=c["since"],
                                 reference=c.get("reference"), labels=c.get("labels"))
    metric, threshold = c["metric"], float(c["threshold"])
    realised = rule.watches == "performance"
    column = metric if realised else f"estimated_{metric}"
    counted = "labelled" if realised else "rows"
    out = []
    for row in frame.itertuples(index=False):
        value = float(getattr(row, column))
        rows = int(getattr(row, counted))
        if rows < int(c.get("min_rows", MIN_ROWS)) or not value < threshold:
            continue
        start = row.window.strftime("%Y-%m-%dT%H:%M:%SZ")
        what = "" if realised else "estimated "
        out.append(Event(
            f"{rule.watches}:{rule.model}:{metric}:{start}",
            f":chart_with_downwards_trend: {rule.model}: {what}{metric} {value:.3f} is below "
            f"{threshold:g} in the {c['window']} window from {start} ({rows} rows).",
            {"kind": rule.watches, "model": rule.model, "metric": metric, "value": value,
             "threshold": threshold, "window": start, "rows": rows}))
    return out


