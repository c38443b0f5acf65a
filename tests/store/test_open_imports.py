"""A fresh process that opens a local SQLite workspace loads only what it uses.

Every `jupyter mlops` command and every fresh notebook kernel pays its imports: fsspec is for
remote artifact stores and SQLAlchemy's PostgreSQL dialect for PostgreSQL, so neither may be
imported by opening and listing a workspace on local disk, nor NumPy by versioning a file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from jupyter_mlops.store.artifacts import ArtifactStore

_PROBE = """
import json, sys
import jupyter_mlops as mlops
mlops.set_workspace(sys.argv[1])
with mlops.start_run(experiment="probe") as run:
    run.log_metric("x", 1.0)
found = mlops.search_runs(experiment="probe")
with open(sys.argv[1] + "/data.bin", "wb") as handle:
    handle.write(b"data")
mlops.version_data(sys.argv[1] + "/data.bin", "data")
print(json.dumps({"runs": len(found),
                  "loaded": [m for m in ("fsspec", "sqlalchemy.dialects.postgresql", "numpy")
                             if m in sys.modules]}))
"""


def test_a_local_sqlite_workspace_listed_and_a_file_versioned_load_no_fsspec_postgresql_numpy(
        tmp_path: Path):
    (tmp_path / ".mlops").mkdir()
    done = subprocess.run([sys.executable, "-c", _PROBE, str(tmp_path)], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == {"runs": 1, "loaded": []}


def test_a_local_store_names_its_folder_as_fsspec_does(tmp_path: Path,
                                                       monkeypatch) -> None:
    import fsspec

    monkeypatch.chdir(tmp_path)
    for url in (str(tmp_path / "a") + "/", f"file://{tmp_path}/b", "c/d", "local://" +
                str(tmp_path / "e")):
        store = ArtifactStore(url)
        assert store.is_local
        assert store.root == fsspec.core.url_to_fs(url)[1].rstrip("/")
        assert Path(store.root, "tmp").is_dir()
        # The filesystem is made on first use and is fsspec's local one.
        data = b"blob"
        digest, size = store.put_bytes(data)
        assert size == len(data)
        assert store.fs.exists(store.path(digest))
        assert store.get_bytes(digest) == data
