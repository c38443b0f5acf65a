"""Processes opening a brand-new workspace at the same moment all succeed, and it is made once."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

from sqlalchemy import select

from jupyter_mlops.store import Store, schema

OPENER = textwrap.dedent(
    """
    import json, os, sys, time, uuid
    from pathlib import Path
    from jupyter_mlops.config import Workspace
    from jupyter_mlops.store import Store
    from jupyter_mlops.store.engine import make_engine
    from jupyter_mlops.store.migrations import migrate

    uri, artifacts, folder, name = sys.argv[1:5]
    Path(folder, name + ".ready").touch()
    go = Path(folder, "go")
    while not go.exists():
        time.sleep(0.0005)
    engine = make_engine(uri)
    applied = migrate(engine)
    store = Store.open(Workspace(Path(folder), uri, artifacts), cache=False)
    store.runs.create(uuid.uuid4().hex, "together", name, time.time())
    print(json.dumps(applied))
    """
)

PROCESSES = 3


def test_concurrent_first_opens_all_succeed(workspace, tmp_path):
    folder = tmp_path / "sync"
    folder.mkdir()
    children = [
        subprocess.Popen(
            [sys.executable, "-c", OPENER, workspace.uri, workspace.artifacts, str(folder),
             f"opener-{n}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(PROCESSES)
    ]
    try:
        deadline = time.monotonic() + 60
        while len(list(folder.glob("*.ready"))) < PROCESSES:
            assert time.monotonic() < deadline, "the openers never got ready"
            assert all(c.poll() is None for c in children), [c.communicate() for c in children]
            time.sleep(0.01)
        (folder / "go").touch()
        results = [c.communicate(timeout=60) for c in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
    for child, (_, err) in zip(children, results, strict=True):
        assert child.returncode == 0, err
    applied = sorted(json.loads(out) for out, _ in results)
    assert applied == [[]] * (PROCESSES - 1) + [[schema.SCHEMA_VERSION]]

    store = Store.open(workspace, cache=False)
    try:
        with store.engine.connect() as connection:
            versions = connection.execute(select(schema.schema_version.c.version)).scalars()
            assert list(versions) == [schema.SCHEMA_VERSION]
        names = sorted(r.name for r in store.search())
        assert names == [f"opener-{n}" for n in range(PROCESSES)]
        assert [e.run_count for e in store.runs.experiments()] == [PROCESSES]
    finally:
        store.engine.dispose()
