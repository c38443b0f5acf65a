"""The workspace session: chosen with use(), opened by current(), closed and reopened."""

from __future__ import annotations

from pathlib import Path

import pytest

import jupyter_mlops as mlops
from jupyter_mlops import session
from jupyter_mlops.config import resolve_workspace


def test_current_opens_the_chosen_workspace_once(tracking, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("JUPYTER_MLOPS_EXPERIMENT", "from-env")
    session.use(tracking.root, uri=tracking.uri, artifacts=tracking.artifacts)
    first = session.current()
    assert first is session.current()
    assert first.workspace.uri == tracking.uri
    assert first.settings.experiment == "from-env"
    with mlops.start_run() as run:
        pass
    assert first.store.runs.get(run.id).experiment == "from-env"


def test_close_flushes_and_the_next_current_is_a_new_session(tracking):
    before = session.current()
    run = mlops.start_run(experiment="e")
    run.log_metric("loss", 0.5)
    run.end()
    session.close()
    # close() also forgets the choice: the walk-up decides again unless use() chooses.
    session.use(tracking.root, uri=tracking.uri, artifacts=tracking.artifacts)
    after = session.current()
    assert after is not before
    assert [m.value for m in after.store.runs.metric_history(run.id, "loss")] == [0.5]


def test_a_session_is_a_context_manager(tmp_path: Path):
    workspace = resolve_workspace(tmp_path, uri=f"sqlite:///{tmp_path / 'x.db'}",
                                  artifacts=str(tmp_path / "blobs"))
    with session.Session.open(workspace, cache=False) as opened:
        assert opened.store.runs.experiments() == []
        assert "x.db" in repr(opened)
    assert (tmp_path / "x.db").exists()


def test_set_workspace_is_the_sessions_use():
    assert mlops.set_workspace is session.use


def test_a_typod_sqlite_uri_is_an_error_not_a_new_store(tmp_path: Path):
    workspace = resolve_workspace(tmp_path, uri=f"sqlite:///{tmp_path / 'no-such-dir' / 'x.db'}",
                                  artifacts=str(tmp_path / "blobs"))
    with pytest.raises(mlops.errors.InvalidInput, match="does not exist: check the URI"):
        session.Session.open(workspace, cache=False)
    assert not (tmp_path / "no-such-dir").exists()


@pytest.mark.postgres
def test_a_shared_database_with_local_artifacts_warns_once_on_the_first_write(
        tracking, capsys: pytest.CaptureFixture[str]):
    if tracking.is_embedded:
        pytest.skip("the warning is for a shared (non-SQLite) database")
    with mlops.start_run(experiment="e"):
        pass
    with mlops.start_run(experiment="e"):
        pass
    err = capsys.readouterr().err
    assert err.count("teammates will not be able to load them") == 1
    assert "JUPYTER_MLOPS_ARTIFACTS" in err


def test_an_embedded_workspace_does_not_warn(tracking, capsys: pytest.CaptureFixture[str]):
    if not tracking.is_embedded:
        pytest.skip("SQLite only")
    with mlops.start_run(experiment="e"):
        pass
    assert "teammates" not in capsys.readouterr().err
