"""The sections `jupyter mlops runs show` prints for one run, each a rich renderable."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import render

if TYPE_CHECKING:
    from rich.console import RenderableType

    from ..records import Environment, Run

_SECTION_STYLE = "bold"


def run_card(run: Run, environment: Environment | None) -> list[RenderableType | None]:
    """Every section of the run card, in reading order; None where the run has nothing.

    Parameters
    ----------
    run:
        The run's full record (``get_run``).
    environment:
        Its environment, when one was recorded.

    Returns
    -------
    list
        Renderables for ``render.show``.
    """
    return [
        _summary(run),
        _mapping("Params", run.params),
        _metrics(run),
        _mapping("Tags", run.tags),
        _artifacts(run),
        _source(run),
        _environment(environment),
        _git(run),
        _lineage(run),
        _error(run),
    ]


def _summary(run: Run) -> RenderableType:
    pairs: list[tuple[str, Any]] = [
        ("Run", run.id),
        ("Experiment", render.plain(run.experiment)),
        ("Name", render.plain(run.name)),
        ("Status", render.status(run.status.value) + ("  [red](deleted)[/]" if run.deleted
                                                       else "")),
        ("Start", render.when(run.start_time)),
        ("End", render.when(run.end_time)),
        ("Duration", render.duration(run.duration)),
        ("Parent", run.parent_id),
        ("Host", render.plain(f"{run.host} (pid {run.pid})" if run.host and run.pid
                              else run.host)),
    ]
    return render.fields(pairs)


def _mapping(title: str, values: dict[str, str]) -> RenderableType | None:
    if not values:
        return None
    rows = [(render.plain(key), render.plain(value)) for key, value in sorted(values.items())]
    return render.table(["Key", "Value"], rows, title=title)


def _metrics(run: Run) -> RenderableType | None:
    if not run.metrics:
        return None
    rows = [(render.plain(key), render.number(value))
            for key, value in sorted(run.metrics.items())]
    return render.table(["Key", "Latest value"], rows, title="Metrics", right=["Latest value"])


def _artifacts(run: Run) -> RenderableType | None:
    if not run.artifacts:
        return None
    rows = [(render.plain(a.path), render.size(a.size), a.digest[:12])
            for a in run.artifacts]
    total = sum(a.size for a in run.artifacts)
    title = f"Artifacts ({len(run.artifacts)} file(s), {render.size(total)})"
    return render.table(["Path", "Size", "Digest"], rows, title=title, right=["Size"])


def _source(run: Run) -> RenderableType | None:
    source = run.source
    if source is None:
        return None
    from rich.console import Group
    from rich.syntax import Syntax

    where = render.plain(source.path or "")
    if source.execution_count is not None:
        where += f" [dim]cell [{source.execution_count}][/]"
    summary = render.fields([("Type", source.type), ("Path", where)], title="Source")
    if not source.cell:
        return summary
    return Group(summary, Syntax(source.cell, "python", theme="ansi_dark",
                                 background_color="default", word_wrap=True))


def _environment(environment: Environment | None) -> RenderableType | None:
    if environment is None:
        return None
    pairs = [
        ("Python", render.plain(environment.python)),
        ("Platform", render.plain(environment.platform)),
        ("Packages", f"{len(environment.packages)} recorded"
                     + ("; --json lists them" if environment.packages else "")),
        ("Digest", environment.digest[:12]),
    ]
    return render.fields(pairs, title="Environment")


def _git(run: Run) -> RenderableType | None:
    git = run.git
    if git is None:
        return None
    state = "clean"
    if git.dirty:
        state = "dirty" + (f" (diff stored as {git.diff_digest[:12]})" if git.diff_digest
                           else "")
    pairs = [
        ("Commit", git.commit),
        ("Branch", render.plain(git.branch or "")),
        ("State", state),
        ("Remote", render.plain(git.remote or "")),
    ]
    return render.fields(pairs, title="Git")


def _lineage(run: Run) -> RenderableType | None:
    if not run.lineage:
        return None
    rows = [(link.direction, render.plain(link.kind), render.plain(link.ref),
             render.when(link.created_at)) for link in run.lineage]
    return render.table(["Direction", "Kind", "Ref", "Recorded"], rows, title="Lineage")


def _error(run: Run) -> RenderableType | None:
    if not run.error:
        return None
    from rich.panel import Panel
    from rich.text import Text

    return Panel(Text(run.error.rstrip()), title="Error", title_align="left",
                 border_style="red", expand=False)
