"""Shared fixtures: workspaces over SQLite and a real PostgreSQL server, and an S3 server.

The PostgreSQL tests use the server on 127.0.0.1:5432 (user postgres, trust auth) and create
and drop a database of their own. Outside CI they are skipped when no server answers; in CI
(CI=true) a missing server is an error, since `.ci/run` starts one.
"""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_mlops.config import Workspace

PG_HOST = os.environ.get("JUPYTER_MLOPS_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("JUPYTER_MLOPS_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("JUPYTER_MLOPS_TEST_PG_USER", "postgres")


def _postgres_up() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=1):
            return True
    except OSError:
        return False


def _admin_connection():
    import psycopg

    return psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True
    )


@pytest.fixture(scope="session")
def _postgres_database() -> Iterator[str]:
    """One database for the whole session; each test gets a schema of its own in it."""
    if not _postgres_up():
        if os.environ.get("CI"):
            pytest.fail(f"No PostgreSQL server at {PG_HOST}:{PG_PORT}; .ci/run should start one.")
        pytest.skip(f"no PostgreSQL server at {PG_HOST}:{PG_PORT}")
    name = f"mlops_test_{uuid.uuid4().hex[:12]}"
    with _admin_connection() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with _admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url(_postgres_database: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL schema (as the search path), dropped afterwards.

    A schema costs milliseconds where a database per test costs seconds to create and drop.
    """
    import psycopg

    schema_name = f"t_{uuid.uuid4().hex[:12]}"
    conninfo = dict(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=_postgres_database,
                    autocommit=True)
    with psycopg.connect(**conninfo) as connection:
        connection.execute(f'CREATE SCHEMA "{schema_name}"')
    url = (f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{_postgres_database}"
           f"?options=-csearch_path%3D{schema_name}")
    try:
        yield url
    finally:
        from jupyter_mlops.store import _OPEN

        for key, store in list(_OPEN.items()):
            if schema_name in key[0]:
                store.close()
        with psycopg.connect(**conninfo) as connection:
            connection.execute("SET lock_timeout = '10s'")
            # A straggling connection may hold a lock; the session's database goes anyway.
            with contextlib.suppress(psycopg.Error):
                connection.execute(f'DROP SCHEMA "{schema_name}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def workspace(request: pytest.FixtureRequest, tmp_path: Path) -> Workspace:
    """An empty workspace in tmp_path, its metadata on SQLite or on PostgreSQL."""
    root = tmp_path / "project"
    (root / ".mlops").mkdir(parents=True)
    if request.param == "sqlite":
        uri = f"sqlite:///{root / '.mlops' / 'mlops.db'}"
    else:
        uri = request.getfixturevalue("postgres_url")
    return Workspace(root=root, uri=uri, artifacts=str(root / ".mlops" / "artifacts"))


@pytest.fixture
def store(workspace: Workspace):
    """A Store over the workspace (not shared with the tracking API's cache)."""
    from jupyter_mlops.store import Store

    opened = Store.open(workspace, cache=False)
    yield opened
    opened.engine.dispose()


@pytest.fixture
def tracking(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    """The tracking API pointed at the workspace, run from inside it."""
    from jupyter_mlops import session
    from jupyter_mlops.tracking import run as run_module

    monkeypatch.chdir(workspace.root)
    session.set_workspace(workspace.root, uri=workspace.uri, artifacts=workspace.artifacts)
    yield workspace
    for leftover in list(run_module._stack.get()):
        leftover.end("KILLED")
    run_module.end_all_active()
    session.close()


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """moto's standalone S3 server on loopback; yields its endpoint URL."""
    pytest.importorskip("moto.server")
    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_url(s3_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh bucket on the moto server as an s3:// URL, with s3fs configured to reach it."""
    import fsspec
    import s3fs

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setitem(fsspec.config.conf, "s3", {"endpoint_url": s3_server})
    bucket = f"mlops-{uuid.uuid4().hex[:10]}"
    s3fs.S3FileSystem.clear_instance_cache()
    fs = s3fs.S3FileSystem(endpoint_url=s3_server, key="testing", secret="testing")
    fs.mkdir(bucket)
    yield f"s3://{bucket}/artifacts"
    s3fs.S3FileSystem.clear_instance_cache()
