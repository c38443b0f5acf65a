"""Soft deletion and restore of runs, purging deleted runs, and the blobs still referenced."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select, update

from . import schema
from .engine import write
from .run_reads import RunReads

_R = schema.runs


class RunDeletion(RunReads):
    """Removing runs: soft delete with restore, then purge for good once old enough."""

    def set_deleted(self, run_ids: Sequence[str], deleted_at: float | None) -> int:
        """Soft-delete (a time) or restore (None) runs and their nested runs; returns count."""
        with write(self.engine) as connection:
            ids = {self.resolve_id(run_id, connection) for run_id in run_ids}
            frontier = set(ids)
            while frontier:
                children = connection.execute(
                    select(_R.c.id).where(_R.c.parent_id.in_(frontier))
                ).scalars().all()
                frontier = set(children) - ids
                ids |= frontier
            result = connection.execute(
                update(_R).where(_R.c.id.in_(ids)).values(deleted_at=deleted_at)
            )
            return result.rowcount

    def purge_deleted(self, before: float) -> list[str]:
        """Remove runs deleted before ``before`` for good (their rows cascade)."""
        with write(self.engine) as connection:
            ids = connection.execute(
                select(_R.c.id).where(_R.c.deleted_at.is_not(None), _R.c.deleted_at < before)
            ).scalars().all()
            for table in (schema.metrics, schema.latest_metrics, schema.params, schema.tags,
                          schema.artifacts, schema.lineage):
                connection.execute(delete(table).where(table.c.run_id.in_(ids)))
            # Children first, so the parent foreign key never points at a removed row.
            connection.execute(
                update(_R).where(_R.c.parent_id.in_(ids)).values(parent_id=None)
            )
            connection.execute(delete(_R).where(_R.c.id.in_(ids)))
        return list(ids)

    def referenced_digests(self) -> set[str]:
        """Every artifact digest the metadata still points at."""
        digests: set[str] = set()
        with self.engine.connect() as connection:
            for table, column in schema.BLOB_REFERENCES:
                col = table.c[column]
                digests.update(
                    connection.execute(select(col).where(col.is_not(None)).distinct()).scalars()
                )
        return digests
