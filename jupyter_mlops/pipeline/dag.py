"""The step graph: order, selection (``--only``, ``--from``), and drawings of it.

Graphs here are plain ``{step: needs}`` mappings, so the functions serve the spec checker
(before any ``Step`` exists) as well as the runner.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from ..errors import InvalidInput

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from .spec import Pipeline

Graph = Mapping[str, Sequence[str]]


def find_cycle(graph: Graph) -> list[str] | None:
    """A cycle as ``[a, b, ..., a]`` when the graph has one, else None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for need in graph.get(node, ()):
            if need not in graph:
                continue
            if state.get(need) == 1:
                return [*path[path.index(need):], need]
            if need not in state:
                found = visit(need)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in graph:
        if node not in state:
            found = visit(node)
            if found:
                # Read the cycle in the direction of the arrows: a step, then what it needs.
                return found
    return None


def topological_order(graph: Graph) -> list[str]:
    """Steps so that each comes after what it needs; ties keep the file's order."""
    levels = level_of(graph)
    position = {name: i for i, name in enumerate(graph)}
    return sorted(graph, key=lambda name: (levels[name], position[name]))


def level_of(graph: Graph) -> dict[str, int]:
    """Each step's depth: 0 for steps that need nothing, else one more than its deepest need."""
    levels: dict[str, int] = {}

    def depth(node: str, seen: tuple[str, ...] = ()) -> int:
        if node in levels:
            return levels[node]
        if node in seen:
            raise InvalidInput(f"Steps form a cycle through {node!r}.")
        needs = [n for n in graph.get(node, ()) if n in graph]
        levels[node] = 1 + max((depth(n, (*seen, node)) for n in needs), default=-1)
        return levels[node]

    for node in graph:
        depth(node)
    return levels


def dependants(graph: Graph, step: str) -> set[str]:
    """Every step that needs ``step``, directly or through others."""
    found: set[str] = set()
    frontier = [step]
    while frontier:
        current = frontier.pop()
        for name, needs in graph.items():
            if current in needs and name not in found:
                found.add(name)
                frontier.append(name)
    return found


def ancestors(graph: Graph, step: str) -> set[str]:
    """Every step that ``step`` needs, directly or through others."""
    found: set[str] = set()
    frontier = [step]
    while frontier:
        for need in graph.get(frontier.pop(), ()):
            if need not in found:
                found.add(need)
                frontier.append(need)
    return found


def independent(graph: Graph, a: str, b: str) -> bool:
    """Whether neither step needs the other, so they may run at the same time."""
    return a not in ancestors(graph, b) and b not in ancestors(graph, a)


def graph_of(pipeline: Pipeline) -> dict[str, tuple[str, ...]]:
    return {name: step.needs for name, step in pipeline.steps.items()}


def select(pipeline: Pipeline, only: Iterable[str] | None = None,
           from_: str | None = None) -> list[str]:
    """The steps to consider, in run order.

    Parameters
    ----------
    pipeline:
        The validated pipeline.
    only:
        Just these steps (their upstream steps are not run; their outputs must exist).
    from_:
        This step and every step that depends on it.

    Returns
    -------
    list[str]
        Step names in topological order.
    """
    graph = graph_of(pipeline)
    chosen = set(graph)
    only = list(only or [])
    for name in [*only, *([from_] if from_ else [])]:
        pipeline.step(name)
    if only:
        chosen = set(only)
    if from_:
        chosen &= {from_, *dependants(graph, from_)}
    return [name for name in topological_order(graph) if name in chosen]


def draw_text(pipeline: Pipeline, states: Mapping[str, str] | None = None) -> str:
    """The DAG for a terminal: one line per step, by level, with what each step needs.

    Parameters
    ----------
    pipeline:
        The validated pipeline.
    states:
        An optional label per step (``cached``, ``stale``, ``FAILED`` ...) shown after it.

    Returns
    -------
    str
        One line per step in run order, indented by depth: ``└─ train  <- prepare  [stale]``.
    """
    graph = graph_of(pipeline)
    levels = level_of(graph)
    order = topological_order(graph)
    labels = {name: ("   " * (levels[name] - 1) + "└─ " if levels[name] else "") + name
              for name in order}
    width = max(len(label) for label in labels.values())
    needs_width = max(len(", ".join(graph[name])) for name in order)
    lines = [pipeline.name]
    for name in order:
        needs = ", ".join(graph[name])
        arrow = (f"  <- {needs:<{needs_width}}" if needs else " " * (needs_width + 5)) \
            if needs_width else ""
        label = f"  [{states[name]}]" if states and name in states else ""
        lines.append(f"  {labels[name]:<{width}}{arrow}{label}".rstrip())
    return "\n".join(lines)


_STATE_COLOURS = {
    "cached": "#2e7d32", "fresh": "#2e7d32", "FINISHED": "#2e7d32", "ran": "#2e7d32",
    "stale": "#f9a825", "never run": "#f9a825", "RUNNING": "#0277bd",
    "FAILED": "#c62828", "failed": "#c62828", "skipped": "#9e9e9e", "KILLED": "#6a1b9a",
}


def figure(pipeline: Pipeline, states: Mapping[str, str] | None = None) -> go.Figure:
    """The DAG as a plotly figure: steps placed by level, arrows from need to step.

    Parameters
    ----------
    pipeline:
        The validated pipeline.
    states:
        An optional state per step; it colours the node (green cached, amber stale, red
        failed, grey skipped).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    try:
        import plotly.graph_objects as go
    except ImportError as exc:
        from ..errors import MissingDependency

        raise MissingDependency("Drawing the DAG needs plotly: pip install plotly.") from exc
    graph = graph_of(pipeline)
    levels = level_of(graph)
    rows: dict[int, list[str]] = {}
    for name in topological_order(graph):
        rows.setdefault(levels[name], []).append(name)
    position = {}
    for level, names in rows.items():
        for i, name in enumerate(names):
            position[name] = (float(level), (len(names) - 1) / 2 - i)
    fig = go.Figure()
    for name, needs in graph.items():
        for need in needs:
            (x0, y0), (x1, y1) = position[need], position[name]
            fig.add_annotation(x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x",
                               ayref="y", showarrow=True, arrowhead=3, arrowwidth=1.5,
                               standoff=18, startstandoff=18, arrowcolor="#607d8b")
    names = list(position)
    labels = [states.get(n, "") if states else "" for n in names]
    fig.add_trace(go.Scatter(
        x=[position[n][0] for n in names], y=[position[n][1] for n in names],
        mode="markers+text", text=names, textposition="top center",
        marker={"size": 26, "line": {"width": 1, "color": "#37474f"},
                "color": [_STATE_COLOURS.get(label, "#90a4ae") for label in labels]},
        hovertext=[f"{n}: {pipeline.steps[n].notebook.name}" + (f" [{s}]" if s else "")
                   for n, s in zip(names, labels, strict=True)],
        hoverinfo="text", showlegend=False,
    ))
    fig.update_layout(title=pipeline.name, template="plotly_white",
                      xaxis={"visible": False}, yaxis={"visible": False},
                      margin={"l": 20, "r": 20, "t": 50, "b": 20})
    return fig
