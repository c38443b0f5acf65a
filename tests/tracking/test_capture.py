"""Environment, git and source capture."""

from __future__ import annotations

import subprocess
import sys

import jupyter_mlops as mlops
from jupyter_mlops.session import current
from jupyter_mlops.tracking import capture


def test_environment_records_python_and_packages(tracking):
    with mlops.start_run() as run:
        pass
    env = current().store.runs.environment(mlops.get_run(run.id).environment_digest)
    assert env.python == ".".join(map(str, sys.version_info[:3]))
    assert "sqlalchemy" in env.packages
    assert env.packages["jupyter-mlops"]


def test_package_versions_read_from_the_metadata_head_equal_a_full_parse(tmp_path):
    from importlib.metadata import PathDistribution, distributions

    full = {}
    for dist in distributions():
        name = dist.metadata["Name"]
        if name:
            full[name.lower().replace("_", "-")] = dist.version
    assert capture._packages() == dict(sorted(full.items()))
    # A metadata file whose head lacks a field is read in full, as importlib reads it.
    odd = tmp_path / "odd-1.0.dist-info"
    odd.mkdir()
    (odd / "METADATA").write_text("Metadata-Version: 2.1\nName: Odd_Pkg\n\nVersion: body\n")
    dist = PathDistribution(odd)
    assert capture._name_and_version(dist) == (dist.metadata["Name"], dist.version)
    (odd / "METADATA").write_text("Metadata-Version: 2.1\nName: Odd_Pkg\nVersion: 2.0\n\n"
                                  "Name: not-this\n")
    assert capture._name_and_version(dist) == ("Odd_Pkg", "2.0")


def _git(root, *args):
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def test_git_commit_branch_and_dirty_diff(tracking):
    root = tracking.root
    _git(root, "init", "-q", "-b", "main")
    _git(root, "config", "user.email", "t@example.com")
    _git(root, "config", "user.name", "t")
    _git(root, "remote", "add", "origin", "https://user:secret@example.com/team/repo.git")
    (root / "train.py").write_text("print(1)\n")
    _git(root, "add", "train.py")
    _git(root, "commit", "-qm", "first")
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                            text=True).stdout.strip()
    capture._git_cache.clear()
    with mlops.start_run() as clean:
        pass
    git = mlops.get_run(clean.id).git
    assert (git.commit, git.branch, git.dirty, git.diff_digest) == (commit, "main", False, None)
    assert git.remote == "https://example.com/team/repo.git"  # credentials stripped

    (root / "train.py").write_text("print(2)\n")
    capture._git_cache.clear()
    with mlops.start_run() as dirty:
        pass
    git = mlops.get_run(dirty.id).git
    assert git.dirty
    diff = current().store.artifacts.get_bytes(git.diff_digest).decode()
    assert "-print(1)" in diff and "+print(2)" in diff


def test_outside_a_repository_no_git_is_recorded(tracking):
    with mlops.start_run() as run:
        pass
    assert mlops.get_run(run.id).git is None


def test_script_source(tracking, tmp_path):
    script = tmp_path / "train.py"
    script.write_text(
        "import jupyter_mlops as mlops\n"
        "with mlops.start_run() as run:\n"
        "    print(run.id)\n"
    )
    import os

    env = dict(os.environ, JUPYTER_MLOPS_URI=tracking.uri,
               JUPYTER_MLOPS_ARTIFACTS=tracking.artifacts)
    out = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True,
                         check=True, cwd=tracking.root)
    source = mlops.get_run(out.stdout.strip()).source
    assert source.type == "script"
    assert source.path == str(script)


def test_source_provider_takes_precedence(tracking):
    from jupyter_mlops.records import Source

    def provider() -> Source:
        return Source("notebook", "analysis.ipynb", "x = 1", 7)

    capture.register_source_provider(provider)
    try:
        with mlops.start_run() as run:
            pass
    finally:
        capture.unregister_source_provider(provider)
    assert mlops.get_run(run.id).source == Source("notebook", "analysis.ipynb", "x = 1", 7)
