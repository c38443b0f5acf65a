"""Build ``workspace-v1.sql``: a SQLite workspace as the first release (schema v1) left it.

How it was made: ``python tests/store/data/make_workspace_v1.py`` from the repository root,
with the release whose ``store/migrations.py`` defines ``V1_TABLES``. The v1 tables are those
of ``schema.metadata`` named in ``V1_TABLES`` (v2 only added tables), created empty in a fresh
SQLite file and filled with a few hand-written records, then dumped as SQL. The dump, not this
script, is what the tests load: it stays the v1 state even after later releases change the
current schema. Re-running the script with a later release is therefore wrong; keep the dump.

The data covers what the v2 migration must carry over: two experiments, runs (one nested,
one soft-deleted, one with a git diff), params, tags, an environment, artifacts rows, and
metrics with out-of-order steps, repeated steps told apart by timestamp, NaN (stored as NULL)
and infinities.
"""

from __future__ import annotations

import re
import sqlite3
import sys
import tempfile
from pathlib import Path

from sqlalchemy import create_engine

HERE = Path(__file__).resolve().parent
DUMP = HERE / "workspace-v1.sql"

T0 = 1_700_000_000.0
RUN_A = "018bcfe56800aaaa1111aaaa1111aaaa"
RUN_B = "018bcfe56c00bbbb2222bbbb2222bbbb"
RUN_C = "018bcfe57000cccc3333cccc3333cccc"
RUN_D = "018bcfe57400dddd4444dddd4444dddd"
ENV = "e" * 64
DIGEST_1 = "1" * 64
DIGEST_2 = "2" * 64
DIFF = "d" * 64
INF = float("inf")
NAN = None  # v1 already stored NaN as NULL

EXPERIMENTS = [(1, "churn", T0), (2, "fraud", T0 + 5)]
RUNS = [
    # id, experiment_id, name, status, start, end, parent, git_commit, git_diff, deleted_at
    (RUN_A, 1, "baseline", "FINISHED", T0 + 10, T0 + 20, None, "a" * 40, None, None),
    (RUN_B, 1, "tuned", "FINISHED", T0 + 30, T0 + 45, None, "b" * 40, DIFF, None),
    (RUN_C, 1, "fold-1", "FAILED", T0 + 31, T0 + 33, RUN_B, None, None, None),
    (RUN_D, 2, "old", "KILLED", T0 + 50, T0 + 51, None, None, None, T0 + 60),
]
PARAMS = [
    (RUN_A, "C", "1.0"), (RUN_A, "penalty", "l2"),
    (RUN_B, "C", "0.5"), (RUN_B, "penalty", "l1"), (RUN_B, "optimizer.lr", "0.01"),
    (RUN_C, "fold", "1"),
]
TAGS = [
    (RUN_A, "owner", "ana"), (RUN_B, "owner", "bo"), (RUN_B, "stage", "tuning"),
    (RUN_D, "owner", "ana"),
]
# run, key, value, step, timestamp: written in the order a real run might have.
METRICS = [
    (RUN_A, "loss", 0.9, 0, T0 + 11),
    (RUN_A, "loss", 0.5, 2, T0 + 13),
    (RUN_A, "loss", 0.7, 1, T0 + 14),      # late write of an earlier step: not the latest
    (RUN_A, "auc", 0.81, 0, T0 + 19),
    (RUN_B, "loss", 0.4, 5, T0 + 35),
    (RUN_B, "loss", 0.3, 5, T0 + 36),      # same step, newer: the latest
    (RUN_B, "loss", 0.35, 4, T0 + 40),
    (RUN_B, "auc", 0.9, 0, T0 + 44),
    (RUN_B, "grad_norm", INF, 0, T0 + 41),
    (RUN_B, "grad_norm", NAN, 1, T0 + 42),  # NaN is the latest value
    (RUN_C, "loss", 1.5, 0, T0 + 32),
    (RUN_C, "min_delta", -INF, 0, T0 + 32.5),
    (RUN_D, "loss", NAN, 0, T0 + 50.5),
    (RUN_D, "loss", 2.0, 0, T0 + 50.25),   # same step, older: NaN above stays the latest
]
ARTIFACTS = [
    (RUN_A, "model/model.pkl", DIGEST_1, 1234, T0 + 20),
    (RUN_B, "model/model.pkl", DIGEST_2, 2345, T0 + 45),
    (RUN_B, "notes.txt", DIGEST_1, 1234, T0 + 45),
]


def build(database: Path) -> None:
    """Create the v1 tables in ``database`` and fill them with the records above."""
    sys.path.insert(0, str(HERE.parents[2]))
    from jupyter_mlops.store import schema
    from jupyter_mlops.store.migrations import V1_TABLES

    engine = create_engine(f"sqlite:///{database}")
    tables = [t for t in schema.metadata.sorted_tables if t.name in V1_TABLES]
    schema.metadata.create_all(engine, tables=tables)
    engine.dispose()
    with sqlite3.connect(database) as db:
        db.execute("INSERT INTO schema_version VALUES (1, 'initial schema', ?)", (T0,))
        db.executemany("INSERT INTO experiments (id, name, created_at) VALUES (?, ?, ?)",
                       EXPERIMENTS)
        db.execute("INSERT INTO environments VALUES (?, '3.11.7', 'Linux-x86_64', ?)",
                   (ENV, '{"numpy": "1.26.4", "scikit-learn": "1.4.0"}'))
        db.executemany(
            "INSERT INTO runs (id, experiment_id, name, status, start_time, end_time, "
            "parent_id, git_commit, git_diff_digest, deleted_at, environment_digest, "
            "source_type, source_path, host, pid, heartbeat_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'notebook', 'train.ipynb', 'laptop', "
            "4242, ?)",
            [(*row, ENV, row[5]) for row in RUNS],
        )
        db.executemany("INSERT INTO params VALUES (?, ?, ?)", PARAMS)
        db.executemany("INSERT INTO tags VALUES (?, ?, ?)", TAGS)
        db.executemany(
            "INSERT INTO metrics (run_id, key, value, step, timestamp) VALUES (?, ?, ?, ?, ?)",
            METRICS,
        )
        db.executemany("INSERT INTO artifacts VALUES (?, ?, ?, ?, ?)", ARTIFACTS)


def dump(database: Path) -> str:
    """The database as SQL that ``sqlite3.executescript`` loads back."""
    with sqlite3.connect(database) as db:
        text = "\n".join(db.iterdump()) + "\n"
    # SQLite writes infinities as the bare words Inf/-Inf, which it cannot read back.
    return re.sub(r"(?<=[(,])(-?)Inf(?=[,)])", r"\g<1>9e999", text)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "mlops.db"
        build(database)
        DUMP.write_text(dump(database))
    print(f"wrote {DUMP}")


if __name__ == "__main__":
    main()
