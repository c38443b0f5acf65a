"""Where a model version came from and what watched it: the lineage graph the lab draws.

Dataset versions -> training run -> model version -> drift reports and the prediction log.
A drift report names the model as it was given ("churn@champion", "churn/3"); one that names
an alias counts for the version that alias named when the report was saved, read from the
audit log, so a later move of the alias does not re-attribute old reports.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import InvalidInput, NotFound
from ..records import AuditEntry

# Past this many saved reports per model the graph would be unreadable; the newest are kept.
MAX_REPORTS = 50
_SCAN = 10_000


def _node(kind: str, key: str, label: str, **ref: Any) -> dict[str, Any]:
    return {"id": f"{kind}:{key}", "kind": kind, "label": label, "ref": ref}


def alias_history(entries: Iterable[AuditEntry]) -> dict[str, list[tuple[float, int | None]]]:
    """Each alias's moves in time order: ``{alias: [(timestamp, version or None), ...]}``."""
    moves: dict[str, list[tuple[float, int | None]]] = {}
    for entry in entries:
        if entry.action != "alias" or entry.alias is None:
            continue
        target = int(entry.to_value) if entry.to_value and entry.to_value.isdigit() else None
        moves.setdefault(entry.alias, []).append((entry.timestamp, target))
    for history in moves.values():
        history.sort(key=lambda move: move[0])
    return moves


def version_at(history: dict[str, list[tuple[float, int | None]]], alias: str,
               when: float) -> int | None:
    """The version ``alias`` named at time ``when`` (None before its first move)."""
    named = None
    for timestamp, version in history.get(alias, []):
        if timestamp > when:
            break
        named = version
    return named


def report_version(model: str | None, name: str,
                   history: dict[str, list[tuple[float, int | None]]],
                   when: float) -> int | None:
    """The version of ``name`` a report's ``model`` field named when it was saved."""
    from ..models.reference import ModelRef, parse

    if not model:
        return None
    try:
        ref = parse(model)
    except InvalidInput:
        return None
    if not isinstance(ref, ModelRef) or ref.name != name:
        return None
    if ref.version is not None:
        return ref.version
    if ref.alias is not None:
        return version_at(history, ref.alias, when)
    return None


def _predictions(name: str, version: int) -> tuple[int, float | None]:
    """How many requests the prediction log holds for this version, and the newest one's time."""
    from sqlalchemy import func, select

    from ..session import current
    from ..store import schema

    log = schema.prediction_log
    query = (select(func.count(), func.max(log.c.created_at))
             .where(log.c.name == name, log.c.version == version))
    with current().store.registry.engine.connect() as connection:
        count, newest = connection.execute(query).one()
    return int(count or 0), newest


def model_lineage(name: str, version: int) -> dict[str, Any]:
    """The lineage graph of one registered model version.

    Parameters
    ----------
    name:
        The registered model's name.
    version:
        Its version number.

    Returns
    -------
    dict
        ``{"name", "version", "nodes": [{"id", "kind", "label", "ref", ...}],
        "edges": [{"source", "target"}]}``; ``kind`` is ``dataset``, ``run``, ``model``,
        ``drift`` or ``predictions`` and ``ref`` says what a click opens.
    """
    from ..models import registry
    from ..models.reference import check_model_name
    from ..tracking.queries import get_run
    from . import saved

    check_model_name(name)
    found = registry.get_version(f"{name}/{version}")
    nodes: dict[str, dict[str, Any]] = {}
    edges: list[dict[str, str]] = []

    def edge(source: str, target: str) -> None:
        link = {"source": source, "target": target}
        if link not in edges:
            edges.append(link)

    model = _node("model", f"{name}/{version}", f"{name} v{version}", name=name,
                  version=version)
    model.update(status=found.status.value if hasattr(found.status, "value")
                 else str(found.status), aliases=list(found.aliases), current=True)
    nodes[model["id"]] = model
    datasets = set(found.datasets)
    upstream = model["id"]
    if found.run_id is not None:
        try:
            run = get_run(found.run_id)
        except NotFound:  # the run was deleted; the version keeps its frozen copy
            run = None
        if run is not None:
            node = _node("run", run.id, run.name or run.id[-8:], id=run.id)
            node["status"] = run.status.value
            node["experiment"] = run.experiment
            nodes[node["id"]] = node
            edge(node["id"], model["id"])
            upstream = node["id"]
            datasets.update(link.ref for link in run.lineage
                            if link.kind == "dataset" and link.direction == "input")
    for ref in sorted(datasets):
        data_name, _, data_version = ref.partition("@")
        node = _node("dataset", ref, ref, name=data_name,
                     version=int(data_version) if data_version.isdigit() else None)
        nodes[node["id"]] = node
        edge(node["id"], upstream)

    history = alias_history(registry.audit_entries(name))
    watched = [r for r in saved.list_reports(limit=_SCAN)
               if report_version(r.model, name, history, r.created_at) == version]
    for report in watched[:MAX_REPORTS]:
        label = report.name or f"drift {report.id[-8:]}"
        node = _node("drift", report.id, label, id=report.id)
        node.update(drifted=report.drifted, share=report.share, created_at=report.created_at,
                    model=report.model)
        nodes[node["id"]] = node
        edge(model["id"], node["id"])
    count, newest = _predictions(name, version)
    if count:
        node = _node("predictions", f"{name}/{version}",
                     f"{count} logged request{'s' if count != 1 else ''}", name=name,
                     version=version)
        node.update(count=count, newest=newest)
        nodes[node["id"]] = node
        edge(model["id"], node["id"])
    return {"name": name, "version": version, "nodes": list(nodes.values()), "edges": edges,
            "more_reports": max(0, len(watched) - MAX_REPORTS)}


def drift_history(name: str, alias: str, limit: int = 500) -> dict[str, Any]:
    """Drift over time for a model alias: one point per saved report that named it.

    Parameters
    ----------
    name, alias:
        The model and alias reports were saved for (``model="churn@champion"``).
    limit:
        At most this many points, the newest.

    Returns
    -------
    dict
        ``{"model", "points": [{"id", "name", "created_at", "share", "drift_share",
        "drifted", "version"}]}`` oldest first; ``version`` is what the alias named then.
    """
    from ..models import registry
    from ..models.reference import check_alias, check_model_name
    from . import saved

    check_model_name(name)
    check_alias(alias)
    registry.list_versions(name)  # NotFound for an unknown model, with the known names
    history = alias_history(registry.audit_entries(name))
    wanted = {f"{name}@{alias}", f"models:/{name}@{alias}"}
    reports = [r for r in saved.list_reports(limit=_SCAN) if r.model in wanted][:limit]
    points = [{"id": r.id, "name": r.name, "created_at": r.created_at, "share": r.share,
               "drift_share": r.drift_share, "drifted": r.drifted,
               "version": version_at(history, alias, r.created_at)}
              for r in reversed(reports)]
    return {"model": f"{name}@{alias}", "points": points}
