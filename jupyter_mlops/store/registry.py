"""Registered models, versions, aliases, the audit log and the prediction log in the store.

Every change that governance cares about (a version registered, its status changed, an alias
set, moved or removed, a promotion refused) writes its audit entry in the same transaction as
the change itself, so the log can neither miss a change nor record one that did not happen.
The audit table is append-only: no code path here updates or deletes it, and a database
trigger refuses anyone else who tries.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, select, update

from ..errors import Conflict, NotFound
from ..records import (
    AliasMove,
    AuditEntry,
    ModelVersion,
    PredictionRecord,
    RegisteredModel,
    VersionStatus,
)
from . import schema
from .engine import upsert, write

_M = schema.registered_models
_V = schema.model_versions
_A = schema.model_aliases
_L = schema.model_audit
_P = schema.prediction_log

ANY = object()
"""``expected`` value of ``set_alias`` that accepts whatever version the alias holds now."""


def _dumps(value: Any) -> str:
    # NaN and infinities are valid metric values; Python's JSON spells and reads them back.
    return json.dumps(value, sort_keys=True)


class Registry:
    """Reads and writes of the model registry; returns records, never rows."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- models ----------------------------------------------------------------------------

    def _ensure_model(self, connection: Connection, name: str, user: str, now: float,
                      description: str | None, tags: Mapping[str, str] | None) -> None:
        upsert(connection, _M, [{
            "name": name, "description": description, "tags": _dumps(dict(tags or {})),
            "created_at": now, "updated_at": now, "created_by": user,
        }], keys=["name"])
        if description is not None:
            # A model first registered without a purpose takes the first one given.
            connection.execute(update(_M).where(_M.c.name == name, _M.c.description.is_(None))
                               .values(description=description))
        # Serialise version numbering and alias moves per model (a no-op clause on SQLite,
        # whose IMMEDIATE transactions already exclude other writers).
        connection.execute(select(_M.c.name).where(_M.c.name == name).with_for_update())

    def _require_model(self, connection: Connection, name: str) -> None:
        found = connection.execute(select(_M.c.name).where(_M.c.name == name)).first()
        if found is None:
            known = connection.execute(select(_M.c.name).order_by(_M.c.name).limit(10))
            listing = ", ".join(known.scalars()) or "none yet"
            raise NotFound(
                f"Unknown model {name!r}. Known models: {listing}. "
                "List them with `jupyter mlops models list`."
            )

    def model(self, name: str) -> RegisteredModel:
        with self.engine.connect() as connection:
            self._require_model(connection, name)
            return self._models(connection, [name])[0]

    def models(self) -> list[RegisteredModel]:
        with self.engine.connect() as connection:
            return self._models(connection, None)

    def _models(self, connection: Connection, names: list[str] | None) -> list[RegisteredModel]:
        query = select(_M).order_by(_M.c.name)
        counts = select(_V.c.name, func.count().label("n"), func.max(_V.c.version).label("top"))
        aliases = select(_A.c.name, _A.c.alias, _A.c.version).order_by(_A.c.alias)
        if names is not None:
            query = query.where(_M.c.name.in_(names))
            counts = counts.where(_V.c.name.in_(names))
            aliases = aliases.where(_A.c.name.in_(names))
        tally = {row.name: (row.n, row.top)
                 for row in connection.execute(counts.group_by(_V.c.name))}
        held: dict[str, dict[str, int]] = {}
        for row in connection.execute(aliases):
            held.setdefault(row.name, {})[row.alias] = row.version
        out = []
        for row in connection.execute(query):
            count, top = tally.get(row.name, (0, None))
            out.append(RegisteredModel(
                name=row.name, description=row.description, tags=json.loads(row.tags),
                created_at=row.created_at, updated_at=row.updated_at,
                created_by=row.created_by, latest_version=top, version_count=count,
                aliases=held.get(row.name, {}),
            ))
        return out

    def update_model(self, name: str, now: float, description: str | None = None,
                     tags: Mapping[str, str] | None = None) -> RegisteredModel:
        """Replace the description and/or merge ``tags`` into the model's tags."""
        with write(self.engine) as connection:
            self._require_model(connection, name)
            values: dict[str, Any] = {"updated_at": now}
            if description is not None:
                values["description"] = description
            if tags:
                current = json.loads(connection.execute(
                    select(_M.c.tags).where(_M.c.name == name)).scalar_one())
                values["tags"] = _dumps({**current, **tags})
            connection.execute(update(_M).where(_M.c.name == name).values(**values))
        return self.model(name)

    # -- versions --------------------------------------------------------------------------

    def create_version(
        self,
        name: str,
        *,
        flavor: str,
        model_digest: str,
        meta_digest: str,
        artifact_path: str,
        run_id: str | None,
        user: str,
        now: float,
        signature: dict[str, Any] | None = None,
        metrics: Mapping[str, float] | None = None,
        params: Mapping[str, str] | None = None,
        datasets: Sequence[str] = (),
        environment_digest: str | None = None,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        model_description: str | None = None,
        alias: str | None = None,
        reason: str | None = None,
    ) -> ModelVersion:
        """Register the next version of ``name`` (creating the model), audited, in one go."""
        with write(self.engine) as connection:
            self._ensure_model(connection, name, user, now, model_description, None)
            top = connection.execute(
                select(func.max(_V.c.version)).where(_V.c.name == name)).scalar()
            number = (top or 0) + 1
            connection.execute(_V.insert().values(
                name=name, version=number, status=VersionStatus.READY.value, flavor=flavor,
                model_digest=model_digest, meta_digest=meta_digest,
                artifact_path=artifact_path, run_id=run_id,
                signature=None if signature is None else _dumps(signature),
                metrics=_dumps(dict(metrics or {})), params=_dumps(dict(params or {})),
                datasets=_dumps(list(datasets)), environment_digest=environment_digest,
                description=description, tags=_dumps(dict(tags or {})),
                created_at=now, created_by=user,
            ))
            connection.execute(update(_M).where(_M.c.name == name).values(updated_at=now))
            self._audit(connection, name, "register", number, None, None,
                        VersionStatus.READY.value, user, now,
                        reason or f"registered version {number}")
            if alias is not None:
                self._move(connection, name, alias, number, user, now, reason, ANY)
        return self.version(name, number)

    def version(self, name: str, version: int) -> ModelVersion:
        with self.engine.connect() as connection:
            found = self._versions(connection, name, version)
            if not found:
                self._require_model(connection, name)
                top = connection.execute(
                    select(func.max(_V.c.version)).where(_V.c.name == name)).scalar()
                raise NotFound(
                    f"Model {name!r} has no version {version} (latest: {top}). "
                    f"List them with `jupyter mlops models show {name}`."
                )
        return found[0]

    def versions(self, name: str) -> list[ModelVersion]:
        with self.engine.connect() as connection:
            self._require_model(connection, name)
            return self._versions(connection, name, None)

    def versions_of_run(self, run_id: str) -> list[ModelVersion]:
        """Every registered version whose source is ``run_id``."""
        with self.engine.connect() as connection:
            pairs = connection.execute(
                select(_V.c.name, _V.c.version).where(_V.c.run_id == run_id)).all()
            return [v for n, number in pairs for v in self._versions(connection, n, number)]

    def _versions(self, connection: Connection, name: str,
                  version: int | None) -> list[ModelVersion]:
        query = select(_V).where(_V.c.name == name).order_by(_V.c.version)
        aliases = select(_A.c.alias, _A.c.version).where(_A.c.name == name)
        if version is not None:
            query = query.where(_V.c.version == version)
            aliases = aliases.where(_A.c.version == version)
        held: dict[int, list[str]] = {}
        for row in connection.execute(aliases.order_by(_A.c.alias)):
            held.setdefault(row.version, []).append(row.alias)
        return [_version(row, tuple(held.get(row.version, ()))) for row in
                connection.execute(query)]

    def latest_version(self, name: str, status: VersionStatus | None = None) -> int:
        """The newest version number of ``name`` (with ``status`` when given)."""
        with self.engine.connect() as connection:
            query = select(func.max(_V.c.version)).where(_V.c.name == name)
            if status is not None:
                query = query.where(_V.c.status == status.value)
            top = connection.execute(query).scalar()
            if top is None:
                self._require_model(connection, name)
                which = f"{status.value} " if status is not None else ""
                raise NotFound(f"Model {name!r} has no {which}version yet.")
        return int(top)

    def set_status(self, name: str, version: int, status: VersionStatus, user: str, now: float,
                   reason: str | None = None) -> AuditEntry:
        """Change a version's status; an archived version may hold no alias."""
        with write(self.engine) as connection:
            self._ensure_version(connection, name, version)
            current = connection.execute(select(_V.c.status).where(
                _V.c.name == name, _V.c.version == version)).scalar_one()
            if status is VersionStatus.ARCHIVED:
                held = connection.execute(select(_A.c.alias).where(
                    _A.c.name == name, _A.c.version == version)).scalars().all()
                if held:
                    raise Conflict(
                        f"Version {version} of {name!r} holds alias(es) {', '.join(held)}: "
                        "move or delete them before archiving it."
                    )
            connection.execute(update(_V).where(_V.c.name == name, _V.c.version == version)
                               .values(status=status.value))
            return self._audit(connection, name, "status", version, None, current,
                               status.value, user, now, reason)

    def _ensure_version(self, connection: Connection, name: str, version: int) -> None:
        self._ensure_existing_model_locked(connection, name)
        found = connection.execute(select(_V.c.version).where(
            _V.c.name == name, _V.c.version == version)).first()
        if found is None:
            raise NotFound(
                f"Model {name!r} has no version {version}. "
                f"List them with `jupyter mlops models show {name}`."
            )

    def _ensure_existing_model_locked(self, connection: Connection, name: str) -> None:
        self._require_model(connection, name)
        connection.execute(select(_M.c.name).where(_M.c.name == name).with_for_update())

    # -- aliases ---------------------------------------------------------------------------

    def alias_version(self, name: str, alias: str) -> int | None:
        """The version ``alias`` names now, or None: one indexed read, cheap enough to poll."""
        with self.engine.connect() as connection:
            return connection.execute(select(_A.c.version).where(
                _A.c.name == name, _A.c.alias == alias)).scalar()

    def resolve_alias(self, name: str, alias: str) -> int:
        with self.engine.connect() as connection:
            found = connection.execute(select(_A.c.version).where(
                _A.c.name == name, _A.c.alias == alias)).scalar()
            if found is None:
                self._require_model(connection, name)
                known = connection.execute(select(_A.c.alias).where(_A.c.name == name)
                                           .order_by(_A.c.alias)).scalars().all()
                raise NotFound(
                    f"Model {name!r} has no alias {alias!r}. Its aliases: "
                    f"{', '.join(known) or 'none yet'}. Set one with "
                    f"`jupyter mlops models alias {name} {alias} VERSION`."
                )
        return int(found)

    def set_alias(self, name: str, alias: str, version: int, user: str, now: float,
                  reason: str | None = None, expected: Any = ANY) -> AliasMove:
        """Point ``alias`` at ``version``; with ``expected``, only if it still names that.

        ``expected`` (a version or None for "unset") makes the move a compare-and-set, so a
        promotion decided on the current holder cannot overwrite a move made meanwhile.
        """
        with write(self.engine) as connection:
            self._ensure_version(connection, name, version)
            status = connection.execute(select(_V.c.status).where(
                _V.c.name == name, _V.c.version == version)).scalar_one()
            if status != VersionStatus.READY.value:
                raise Conflict(
                    f"Version {version} of {name!r} is {status}: only READY versions take "
                    "aliases. Set its status back to READY first."
                )
            return self._move(connection, name, alias, version, user, now, reason, expected)

    def delete_alias(self, name: str, alias: str, user: str, now: float,
                     reason: str | None = None) -> AliasMove:
        with write(self.engine) as connection:
            self._ensure_existing_model_locked(connection, name)
            return self._move(connection, name, alias, None, user, now, reason, ANY)

    def _move(self, connection: Connection, name: str, alias: str, version: int | None,
              user: str, now: float, reason: str | None, expected: Any) -> AliasMove:
        current = connection.execute(select(_A.c.version).where(
            _A.c.name == name, _A.c.alias == alias)).scalar()
        if expected is not ANY and current != expected:
            raise Conflict(
                f"Alias {alias!r} of {name!r} moved to version {current} meanwhile (expected "
                f"{expected}); decide again on the new holder."
            )
        if version is None:
            if current is None:
                raise NotFound(f"Model {name!r} has no alias {alias!r} to delete.")
            connection.execute(delete(_A).where(_A.c.name == name, _A.c.alias == alias))
        else:
            upsert(connection, _A, [{"name": name, "alias": alias, "version": version,
                                     "updated_at": now, "updated_by": user}],
                   keys=["name", "alias"], update=["version", "updated_at", "updated_by"])
        connection.execute(update(_M).where(_M.c.name == name).values(updated_at=now))
        self._audit(connection, name, "alias", version if version is not None else current,
                    alias, _text(current), _text(version), user, now, reason)
        return AliasMove(name, alias, current, version, user, now, reason)

    def record_refusal(self, name: str, alias: str, current: int | None, candidate: int,
                       user: str, now: float, reason: str) -> AuditEntry:
        """Audit a promotion that was refused (the alias did not move)."""
        with write(self.engine) as connection:
            self._ensure_existing_model_locked(connection, name)
            return self._audit(connection, name, "promotion-refused", candidate, alias,
                               _text(current), _text(candidate), user, now, reason)

    # -- audit -----------------------------------------------------------------------------

    def _audit(self, connection: Connection, name: str, action: str, version: int | None,
               alias: str | None, from_value: str | None, to_value: str | None, user: str,
               now: float, reason: str | None) -> AuditEntry:
        row = {"name": name, "action": action, "version": version, "alias": alias,
               "from_value": from_value, "to_value": to_value, "user_name": user,
               "created_at": now, "reason": reason}
        entry_id = connection.execute(_L.insert().values(**row).returning(_L.c.id)).scalar_one()
        return AuditEntry(entry_id, name, action, version, alias, from_value, to_value, user,
                          now, reason)

    def audit(self, name: str | None = None, limit: int | None = None) -> list[AuditEntry]:
        """Audit entries, oldest first (the last ``limit`` when given)."""
        query = select(_L).order_by(_L.c.id.desc())
        with self.engine.connect() as connection:
            if name is not None:
                self._require_model(connection, name)
                query = query.where(_L.c.name == name)
            if limit is not None:
                query = query.limit(limit)
            rows = connection.execute(query).all()
        return [AuditEntry(r.id, r.name, r.action, r.version, r.alias, r.from_value,
                           r.to_value, r.user_name, r.created_at, r.reason)
                for r in reversed(rows)]

    # -- prediction log --------------------------------------------------------------------

    def log_predictions(self, rows: Sequence[Mapping[str, Any]]) -> int:
        """Append served requests (name, version, request_id, created_at, rows, inputs and
        predictions as JSON text) in one transaction; returns how many."""
        if not rows:
            return 0
        with write(self.engine) as connection:
            connection.execute(_P.insert(), [dict(row) for row in rows])
        return len(rows)

    def predictions(self, name: str, version: int | None = None, since: float | None = None,
                    limit: int | None = None) -> list[PredictionRecord]:
        """Logged requests of ``name``, oldest first (the newest ``limit`` when given)."""
        query = select(_P).where(_P.c.name == name).order_by(_P.c.id.desc())
        if version is not None:
            query = query.where(_P.c.version == version)
        if since is not None:
            query = query.where(_P.c.created_at >= since)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [PredictionRecord(r.id, r.name, r.version, r.created_at, r.rows,
                                 json.loads(r.inputs), json.loads(r.predictions), r.request_id)
                for r in reversed(rows)]


def _text(version: int | None) -> str | None:
    return None if version is None else str(version)


def _version(row: Any, aliases: tuple[str, ...]) -> ModelVersion:
    metrics = {k: (math.nan if v is None else float(v))
               for k, v in json.loads(row.metrics).items()}
    return ModelVersion(
        name=row.name, version=row.version, status=VersionStatus(row.status),
        flavor=row.flavor, model_digest=row.model_digest, meta_digest=row.meta_digest,
        artifact_path=row.artifact_path, run_id=row.run_id, created_at=row.created_at,
        created_by=row.created_by,
        signature=None if row.signature is None else json.loads(row.signature),
        metrics=metrics, params=json.loads(row.params), datasets=tuple(json.loads(row.datasets)),
        environment_digest=row.environment_digest, description=row.description,
        tags=json.loads(row.tags), aliases=aliases,
    )
