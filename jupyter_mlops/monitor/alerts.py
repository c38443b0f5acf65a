"""Alerts: rules that watch drift, skew, performance, verdicts and the registry, and tell a webhook.

``alert(on="drift", model="churn@champion", notify="https://hooks.example/...")`` stores a
rule; ``check_alerts()`` (also ``jupyter mlops alerts check``, and the drift rules right after a
drift report is saved) finds each rule's new events and sends each one once: a notification is
keyed by (rule, event), so checking twice, or from two machines at once, never tells twice,
and a delivery that failed is sent again by the next check. The signing secret comes from
``$JUPYTER_MLOPS_ALERT_SECRET`` (or the variable a rule names) and is never stored.
Skew and evaluation rules are checked right after a verdict is stored
(``after_verdict_saved``), and registry rules right when the registry changes:
``after_registry_event`` listens to ``models.events``, where this module registers it, and
through the package's entry point when nothing has imported it yet.

Events by ``on``:

- ``drift``: a saved drift report on the model that drifted (or whose drifted share reaches
  ``threshold``);
- ``skew`` and ``evaluation``: a stored skew report, evaluation or replay that failed
  (``condition="any"``: every verdict);
- ``performance`` and ``estimated_performance``: a window of the prediction log whose realised
  (from ``labels``) or estimated metric is below ``threshold``;
- ``registry``: a version registered, an alias moved, a promotion refused (the audit log).
"""

from __future__ import annotations

import logging
import math
import re
import secrets
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..errors import InvalidInput, NotFound
from .alert_events import MIN_ROWS, REGISTRY_EVENTS, Event, events, model_ref

if TYPE_CHECKING:

    import pandas as pd

    from ..store import Store
    from ..store.alerts import AlertRule

log = logging.getLogger("jupyter_mlops.alerts")

WATCHES = ("drift", "skew", "performance", "estimated_performance", "evaluation", "registry")
_PERFORMANCE = ("performance", "estimated_performance")
_CONDITION = re.compile(r"^\s*([a-z_]+)\s*(<=|<)\s*([0-9.eE+-]+)\s*$")


def _store() -> Store:
    from ..session import current

    return current().store


def _new_id() -> str:
    # Time-ordered like every other id of the store: milliseconds, then random bits.
    return f"{time.time_ns() // 1_000_000:012x}{secrets.token_hex(10)}"


# -- rules -------------------------------------------------------------------------------------


def alert(
    on: str,
    notify: str,
    model: str | None = None,
    threshold: float | None = None,
    metric: str | None = None,
    condition: str | None = None,
    window: str = "1d",
    since: str = "7d",
    labels: str | None = None,
    reference: str | None = None,
    events: Sequence[str] | None = None,
    min_rows: int = MIN_ROWS,
    secret_env: str | None = None,
) -> AlertRule:
    """Store a rule that sends a webhook when what it watches goes wrong.

    Parameters
    ----------
    on:
        What to watch: drift, skew, performance, estimated_performance, evaluation, registry.
    notify:
        The webhook: an http:// or https:// URL (Slack, Mattermost and Teams incoming
        webhooks read the payload's ``text``).
    model:
        The model: ``churn@champion`` (the version the alias names when checked), ``churn/3``
        or ``churn`` (any version). Required for performance rules; without it a drift,
        verdict or registry rule watches every model.
    threshold:
        drift: the share of drifted columns that alerts (default: the report's own verdict);
        performance rules: the lowest acceptable value of ``metric`` (0 to 1).
    metric:
        performance rules: accuracy (default), precision, recall, f1 or roc_auc.
    condition:
        performance rules: ``"accuracy < 0.8"`` instead of metric and threshold; skew and
        evaluation: ``"failed"`` (default) or ``"any"`` (every verdict).
    window, since:
        performance rules: the window length and how far back each check looks.
    labels:
        performance (realised): the dataset (``churn-labels`` or ``churn-labels@3``) holding
        ``request_id``, ``label`` and ``row`` for served requests.
    reference:
        estimated_performance: labelled data (dataset version) to calibrate on.
    events:
        registry: which of register, alias, promotion-refused, status (default: all).
    min_rows:
        performance rules: windows with fewer (labelled) rows are not judged.
    secret_env:
        The environment variable holding this rule's signing secret (default
        ``JUPYTER_MLOPS_ALERT_SECRET``); only its name is stored.

    Returns
    -------
    AlertRule
        The stored rule; ``id`` names it for ``remove_alert`` and the CLI.
    """
    from ..store.alerts import AlertRule
    from .notify import NOTIFIERS

    if on not in WATCHES:
        raise InvalidInput(f"Unknown alert kind on={on!r}: use one of {', '.join(WATCHES)}.")
    target = _check_url(notify, NOTIFIERS.names())
    if model is not None:
        model_ref(model)
    options = _condition(on, model, threshold, metric, condition, window, since, labels,
                         reference, events, min_rows)
    if secret_env is not None:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", secret_env):
            raise InvalidInput(f"secret_env={secret_env!r} is not an environment variable "
                               "name: give the variable's name, never the secret itself.")
        options["secret_env"] = secret_env
    store = _store()
    if on == "registry":
        # Only what happens from now on: the audit log's past is not news.
        options["audit_after"] = store.alerts.last_audit_id()
    rule = AlertRule(id=_new_id(), created_at=time.time(), watches=on, notify=target,
                     condition=options, model=model)
    return store.alerts.add(rule)


def _check_url(url: Any, schemes: Iterable[str]) -> str:
    allowed = sorted(schemes)
    parts = urlsplit(url.strip()) if isinstance(url, str) else None
    if parts is None or parts.scheme.lower() not in allowed or not parts.hostname:
        shown = ", ".join(f"{s}://" for s in allowed)
        raise InvalidInput(f"notify={url!r} is not a webhook URL: give a {shown} URL such as "
                           "https://hooks.example.com/services/T0/B0/XYZ.")
    return url.strip()


def _condition(on: str, model: str | None, threshold: float | None, metric: str | None,
               condition: str | None, window: str, since: str, labels: str | None,
               reference: str | None, events: Sequence[str] | None,
               min_rows: int) -> dict[str, Any]:
    from .estimate import METRICS

    unused = {"metric": metric, "labels": labels, "reference": reference, "events": events}
    if on in _PERFORMANCE:
        if model is None:
            raise InvalidInput(f"An {on} alert needs model= (churn@champion): it watches that "
                               "model's prediction log.")
        if condition is not None:
            found = _CONDITION.match(condition)
            if not found or metric is not None or threshold is not None:
                raise InvalidInput(f"condition={condition!r} is not a performance condition: "
                                   "write it as 'accuracy < 0.8', or give metric= and "
                                   "threshold= instead.")
            metric, threshold = found[1], float(found[3])
        metric = metric or "accuracy"
        if metric not in METRICS:
            raise InvalidInput(f"Unknown metric {metric!r}: use one of {', '.join(METRICS)}.")
        if threshold is None or not _number(threshold) or not 0 <= float(threshold) <= 1:
            raise InvalidInput(f"An {on} alert needs threshold= between 0 and 1 (the lowest "
                               f"acceptable {metric}), not {threshold!r}.")
        if on == "performance" and not labels:
            raise InvalidInput("A performance alert needs labels= (a dataset such as "
                               "churn-labels with request_id and label); without labels use "
                               "on='estimated_performance'.")
        if on == "performance" and reference is not None:
            raise InvalidInput("reference= calibrates estimates: use it with "
                               "on='estimated_performance'.")
        from .estimate import _window_seconds
        from .inputs import since_timestamp

        _window_seconds(window)
        since_timestamp(since)
        if not isinstance(min_rows, int) or min_rows < 1:
            raise InvalidInput(f"min_rows must be a whole number of at least 1, not "
                               f"{min_rows!r}.")
        return {"metric": metric, "threshold": float(threshold), "window": window,
                "since": since, "labels": _dataset(labels), "reference": _dataset(reference),
                "min_rows": min_rows}
    for name, value in unused.items():
        if value is not None and not (name == "events" and on == "registry"):
            raise InvalidInput(f"{name}= has no meaning for on={on!r} alerts: drop it.")
    if on == "drift":
        if condition is not None:
            raise InvalidInput("A drift alert takes threshold= (the share of drifted columns), "
                               "not condition=.")
        if threshold is not None and (not _number(threshold) or not 0 < threshold <= 1):
            raise InvalidInput(f"A drift alert's threshold is the share of drifted columns that "
                               f"alerts, above 0 and at most 1, not {threshold!r}.")
        return {"threshold": None if threshold is None else float(threshold)}
    if threshold is not None:
        raise InvalidInput(f"threshold= has no meaning for on={on!r} alerts: they tell when a "
                           "verdict fails (condition='any': every verdict).")
    if on == "registry":
        if condition is not None:
            raise InvalidInput("A registry alert takes events= (register, alias, "
                               "promotion-refused, status), not condition=.")
        chosen = list(events) if events is not None else list(REGISTRY_EVENTS)
        unknown = [e for e in chosen if e not in REGISTRY_EVENTS]
        if unknown or not chosen:
            raise InvalidInput(f"Unknown registry events {unknown or chosen!r}: use any of "
                               f"{', '.join(REGISTRY_EVENTS)}.")
        return {"events": chosen}
    when = condition or "failed"
    if when not in ("failed", "any"):
        raise InvalidInput(f"condition={condition!r}: a {on} alert tells on 'failed' verdicts "
                           "(the default) or 'any'.")
    return {"when": when}


def _dataset(ref: Any) -> str | None:
    """A dataset named without a version means its newest one at each check."""
    from pathlib import PurePath

    if isinstance(ref, str) and "@" not in ref and not PurePath(ref).suffix:
        return f"{ref}@latest"
    if ref is not None and not isinstance(ref, str):
        raise InvalidInput(f"Give labels and reference as a dataset (churn-labels@3) or a file, "
                           f"not a {type(ref).__name__}: a rule is checked later, elsewhere.")
    return ref


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and \
        math.isfinite(value)


def alerts(include_removed: bool = False) -> pd.DataFrame:
    """The alert rules as a DataFrame, oldest first.

    Parameters
    ----------
    include_removed:
        Also list removed rules (their notifications are kept).

    Returns
    -------
    pandas.DataFrame
        Columns id, created_at, on, model, notify, condition, enabled.
    """
    import pandas as pd

    rows = [{"id": r.id, "created_at": r.created_at, "on": r.watches, "model": r.model,
             "notify": r.notify, "condition": _shown(r.condition), "enabled": r.enabled}
            for r in _store().alerts.list(include_deleted=include_removed)]
    frame = pd.DataFrame(rows, columns=["id", "created_at", "on", "model", "notify",
                                        "condition", "enabled"])
    frame["created_at"] = pd.to_datetime(frame["created_at"], unit="s", utc=True)
    return frame


def _shown(condition: dict[str, Any]) -> str:
    if "metric" in condition:
        return f"{condition['metric']} < {condition['threshold']:g} per {condition['window']}"
    if "events" in condition:
        return ", ".join(condition["events"])
    if "when" in condition:
        return condition["when"]
    threshold = condition.get("threshold")
    return "drifted" if threshold is None else f"drifted share >= {threshold:g}"


def remove_alert(rule_id: str) -> AlertRule:
    """Remove the rule ``rule_id`` names (its id, or 6+ characters of either end); its
    notifications stay in the history. Returns the removed rule."""
    return _store().alerts.remove(rule_id, time.time())


def alert_history(rule: str | None = None, limit: int = 50) -> pd.DataFrame:
    """Notifications sent, newest first, with their outcome.

    Returns
    -------
    pandas.DataFrame
        Columns created_at, rule_id, event, status, attempts, response_code, error, text.
    """
    import pandas as pd

    store = _store()
    rule_id = store.alerts.get(rule).id if rule is not None else None
    rows = [{"created_at": n.created_at, "rule_id": n.rule_id, "event": n.event_key,
             "status": n.status, "attempts": n.attempts, "response_code": n.response_code,
             "error": n.error, "text": n.payload.get("text", "")}
            for n in store.alerts.notifications(rule_id, limit)]
    frame = pd.DataFrame(rows, columns=["created_at", "rule_id", "event", "status", "attempts",
                                        "response_code", "error", "text"])
    frame["response_code"] = frame["response_code"].astype("Int64")
    frame["created_at"] = pd.to_datetime(frame["created_at"], unit="s", utc=True)
    return frame


# -- checking ----------------------------------------------------------------------------------


def check_alerts(on: str | Sequence[str] | None = None, rules: Sequence[str] | None = None,
                 retries: int | None = None, backoff: float | None = None) -> pd.DataFrame:
    """Find every enabled rule's new events and send each once; return what was sent.

    Parameters
    ----------
    on:
        Only rules watching this (or these) kinds.
    rules:
        Only these rules (ids, or 6+ characters of either end).
    retries, backoff:
        A failed delivery (5xx, 429, no connection) is tried again ``retries`` times
        (default 3), waiting ``backoff`` seconds (default 1) doubled each time.

    Returns
    -------
    pandas.DataFrame
        One row per notification attempted now: rule_id, on, event, status (sent or
        failed), attempts, response_code, error, text.
    """
    import pandas as pd

    sent = _check(on, rules, retries, backoff)
    return pd.DataFrame(sent, columns=["rule_id", "on", "event", "status", "attempts",
                                       "response_code", "error", "text"])


def _check(on: str | Sequence[str] | None, rules: Sequence[str] | None, retries: int | None,
           backoff: float | None, resend: bool = True) -> list[dict[str, Any]]:
    from . import notify

    kinds = [on] if isinstance(on, str) else list(on or WATCHES)
    for kind in kinds:
        if kind not in WATCHES:
            raise InvalidInput(f"Unknown alert kind {kind!r}: use one of {', '.join(WATCHES)}.")
    store = _store()
    chosen = [store.alerts.get(r) for r in rules] if rules else store.alerts.list()
    retries = notify.RETRIES if retries is None else retries
    backoff = notify.BACKOFF if backoff is None else backoff
    if retries < 0 or backoff < 0:
        raise InvalidInput("retries and backoff must not be negative.")
    sent = []
    for rule in chosen:
        if not rule.enabled or rule.deleted_at is not None or rule.watches not in kinds:
            continue
        try:
            found = events(store, rule)
        except (InvalidInput, NotFound) as exc:
            # One rule's broken target (a model since deleted, no logged predictions) must
            # not silence the others; the next check tries it again.
            log.warning("Alert rule %s (%s) was not checked: %s", rule.id, rule.watches, exc)
            continue
        sent.extend(_deliver(store, rule, found, retries, backoff, resend))
    return sent


def after_drift_saved(record: Any) -> None:
    """Tell the drift rules about a report just saved; never fails the save itself."""
    try:
        store = _store()
        if not any(r.enabled for r in store.alerts.list(watches="drift")):
            return
        check_alerts(on="drift", retries=1)
    except Exception:
        log.warning("Drift report %s was saved, but its alerts were not checked; run "
                    "`jupyter mlops alerts check`.", getattr(record, "id", "?"), exc_info=True)


def after_verdict_saved(record: Any) -> None:
    """Tell the skew or evaluation rules about a verdict just stored; never fails the save.

    ``record`` is the stored ``EvaluationRecord`` (kind evaluation, replay or skew). Only the
    new events are sent, retrying once; what failed is sent again by the next check.
    """
    on = "skew" if getattr(record, "kind", None) == "skew" else "evaluation"
    try:
        store = _store()
        if not any(r.enabled for r in store.alerts.list(watches=on)):
            return
        _check(on, None, retries=1, backoff=None, resend=False)
    except Exception:
        log.warning("The %s %s was saved, but its alerts were not checked; run `jupyter mlops "
                    "alerts check`.", getattr(record, "kind", "verdict"),
                    getattr(record, "id", "?"), exc_info=True)


def after_registry_event(event: Any) -> None:
    """Tell the registry rules about a change just committed; never fails the change.

    Sends only the new events, retrying once: a hook that is down must not hold up a
    promotion, and what failed is sent again by the next ``check_alerts``.
    """
    try:
        store = _store()
        if not any(r.enabled for r in store.alerts.list(watches="registry")):
            return
        _check("registry", None, retries=1, backoff=None, resend=False)
    except Exception:
        log.warning("The registry change (%s of %s) was saved, but its alerts were not "
                    "checked; run `jupyter mlops alerts check`.",
                    getattr(event, "action", "?"), getattr(event, "name", "?"), exc_info=True)


def _deliver(store: Any, rule: Any, found: list[Event], retries: int,
             backoff: float, resend: bool = True) -> list[dict[str, Any]]:
    from .notify import NOTIFIERS, secret_from_env

    done = store.alerts.delivered(rule.id)
    retry = {n.event_key: n for n in store.alerts.notifications(rule.id, limit=10_000)
             if n.status == "failed"} if resend else {}
    todo = [e for e in found if e.key not in done]
    # A failed delivery whose event is no longer produced (a past audit entry) is resent
    # from what was stored.
    keys = {e.key for e in todo}
    todo += [Event(key, n.payload.get("text", ""), n.payload.get("event", {}))
             for key, n in retry.items() if key not in keys]
    notifier = NOTIFIERS.get(urlsplit(rule.notify).scheme.lower())
    secret = secret_from_env(rule.condition.get("secret_env"))
    out = []
    for event in todo:
        now = time.time()
        payload = {"text": event.text, "sent_at": now,
                   "rule": {"id": rule.id, "on": rule.watches, "model": rule.model},
                   "event": {"key": event.key, **event.details}}
        notification = store.alerts.claim(_new_id(), rule.id, event.key, payload, now)
        if notification is None:
            continue
        headers = {"X-Mlops-Event": rule.watches, "X-Mlops-Delivery": notification}
        delivery = notifier.send(rule.notify, payload, headers, secret, retries, backoff)
        status = "sent" if delivery.ok else "failed"
        store.alerts.finish(notification, status, delivery.attempts, delivery.response_code,
                            delivery.error)
        out.append({"rule_id": rule.id, "on": rule.watches, "event": event.key,
                    "status": status, "attempts": delivery.attempts,
                    "response_code": delivery.response_code, "error": delivery.error,
                    "text": event.text})
    return out


def _listen() -> None:
    from ..models.events import LISTENERS

    # replace=True: the entry point may have registered this very function first.
    LISTENERS.register("alerts", after_registry_event, replace=True)


_listen()
