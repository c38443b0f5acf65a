"""gc racing a writer that reuses old, unreferenced blobs: no recorded reference loses its blob.

The race of the issue: a writer finds a blob stored (and refreshes it) while gc has just judged
it unreferenced and old; the writer records its reference a moment later.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
import uuid

from jupyter_mlops.session import current
from jupyter_mlops.store.gc import collect

GRACE = 0.2
ROUNDS = 300

WRITER = textwrap.dedent(
    """
    import random, sys, time
    import jupyter_mlops as mlops
    from jupyter_mlops.session import current

    store = current().store
    holder = sys.argv[2]
    with mlops.start_run(experiment="race") as run:
        run.log_param("rounds", sys.argv[1])  # the run is written now, not lazily
        for n in range(int(sys.argv[1])):
            # The old run lets go of blob n (as a purge would), and a moment later a new run
            # stores the same bytes, finds the blob and records its reference.
            with store.engine.begin() as connection:
                connection.exec_driver_sql(
                    f"DELETE FROM artifacts WHERE run_id = '{holder}' AND path = 'h/{n}'")
            time.sleep(random.random() / 100)
            digest, size = store.artifacts.put_bytes(f"blob {n} ".encode() * 100)
            time.sleep(random.random() / 50)
            store.runs.add_artifacts(run.id, [(f"a/{n}", digest, size)], time.time())
    """
)


def test_gc_racing_a_writer_deletes_no_blob_in_use(tracking, env):
    store = current().store
    artifacts = store.artifacts
    old = time.time() - 3600
    holder = uuid.uuid4().hex
    store.runs.create(holder, "race", "holder", old)
    for n in range(ROUNDS):  # stored long ago by a run that holds them until the writer's turn
        digest, size = artifacts.put_bytes(f"blob {n} ".encode() * 100)
        os.utime(artifacts.local_path(digest), (old, old))
        store.runs.add_artifacts(holder, [(f"h/{n}", digest, size)], old)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(ROUNDS), holder], env=env(),
                              cwd=tracking.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    def referenced() -> set[str]:
        time.sleep(0.01)  # a large store's query takes a while: the window a writer races
        return store.runs.referenced_digests()

    collections = 0
    while writer.poll() is None:
        collect(artifacts, referenced, grace=GRACE)
        collections += 1
    _, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err
    assert collections > 1  # gc really ran beside the writer
    referenced = store.runs.referenced_digests()
    assert len(referenced) == ROUNDS  # all now the writer's, none left to the holder
    missing = [d for d in referenced if not artifacts.exists(d)]
    assert missing == [], f"{len(missing)} of {ROUNDS} references point at deleted blobs"
    for digest in referenced:
        artifacts.get_bytes(digest)  # whole, verified
