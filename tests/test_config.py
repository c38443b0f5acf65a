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
