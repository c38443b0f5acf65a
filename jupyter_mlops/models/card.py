"""Model cards: what a registered version is for and everything the registry knows about it.

One structure of sections (paragraphs, key-value lists, tables) renders to Markdown and to
self-contained HTML, so the two never disagree. Every fact comes from the store: the
version's description, params, metrics and data versions frozen at registration, its
signature, the source run's lineage and environment, and the audit log.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import NotFound
from ..records import AuditEntry, ModelVersion
from ..session import current
from .registry import get_version
from .signature import Signature

Block = tuple[str, Any]
"""("text", str) | ("fields", [(name, value)]) | ("table", (header, rows)) | ("list", [str])"""

_KEY_PACKAGES = ("scikit-learn", "skops", "numpy", "pandas", "scipy", "cloudpickle")


@dataclass
class ModelCard:
    """A model card, as Markdown (``.markdown``) and HTML (``.html``)."""

    title: str
    sections: list[tuple[str, list[Block]]] = field(default_factory=list)

    @property
    def markdown(self) -> str:
        lines = [f"# {self.title}", ""]
        for heading, blocks in self.sections:
            lines += [f"## {heading}", ""]
            for kind, content in blocks:
                lines += [*_markdown_block(kind, content), ""]
        return "\n".join(lines).rstrip() + "\n"

    @property
    def html(self) -> str:
        parts = [f"<h1>{_h(self.title)}</h1>"]
        for heading, blocks in self.sections:
            parts.append(f"<h2>{_h(heading)}</h2>")
            parts.extend(_html_block(kind, content) for kind, content in blocks)
        body = "\n".join(parts)
        return (
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            f"<title>{_h(self.title)}</title><style>{_CSS}</style></head>\n"
            f"<body class=\"mlops-model-card\">\n{body}\n</body></html>\n"
        )

    def _repr_markdown_(self) -> str:
        return self.markdown

    def save(self, path: str | Path) -> Path:
        """Write the card; ``.html``/``.htm`` files get HTML, anything else Markdown."""
        target = Path(path)
        is_html = target.suffix.lower() in (".html", ".htm")
        target.write_text(self.html if is_html else self.markdown, encoding="utf-8")
        return target


_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;"
    "color:#222}table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;"
    "padding:.25em .6em;text-align:left}th{background:#f4f4f4}code{font-size:.9em}"
    "dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:600}"
)


def _h(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _md_cell(value: Any) -> str:
    return ("" if value is None else str(value)).replace("|", "\\|").replace("\n", " ")


def _markdown_block(kind: str, content: Any) -> list[str]:
    if kind == "text":
        return [str(content)]
    if kind == "list":
        return [f"- {item}" for item in content] or ["(none)"]
    if kind == "fields":
        return [f"- **{name}**: {_md_cell(value)}" for name, value in content
                if value not in (None, "")]
    header, rows = content
    if not rows:
        return ["(none)"]
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return out


def _html_block(kind: str, content: Any) -> str:
    if kind == "text":
        return f"<p>{_h(content)}</p>"
    if kind == "list":
        if not content:
            return "<p>(none)</p>"
        return "<ul>" + "".join(f"<li>{_h(item)}</li>" for item in content) + "</ul>"
    if kind == "fields":
        items = "".join(f"<dt>{_h(n)}</dt><dd>{_h(v)}</dd>" for n, v in content
                        if v not in (None, ""))
        return f"<dl>{items}</dl>"
    header, rows = content
    if not rows:
        return "<p>(none)</p>"
    head = "".join(f"<th>{_h(c)}</th>" for c in header)
    body = "".join("<tr>" + "".join(f"<td>{_h(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _when(timestamp: float | None) -> str:
    if timestamp is None:
        return ""
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _number(value: float) -> str:
    return f"{value:.6g}"


def model_card(uri: str) -> ModelCard:
    """The model card of a registered version.

    Parameters
    ----------
    uri:
        ``churn@champion``, ``churn/3`` or ``churn`` (newest READY version).

    Returns
    -------
    ModelCard
        ``.markdown``, ``.html``, ``.save(path)``; shown as Markdown in a notebook.
    """
    version = get_version(uri)
    store = current().store
    model = store.registry.model(version.name)
    meta = json.loads(store.artifacts.get_bytes(version.meta_digest))
    aliases = "".join(f" @{a}" for a in version.aliases)
    card = ModelCard(f"{version.name} version {version.version}{aliases}")
    purpose = [("text", text) for text in (model.description, version.description) if text]
    card.sections.append(("Purpose", purpose or [("text", "No description was given.")]))
    card.sections.append(("Summary", [("fields", [
        ("Status", version.status.value),
        ("Aliases", ", ".join(f"@{a}" for a in version.aliases) or "none"),
        ("Flavor", version.flavor),
        ("Class", meta.get("class")),
        ("Registered", f"{_when(version.created_at)} by {version.created_by}"),
        ("Model URI", version.uri),
        ("Model file digest", version.model_digest),
    ])]))
    card.sections.append(("Parameters", [("table", (
        ["Parameter", "Value"], sorted(version.params.items())))]))
    card.sections.append(("Metrics at registration", [("table", (
        ["Metric", "Value"], [(k, _number(v)) for k, v in sorted(version.metrics.items())]))]))
    card.sections.append(("Training data", [("list", list(version.datasets))]))
    card.sections.append(("Signature", _signature_blocks(meta)))
    card.sections.append(("Lineage", _lineage_blocks(store, version, meta)))
    entries = [e for e in store.registry.audit(version.name) if _concerns(e, version.version)]
    card.sections.append(("Audit history", [("table", (
        ["When", "Action", "Alias", "From", "To", "Who", "Reason"],
        [(_when(e.timestamp), e.action, e.alias and f"@{e.alias}", e.from_value, e.to_value,
          e.user, e.reason) for e in entries]))]))
    return card


def _concerns(entry: AuditEntry, version: int) -> bool:
    return entry.version == version or (
        entry.action == "alias" and str(version) in (entry.from_value, entry.to_value))


def _signature_blocks(meta: dict[str, Any]) -> list[Block]:
    signature = Signature.from_dict(meta.get("signature"))
    if signature is None:
        return [("text", "No signature: inputs are not checked.")]
    output = signature.output
    described = [("Output kind", output.get("kind")), ("Output type", output.get("type"))]
    if "classes" in output:
        described.append(("Classes", ", ".join(map(str, output["classes"]))))
    blocks: list[Block] = [("table", (["Input", "Type"], signature.describe_inputs())),
                           ("fields", described)]
    example = meta.get("input_example")
    if example:
        header = example.get("columns") or [f"[{i}]" for i in range(len(example["data"][0]))]
        blocks.append(("text", "Input example:"))
        blocks.append(("table", (header, example["data"])))
    return blocks


def _lineage_blocks(store: Any, version: ModelVersion, meta: dict[str, Any]) -> list[Block]:
    fields: list[tuple[str, Any]] = [("Source run", version.run_id or "purged")]
    if version.run_id is not None:
        try:
            run = store.runs.get(version.run_id)
        except NotFound:
            run = None
        if run is not None:
            fields += [("Run name", run.name), ("Experiment", run.experiment),
                       ("Run status", run.status.value)]
            if run.source is not None:
                fields.append(("Source", f"{run.source.type} {run.source.path or ''}".strip()))
            if run.git is not None:
                dirty = " (uncommitted changes)" if run.git.dirty else ""
                fields.append(("Git", f"{run.git.commit} on {run.git.branch or '?'}{dirty}"))
    fields.append(("Artifact", f"runs:/{version.run_id}/{version.artifact_path}"))
    blocks: list[Block] = [("fields", fields)]
    libraries = {k: v for k, v in (meta.get("libraries") or {}).items() if v}
    if version.environment_digest is not None:
        try:
            env = store.runs.environment(version.environment_digest)
        except NotFound:
            env = None
        if env is not None:
            fields.append(("Python", f"{env.python} on {env.platform}"))
            for package in _KEY_PACKAGES:
                if package in env.packages:
                    libraries.setdefault(package, env.packages[package])
    if libraries:
        blocks.append(("table", (["Library", "Version"], sorted(libraries.items()))))
    return blocks
