"""`jupyter mlops data ...`: list, show, diff, checkout, validate, check and log dataset versions,
and infer their schemas."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import click

from . import render
from .exits import GENERAL, NOT_FOUND, CommandError
from .options import json_option, tracking

if TYPE_CHECKING:
    from rich.table import Table


def _api() -> ModuleType:
    """The data capability, after the global workspace options are applied."""
    tracking()
    from .. import data as api

    return api


def _rows(version: Any) -> str:
    return "" if version.rows is None else f"{version.rows:,}"


@click.group()
def data() -> None:
    """Look at dataset versions: list, show, diff, check out, validate, check for anomalies,
    infer schemas and trace lineage."""


@data.command("list")
@json_option
def list_datasets(as_json: bool) -> None:
    """List datasets with their newest version."""
    api = _api()
    found = api.list_datasets()
    if as_json:
        render.echo_json(found)
        return
    if not found:
        render.note("No datasets yet: version one with mlops.version_data(df, 'name').")
        return
    rows = []
    for item in found:
        latest = api.resolve_version(item.name) if item.latest_version else None
        rows.append((render.plain(item.name), item.latest_version or "", item.version_count,
                     latest.kind if latest else "", _rows(latest) if latest else "",
                     render.size(latest.bytes) if latest else "",
                     render.when(item.updated_at, seconds=False),
                     render.plain(item.description or "")))
    render.show(render.table(
        ["Dataset", "Latest", "Versions", "Kind", "Rows", "Size", "Updated", "Description"],
        rows, right=["Latest", "Versions", "Rows", "Size"],
        nowrap=["Latest", "Versions", "Rows", "Size", "Updated"]))


@data.command("show")
@click.argument("ref")
@json_option
def show(ref: str, as_json: bool) -> None:
    """Show a dataset's versions (NAME) or one version with its columns (NAME@3)."""
    api = _api()
    if "@" not in ref:
        versions = api.list_versions(ref)
        if as_json:
            render.echo_json(versions)
            return
        rows = [(v.version, v.kind, _rows(v), render.size(v.bytes),
                 "" if v.files is None else f"{v.files:,}", v.digest[:12],
                 render.short_id(v.run_id) if v.run_id else "",
                 render.when(v.created_at, seconds=False), render.plain(v.description or ""))
                for v in versions]
        render.show(render.table(
            ["Version", "Kind", "Rows", "Size", "Files", "Digest", "Run", "Created",
             "Description"], rows, title=ref,
            right=["Version", "Rows", "Size", "Files"],
            nowrap=["Version", "Rows", "Size", "Digest", "Run", "Created"]))
        return
    version = api.resolve_version(ref)
    profile = api.get_profile(version.ref) if version.profile_digest else None
    if as_json:
        render.echo_json({"version": version, "profile": profile})
        return
    render.show(
        render.fields([
            ("Version", version.ref), ("Kind", version.kind), ("Rows", _rows(version)),
            ("Files", version.files), ("Size", render.size(version.bytes)),
            ("Format", version.format), ("Source", render.plain(version.source or "")),
            ("Digest", version.digest), ("Run", version.run_id),
            ("Created", render.when(version.created_at)), ("By", version.created_by),
            ("Description", render.plain(version.description or "")),
            ("Schema", "stored (validated)" if version.schema else None),
        ], title=f"{version.name} version {version.version}"),
        _columns_table(version, profile),
    )


def _columns_table(version: Any, profile: dict[str, Any] | None) -> Table | None:
    if not version.columns:
        return None
    entries = (profile or {}).get("columns", {})
    rows = []
    for name, dtype in version.columns.items():
        entry = entries.get(name, {})
        rows.append((render.plain(name), render.plain(dtype), entry.get("nulls", ""),
                     entry.get("distinct", "") if entry.get("distinct") is not None else "",
                     _stat(entry.get("min")), _stat(entry.get("max")),
                     _stat(entry.get("mean"))))
    return render.table(["Column", "Type", "Nulls", "Distinct", "Min", "Max", "Mean"], rows,
                        title="Columns", right=["Nulls", "Distinct", "Min", "Max", "Mean"])


def _stat(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return render.number(value)
    return render.plain(value)


@data.command("diff")
@click.argument("a")
@click.argument("b")
@json_option
def diff(a: str, b: str, as_json: bool) -> None:
    """Show what changed from version A to version B (schema, rows, profiles or files)."""
    found = _api().diff_data(a, b)
    if as_json:
        render.echo_json({"a": found.a, "b": found.b, "kind": found.kind,
                          "rows": list(found.rows), "added": list(found.added),
                          "removed": list(found.removed),
                          "retyped": [list(r) for r in found.retyped],
                          "changes": [dict(zip(("column", "change", "a", "b", "delta"), c,
                                               strict=True)) for c in found.changes]})
        return
    click.echo(found.summary())
    if found.same:
        return
    rows = [(render.plain(c[0]), c[1], _stat(c[2]), _stat(c[3]), _stat(c[4]))
            for c in found.changes]
    render.show(render.table(["Column" if found.kind == "dataframe" else "File", "Change",
                              found.a, found.b, "Delta"], rows,
                             right=[found.a, found.b, "Delta"]))


@data.command("checkout")
@click.argument("ref")
@click.argument("dest", type=click.Path(file_okay=True, dir_okay=True))
@click.option("--clean", is_flag=True,
              help="Folder versions: remove files of DEST that the version does not have.")
def checkout(ref: str, dest: str, clean: bool) -> None:
    """Write version REF out to DEST (a file, a folder, or a DataFrame as Parquet)."""
    written = _api().checkout(ref, dest, clean=clean)
    click.echo(f"Checked out {ref} to {written}.")


@data.command("validate")
@click.argument("source")
@click.option("--schema", "schema", metavar="SCHEMA",
              help="A pandera YAML file or a dataset version (default: SOURCE's dataset).")
@json_option
def validate(source: str, schema: str | None, as_json: bool) -> None:
    """Check SOURCE (a version like NAME@3, or a CSV/Parquet file) against a schema."""
    api = _api()
    if schema is None:
        if "@" not in source and source.lower().endswith((".csv", ".parquet", ".pq",
                                                          ".feather", ".json")):
            if not Path(source).expanduser().is_file():
                raise CommandError(f"No file {source!r}: check the path.", NOT_FOUND)
            raise CommandError("Pass --schema to validate a file (a YAML file or a dataset "
                               "version).", 2)
        schema = source.partition("@")[0]
    report = api.validate(source, schema)
    if as_json:
        render.echo_json({"ok": report.ok, "rows": report.rows, "checked": report.checked,
                          "failures": report.failures})
    elif report.ok:
        click.echo(report.summary())
    else:
        rows = [(render.plain(f.column or "<frame>"), render.plain(f.check), f.failures,
                 render.plain(", ".join(repr(e) for e in f.examples)))
                for f in report.failures]
        render.show(render.table(["Column", "Check", "Failures", "Examples"], rows,
                                 title=f"{report.checked}: {len(report.failures)} failing "
                                       "checks", right=["Failures"]))
    if not report.ok:
        raise CommandError(f"{report.checked} fails {len(report.failures)} check"
                           f"{'s' if len(report.failures) != 1 else ''} of its schema.", GENERAL)


@data.command("check")
@click.argument("source")
@click.option("--schema", "schema", metavar="SCHEMA",
              help="A pandera YAML file or a dataset version (default: SOURCE's dataset).")
@click.option("--environment", "-e", metavar="ENV",
              help="TRAINING, SERVING or another: columns not in it are not expected.")
@json_option
def check(source: str, schema: str | None, environment: str | None, as_json: bool) -> None:
    """Find TFDV's anomalies of SOURCE (a version like NAME@3, or a table file) against a
    schema: missing and unexpected columns, type changes, new categories, values out of
    range, too many nulls. Exits 1 when there is any (for CI)."""
    tracking()
    from ..data.anomalies import check as find

    if schema is None and "@" not in source:
        if not Path(source).expanduser().is_file():
            raise CommandError(f"No file {source!r}: check the path.", NOT_FOUND)
        raise CommandError("Pass --schema to check a file (a YAML file or a dataset "
                           "version).", 2)
    report = find(source, schema, environment=environment)
    if as_json:
        render.echo_json(report.to_dict())
    elif report.ok:
        click.echo(report.summary())
    else:
        rows = [(render.plain(a.column or "<frame>"), render.plain(a.kind),
                 render.plain(a.description)) for a in report.anomalies]
        where = f" ({report.environment})" if report.environment else ""
        render.show(render.table(["Column", "Anomaly", "Description"], rows,
                                 title=f"{report.checked}{where}: {len(report.anomalies)} "
                                       "anomalies"))
    if not report.ok:
        raise CommandError(f"{report.checked} has {len(report.anomalies)} "
                           f"anomal{'ies' if len(report.anomalies) != 1 else 'y'} against "
                           "its schema.", GENERAL)


@data.command("infer-schema")
@click.argument("source")
@click.option("--label", "labels", multiple=True, metavar="COLUMN",
              help="A label column: not expected in the SERVING environment (repeatable).")
@click.option("--skew", type=float, metavar="THRESHOLD",
              help="Skew threshold of every feature (L-infinity for categorical features, "
                   "Jensen-Shannon divergence for numeric ones).")
@click.option("--drift", type=float, metavar="THRESHOLD",
              help="Drift threshold of every feature, measured like --skew.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write the YAML here (default: print it).")
def infer_schema(source: str, labels: tuple[str, ...], skew: float | None,
                 drift: float | None, output: str | None) -> None:
    """Infer a schema from SOURCE (a version like NAME@3, or a table file) as pandera YAML:
    types, presence, domains, environments and skew/drift thresholds."""
    api = _api()
    schema = api.infer_schema(source, label=list(labels) or None, skew=skew, drift=drift)
    text = schema.to_yaml()
    if output is None:
        click.echo(text, nl=False)
    else:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"Wrote the schema of {source} ({len(schema.columns)} columns) to {output}.")


@data.command("log")
@click.argument("name")
@json_option
def log(name: str, as_json: bool) -> None:
    """Show the history of dataset NAME, newest first, with the runs that wrote and read it."""
    entries = _api().data_log(name)
    if as_json:
        render.echo_json(entries)
        return
    rows = [(e.version.version, render.when(e.version.created_at, seconds=False),
             e.version.kind, _rows(e.version), render.size(e.version.bytes),
             " ".join(render.short_id(r) for r in e.produced_by),
             " ".join(render.short_id(r) for r in e.read_by),
             render.plain(e.version.description or "")) for e in entries]
    render.show(render.table(["Version", "Created", "Kind", "Rows", "Size", "Written by",
                              "Read by", "Description"], rows, title=name,
                             right=["Version", "Rows", "Size"],
                             nowrap=["Version", "Created", "Rows", "Size"]))
