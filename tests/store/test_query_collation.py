"""Text sorts and compares by code point on PostgreSQL too, whatever the database's locale."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from jupyter_mlops.config import Workspace
from jupyter_mlops.store import Store

HOST = os.environ.get("JUPYTER_MLOPS_TEST_PG_HOST", "127.0.0.1")
PORT = int(os.environ.get("JUPYTER_MLOPS_TEST_PG_PORT", "5432"))
USER = os.environ.get("JUPYTER_MLOPS_TEST_PG_USER", "postgres")


def _admin():
    import psycopg

    return psycopg.connect(host=HOST, port=PORT, user=USER, dbname="postgres", autocommit=True)


@pytest.fixture
def english_store(postgres_url: str, tmp_path) -> Iterator[Store]:
    """A store on a PostgreSQL database whose default collation is ICU's en-US."""
    import psycopg

    name = f"mlops_en_{uuid.uuid4().hex[:12]}"
    with _admin() as admin:
        try:
            admin.execute(
                f"CREATE DATABASE \"{name}\" TEMPLATE template0 LOCALE_PROVIDER icu "
                "ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"
            )
        except psycopg.Error as exc:  # servers before 15, or built without ICU
            pytest.skip(f"no ICU collations on this server: {exc}")
    url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    store = Store.open(Workspace(tmp_path, url, str(tmp_path / "artifacts")), cache=False)
    try:
        yield store
    finally:
        store.engine.dispose()
        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_text_order_ignores_the_database_locale(english_store):
    with english_store.engine.connect() as connection:
        # The premise: this database itself sorts like a dictionary.
        assert connection.execute(text("SELECT 'ana' < 'Bo'")).scalar() is True
    for number, name in enumerate(["ana", "Bo", "cy", "Ästhetik", "zed"]):
        english_store.runs.create(uuid.uuid4().hex, "exp", name, float(number), tags={"t": name})
    expected = ["Bo", "ana", "cy", "zed", "Ästhetik"]  # code point order, as on SQLite
    assert [r.name for r in english_store.search(order_by=["name"])] == expected
    assert [r.name for r in english_store.search(order_by=["tags.t desc"])] == expected[::-1]
    assert {r.name for r in english_store.search(filter="name < 'a'")} == {"Bo"}
