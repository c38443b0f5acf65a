"""Logging in-memory objects as run artifacts: text, dicts, figures and tables."""

from __future__ import annotations

import io
import json
from typing import Any

from ..errors import InvalidInput, MissingDependency
from .run import ActiveRun, require_active


def _suffix(artifact_file: str) -> str:
    return artifact_file.rsplit(".", 1)[-1].lower() if "." in artifact_file else ""


def log_text(text: str, artifact_file: str, run: ActiveRun | None = None) -> str:
    """Store ``text`` (UTF-8) as an artifact of the active run; returns its digest."""
    if not isinstance(text, str):
        raise InvalidInput(f"log_text takes a str, not {type(text).__name__}.")
    return (run or require_active()).log_bytes(text.encode("utf-8"), artifact_file)


def log_dict(data: Any, artifact_file: str, run: ActiveRun | None = None) -> str:
    """Store ``data`` as JSON, or YAML when ``artifact_file`` ends in .yaml/.yml."""
    if _suffix(artifact_file) in ("yaml", "yml"):
        try:
            import yaml
        except ImportError as exc:
            raise MissingDependency("Logging YAML needs PyYAML: pip install pyyaml.") from exc
        text = yaml.safe_dump(data, sort_keys=False)
    else:
        try:
            text = json.dumps(data, indent=2, default=_default)
        except (TypeError, ValueError) as exc:
            raise InvalidInput(f"log_dict cannot serialise {artifact_file!r}: {exc}.") from None
    return log_text(text, artifact_file, run)


def _default(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def log_figure(figure: Any, artifact_file: str, run: ActiveRun | None = None) -> str:
    """Store a plotly or matplotlib figure; the format follows ``artifact_file``'s suffix.

    Plotly figures are stored as ``.json`` (the figure spec) or ``.html``; matplotlib figures
    in any format ``savefig`` knows (``.png``, ``.svg``, ``.pdf``).
    """
    run = run or require_active()
    suffix = _suffix(artifact_file)
    module = type(figure).__module__
    if module.startswith("plotly"):
        if suffix == "json":
            return run.log_bytes(figure.to_json().encode(), artifact_file)
        if suffix in ("html", "htm"):
            html = figure.to_html(include_plotlyjs="cdn", full_html=True)
            return run.log_bytes(html.encode(), artifact_file)
        buffer = io.BytesIO()
        try:
            figure.write_image(buffer, format=suffix)
        except Exception as exc:
            raise InvalidInput(
                f"Cannot save a plotly figure as .{suffix} ({exc}); use .json or .html."
            ) from None
        return run.log_bytes(buffer.getvalue(), artifact_file)
    if module.startswith("matplotlib") and hasattr(figure, "savefig"):
        buffer = io.BytesIO()
        try:
            figure.savefig(buffer, format=suffix or "png", bbox_inches="tight")
        except ValueError as exc:
            raise InvalidInput(f"Cannot save a matplotlib figure as {artifact_file!r}: {exc}.") \
                from None
        return run.log_bytes(buffer.getvalue(), artifact_file)
    raise InvalidInput(
        f"log_figure takes a plotly or matplotlib figure, not {type(figure).__name__}."
    )


def log_table(table: Any, artifact_file: str, run: ActiveRun | None = None) -> str:
    """Store a pandas DataFrame as .parquet, .csv or .json (``orient='split'``)."""
    run = run or require_active()
    if not hasattr(table, "to_parquet"):
        raise InvalidInput(f"log_table takes a pandas DataFrame, not {type(table).__name__}.")
    suffix = _suffix(artifact_file)
    if suffix == "parquet":
        buffer = io.BytesIO()
        try:
            table.to_parquet(buffer, index=True)
        except ImportError as exc:
            raise MissingDependency("Writing Parquet needs pyarrow: pip install pyarrow.") \
                from exc
        data = buffer.getvalue()
    elif suffix == "csv":
        data = table.to_csv(index=True).encode()
    elif suffix == "json":
        data = table.to_json(orient="split", date_format="iso").encode()
    else:
        raise InvalidInput(
            f"log_table cannot write {artifact_file!r}: name it .parquet, .csv or .json."
        )
    return run.log_bytes(data, artifact_file)
