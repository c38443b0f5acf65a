"""Reading back what a run left behind: its artifact files and the environment it ran in.

Every byte read goes through the artifact store's verifying reader, so a corrupt blob raises
``IntegrityError`` instead of landing in the user's folder, and a destination file appears only
once it is complete and correct.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from ..errors import InvalidInput, NotFound
from ..records import Artifact, Environment, Run
from ..session import current

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Download:
    """One artifact file to copy out of the store: the artifact and where it goes."""

    artifact: Artifact
    dest: Path


def list_artifacts(run_id: str, path: str | None = None) -> list[Artifact]:
    """The artifact files of a run, sorted by path.

    Parameters
    ----------
    run_id:
        The run's id, or a unique prefix or suffix of six or more characters.
    path:
        Only the file at this path, or the files under this folder.

    Returns
    -------
    list[Artifact]
        Path, digest, size and time of each file.
    """
    track = current()
    full = track.store.runs.resolve_id(run_id)
    artifacts = track.store.runs.artifacts(full)
    if path is None or _normal(path) == "":
        return artifacts
    return _select(full, artifacts, path)


def _normal(path: str) -> str:
    text = path.strip().strip("/")
    return "" if text in ("", ".") else text


def _select(run_id: str, artifacts: list[Artifact], path: str) -> list[Artifact]:
    wanted = _normal(path)
    exact = [a for a in artifacts if a.path == wanted]
    if exact:
        return exact
    under = [a for a in artifacts if a.path.startswith(wanted + "/")]
    if under:
        return under
    known = ", ".join(a.path for a in artifacts[:10]) or "none"
    more = f" and {len(artifacts) - 10} more" if len(artifacts) > 10 else ""
    raise NotFound(
        f"Run {run_id} has no artifact file or folder {wanted!r}. Its artifacts: {known}{more}. "
        f"List them with `jupyter mlops artifacts list {run_id}`."
    )


def plan_download(
    run_id: str, path: str, dest: str | os.PathLike[str] | None = None
) -> list[Download]:
    """Where each file of an artifact (or of every file under a folder) would be written.

    Parameters
    ----------
    run_id:
        The run's id or a unique part of it.
    path:
        An artifact file, a folder of artifacts, or ``.`` for all of them.
    dest:
        For a file: the target file, or an existing folder to put it in (default: the file's
        name in the current folder). For a folder: the folder to copy its contents into
        (default: the folder's name in the current folder; for ``.``, the current folder).

    Returns
    -------
    list[Download]
        The files to copy, in path order.
    """
    chosen = list_artifacts(run_id, path)
    if not chosen:
        raise NotFound(f"Run {run_id} has no artifacts. Log some with `mlops.log_artifact(...)`.")
    wanted = _normal(path)
    name = PurePosixPath(wanted).name
    if len(chosen) == 1 and chosen[0].path == wanted:
        if dest is None:
            return [Download(chosen[0], Path(name))]
        target = Path(dest)
        return [Download(chosen[0], target / name if target.is_dir() else target)]
    # A folder lands under its own name by default, like `cp -r`; all artifacts land here.
    target = Path(dest) if dest is not None else Path(name or ".")
    if target.exists() and not target.is_dir():
        raise InvalidInput(
            f"{target} is a file, but {wanted or 'the run'!r} is a folder of {len(chosen)} "
            "artifacts: give a folder as the destination."
        )
    root = target.resolve()
    plan = []
    for artifact in chosen:
        relative = artifact.path[len(wanted) + 1:] if wanted else artifact.path
        # Paths are checked when logged; this guards against a store written by other tools.
        if root not in (root / relative).resolve().parents:
            raise InvalidInput(f"Artifact path {artifact.path!r} would leave {root}; not copied.")
        plan.append(Download(artifact, target / relative))
    return plan


def copy_artifact(
    artifact: Artifact,
    dest: str | os.PathLike[str],
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Copy one artifact file to ``dest``, verified against its digest.

    Parameters
    ----------
    artifact:
        An artifact record, as ``list_artifacts`` or ``plan_download`` gives it.
    dest:
        The file to write; its folder is created. It appears only once complete and correct.
    progress:
        Called with the number of bytes of each chunk as it is written.

    Returns
    -------
    Path
        ``dest``.
    """
    target = Path(dest)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        with partial.open("wb") as out:
            stream_artifact(artifact, out, progress)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def stream_artifact(
    artifact: Artifact, out: BinaryIO, progress: Callable[[int], None] | None = None
) -> int:
    """Write one artifact's bytes to a binary stream; raises ``IntegrityError`` when corrupt.

    On corruption the stream has already received the bytes read so far; write to a temporary
    file (as ``copy_artifact`` does) when that matters.

    Returns
    -------
    int
        The number of bytes written.
    """
    written = 0
    with current().store.artifacts.open(artifact.digest) as source:
        while chunk := source.read(CHUNK):
            out.write(chunk)
            written += len(chunk)
            if progress is not None:
                progress(len(chunk))
    return written


def environment_of(run: Run) -> Environment | None:
    """The interpreter, platform and package versions a run executed with, if recorded.

    Parameters
    ----------
    run:
        The run's record, as ``get_run`` gives it.

    Returns
    -------
    Environment or None
        None for a run stored without an environment.
    """
    if run.environment_digest is None:
        return None
    return current().store.runs.environment(run.environment_digest)
