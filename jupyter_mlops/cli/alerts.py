"""`jupyter mlops alerts`: rules that send a webhook on drift, skew, performance, verdicts and
registry events; ``check`` is what a cron job or a CI schedule runs.

``alerts add --on drift --model churn@champion --notify https://hooks.example/...`` stores a
rule; ``alerts check`` sends each new event once (``--fail-on-error``: exit 1 when a delivery
failed); ``alerts history`` shows what was sent and how it went.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import click

from . import render
from .exits import GENERAL
from .options import json_option, tracking

if TYPE_CHECKING:
    from rich.table import Table

WATCHES = ("drift", "skew", "performance", "estimated_performance", "evaluation", "registry")


@click.group()
def alerts() -> None:
    """Alert rules: tell a webhook when a model drifts, degrades or its registry changes."""


@alerts.command("add")
@click.option("--on", "on", required=True, type=click.Choice(WATCHES),
              help="What the rule watches.")
@click.option("--notify", required=True, metavar="URL",
              help="The webhook (http:// or https://); the JSON carries a Slack-style text.")
@click.option("--model", metavar="MODEL",
              help="churn@champion, churn/3 or churn (any version); default: every model.")
@click.option("--threshold", type=float, metavar="X",
              help="drift: share of drifted columns that alerts; performance: lowest value.")
@click.option("--metric", metavar="NAME",
              help="performance rules: accuracy (default), precision, recall, f1, roc_auc.")
@click.option("--condition", metavar="TEXT",
              help="performance: 'accuracy < 0.8'; skew and evaluation: failed or any.")
@click.option("--window", default="1d", show_default=True, metavar="DURATION",
              help="performance rules: the window length.")
@click.option("--since", default="7d", show_default=True, metavar="DURATION",
              help="performance rules: how far back each check looks.")
@click.option("--labels", metavar="DATASET",
              help="performance: the dataset with request_id, label (and row).")
@click.option("--reference", metavar="DATASET",
              help="estimated_performance: labelled data to calibrate the scores on.")
@click.option("--event", "events", multiple=True,
              type=click.Choice(["register", "alias", "promotion-refused", "status"]),
              help="registry: which events (repeat; default: all).")
@click.option("--min-rows", type=click.IntRange(min=1), default=30, show_default=True,
              help="performance rules: windows with fewer rows are not judged.")
@click.option("--secret-env", metavar="NAME",
              help="The variable holding the signing secret (default "
                   "JUPYTER_MLOPS_ALERT_SECRET); only the name is stored.")
@json_option
def add(on: str, notify: str, model: str | None, threshold: float | None, metric: str | None,
        condition: str | None, window: str, since: str, labels: str | None,
        reference: str | None, events: tuple[str, ...], min_rows: int,
        secret_env: str | None, as_json: bool) -> None:
    """Store an alert rule."""
    tracking()
    from ..monitor.alerts import alert

    rule = alert(on=on, notify=notify, model=model, threshold=threshold, metric=metric,
                 condition=condition, window=window, since=since, labels=labels,
                 reference=reference, events=list(events) or None, min_rows=min_rows,
                 secret_env=secret_env)
    if as_json:
        render.echo_json(rule)
        return
    render.note(f"Added alert rule {rule.id}: {on} of {rule.model or 'every model'} -> "
                f"{_masked(rule.notify)}.")


def _masked(url: str) -> str:
    # Incoming-webhook paths are credentials (Slack's are): show where, not the token.
    parts = urlsplit(url)
    tail = "/…" if parts.path.strip("/") else ""
    return render.plain(f"{parts.scheme}://{parts.netloc}{tail}")


@alerts.command("list")
@click.option("--all", "include_removed", is_flag=True, help="Include removed rules.")
@json_option
def list_rules(include_removed: bool, as_json: bool) -> None:
    """List alert rules, oldest first."""
    tracking()
    from ..monitor.alerts import alerts as listing

    frame = listing(include_removed=include_removed)
    if as_json:
        render.echo_json(frame.to_dict(orient="records"))
        return
    if frame.empty:
        render.note("No alert rules. Add one with `jupyter mlops alerts add --on drift "
                    "--model NAME@alias --notify URL`.")
        return
    rows = [(render.short_id(r.id), render.when(r.created_at.timestamp()), r.on,
             render.plain(r.model if isinstance(r.model, str) else "every model"),
             render.plain(r.condition),
             _masked(r.notify), "yes" if r.enabled else "[dim]removed[/]")
            for r in frame.itertuples(index=False)]
    render.show(render.table(["Id", "Created", "On", "Model", "Condition", "Notify",
                              "Enabled"], rows, nowrap=["Id", "Created"]))


@alerts.command("remove")
@click.argument("rule_id", metavar="ID")
def remove(rule_id: str) -> None:
    """Remove an alert rule (its id, or 6+ characters of either end); keeps its history."""
    tracking()
    from ..monitor.alerts import remove_alert

    rule = remove_alert(rule_id)
    render.note(f"Removed alert rule {rule.id}.")


@alerts.command("check")
@click.option("--on", "on", multiple=True, type=click.Choice(WATCHES),
              help="Only rules watching this (repeat).")
@click.option("--rule", "rules", multiple=True, metavar="ID", help="Only this rule (repeat).")
@click.option("--retries", type=click.IntRange(min=0), default=3, show_default=True,
              help="Tries again after a 5xx, a 429 or no connection.")
@click.option("--backoff", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Seconds before the first retry, doubled each time.")
@click.option("--fail-on-error", is_flag=True, help="Exit with code 1 when a delivery failed.")
@json_option
def check(on: tuple[str, ...], rules: tuple[str, ...], retries: int, backoff: float,
          fail_on_error: bool, as_json: bool) -> None:
    """Find every rule's new events and send each once."""
    tracking()
    from ..monitor.alerts import check_alerts

    frame = check_alerts(on=list(on) or None, rules=list(rules) or None, retries=retries,
                         backoff=backoff)
    failed = int((frame["status"] == "failed").sum())
    if as_json:
        render.echo_json(_records(frame))
    elif frame.empty:
        render.note("No new events.")
    else:
        render.show(_table(frame, "On"))
        render.note(f"Sent {len(frame) - failed} notification(s), {failed} failed.")
    if fail_on_error and failed:
        raise click.exceptions.Exit(GENERAL)


@alerts.command("history")
@click.option("--rule", metavar="ID", help="Only this rule's notifications.")
@click.option("--max-results", type=click.IntRange(min=1), default=50, show_default=True,
              help="At most this many.")
@json_option
def history(rule: str | None, max_results: int, as_json: bool) -> None:
    """Notifications sent, newest first, with their outcome."""
    tracking()
    from ..monitor.alerts import alert_history

    frame = alert_history(rule, max_results)
    if as_json:
        render.echo_json(_records(frame))
        return
    if frame.empty:
        render.note("No notifications yet.")
        return
    render.show(_table(frame, "When"))


def _records(frame: Any) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict(orient="records"):
        clean = {}
        for key, value in row.items():
            if hasattr(value, "isoformat"):
                value = value.isoformat()
            elif value is None or (isinstance(value, float) and math.isnan(value)) or \
                    str(value) == "<NA>":
                value = None
            elif hasattr(value, "item"):
                value = value.item()
            clean[key] = value
        out.append(clean)
    return out


def _table(frame: Any, first: str) -> Table:
    """Check results (first column On) or history (first column When), one row each."""
    rows = []
    for r in frame.to_dict(orient="records"):
        lead = render.when(r["created_at"].timestamp()) if first == "When" else r["on"]
        code = r["response_code"]
        status = "[green]sent[/]" if r["status"] == "sent" else f"[red]{r['status']}[/]"
        detail = r["text"] if r["status"] == "sent" or not r["error"] else r["error"]
        rows.append((lead, render.short_id(r["rule_id"]), render.plain(r["event"]), status,
                     str(r["attempts"]),
                     "" if code is None or str(code) == "<NA>" else str(int(code)),
                     render.plain(detail)))
    return render.table([first, "Rule", "Event", "Status", "Tries", "Code", "Detail"], rows,
                        nowrap=[first, "Rule", "Status"])
