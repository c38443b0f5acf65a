"""The one registry helper: names, lookups that list what is known, precedence, entry points."""

from __future__ import annotations

import logging
from importlib import metadata

import pytest

from jupyter_mlops.errors import AlreadyExists, NotFound
from jupyter_mlops.plugins import Registry


def test_get_names_and_the_error_that_lists_the_known_names():
    registry: Registry[str] = Registry("jupyter_mlops.test_nothing", "colour",
                                       hint="Add one with register().")
    registry.register("red", "#f00")
    registry.register("blue", "#00f")
    assert registry.get("red") == "#f00"
    assert registry.names() == ["blue", "red"]
    assert "blue" in registry and "green" not in registry
    with pytest.raises(NotFound, match=r"Unknown colour 'green'\. Known: blue, red\. Add one"):
        registry.get("green")


def test_a_name_is_taken_once_unless_replaced():
    registry: Registry[int] = Registry("jupyter_mlops.test_nothing", "number")
    registry.register("one", 1)
    with pytest.raises(AlreadyExists, match="replace=True"):
        registry.register("one", 11)
    registry.register("one", 111, replace=True)
    assert registry.get("one") == 111
    registry.unregister("one")
    assert registry.names() == []


def test_specific_plugins_come_before_the_catch_all():
    registry: Registry[type] = Registry("jupyter_mlops.test_nothing", "flavor")
    registry.register("any-object", object, priority=0)
    registry.register("integers", int, priority=10)
    assert [e.name for e in registry.ordered()] == ["integers", "any-object"]
    assert registry.first(lambda kind: isinstance(3, kind)) is int
    assert registry.first(lambda kind: isinstance("x", kind)) is object
    assert registry.first(lambda kind: False) is None


class _Plugin:
    priority = 5


def _entry_points(points: list[metadata.EntryPoint]):
    def fake(group: str | None = None, **_: object):
        return [p for p in points if p.group == group]
    return fake


def test_entry_points_load_once_and_a_broken_one_is_skipped_with_a_warning(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture):
    # Entry points are a packaging concern outside us: the list is given, the loading is real.
    group = "jupyter_mlops.test_plugins"
    points = [
        metadata.EntryPoint("good", f"{__name__}:_Plugin", group),
        metadata.EntryPoint("broken", "jupyter_mlops_no_such_module:Thing", group),
    ]
    calls = []
    real = _entry_points(points)

    def counted(group: str | None = None, **kw: object):
        calls.append(group)
        return real(group=group)

    monkeypatch.setattr(metadata, "entry_points", counted)
    registry: Registry[object] = Registry(group, "widget")
    with caplog.at_level(logging.WARNING, logger="jupyter_mlops"):
        assert registry.names() == ["good"]
        assert registry.names() == ["good"]
    assert isinstance(registry.get("good"), _Plugin)
    assert next(registry.ordered()).priority == 5
    assert calls == [group]
    assert "skipped the widget plugin 'broken'" in caplog.text


def test_a_registered_name_is_found_without_reading_entry_points(
        monkeypatch: pytest.MonkeyPatch):
    # Entry points never replace a registered name, so looking one up (every fresh CLI looks
    # up its store backend) must not scan every installed distribution's metadata.
    group = "jupyter_mlops.test_lookups"
    calls = []
    real = _entry_points([metadata.EntryPoint("theirs", f"{__name__}:_Plugin", group)])

    def counted(group: str | None = None, **kw: object):
        calls.append(group)
        return real(group=group)

    monkeypatch.setattr(metadata, "entry_points", counted)
    registry: Registry[object] = Registry(group, "widget")
    registry.register("ours", "built-in")
    assert registry.get("ours") == "built-in" and "ours" in registry
    assert calls == []
    assert isinstance(registry.get("theirs"), _Plugin)
    assert "theirs" in registry and "nobody" not in registry
    assert calls == [group]


class _Factory:
    """A plugin that is a factory: the registry must keep the class, not make an instance."""

    def __init__(self, jobs: int = 1, address: str | None = None) -> None:
        self.jobs = jobs


def test_a_factory_registry_keeps_an_entry_points_class_as_it_is(monkeypatch: pytest.MonkeyPatch):
    group = "jupyter_mlops.test_factories"
    points = [metadata.EntryPoint("made", f"{__name__}:_Factory", group)]
    monkeypatch.setattr(metadata, "entry_points", _entry_points(points))
    registry: Registry[type] = Registry(group, "executor", instantiate=False)
    assert registry.get("made") is _Factory
    assert registry.get("made")(jobs=3).jobs == 3


def test_built_in_executors_register_as_a_third_party_would():
    from jupyter_mlops.pipeline import executors, register_executor
    from jupyter_mlops.pipeline.executors.dask import DaskExecutor
    from jupyter_mlops.pipeline.executors.local import LocalExecutor

    assert executors.EXECUTORS.get("local") is LocalExecutor
    assert executors.EXECUTORS.get("dask") is DaskExecutor
    register_executor("third", LocalExecutor)
    try:
        assert executors.names() == ["dask", "local", "third"]
        made = executors.create("third", jobs=2)
        made.close()
        assert isinstance(made, LocalExecutor)
    finally:
        executors.unregister("third")
    assert "third" not in executors.names()


def test_cli_help_lists_the_registered_executors():
    import subprocess
    import sys

    # The help is built from names(): a registered executor shows up in it.
    code = ("import sys; from jupyter_mlops.pipeline import register_executor; "
            "from jupyter_mlops.pipeline.executors import LocalExecutor; "
            "register_executor('third', LocalExecutor); "
            "from jupyter_mlops.cli import cli; "
            "cli(['pipeline', 'run', '--help'], prog_name='jupyter mlops')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    flat = " ".join(done.stdout.split())
    assert "Where steps run: dask, local, third (the registered executors)" in flat


def test_built_in_statistics_register_as_a_third_party_would_and_hints_follow_names():
    import pandas as pd

    from jupyter_mlops import drift_report
    from jupyter_mlops.errors import InvalidInput
    from jupyter_mlops.monitor import Statistic, register, statistics
    from jupyter_mlops.monitor.statistics.ks import KS

    assert statistics.STATISTICS.get("ks") is KS is statistics.get("ks")
    counts_only = Statistic("share of the first category", "distance", 0.2,
                            counts=lambda ref, cur: abs(ref[0] / ref.sum() - cur[0] / cur.sum()))
    register("first_share", counts_only)
    try:
        assert "first_share" in statistics.names("counts")
        assert "first_share" not in statistics.names("values")
        frame = pd.DataFrame({"x": [float(i) for i in range(40)]})
        report = drift_report(frame, frame + 1.0, method="first_share")
        # The hint for a statistic that does not fit is built from the registry's names.
        assert f"does not apply to numbers; use {statistics.listing('values')}" in \
            report.result("x").note
    finally:
        statistics.unregister("first_share")
    assert "first_share" not in statistics.names()
    with pytest.raises(InvalidInput, match="on must be one of"):
        statistics.names("pixels")


def test_drift_cli_help_lists_the_registered_statistics():
    import subprocess
    import sys

    code = ("from jupyter_mlops.monitor import Statistic, register; "
            "register('first_share', Statistic('first', 'distance', 0.2, counts=len)); "
            "from jupyter_mlops.cli import cli; "
            "cli(['drift', 'compare', '--help'], prog_name='jupyter mlops')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    flat = " ".join(done.stdout.split())
    assert ("A statistic for every column: auto, chi2, first_share, hellinger, jensenshannon, "
            "kl_div, ks, psi, wasserstein, z.") in flat


_ENGINE_PROBE = """
import json, sys
{first}
from papermill.engines import papermill_engines
engine = papermill_engines.get_engine("mlops")
from jupyter_mlops.pipeline.papermill_engine import MlopsEngine
print(json.dumps([engine.__name__, engine.execute_notebook.__func__ is
                  MlopsEngine.execute_notebook.__func__]))
"""


@pytest.mark.parametrize(("first", "registered"), [
    ("", "MlopsEngine"),
    # Our engine module first: papermill's entry points load while it is half-defined.
    ("import jupyter_mlops.pipeline.papermill_engine", "DeferredEngine"),
    ("from jupyter_mlops.pipeline.execution import execute_step", "MlopsEngine"),
])
def test_papermill_finds_the_engine_through_its_entry_point_only(first: str, registered: str):
    import json
    import subprocess
    import sys

    points = metadata.entry_points(group="papermill.engine")
    assert [(p.name, p.value) for p in points if p.name == "mlops"] == [
        ("mlops", "jupyter_mlops.pipeline.papermill_entry:MlopsEngine")]
    done = subprocess.run([sys.executable, "-c", _ENGINE_PROBE.format(first=first)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    # What papermill holds is what the entry point gave it: no code registers over it.
    assert json.loads(done.stdout.splitlines()[-1]) == [registered, True]
