"""Alert rules and their notifications; the event sources the checker reads since a rule began.

A notification row is claimed before its webhook is sent: ``INSERT ... ON CONFLICT DO
NOTHING`` on (rule, event key) means two checkers running at once send an event once, and a
failed delivery is claimed again only by an update that still finds it failed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, func, select, update

from ..errors import InvalidInput, NotFound
from ..records import AuditEntry, DriftReportRecord
from . import schema
from .drift import DriftReports
from .engine import upsert, write
from .evaluations import EvaluationRecord, Evaluations

_R = schema.alert_rules
_N = schema.notifications
_MIN_PREFIX = 6
# A claim older than this whose sender never finished (its process died) may be taken again.
STALE_CLAIM = 600.0


@dataclass(frozen=True)
class AlertRule:
    """What a rule watches, for which model, where it tells, and its condition."""

    id: str
    created_at: float
    watches: str
    notify: str
    condition: dict[str, Any] = field(default_factory=dict)
    model: str | None = None
    enabled: bool = True
    deleted_at: float | None = None


@dataclass(frozen=True)
class Notification:
    """One event sent (or being sent, or failed) for one rule."""

    id: str
    rule_id: str
    event_key: str
    created_at: float
    status: str
    attempts: int
    payload: dict[str, Any]
    response_code: int | None = None
    error: str | None = None


class Alerts:
    """Writes and reads of alert rules and notifications."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- rules ------------------------------------------------------------------------------

    def add(self, rule: AlertRule) -> AlertRule:
        with write(self.engine) as connection:
            connection.execute(_R.insert().values(
                id=rule.id, created_at=rule.created_at, watches=rule.watches, model=rule.model,
                notify=rule.notify, condition=json.dumps(rule.condition, sort_keys=True),
                enabled=rule.enabled, deleted_at=None))
        return rule

    def get(self, rule_id: str) -> AlertRule:
        """The rule ``rule_id`` names (its id or a unique prefix or suffix), deleted or not."""
        text = rule_id.strip().lower()
        if len(text) < _MIN_PREFIX:
            raise InvalidInput(f"Alert rule id {rule_id!r} is too short: give at least "
                               f"{_MIN_PREFIX} characters.")
        with self.engine.connect() as connection:
            rows = connection.execute(select(_R).where(
                _R.c.id.like(f"{text}%") | _R.c.id.like(f"%{text}")).limit(2)).all()
        if not rows:
            raise NotFound(f"No alert rule {rule_id!r}. List them with "
                           "`jupyter mlops alerts list`.")
        if len(rows) > 1:
            raise InvalidInput(f"Alert rule id {rule_id!r} is ambiguous: give more characters.")
        return _rule(rows[0])

    def list(self, watches: str | None = None, include_deleted: bool = False) -> list[AlertRule]:
        """Rules, oldest first."""
        query = select(_R).order_by(_R.c.created_at, _R.c.id)
        if watches is not None:
            query = query.where(_R.c.watches == watches)
        if not include_deleted:
            query = query.where(_R.c.deleted_at.is_(None))
        with self.engine.connect() as connection:
            return [_rule(row) for row in connection.execute(query)]

    def remove(self, rule_id: str, now: float) -> AlertRule:
        """Disable and mark deleted; the rule's notifications stay as its history."""
        rule = self.get(rule_id)
        with write(self.engine) as connection:
            connection.execute(update(_R).where(_R.c.id == rule.id).values(
                enabled=False, deleted_at=now))
        return self.get(rule.id)

    def set_condition(self, rule_id: str, condition: dict[str, Any]) -> None:
        with write(self.engine) as connection:
            connection.execute(update(_R).where(_R.c.id == rule_id).values(
                condition=json.dumps(condition, sort_keys=True)))

    # -- notifications ----------------------------------------------------------------------

    def claim(self, notification_id: str, rule_id: str, event_key: str,
              payload: dict[str, Any], now: float) -> str | None:
        """Take (rule, event) for sending; the id of the row to finish, or None if it is
        delivered already or another checker holds it."""
        row = {"id": notification_id, "rule_id": rule_id, "event_key": event_key,
               "created_at": now, "status": "sending", "attempts": 0,
               "payload": json.dumps(payload, sort_keys=True, default=str)}
        with write(self.engine) as connection:
            upsert(connection, _N, [row], keys=["rule_id", "event_key"])
            found = connection.execute(select(_N.c.id, _N.c.status, _N.c.created_at).where(
                _N.c.rule_id == rule_id, _N.c.event_key == event_key)).one()
            if found.id == notification_id:
                return notification_id
            retake = (found.status == "failed"
                      or (found.status == "sending" and found.created_at < now - STALE_CLAIM))
            if not retake:
                return None
            # Compare-and-set on the status read: a concurrent checker's retake wins once.
            taken = connection.execute(update(_N).where(
                _N.c.id == found.id, _N.c.status == found.status,
                _N.c.created_at == found.created_at).values(
                status="sending", created_at=now, payload=row["payload"])).rowcount
            return str(found.id) if taken else None

    def finish(self, notification_id: str, status: str, attempts: int,
               response_code: int | None, error: str | None) -> None:
        with write(self.engine) as connection:
            connection.execute(update(_N).where(_N.c.id == notification_id).values(
                status=status, attempts=_N.c.attempts + attempts,
                response_code=response_code, error=error))

    def notifications(self, rule_id: str | None = None, limit: int = 50) -> list[Notification]:
        """Notifications, newest first."""
        query = select(_N).order_by(_N.c.created_at.desc(), _N.c.id.desc()).limit(limit)
        if rule_id is not None:
            query = query.where(_N.c.rule_id == rule_id)
        with self.engine.connect() as connection:
            return [Notification(r.id, r.rule_id, r.event_key, r.created_at, r.status,
                                 int(r.attempts), json.loads(r.payload), r.response_code,
                                 r.error) for r in connection.execute(query)]

    def delivered(self, rule_id: str) -> set[str]:
        """The event keys of ``rule_id`` already sent."""
        with self.engine.connect() as connection:
            return set(connection.execute(select(_N.c.event_key).where(
                _N.c.rule_id == rule_id, _N.c.status == "sent")).scalars())

    # -- event sources ----------------------------------------------------------------------

    def drift_reports_since(self, since: float) -> list[DriftReportRecord]:
        """Saved drift reports created at or after ``since``, oldest first (no column rows)."""
        table = schema.drift_reports
        query = select(table).where(table.c.created_at >= since).order_by(
            table.c.created_at, table.c.id)
        with self.engine.connect() as connection:
            return [DriftReports._record(row, []) for row in connection.execute(query)]

    def evaluations_since(self, kind: str, since: float) -> list[EvaluationRecord]:
        """Evaluations of ``kind`` created at or after ``since``, oldest first."""
        table = schema.evaluations
        query = select(table).where(table.c.kind == kind, table.c.created_at >= since
                                    ).order_by(table.c.created_at, table.c.id)
        with self.engine.connect() as connection:
            return [Evaluations._record(row) for row in connection.execute(query)]

    def audit_after(self, after_id: int) -> list[AuditEntry]:
        """Registry audit entries with an id above ``after_id``, oldest first."""
        table = schema.model_audit
        query = select(table).where(table.c.id > after_id).order_by(table.c.id)
        with self.engine.connect() as connection:
            return [AuditEntry(r.id, r.name, r.action, r.version, r.alias, r.from_value,
                               r.to_value, r.user_name, r.created_at, r.reason)
                    for r in connection.execute(query)]

    def last_audit_id(self) -> int:
        table = schema.model_audit
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.max(table.c.id))).scalar() or 0)


def _rule(row: Any) -> AlertRule:
    return AlertRule(id=row.id, created_at=row.created_at, watches=row.watches,
                     notify=row.notify, condition=json.loads(row.condition), model=row.model,
                     enabled=bool(row.enabled), deleted_at=row.deleted_at)
