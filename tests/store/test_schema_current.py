"""A new workspace gets exactly the current schema, stamped; a newer one is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from jupyter_mlops.errors import SchemaOutOfDate
from jupyter_mlops.store import Store, schema
from jupyter_mlops.store.migrations import current_version, migrate


def test_a_new_workspace_has_the_current_schema_and_version(store, schema_differences):
    assert schema_differences(store.engine) == []
    with store.engine.connect() as connection:
        rows = connection.execute(select(schema.schema_version)).all()
        assert current_version(connection) == schema.SCHEMA_VERSION
    assert [(r.version, r.description) for r in rows] == [
        (schema.SCHEMA_VERSION, "initial schema")
    ]
    # Opening it again applies nothing.
    assert migrate(store.engine) == []
    again = Store.open(store.workspace, cache=False)
    again.engine.dispose()
    with store.engine.connect() as connection:
        versions = connection.execute(select(schema.schema_version.c.version)).scalars().all()
    assert versions == [schema.SCHEMA_VERSION]


def test_newer_schema_is_refused(store):
    newer = schema.SCHEMA_VERSION + 1
    with store.engine.begin() as connection:
        connection.execute(
            schema.schema_version.insert().values(
                version=newer, description="from the future", applied_at=0.0
            )
        )
    store.engine.dispose()
    with pytest.raises(SchemaOutOfDate) as info:
        Store.open(store.workspace, cache=False)
    assert f"schema version {newer}" in str(info.value)
    assert "pip install -U jupyter-mlops" in str(info.value)
    # Refusing must not touch the workspace.
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT max(version) FROM schema_version")).scalar() == newer
