"""Step cache keys, cache look-ups, and why a step is stale.

A step's key hashes its notebook's code cells (not outputs or metadata), its effective params,
its kernel, the digests of its inputs and the digests of its upstream steps' outputs. A step
run that finished records its key and the parts it was made of as tags, and its outputs as
lineage (``path@digest``) plus artifacts under ``outputs/``; a later run with the same key whose
outputs are still intact on disk (or can be copied back from the artifact store) is skipped.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import NotFound
from ..records import Run
from .notebooks import code_digest, read_notebook
from .spec import Pipeline, Step, is_dataset_ref

if TYPE_CHECKING:
    from ..data.hashing import StatCache

KEY_TAG = "mlops.cache_key"
PARTS_TAG = "mlops.cache_parts"
PIPELINE_TAG = "mlops.pipeline"
STEP_TAG = "mlops.pipeline.step"
CACHED_FROM_TAG = "mlops.cached_from"
OUTPUTS_PREFIX = "outputs"

def _stat_cache() -> StatCache:
    """The data layer's machine-local stat cache of the workspace (``.mlops/cache/``)."""
    from ..data.reads import stat_cache
    from ..session import current

    return stat_cache(current())


def digest_path(path: str | os.PathLike[str]) -> str | None:
    """The digest of a file, or of a folder's files and their relative paths; None if absent.

    Files are hashed with BLAKE3 by the data layer, which remembers each file's digest under
    its (path, size, mtime, inode) across processes, so an unchanged input costs a ``stat``.
    """
    from ..data.hashing import digest_file, hash_tree, scan

    target = Path(path)
    if target.is_file():
        return digest_file(target.resolve(), _stat_cache(), show_progress=False)
    if not target.is_dir():
        return None
    from ..store.artifacts import hash_bytes

    tree = hash_tree(scan(target.resolve()), _stat_cache(), show_progress=False)
    lines = [f"{relative}\0{digest}\n" for relative, digest in sorted(tree.digests.items())]
    return hash_bytes("".join(lines).encode("utf-8"))


def kind_of(path: Path) -> str:
    return "folder" if path.is_dir() else "file"


def resolve_dataset(ref: str) -> str:
    """The content digest of a dataset version input such as ``customers@latest``."""
    from ..data.reads import resolve_version

    return resolve_version(ref).digest


def dataset_version(ref: str) -> str:
    """The version a dataset input names now: ``customers@latest`` -> ``customers@3``."""
    from ..data.reads import resolve_version

    return resolve_version(ref).ref


def input_digests(pipeline: Pipeline, step: Step) -> dict[str, str]:
    """Each input of ``step`` with its current digest; a missing input is an error."""
    digests: dict[str, str] = {}
    for ref in step.inputs:
        if is_dataset_ref(ref, pipeline.root):
            digests[ref] = resolve_dataset(ref)
            continue
        digest = digest_path(pipeline.root / ref)
        if digest is None:
            raise NotFound(f"Step {step.name!r}: input {ref} does not exist. Create it or run "
                           "the step that produces it first.")
        digests[ref] = digest
    return digests


@dataclass(frozen=True)
class KeyParts:
    """What a step's cache key is made of; compared part by part to say why a step is stale."""

    code: str
    params: dict[str, Any]
    kernel: str | None
    inputs: dict[str, str]
    upstream: dict[str, str]

    @property
    def key(self) -> str:
        from ..store.artifacts import hash_bytes

        return hash_bytes(self.to_json().encode("utf-8"))

    def to_json(self) -> str:
        return json.dumps({"code": self.code, "params": self.params, "kernel": self.kernel,
                           "inputs": self.inputs, "upstream": self.upstream},
                          sort_keys=True, default=str, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> KeyParts | None:
        try:
            data = json.loads(text)
            return cls(data["code"], data["params"], data["kernel"], data["inputs"],
                       data["upstream"])
        except (ValueError, KeyError, TypeError):
            return None


def key_parts(pipeline: Pipeline, step: Step, upstream: dict[str, dict[str, str]]) -> KeyParts:
    """The parts of ``step``'s key, given the output digests of each step it needs.

    Parameters
    ----------
    pipeline, step:
        The validated pipeline and one of its steps.
    upstream:
        ``{step: {output path: digest}}`` for the steps ``step`` needs.

    Returns
    -------
    KeyParts
        Its ``key`` property is the cache key.
    """
    info = read_notebook(step.notebook)
    inputs = input_digests(pipeline, step)
    flat = {f"{name}:{path}": digest for name in step.needs
            for path, digest in sorted(upstream.get(name, {}).items())}
    return KeyParts(code_digest(info), dict(step.params), step.kernel, inputs, flat)


@dataclass(frozen=True)
class CacheHit:
    """A finished step run whose key matches, with the outputs it recorded."""

    run: Run
    outputs: dict[str, str] = field(default_factory=dict)


def recorded_outputs(run: Run) -> dict[str, str]:
    """``{path: digest}`` of the outputs a step run recorded as lineage."""
    found: dict[str, str] = {}
    for link in run.lineage:
        if link.direction == "output" and link.kind in ("file", "folder") and "@" in link.ref:
            path, _, digest = link.ref.rpartition("@")
            found[path] = digest
    return found


def find_cached(key: str) -> CacheHit | None:
    """The newest finished step run with cache key ``key``, if any."""
    from ..tracking.queries import search_runs

    found = search_runs(filter=f"tags.`{KEY_TAG}` = '{key}' and status = 'FINISHED'",
                        order_by=["start_time DESC"], max_results=1)
    if not found:
        return None
    # Search results carry no lineage or artifacts; the full record does.
    run = full_record(found[0].id)
    return CacheHit(run, recorded_outputs(run))


def full_record(run_id: str) -> Run:
    """A run with its lineage and artifacts, which search results leave out."""
    from ..session import current

    return current().store.runs.get(run_id)


def last_run(pipeline: Pipeline, step: str) -> Run | None:
    """The newest executed (not cached) run of ``step`` in this pipeline, whatever its status."""
    from ..tracking.queries import search_runs

    name = pipeline.name.replace("'", "''")
    found = search_runs(
        filter=f"tags.`{PIPELINE_TAG}` = '{name}' and tags.`{STEP_TAG}` = '{step}' "
               f"and tags.`{KEY_TAG}` is not null",
        order_by=["start_time DESC"], max_results=1)
    return found[0] if found else None


def output_state(root: Path, outputs: dict[str, str]) -> tuple[str, list[str]]:
    """``("intact", [])``, or ``("missing", paths)`` / ``("changed", paths)`` on disk."""
    missing, changed = [], []
    for path, digest in outputs.items():
        current = digest_path(root / path)
        if current is None:
            missing.append(path)
        elif current != digest:
            changed.append(path)
    if changed:
        return "changed", changed
    if missing:
        return "missing", missing
    return "intact", []


def restore_outputs(root: Path, hit: CacheHit, paths: list[str]) -> bool:
    """Put outputs back as the cached run stored them; False if any was not stored.

    Nothing is touched unless every output is stored; a folder is replaced as a whole, so
    files the cached run did not write do not linger in it.
    """
    import shutil

    from ..tracking.artifacts import copy_artifact

    plan = {}
    for path in paths:
        prefix = f"{OUTPUTS_PREFIX}/{path}"
        plan[path] = [a for a in hit.run.artifacts
                      if a.path == prefix or a.path.startswith(prefix + "/")]
        if not plan[path]:
            return False
    for path, files in plan.items():
        target = root / path
        if target.is_dir():
            shutil.rmtree(target)
        for artifact in files:
            copy_artifact(artifact, root / artifact.path[len(OUTPUTS_PREFIX) + 1:])
    return output_state(root, {p: hit.outputs[p] for p in paths})[0] == "intact"


def explain(before: KeyParts | None, now: KeyParts) -> list[str]:
    """Why ``now`` differs from the parts of the step's last run, in words."""
    if before is None:
        return ["never run with cache tracking"]
    reasons = []
    if before.code != now.code:
        reasons.append("notebook code changed")
    if before.kernel != now.kernel:
        reasons.append(f"kernel {before.kernel} -> {now.kernel}")
    for key in sorted(set(before.params) | set(now.params)):
        old, new = before.params.get(key, "<unset>"), now.params.get(key, "<unset>")
        if old != new:
            reasons.append(f"param {key}: {old!r} -> {new!r}")
    for what, old_map, new_map in (("input", before.inputs, now.inputs),
                                   ("upstream output", before.upstream, now.upstream)):
        for key in sorted(set(old_map) | set(new_map)):
            if key not in old_map:
                reasons.append(f"new {what} {key}")
            elif key not in new_map:
                reasons.append(f"{what} {key} no longer used")
            elif old_map[key] != new_map[key]:
                reasons.append(f"{what} {key} changed")
    return reasons or ["same key as a run that did not finish"]
