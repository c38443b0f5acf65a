"""Workspace discovery and settings."""

from __future__ import annotations

import pytest

from jupyter_mlops import config


def test_walks_up_to_an_existing_workspace(tmp_path):
    (tmp_path / ".mlops").mkdir()
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert config.find_workspace(deep) == tmp_path


def test_falls_back_to_the_git_root_then_the_folder(tmp_path):
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "notebooks").mkdir()
    assert config.find_workspace(tmp_path / "repo" / "notebooks") == tmp_path / "repo"
    (tmp_path / "plain").mkdir()
    assert config.find_workspace(tmp_path / "plain") == tmp_path / "plain"


def test_workspace_urls_default_to_the_embedded_store(tmp_path, monkeypatch):
    monkeypatch.delenv("JUPYTER_MLOPS_URI", raising=False)
    monkeypatch.delenv("JUPYTER_MLOPS_ARTIFACTS", raising=False)
    ws = config.resolve_workspace(tmp_path)
    assert ws.uri == f"sqlite:///{tmp_path / '.mlops' / 'mlops.db'}"
    assert ws.artifacts == str(tmp_path / ".mlops" / "artifacts")
    assert ws.is_embedded


def test_environment_overrides_pyproject_overrides_default(tmp_path, monkeypatch):
    monkeypatch.delenv("JUPYTER_MLOPS_EXPERIMENT", raising=False)
    assert config.setting("experiment", tmp_path) == "Default"
    (tmp_path / "pyproject.toml").write_text(
        '[tool.jupyter-mlops]\nexperiment = "churn"\nuri = "postgresql+psycopg://db/x"\n'
    )
    assert config.setting("experiment", tmp_path) == "churn"
    assert config.resolve_workspace(tmp_path).uri == "postgresql+psycopg://db/x"
    monkeypatch.setenv("JUPYTER_MLOPS_EXPERIMENT", "from-env")
    assert config.setting("experiment", tmp_path) == "from-env"


def test_invalid_values_say_where_they_came_from(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_MLOPS_FLUSH_INTERVAL", "-1")
    with pytest.raises(ValueError, match=r"\$JUPYTER_MLOPS_FLUSH_INTERVAL.*positive"):
        config.setting("flush_interval")
    monkeypatch.setenv("JUPYTER_MLOPS_CAPTURE_GIT", "maybe")
    with pytest.raises(ValueError, match="true or false"):
        config.setting("capture_git")
    with pytest.raises(KeyError, match="Known settings"):
        config.setting("nope")


def test_broken_pyproject_is_a_clear_error(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.jupyter-mlops\n")
    with pytest.raises(ValueError, match="Cannot read"):
        config.setting("experiment", tmp_path)


def test_every_setting_is_documented():
    for spec in config.SETTINGS:
        assert spec.help.endswith("."), spec.name
        assert spec.env == "JUPYTER_MLOPS_" + spec.name.upper()


def _foreign(folder):
    """Make ``folder/.mlops`` belong to another user (a link to root's folder when not root)."""
    import os

    target = folder / ".mlops"
    if os.getuid() == 0:
        target.mkdir()
        os.chown(target, 65534, 65534)
    else:
        target.symlink_to("/usr", target_is_directory=True)
    return target


def test_the_walk_stops_at_the_git_root(tmp_path):
    (tmp_path / ".mlops").mkdir()  # above the repository: another project's, or planted
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "notebooks").mkdir()
    assert config.find_workspace(repo / "notebooks") == repo


def test_the_walk_stops_at_the_home_folder(tmp_path, monkeypatch):
    (tmp_path / ".mlops").mkdir()
    home = tmp_path / "home"
    (home / "work").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    assert config.find_workspace(home / "work") == home / "work"
    (home / ".mlops").mkdir()
    assert config.find_workspace(home / "work") == home


def test_a_workspace_of_another_user_is_refused_unless_trusted(tmp_path, monkeypatch):
    monkeypatch.delenv("JUPYTER_MLOPS_TRUSTED_WORKSPACES", raising=False)
    shared = tmp_path / "shared"
    (shared / "project").mkdir(parents=True)
    _foreign(shared)
    with pytest.raises(config.UntrustedWorkspace, match="belongs to another user") as raised:
        config.find_workspace(shared / "project")
    assert "JUPYTER_MLOPS_TRUSTED_WORKSPACES" in str(raised.value)
    with pytest.raises(config.UntrustedWorkspace):
        config.resolve_workspace(shared)
    monkeypatch.setenv("JUPYTER_MLOPS_TRUSTED_WORKSPACES", f"/elsewhere:{shared}")
    assert config.find_workspace(shared / "project") == shared
    monkeypatch.setenv("JUPYTER_MLOPS_TRUSTED_WORKSPACES", "*")
    assert config.find_workspace(shared) == shared


def test_a_workspace_found_above_is_named(tmp_path, caplog):
    import logging

    (tmp_path / ".mlops").mkdir()
    (tmp_path / "sub").mkdir()
    with caplog.at_level(logging.INFO, logger="jupyter_mlops"):
        assert config.find_workspace(tmp_path / "sub") == tmp_path
    assert str(tmp_path / ".mlops") in caplog.text


def test_sqlite_synchronous_takes_normal_or_full(monkeypatch):
    monkeypatch.setenv("JUPYTER_MLOPS_SQLITE_SYNCHRONOUS", "full")
    assert config.setting("sqlite_synchronous") == "FULL"
    monkeypatch.setenv("JUPYTER_MLOPS_SQLITE_SYNCHRONOUS", "sometimes")
    with pytest.raises(ValueError, match="NORMAL, FULL"):
        config.setting("sqlite_synchronous")
