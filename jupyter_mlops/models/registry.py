"""The model registry: register versions, move aliases, change status, load and promote.

Every alias move and status change is written with its audit entry (who, when, from, to, why)
in one transaction by the store. ``promote`` moves an alias only when the candidate is at least
as good as the current holder on the named metrics, and otherwise says why, in its result and
in the audit log. Each change, once committed, is announced to the registry listeners
(``events``; the alerts of ``monitor`` tell their webhooks at once). DataFrame views
(``models``, ``model_versions``, ``audit_log``) live in ``tables``.
"""

from __future__ import annotations

import getpass
import json
import math
import operator
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import Conflict, IntegrityError, InvalidInput, NotFound
from ..records import (
    AliasMove,
    AuditEntry,
    MetricCheck,
    ModelVersion,
    Promotion,
    RegisteredModel,
    Run,
    VersionStatus,
)
from ..session import current
from ..tracking.run import ActiveRun, active_run
from . import reference
from .events import RegistryEvent, announce
from .flavors import Trust, UntrustedModel
from .loaded import LoadedModel, load_stored
from .logging import META_FILE, LoggedModel, log_model, logged_model_of
from .reference import ModelRef, RunModelRef, check_alias, check_model_name

if TYPE_CHECKING:
    from ..records import AuditEntry
    from ..store.registry import Registry

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt,
}


def current_user() -> str:
    """Who is acting, for the audit log: the login name, as ``getpass`` finds it."""
    try:
        return getpass.getuser()
    except Exception:
        # No login name in the environment or password database (some containers).
        return "unknown"


def _registry() -> Registry:
    return current().store.registry


# -- registering -------------------------------------------------------------------------------


def register_model(
    run_or_model_uri: Any,
    name: str,
    alias: str | None = None,
    description: str | None = None,
    tags: Mapping[str, Any] | None = None,
    reason: str | None = None,
) -> ModelVersion:
    """Register the next version of ``name`` from a logged model (or a model object).

    Parameters
    ----------
    run_or_model_uri:
        ``runs:/<run id>/<path>``, a run (id, ``ActiveRun`` or record) that logged exactly one
        model, a ``LoggedModel``, or a model object, which is first logged into the active run
        (or a new run named after the model).
    name:
        The registered model's name; created on first registration.
    alias:
        Point this alias at the new version too (audited like any move).
    description:
        What this version is for; also the model's purpose when it has none yet.
    tags:
        Tags of the version.
    reason:
        Why, for the audit log.

    Returns
    -------
    ModelVersion
        The new version, linking its source run, training data versions and metrics.
    """
    check_model_name(name)
    if alias is not None:
        check_alias(alias)
    ref = _logged_ref(run_or_model_uri, name)
    session = current()
    store = session.store
    if active_run() is not None:
        # Metrics of the run being registered from may still sit in the write buffer.
        session.writer.flush()
    run = store.runs.get(ref.run_id)
    meta_digest = _meta_artifact(run, ref.path)
    meta = _read_meta(store, meta_digest)
    model_digest = _model_digest(run, ref.path, meta)
    datasets = [link.ref for link in run.lineage
                if link.direction == "input" and link.kind == "dataset"]
    created = store.registry.create_version(
        name, flavor=str(meta["flavor"]), model_digest=model_digest, meta_digest=meta_digest,
        artifact_path=ref.path, run_id=run.id, user=current_user(), now=time.time(),
        signature=meta.get("signature"), metrics=run.metrics, params=run.params,
        datasets=datasets, environment_digest=run.environment_digest,
        description=description, model_description=description,
        tags={str(k): str(v) for k, v in (tags or {}).items()},
        alias=alias, reason=reason,
    )
    announce(RegistryEvent("register", name, created.version))
    if alias is not None:
        announce(RegistryEvent("alias", name, created.version, alias))
    return created


def _logged_ref(source: Any, name: str) -> RunModelRef:
    if isinstance(source, LoggedModel):
        return RunModelRef(source.run_id, source.artifact_path)
    if isinstance(source, (ActiveRun, Run)):
        return _only_model(source.id)
    if isinstance(source, str):
        if source.startswith("runs:/"):
            parsed = reference.parse(source)
            assert isinstance(parsed, RunModelRef)
            return parsed
        return _only_model(source)
    known = logged_model_of(source)
    if known is not None:
        # The run that fitted (autologged) this very object: its metrics, params and data.
        return RunModelRef(known.run_id, known.artifact_path)
    run = active_run()
    if run is not None:
        return _logged_ref(log_model(source, run=run), name)
    from ..tracking.run import start_run

    with start_run(name=f"register-{name}") as fresh:
        logged = log_model(source, run=fresh)
    print(f"No tracked run logged this {type(source).__name__}: logged it into a new run "
          f"{fresh.id} ({fresh.name}), which has no metrics or data.")
    return _logged_ref(logged, name)


def _only_model(run_id: str) -> RunModelRef:
    run = current().store.runs.get(run_id)
    paths = sorted(a.path.rsplit("/", 1)[0] for a in run.artifacts
                   if a.path.endswith("/" + META_FILE))
    if len(paths) == 1:
        return RunModelRef(run.id, paths[0])
    if not paths:
        raise NotFound(f"Run {run.id} logged no model: log one with mlops.log_model(model).")
    choices = ", ".join(f"runs:/{run.id}/{p}" for p in paths)
    raise InvalidInput(f"Run {run.id} logged several models; pass one of: {choices}.")


def _meta_artifact(run: Run, path: str) -> str:
    for artifact in run.artifacts:
        if artifact.path == f"{path}/{META_FILE}":
            return artifact.digest
    raise NotFound(
        f"Run {run.id} has no model at {path!r}: log one with mlops.log_model(model, "
        f"name={path!r})."
    )


def _read_meta(store: Any, digest: str) -> dict[str, Any]:
    return dict(json.loads(store.artifacts.get_bytes(digest)))


def _model_digest(run: Run, path: str, meta: dict[str, Any]) -> str:
    expected = f"{path}/{meta['model_file']}"
    for artifact in run.artifacts:
        if artifact.path == expected:
            if artifact.digest != meta["model_digest"]:
                raise IntegrityError(
                    f"Model {path!r} of run {run.id} was overwritten after it was described; "
                    "log it again."
                )
            return artifact.digest
    raise NotFound(f"Run {run.id} has no model file {expected!r}; log the model again.")


# -- resolving and loading ---------------------------------------------------------------------


def get_version(uri: str) -> ModelVersion:
    """The registered version ``uri`` names (``churn@champion``, ``churn/3``, ``churn``)."""
    ref = reference.parse(uri)
    if isinstance(ref, RunModelRef):
        raise InvalidInput(f"{uri} is a run's model, not a registered version.")
    return _registry().version(ref.name, resolve_version(ref))


def resolve_version(ref: ModelRef) -> int:
    """The version number ``ref`` names now."""
    registry = _registry()
    if ref.version is not None:
        return ref.version
    if ref.alias is not None:
        return int(registry.resolve_alias(ref.name, ref.alias))
    return int(registry.latest_version(ref.name, VersionStatus.READY))


def load_model(uri: str, trust: Trust = False) -> LoadedModel:
    """Load a registered (or logged) model, verifying its files against their digests.

    Parameters
    ----------
    uri:
        ``churn@champion``, ``churn/3``, ``churn`` (newest READY version),
        ``models:/churn@champion``, ``models:/churn/3`` or ``runs:/<run id>/model``.
    trust:
        False (default): load only what runs no code; a list of type names to trust; True
        to trust everything (needed for the python flavor's pickles).

    Returns
    -------
    LoadedModel
        ``.predict(data)`` validates ``data`` against the signature first.
    """
    ref = reference.parse(uri)
    store = current().store
    if isinstance(ref, RunModelRef):
        run = store.runs.get(ref.run_id)
        meta = _meta_artifact(run, ref.path)
        loaded = _load(store, meta, None, str(ref), trust, None, None, run.id)
    else:
        version = store.registry.version(ref.name, resolve_version(ref))
        loaded = _load(store, version.meta_digest, version.model_digest, uri, trust,
                       version.name, version.version, version.run_id)
    run_now = active_run()
    if run_now is not None:
        run_now.log_input("model", loaded.label)
    return loaded


def _load(store: Any, meta: str, model_digest: str | None, uri: str, trust: Trust,
          name: str | None, version: int | None, run_id: str | None) -> LoadedModel:
    try:
        return load_stored(store, meta, model_digest, uri, trust, name, version, run_id)
    except UntrustedModel as exc:
        label = f"{name}/{version}" if name is not None else uri
        raise UntrustedModel(f"Refusing to load {label}: {exc}", exc.types) from None


# -- aliases and status ------------------------------------------------------------------------


def set_alias(name: str, alias: str, version: int, reason: str | None = None) -> AliasMove:
    """Point ``alias`` of ``name`` at ``version`` (audited: who, when, from, to, why)."""
    check_model_name(name)
    check_alias(alias)
    move = _registry().set_alias(name, alias, _version_number(version), current_user(),
                                 time.time(), reason)
    announce(RegistryEvent("alias", name, move.to_version, alias))
    return move


def delete_alias(name: str, alias: str, reason: str | None = None) -> AliasMove:
    """Remove ``alias`` from ``name`` (audited)."""
    check_model_name(name)
    check_alias(alias)
    move = _registry().delete_alias(name, alias, current_user(), time.time(), reason)
    announce(RegistryEvent("alias", name, move.from_version, alias))
    return move


def set_version_status(name: str, version: int, status: str | VersionStatus,
                       reason: str | None = None) -> AuditEntry:
    """Archive a version (or make it READY again); audited. Returns the audit entry."""
    try:
        wanted = VersionStatus(str(status).upper())
    except ValueError:
        choices = ", ".join(s.value for s in VersionStatus)
        raise InvalidInput(f"Unknown version status {status!r}: use one of {choices}.") from None
    entry = _registry().set_status(check_model_name(name), _version_number(version), wanted,
                                   current_user(), time.time(), reason)
    announce(RegistryEvent("status", entry.name, entry.version))
    return entry


def _version_number(version: Any) -> int:
    if isinstance(version, bool) or not isinstance(version, (int, str)) or (
        isinstance(version, str) and not version.isdigit()
    ) or int(version) < 1:
        raise InvalidInput(f"Invalid model version {version!r}: versions count 1, 2, 3 ...")
    return int(version)


# -- promotion ---------------------------------------------------------------------------------


def promote(
    name: str,
    version: int,
    alias: str = "champion",
    require: Mapping[str, str] | Sequence[str] | None = None,
    reason: str | None = None,
    require_blessing: bool | None = None,
    require_replay: bool | None = None,
) -> Promotion:
    """Move ``alias`` to ``version`` only if it is at least as good as the current holder.

    Parameters
    ----------
    name, version:
        The candidate.
    alias:
        The alias to move (default ``champion``).
    require:
        Metric -> comparison of candidate to holder (``">="``, ``">"``, ``"<="``, ``"<"``),
        e.g. ``{"auc": ">=", "log_loss": "<="}``; a list of names means ``">="`` each.
    reason:
        Why, for the audit log (default: the comparisons).
    require_blessing:
        Refuse unless the version's latest evaluation (``mlops.evaluate``) blessed it; default:
        whether ``alias`` is listed in the ``require_blessing`` setting.
    require_replay:
        Refuse unless the version's latest shadow replay (``mlops.replay``) against the current
        holder passed; default: whether ``alias`` is in the ``require_replay`` setting.

    Returns
    -------
    Promotion
        ``promoted`` says whether the alias moved; ``reasons`` and ``checks`` say why (not).
        A refusal is recorded in the audit log too.
    """
    check_model_name(name)
    check_alias(alias)
    number = _version_number(version)
    rules = _rules(require)
    registry = _registry()
    candidate = registry.version(name, number)
    if candidate.status is not VersionStatus.READY:
        raise Conflict(f"Version {number} of {name!r} is {candidate.status.value}: only READY "
                       "versions can be promoted.")
    holder_number = registry.alias_version(name, alias)
    if holder_number == number:
        return Promotion(name, alias, number, number, True,
                         reasons=(f"version {number} already holds @{alias}",))
    holder = None if holder_number is None else registry.version(name, holder_number)
    checks = tuple(_check(metric, op, candidate, holder) for metric, op in rules.items())
    checks += _gate(name, number, holder_number, alias, require_blessing, require_replay)
    failed = [c for c in checks if not c.passed]
    now = time.time()
    if failed:
        return _refuse(registry, name, alias, number, holder_number, checks,
                       tuple(c.note for c in failed), reason, now)
    why = reason or ("; ".join(c.note for c in checks) if checks else
                     f"promoted to @{alias}")
    move = registry.set_alias(name, alias, number, current_user(), now, why,
                              expected=holder_number)
    announce(RegistryEvent("alias", name, number, alias))
    return Promotion(name, alias, number, holder_number, True, checks,
                     tuple(c.note for c in checks), move)


class PromotionRefused(UserWarning):
    """A promotion was refused; the ``Promotion`` returned says why."""


def _refuse(registry: Any, name: str, alias: str, number: int, holder: int | None,
            checks: tuple[MetricCheck, ...], reasons: tuple[str, ...], reason: str | None,
            now: float) -> Promotion:
    """Record a refused promotion in the audit log, warn, and return the falsy outcome."""
    registry.record_refusal(name, alias, holder, number, current_user(), now,
                            "; ".join(reasons) + (f" ({reason})" if reason else ""))
    announce(RegistryEvent("promotion-refused", name, number, alias))
    outcome = Promotion(name, alias, number, holder, False, checks, reasons)
    # A refusal must be seen where a notebook cell or a script ignores the return value.
    warnings.warn(f"{name} version {number} not promoted to @{alias}: {'; '.join(reasons)}",
                  PromotionRefused, stacklevel=3)
    return outcome


def _required(alias: str, given: bool | None, setting_name: str) -> bool:
    if given is not None:
        return bool(given)
    from ..config import setting

    try:
        listed = setting(setting_name, current().workspace.root) or ()
    except KeyError:
        # A settings table from before the gate: no alias is gated by default.
        return False
    if isinstance(listed, str):
        listed = [part.strip() for part in listed.split(",")]
    return alias in listed or "*" in listed


def _gate(name: str, number: int, holder: int | None, alias: str, blessing: bool | None,
          replay: bool | None) -> tuple[MetricCheck, ...]:
    """The blessing and replay a gated alias requires, read from the stored evaluations."""
    out = []
    saved = current().store.evaluations
    for kind, given, setting_name in (("evaluation", blessing, "require_blessing"),
                                      ("replay", replay, "require_replay")):
        if not _required(alias, given, setting_name):
            continue
        metric = "blessing" if kind == "evaluation" else "replay"
        found = saved.latest(name, number, kind)
        how = ("mlops.evaluate" if kind == "evaluation" else "mlops.replay")
        if found is None:
            note = f"{metric}: version {number} has no {kind}: run {how}('{name}/{number}', ...)"
        elif kind == "replay" and holder is not None and found.baseline != f"{name}/{holder}":
            note = (f"replay: version {number} was last replayed against {found.baseline}, not "
                    f"the current holder version {holder}: replay it again")
        elif not found.blessed:
            note = (f"{metric}: {kind} {found.id[-8:]} of version {number} failed: "
                    + "; ".join(found.failures))
        else:
            out.append(MetricCheck(metric, "blessed", None, None, True,
                                   f"{metric}: {kind} {found.id[-8:]} passed"))
            continue
        out.append(MetricCheck(metric, "blessed", None, None, False, note))
    return tuple(out)


def _rules(require: Mapping[str, str] | Sequence[str] | None) -> dict[str, str]:
    if require is None:
        return {}
    if isinstance(require, str):
        require = [require]
    rules = dict(require) if isinstance(require, Mapping) else {m: ">=" for m in require}
    for metric, op in rules.items():
        if op not in _OPS:
            raise InvalidInput(
                f"Unknown comparison {op!r} for metric {metric!r}: use one of "
                f"{', '.join(_OPS)} (candidate OP current holder)."
            )
    return rules


def _check(metric: str, op: str, candidate: ModelVersion,
           holder: ModelVersion | None) -> MetricCheck:
    mine = candidate.metrics.get(metric)
    if holder is None:
        return MetricCheck(metric, op, mine, None, True,
                           f"{metric}: no current holder to compare with")
    theirs = holder.metrics.get(metric)
    if mine is None or math.isnan(mine):
        return MetricCheck(metric, op, mine, theirs, False,
                           f"{metric}: version {candidate.version} has no value to compare")
    if theirs is None or math.isnan(theirs):
        return MetricCheck(metric, op, mine, theirs, False,
                           f"{metric}: current holder version {holder.version} has no value "
                           "to compare")
    passed = _OPS[op](mine, theirs)
    verdict = op if passed else {">=": "<", ">": "<=", "<=": ">", "<": ">="}[op]
    return MetricCheck(metric, op, mine, theirs, passed,
                       f"{metric}: {mine:.6g} {verdict} {theirs:.6g} of version "
                       f"{holder.version}" + ("" if passed else f" (required {op})"))


# -- records for the faces ---------------------------------------------------------------------


def list_models() -> list[RegisteredModel]:
    """Every registered model as a record (``tables.models`` gives a DataFrame)."""
    return list(_registry().models())


def list_versions(name: str) -> list[ModelVersion]:
    """The versions of ``name`` as records, oldest first."""
    return list(_registry().versions(check_model_name(name)))


def audit_entries(name: str | None = None, limit: int | None = None) -> list[AuditEntry]:
    """Audit entries as records, oldest first (the newest ``limit`` when given)."""
    return list(_registry().audit(None if name is None else check_model_name(name), limit))
