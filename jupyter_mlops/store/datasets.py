"""Dataset names, their immutable versions and the files of folder versions, in the store.

A version is numbered inside the transaction that inserts it, under a lock on its dataset's
row, so two processes versioning the same name at once get consecutive numbers, and two
processes versioning the same content at once get the same version (``(name, digest)`` is
unique and checked under that lock).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update

from ..errors import NotFound
from ..records import Dataset, DatasetFile, DatasetVersion
from . import schema
from .engine import upsert, write

_D = schema.datasets
_V = schema.dataset_versions
_F = schema.dataset_files
_FILE_BATCH = 5_000


class Datasets:
    """Reads and writes of dataset versions; returns records, never rows."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- writing ---------------------------------------------------------------------------

    def add(self, version: DatasetVersion, files: Sequence[DatasetFile] = ()) -> DatasetVersion:
        """Store ``version`` as the next version of its name; its ``version`` is ignored.

        Returns the version stored, or the existing version of that name with the same digest
        (then nothing is written).
        """
        now = version.created_at
        with write(self.engine) as connection:
            upsert(connection, _D, [{"name": version.name, "description": None, "schema": None,
                                     "created_at": now, "updated_at": now}], keys=["name"])
            # Serialise numbering per dataset on PostgreSQL; SQLite's IMMEDIATE transaction
            # already excludes other writers.
            connection.execute(select(_D.c.name).where(_D.c.name == version.name)
                               .with_for_update())
            existing = self._find(connection, version.name, version.digest)
            if existing is not None:
                return existing
            top = connection.execute(
                select(func.max(_V.c.version)).where(_V.c.name == version.name)
            ).scalar()
            stored = replace(version, version=(top or 0) + 1)
            connection.execute(_V.insert().values(_row(stored)))
            rows = [{"name": stored.name, "version": stored.version, "path": f.path,
                     "digest": f.digest, "size": f.size} for f in files]
            for start in range(0, len(rows), _FILE_BATCH):
                connection.execute(_F.insert(), rows[start:start + _FILE_BATCH])
            values: dict[str, Any] = {"updated_at": now}
            connection.execute(update(_D).where(_D.c.name == stored.name).values(values))
            if version.description is not None:
                # A dataset first versioned without a description takes the first one given.
                connection.execute(update(_D).where(_D.c.name == stored.name,
                                                    _D.c.description.is_(None))
                                   .values(description=version.description))
            return stored

    def set_schema(self, name: str, text: str | None, now: float) -> None:
        """Make ``text`` (pandera YAML, or None to drop it) the contract of dataset ``name``."""
        with write(self.engine) as connection:
            self._require(connection, name)
            connection.execute(update(_D).where(_D.c.name == name)
                               .values(schema=text, updated_at=now))

    # -- reading ---------------------------------------------------------------------------

    def find(self, name: str, digest: str) -> DatasetVersion | None:
        """The version of ``name`` whose content has ``digest``, or None."""
        with self.engine.connect() as connection:
            return self._find(connection, name, digest)

    def _find(self, connection: Connection, name: str, digest: str) -> DatasetVersion | None:
        row = connection.execute(
            select(_V).where(_V.c.name == name, _V.c.digest == digest)
        ).first()
        return None if row is None else _record(row)

    def with_digest(self, digest: str) -> DatasetVersion | None:
        """Any version, of any name, whose content has ``digest`` (its stored copy is reusable)."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(_V).where(_V.c.digest == digest).order_by(_V.c.created_at).limit(1)
            ).first()
        return None if row is None else _record(row)

    def get(self, name: str, version: int | None = None) -> DatasetVersion:
        """Version ``version`` of ``name``, or its newest when ``version`` is None."""
        with self.engine.connect() as connection:
            query = select(_V).where(_V.c.name == name)
            if version is None:
                query = query.order_by(_V.c.version.desc()).limit(1)
            else:
                query = query.where(_V.c.version == version)
            row = connection.execute(query).first()
            if row is not None:
                return _record(row)
            self._require(connection, name)
            top = connection.execute(
                select(func.max(_V.c.version)).where(_V.c.name == name)
            ).scalar()
        raise NotFound(
            f"Dataset {name!r} has no version {version} (its versions are 1 to {top}). "
            f"List them with `jupyter mlops data show {name}`."
        )

    def versions(self, name: str) -> list[DatasetVersion]:
        """Every version of ``name``, oldest first."""
        with self.engine.connect() as connection:
            self._require(connection, name)
            rows = connection.execute(
                select(_V).where(_V.c.name == name).order_by(_V.c.version)
            ).all()
        return [_record(row) for row in rows]

    def dataset(self, name: str) -> Dataset:
        with self.engine.connect() as connection:
            self._require(connection, name)
            return self._datasets(connection, [name])[0]

    def datasets(self) -> list[Dataset]:
        """Every dataset name with its newest version, by name."""
        with self.engine.connect() as connection:
            return self._datasets(connection, None)

    def _datasets(self, connection: Connection, names: list[str] | None) -> list[Dataset]:
        query = select(_D).order_by(_D.c.name)
        tally = select(_V.c.name, func.count().label("n"), func.max(_V.c.version).label("top"))
        if names is not None:
            query = query.where(_D.c.name.in_(names))
            tally = tally.where(_V.c.name.in_(names))
        counts = {row.name: (row.n, row.top)
                  for row in connection.execute(tally.group_by(_V.c.name))}
        out = []
        for row in connection.execute(query):
            count, top = counts.get(row.name, (0, None))
            out.append(Dataset(name=row.name, description=row.description,
                               created_at=row.created_at, updated_at=row.updated_at,
                               latest_version=top, version_count=count, schema=row.schema))
        return out

    def files(self, name: str, version: int) -> list[DatasetFile]:
        """The files of a folder version, by path."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(_F.c.path, _F.c.digest, _F.c.size)
                .where(_F.c.name == name, _F.c.version == version).order_by(_F.c.path)
            ).all()
        return [DatasetFile(row.path, row.digest, row.size) for row in rows]

    def lineage(self, refs: Iterable[str]) -> list[tuple[str, str, str]]:
        """(ref, run id, direction) for every run that read or wrote one of ``refs``."""
        wanted = list(refs)
        if not wanted:
            return []
        lineage = schema.lineage
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(lineage.c.ref, lineage.c.run_id, lineage.c.direction)
                .where(lineage.c.kind == "dataset", lineage.c.ref.in_(wanted))
                .order_by(lineage.c.created_at)
            ).all()
        return [(row.ref, row.run_id, row.direction) for row in rows]

    def _require(self, connection: Connection, name: str) -> None:
        found = connection.execute(select(_D.c.name).where(_D.c.name == name)).first()
        if found is None:
            known = connection.execute(select(_D.c.name).order_by(_D.c.name).limit(10))
            listing = ", ".join(known.scalars()) or "none yet"
            raise NotFound(
                f"Unknown dataset {name!r}. Known datasets: {listing}. "
                "List them with `jupyter mlops data list`."
            )


def _row(version: DatasetVersion) -> dict[str, Any]:
    return {
        "name": version.name, "version": version.version, "kind": version.kind,
        "digest": version.digest, "storage_digest": version.storage_digest,
        "profile_digest": version.profile_digest, "size_bytes": version.bytes,
        "row_count": version.rows, "file_count": version.files,
        # A list of pairs: column order is part of a frame's schema.
        "columns": json.dumps(list(version.columns.items())),
        "format": version.format, "source": version.source,
        "description": version.description, "schema": version.schema,
        "run_id": version.run_id, "created_at": version.created_at,
        "created_by": version.created_by,
    }


def _record(row: Any) -> DatasetVersion:
    return DatasetVersion(
        name=row.name, version=row.version, kind=row.kind, digest=row.digest,
        bytes=row.size_bytes, created_at=row.created_at, created_by=row.created_by,
        storage_digest=row.storage_digest, rows=row.row_count, files=row.file_count,
        columns=dict(json.loads(row.columns)), format=row.format, source=row.source,
        description=row.description, run_id=row.run_id, profile_digest=row.profile_digest,
        schema=row.schema,
    )
