"""`jupyter mlops artifacts ...`: list a run's files and copy them out, digest-verified."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from . import render
from .exits import USAGE, CommandError
from .options import json_option, use_workspace

# Below this many bytes a copy is over before a progress bar would be read.
PROGRESS_MIN = 8 * 1024 * 1024
SPOOL_IN_MEMORY = 64 * 1024 * 1024


@click.group()
def artifacts() -> None:
    """List and fetch the files runs logged."""


@artifacts.command("list")
@click.argument("run_id")
@click.argument("path", required=False)
@json_option
def list_artifacts(run_id: str, path: str | None, as_json: bool) -> None:
    """List a run's artifact files (all, or those at or under PATH)."""
    use_workspace()
    from ..tracking.artifacts import list_artifacts as listing

    found = listing(run_id, path)
    if as_json:
        render.echo_json(found)
        return
    if not found:
        render.note(f"Run {run_id} has no artifacts.")
        return
    rows = [(render.plain(a.path), render.size(a.size), a.digest[:12], render.when(a.created_at))
            for a in found]
    title = f"{len(found)} file(s), {render.size(sum(a.size for a in found))}"
    render.show(render.table(["Path", "Size", "Digest", "Logged"], rows, title=title,
                             right=["Size"]))


@artifacts.command("get")
@click.argument("run_id")
@click.argument("path")
@click.option("-o", "--output", "dest", metavar="DEST",
              help="File or folder to write to; '-' writes a single file to stdout "
                   "(default: the current folder).")
def get_artifact(run_id: str, path: str, dest: str | None) -> None:
    """Copy an artifact file or folder out of a run.

    PATH is a file, a folder (every file under it is copied) or '.' for all. Each file is
    verified against its digest and appears only once complete. The written paths are
    printed, one per line.
    """
    use_workspace()
    from ..tracking import artifacts as capability

    if dest == "-":
        chosen = capability.list_artifacts(run_id, path)
        if len(chosen) != 1 or chosen[0].path != path.strip().strip("/"):
            raise CommandError(
                f"{path!r} is a folder of {len(chosen)} artifacts: '-o -' writes one file.",
                USAGE,
            )
        _to_stdout(capability, chosen[0])
        return
    plan = capability.plan_download(run_id, path, dest)
    total = sum(item.artifact.size for item in plan)
    with _progress(total) as advance:
        for item in plan:
            written = capability.copy_artifact(item.artifact, item.dest, advance)
            click.echo(str(written))


def _to_stdout(capability: Any, artifact: Any) -> None:
    """Write one artifact to stdout only once its digest checked out.

    A pipe cannot take bytes back, so a corrupt blob must fail before the first byte: small
    ones are verified in memory, larger ones through a verified copy in a temporary folder.
    """
    import io
    import shutil
    import tempfile

    out = sys.stdout.buffer
    if artifact.size <= SPOOL_IN_MEMORY:
        buffer = io.BytesIO()
        capability.stream_artifact(artifact, buffer)
        out.write(buffer.getvalue())
    else:
        with tempfile.TemporaryDirectory(prefix="mlops-get-") as folder, \
                _progress(artifact.size) as advance:
            copy = capability.copy_artifact(artifact, f"{folder}/blob", advance)
            with open(copy, "rb") as handle:
                shutil.copyfileobj(handle, out, 1024 * 1024)
    out.flush()


@contextmanager
def _progress(total: int) -> Iterator[Callable[[int], None] | None]:
    """A byte-counting progress bar on stderr for large copies to a terminal, else nothing."""
    if total < PROGRESS_MIN:
        yield None
        return
    from tqdm import tqdm

    # disable=None: tqdm draws only when stderr is a terminal, so logs and pipes stay clean.
    with tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, disable=None,
              file=sys.stderr, leave=False) as bar:
        yield bar.update
