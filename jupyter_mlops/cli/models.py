"""`jupyter mlops models ...`: list, show, register, alias, promote, archive, card, audit, serve,
replay."""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType
from typing import Any

import click

from . import render
from .exits import CONFLICT, USAGE, CommandError
from .options import json_option, tracking

_REQUIREMENT = re.compile(r"^\s*([\w.\-/: ]+?)\s*(>=|<=|>|<)?\s*$")
_SIZE = re.compile(r"^\s*(\d+)\s*([kmgt]i?b?|b)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "m": 1000**2, "mb": 1000**2,
               "g": 1000**3, "gb": 1000**3, "t": 1000**4, "tb": 1000**4,
               "ki": 1024, "kib": 1024, "mi": 1024**2, "mib": 1024**2, "gi": 1024**3,
               "gib": 1024**3, "ti": 1024**4, "tib": 1024**4}


class ByteSize(click.ParamType):
    """A click parameter for sizes like ``1048576``, ``10MB`` or ``1MiB``, converted to bytes."""

    name = "size"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> int:
        if isinstance(value, int):
            size = value
        else:
            found = _SIZE.match(str(value))
            if found is None:
                self.fail(f"{value!r} is not a size: use a whole number of bytes, optionally "
                          "with a unit such as KB, MB, GB (powers of 1000) or KiB, MiB, GiB "
                          "(powers of 1024), e.g. 10MB or 1MiB.", param, ctx)
            size = int(found[1]) * _SIZE_UNITS[(found[2] or "").lower()]
        # A zero limit would refuse every request, even an empty one's framing.
        if size < 1:
            self.fail(f"{value!r} is not a size: it must be at least 1 byte.", param, ctx)
        return size


def _api() -> ModuleType:
    """The models capability, after the global workspace options are applied."""
    tracking()
    from .. import models as api

    return api


@click.group()
def models() -> None:
    """Register models, move their aliases, promote, audit, print cards and serve them."""


@models.command("list")
@json_option
def list_models(as_json: bool) -> None:
    """List registered models with their newest version and aliases."""
    found = _api().list_models()
    if as_json:
        render.echo_json(found)
        return
    if not found:
        render.note("No registered models yet: register one with mlops.register_model(...).")
        return
    rows = [(render.plain(m.name), m.latest_version or "", m.version_count,
             " ".join(f"@{a}={v}" for a, v in sorted(m.aliases.items())),
             render.when(m.updated_at, seconds=False), render.plain(m.description or ""))
            for m in found]
    render.show(render.table(["Model", "Latest", "Versions", "Aliases", "Updated",
                              "Description"], rows, right=["Latest", "Versions"],
                             nowrap=["Latest", "Versions", "Updated"]))


@models.command("show")
@click.argument("uri")
@json_option
def show(uri: str, as_json: bool) -> None:
    """Show a model's versions (NAME) or one version (NAME/3, NAME@champion)."""
    api = _api()
    if "/" not in uri and "@" not in uri and not uri.startswith("models:"):
        versions = api.list_versions(uri)
        if as_json:
            render.echo_json(versions)
            return
        keys = sorted({k for v in versions for k in v.metrics})[:4]
        rows = [(v.version, v.status.value, " ".join(f"@{a}" for a in v.aliases),
                 render.short_id(v.run_id) if v.run_id else "", ", ".join(v.datasets),
                 *[render.number(v.metrics.get(k)) for k in keys],
                 render.when(v.created_at, seconds=False), render.plain(v.created_by))
                for v in versions]
        render.show(render.table(
            ["Version", "Status", "Aliases", "Run", "Data", *keys, "Registered", "By"], rows,
            title=uri, right=["Version", *keys], nowrap=["Version", "Run", "Registered"]))
        return
    version = api.get_version(uri)
    if as_json:
        render.echo_json(version)
        return
    signature = api.Signature.from_dict(version.signature)
    inputs = signature.describe_inputs() if signature is not None else []
    render.show(
        render.fields([
            ("Version", version.uri), ("Status", version.status.value),
            ("Aliases", " ".join(f"@{a}" for a in version.aliases)),
            ("Flavor", version.flavor), ("Run", version.run_id),
            ("Data", ", ".join(version.datasets)), ("Registered", render.when(
                version.created_at)), ("By", version.created_by),
            ("Description", version.description), ("Digest", version.model_digest),
        ], title=f"{version.name} version {version.version}"),
        render.table(["Metric", "Value"], [(k, render.number(v)) for k, v in
                                          sorted(version.metrics.items())], title="Metrics")
        if version.metrics else None,
        render.table(["Input", "Type"], inputs, title="Signature") if inputs else None,
    )


@models.command("register")
@click.argument("source")
@click.argument("name")
@click.option("--alias", help="Point this alias at the new version too.")
@click.option("--description", help="What this version is for.")
@click.option("--reason", help="Why, for the audit log.")
def register(source: str, name: str, alias: str | None, description: str | None,
             reason: str | None) -> None:
    """Register SOURCE (runs:/RUN/model, or a run id) as the next version of NAME."""
    version = _api().register_model(source, name, alias=alias, description=description,
                                    reason=reason)
    click.echo(f"Registered {version.name} version {version.version}"
               + (f" @{alias}" if alias else "") + ".")


@models.command("alias")
@click.argument("name")
@click.argument("alias")
@click.argument("version", required=False, type=click.IntRange(min=1))
@click.option("--delete", is_flag=True, help="Remove the alias instead of moving it.")
@click.option("--reason", help="Why, for the audit log.")
def alias(name: str, alias: str, version: int | None, delete: bool,
          reason: str | None) -> None:
    """Point ALIAS of NAME at VERSION (or remove it with --delete); audited."""
    api = _api()
    if delete == (version is not None):
        raise CommandError("Give a VERSION to move the alias to, or --delete (not both).",
                           USAGE)
    if delete:
        move = api.delete_alias(name, alias, reason=reason)
        click.echo(f"Removed @{alias} from {name} (was version {move.from_version}).")
        return
    move = api.set_alias(name, alias, version, reason=reason)
    was = f" (was version {move.from_version})" if move.from_version is not None else ""
    click.echo(f"{name}@{alias} -> version {version}{was}.")


@models.command("status")
@click.argument("name")
@click.argument("version", type=click.IntRange(min=1))
@click.argument("status", type=click.Choice(["READY", "ARCHIVED"], case_sensitive=False))
@click.option("--reason", help="Why, for the audit log.")
def status(name: str, version: int, status: str, reason: str | None) -> None:
    """Archive VERSION of NAME, or make it READY again; audited."""
    entry = _api().set_version_status(name, version, status, reason=reason)
    click.echo(f"{name} version {version}: {entry.from_value} -> {entry.to_value}.")


def _requirements(values: tuple[str, ...]) -> dict[str, str]:
    rules = {}
    for text in values:
        match = _REQUIREMENT.match(text)
        if match is None:
            raise CommandError(f"Invalid requirement {text!r}: use METRIC, METRIC>= or "
                               "METRIC<= (e.g. auc>=, log_loss<=).", USAGE)
        rules[match.group(1)] = match.group(2) or ">="
    return rules


@models.command("promote")
@click.argument("name")
@click.argument("version", type=click.IntRange(min=1))
@click.option("--alias", "alias_", default="champion", show_default=True,
              help="The alias to move.")
@click.option("-r", "--require", multiple=True, metavar="METRIC[OP]",
              help="Candidate must be at least as good on this metric: auc>= (default op), "
                   "log_loss<=, auc> (repeat for several).")
@click.option("--reason", help="Why, for the audit log.")
@click.option("--require-blessing/--no-require-blessing", default=None,
              help="Refuse unless the version's latest evaluation blessed it (default: the "
                   "require_blessing setting for ALIAS).")
@click.option("--require-replay/--no-require-replay", default=None,
              help="Refuse unless its latest replay against the holder passed (default: the "
                   "require_replay setting for ALIAS).")
def promote(name: str, version: int, alias_: str, require: tuple[str, ...],
            reason: str | None, require_blessing: bool | None,
            require_replay: bool | None) -> None:
    """Move ALIAS to VERSION only if it is at least as good as the current holder.

    Exits with 4 (conflict) when the requirements are not met, saying why.
    """
    import warnings

    api = _api()
    with warnings.catch_warnings():
        # The refusal is this command's error message below; the warning would repeat it.
        warnings.simplefilter("ignore", api.PromotionRefused)
        result = api.promote(name, version, alias=alias_, require=_requirements(require),
                             reason=reason, require_blessing=require_blessing,
                             require_replay=require_replay)
    for check in result.checks:
        mark = "[green]ok[/]" if check.passed else "[bold red]failed[/]"
        render.console().print(f"{mark}  {render.plain(check.note)}")
    if not result.promoted:
        raise CommandError(f"Not promoted: {'; '.join(result.reasons)}.", CONFLICT)
    was = f" (was version {result.previous})" if result.previous is not None else ""
    click.echo(f"{name}@{alias_} -> version {version}{was}.")


@models.command("replay")
@click.argument("candidate")
@click.option("--against", metavar="MODEL",
              help="The served version whose logged requests are replayed (default: "
                   "NAME@champion).")
@click.option("--since", default="7d", show_default=True, metavar="WINDOW",
              help="Logged requests in this window: 7d, 12h, 30m.")
@click.option("--limit", type=click.IntRange(min=1), help="Only the newest requests.")
@click.option("--labels", metavar="DATA",
              help="Labels that arrived: a CSV/Parquet file or dataset version with request_id "
                   "(and row) and the --label column.")
@click.option("--label", metavar="COLUMN", help="The label column of --labels.")
@click.option("-s", "--slice", "slices", multiple=True, metavar="COLUMN[,COLUMN]",
              help="Slice by this input column (or a cross, joined by commas).")
@click.option("-t", "--threshold", multiple=True, metavar="METRIC>=X",
              help="A bound on the candidate's realised metric (needs --labels).")
@click.option("--slice-threshold", multiple=True, metavar="METRIC>=X",
              help="The same bound on every labelled slice big enough to judge.")
@click.option("-c", "--change", multiple=True, metavar="METRIC>=D",
              help="A change against the served version on the same requests: auc>=-0.01 or "
                   "auc>=0.99x.")
@click.option("--min-agreement", type=click.FloatRange(0, 1), metavar="SHARE",
              help="Fail unless the candidate answers as served on this share of rows.")
@click.option("--no-save", is_flag=True, help="Do not store the replay.")
@click.option("--trust", is_flag=True, help="Trust the models' pickled types when loading.")
@click.option("--fail-unblessed", is_flag=True, help="Exit with code 1 when a check fails.")
@json_option
def replay(candidate: str, against: str | None, since: str, limit: int | None,
           labels: str | None, label: str | None, slices: tuple[str, ...],
           threshold: tuple[str, ...], slice_threshold: tuple[str, ...],
           change: tuple[str, ...], min_agreement: float | None, no_save: bool, trust: bool,
           fail_unblessed: bool, as_json: bool) -> None:
    """Run CANDIDATE on the requests the served model answered, and compare the two.

    Exit codes: 0 passed (or failed without --fail-unblessed), 1 a failed check with
    --fail-unblessed or an error, 2 invalid input, 3 a model not found.
    """
    tracking()
    from ..evaluate import replay as run_replay
    from .evaluate import _slices, show, thresholds_from

    overall, per_slice = thresholds_from(threshold, slice_threshold, change, None)
    result = run_replay(candidate, against=against, since=since, labels=labels, label=label,
                        slices=_slices(slices), thresholds=overall, per_slice=per_slice,
                        min_agreement=min_agreement, limit=limit, save=not no_save,
                        trust=trust or False)
    if as_json:
        render.echo_json(result.to_dict())
    else:
        show(result)
    if fail_unblessed and not result.blessed:
        from .exits import GENERAL

        raise click.exceptions.Exit(GENERAL)


@models.command("card")
@click.argument("uri")
@click.option("--html", "as_html", is_flag=True, help="Print HTML instead of Markdown.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write to this file (.html files get HTML).")
def card(uri: str, as_html: bool, output: str | None) -> None:
    """Print or save the model card of URI (NAME/3, NAME@champion, NAME)."""
    made = _api().model_card(uri)
    if output:
        target = Path(output)
        if as_html and target.suffix.lower() not in (".html", ".htm"):
            target.write_text(made.html, encoding="utf-8")
        else:
            made.save(target)
        render.note(f"Wrote {target}.")
        return
    click.echo(made.html if as_html else made.markdown, nl=False)


@models.command("audit")
@click.argument("name", required=False)
@click.option("--limit", type=click.IntRange(min=1), help="Only the newest entries.")
@json_option
def audit(name: str | None, limit: int | None, as_json: bool) -> None:
    """Show the audit log: registrations, alias moves, status changes, refused promotions."""
    entries = _api().audit_entries(name, limit)
    if as_json:
        render.echo_json(entries)
        return
    if not entries:
        render.note("No audit entries yet.")
        return
    rows = [(render.when(e.timestamp), render.plain(e.name), e.action, e.version or "",
             f"@{e.alias}" if e.alias else "", e.from_value or "", e.to_value or "",
             render.plain(e.user), render.plain(e.reason or "")) for e in entries]
    render.show(render.table(["When", "Model", "Action", "Version", "Alias", "From", "To",
                              "Who", "Reason"], rows, nowrap=["When", "Version"]))


@models.command("serve")
@click.argument("uri")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("-p", "--port", default=5001, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on.")
@click.option("--sample", default=1.0, show_default=True, type=click.FloatRange(0, 1),
              help="Share of requests written to the prediction log.")
@click.option("--no-log", is_flag=True, help="Do not write the prediction log.")
@click.option("--log-max-rows", type=click.IntRange(min=1), show_default="1000",
              help="Rows of one request kept in the prediction log; a larger request is "
                   "logged as a random sample of this many rows, marked as sampled.")
@click.option("--poll", default=5.0, show_default=True, type=click.FloatRange(min=0.05),
              help="Seconds between checks of the alias (the server follows it).")
@click.option("--trust", is_flag=True,
              help="Load the model even if this workspace cannot vouch for it: a pickled "
                   "(python-flavor) model, or one logged elsewhere or with types not recorded "
                   "here. Only for a model whose source you trust: loading runs its code.")
@click.option("--access-log", is_flag=True, help="Print one line per request.")
# No click default: the server's own (serving.app.MAX_BODY) applies, and importing it here
# would load the serving stack for every command.
@click.option("--max-body", type=ByteSize(), show_default="256MiB",
              help="Largest request body accepted, in bytes or with a unit (10MB, 1MiB); a "
                   "larger one is answered 413 before it is parsed.")
def serve(uri: str, host: str, port: int, sample: float, no_log: bool,
          log_max_rows: int | None, poll: float, trust: bool, access_log: bool,
          max_body: int | None) -> None:
    """Serve URI over HTTP (/invocations, /health, /version) until interrupted."""
    _api()
    from ..models.flavors import UntrustedModel
    from ..models.serving import serve as run

    def ready() -> None:
        # Only once the model loaded: a typo'd name must not first claim to be served.
        render.note(f"Serving {uri} on http://{host}:{port}/invocations (Ctrl-C stops).")

    options: dict[str, Any] = {"trust": trust, "log_predictions": not no_log,
                               "sample": sample, "poll_interval": poll}
    if max_body is not None:
        options["max_body"] = max_body
    if log_max_rows is not None:
        options["log_max_rows"] = log_max_rows
    try:
        run(uri, host=host, port=port, access_log=access_log, on_ready=ready, **options)
    except UntrustedModel as exc:
        message = str(exc).replace("load with trust=", "serve with trust=")
        raise CommandError(f"{message} From the command line: add --trust to "
                           f"`jupyter mlops models serve {uri}` if you trust its source.",
                           ) from None


# `models export ...` lives in its own module (one idea a file) and is attached here.
from .export_kserve import export as _export  # noqa: E402

models.add_command(_export)

from .skew import skew as _skew  # noqa: E402

models.add_command(_skew)
