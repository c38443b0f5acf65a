"""`jupyter mlops info` and `jupyter mlops gc`: what the workspace holds, and cleaning it."""

from __future__ import annotations

import click

from . import render
from .exits import USAGE, CommandError
from .options import DURATION, json_option, use_workspace

_COUNT_LABELS = {
    "experiments": "Experiments",
    "runs": "Runs",
    "deleted_runs": "Deleted runs",
    "running": "Running",
    "metrics": "Metric values",
    "artifact_files": "Artifact files",
}


@click.command()
@json_option
def info(as_json: bool) -> None:
    """Show where the workspace is and what it holds.

    The folder, the metadata store and its backend, the artifact store, and counts.
    """
    use_workspace()
    from ..maintenance import info as workspace_info

    details = workspace_info()
    if as_json:
        render.echo_json(details)
        return
    pairs = [
        ("Workspace", render.plain(details["workspace"])),
        ("Store", render.plain(details["store"])),
        ("Backend", details["backend"]),
        ("Artifacts", render.plain(details["artifacts"])),
    ]
    pairs += [(label, details[key]) for key, label in _COUNT_LABELS.items() if key in details]
    known = {"workspace", "store", "backend", "artifacts", *_COUNT_LABELS}
    # Counts added later by other features show up without a change here.
    pairs += [(key.replace("_", " ").capitalize(), render.plain(value))
              for key, value in details.items() if key not in known]
    render.show(render.fields(pairs))


@click.command()
@click.option("--dry-run", is_flag=True, help="Report what would be removed; remove nothing.")
@click.option("--purge-deleted", is_flag=True,
              help="First remove deleted runs for good, with everything they recorded.")
@click.option("--older-than", type=DURATION, metavar="DURATION",
              help="With --purge-deleted: only runs deleted at least this long ago "
                   "(e.g. 7d, 12h; default: all deleted runs).")
@click.option("--grace", type=DURATION, metavar="DURATION", show_default="1h",
              help="Keep unreferenced blobs younger than this: another process may be about "
                   "to record them.")
@json_option
def gc(dry_run: bool, purge_deleted: bool, older_than: float | None, grace: float | None,
       as_json: bool) -> None:
    """Remove unreferenced artifact blobs.

    Blobs no run or record points at are removed once older than the grace period; with
    --purge-deleted, deleted runs are first removed for good.
    """
    if older_than is not None and not purge_deleted:
        raise CommandError("--older-than applies to --purge-deleted; add that option.", USAGE)
    use_workspace()
    from .. import maintenance as api
    options: dict[str, object] = {"dry_run": dry_run, "purge_deleted": purge_deleted}
    if older_than is not None:
        options["older_than"] = older_than
    if grace is not None:
        options["grace"] = grace
    report = api.gc(**options)
    if as_json:
        render.echo_json(report)
        return
    verb = "Would remove" if report.dry_run else "Removed"
    lines = [f"{verb} {len(report.blobs)} unreferenced blob(s), {render.size(report.bytes)}."]
    if report.purged_runs:
        lines.append(f"Purged {len(report.purged_runs)} deleted run(s).")
    elif purge_deleted and dry_run:
        lines.append("Deleted runs are purged only without --dry-run; their blobs are not "
                     "counted above.")
    if report.kept_recent:
        lines.append(f"Kept {report.kept_recent} unreferenced blob(s) younger than the grace "
                     "period.")
    if report.temp_files:
        lines.append(f"{verb} {report.temp_files} leftover upload file(s).")
    click.echo("\n".join(lines))
