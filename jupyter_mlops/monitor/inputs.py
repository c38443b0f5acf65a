"""What a drift report compares: DataFrames, files, dataset versions, loaders or profiles.

``resolve`` turns any accepted form into a ``Source`` (a label for the report plus either a
DataFrame or, for a reference only, a profile):

- a pandas DataFrame;
- a path to a ``.csv``, ``.parquet``/``.pq``, ``.feather`` or ``.json`` file;
- a dataset version ``"customers@3"`` (loaded by ``jupyter_mlops.data.load_data`` when that
  capability is installed);
- a registered model ``"churn@champion"`` with ``since="7d"``: what the served model saw in
  that window, from the serving prediction log;
- a callable taking no arguments (or ``since=`` when a window is asked for) that returns any
  of the above;
- a profile (see ``monitor.profile``), as a reference only.
"""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..data.table_files import is_table_file, read_table
from ..errors import InvalidInput, MissingDependency
from .profile import as_profile

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class Source:
    """One side of a comparison: its label and its data (a frame, or a reference's profile)."""

    label: str
    frame: Any = None
    profile: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        # Listed once: wide frames are asked about their columns once per column.
        if self.frame is not None:
            self.columns = [str(c) for c in self.frame.columns.tolist()]
        else:
            self.columns = list(self.profile["columns"]) if self.profile else []
        self.has = frozenset(self.columns)

    @property
    def rows(self) -> int:
        if self.frame is not None:
            return len(self.frame)
        return int(self.profile["rows"]) if self.profile else 0


def resolve(data: Any, role: str, since: float | str | None = None) -> Source:
    """The ``Source`` for ``data`` as the ``role`` ("reference" or "current") side.

    Parameters
    ----------
    data:
        Any form listed in the module docstring.
    role:
        "reference" (may be a profile) or "current" (must be data).
    since:
        A time window for loaders and served-model inputs (e.g. "7d"); passed to a callable.

    Returns
    -------
    Source
        Its label and frame or profile.
    """
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return Source(_frame_label(data), frame=_string_columns(data))
    if isinstance(data, pd.Series):
        return Source(str(data.name or "Series"), frame=data.to_frame(name=str(data.name or 0)))
    if isinstance(data, (str, os.PathLike)):
        return _named(os.fspath(data), role, since)
    profile = as_profile(data)
    if profile is not None:
        if role != "reference":
            raise InvalidInput(
                "A profile can stand in for the reference only: pass the current data itself."
            )
        return Source("profile", profile=profile)
    if callable(data):
        loaded = _call(data, since)
        source = resolve(loaded, role)
        name = getattr(data, "__name__", type(data).__name__)
        source.label = f"{name}()" if source.label in ("DataFrame", "profile") else source.label
        return source
    raise InvalidInput(
        f"Cannot compare a {type(data).__name__} as the {role}: pass a DataFrame, a CSV or "
        "Parquet file, a dataset version like 'customers@3', a loader function or a profile."
    )


def _frame_label(frame: Any) -> str:
    return str(frame.attrs.get("mlops_ref", "DataFrame"))


def _string_columns(frame: Any) -> pd.DataFrame:
    if all(isinstance(c, str) for c in frame.columns):
        return frame
    renamed = frame.copy(deep=False)
    renamed.columns = [str(c) for c in frame.columns]
    return renamed


def _call(loader: Callable[..., Any], since: float | str | None) -> Any:
    try:
        return loader() if since is None else loader(since=since)
    except TypeError as exc:
        if since is not None and "since" in str(exc):
            raise InvalidInput(
                "The loader passed takes no 'since' argument: drop since= or accept it."
            ) from None
        raise


def _named(text: str, role: str, since: float | str | None) -> Source:

    path = Path(text).expanduser()
    if path.is_file() or is_table_file(text):
        return Source(text, frame=_string_columns(read_table(path)))
    if "@" in text:
        # A DataFrame version loads as a frame, a file version as the path of its copy, and a
        # model with since= as what the served model saw in that window.
        source = resolve(_load_version(text, since), role)
        source.label = text
        return source
    raise InvalidInput(
        f"{text!r} is neither a file nor a dataset version like 'customers@3' ({role})."
    )


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def since_timestamp(since: float | str) -> float:
    """``since`` as an epoch time: a duration back from now ("7d", "12h", "30m") or a time."""
    if isinstance(since, (int, float)) and not isinstance(since, bool):
        return float(since)
    text = str(since).strip().lower()
    if len(text) > 1 and text[-1] in _UNITS:
        try:
            return time.time() - float(text[:-1]) * _UNITS[text[-1]]
        except ValueError:
            pass
    raise InvalidInput(
        f"since={since!r} is not a window: use a duration such as '7d', '12h' or '30m', or "
        "a time in seconds since the epoch."
    )


def served_inputs(ref: str, since: float | str) -> pd.DataFrame:
    """What the served model ``ref`` ("churn@champion", "churn/3", "churn") saw since then.

    The rows come from the serving prediction log: the input columns and ``prediction``.
    """
    name = ref.removeprefix("models:/").split("@", 1)[0].split("/", 1)[0]
    tables = importlib.import_module("jupyter_mlops.models.tables")
    start = since_timestamp(since)
    frame = tables.predictions(name, since=start)
    if frame.empty:
        raise InvalidInput(
            f"No logged predictions of model {name!r} since {since}: serve it with "
            f"`jupyter mlops serve {ref}` (the prediction log is on by default), or widen "
            "the window."
        )
    return frame.drop(columns=["version", "timestamp", "request_id"], errors="ignore")


def _is_model(ref: str) -> bool:
    name = ref.removeprefix("models:/").split("@", 1)[0].split("/", 1)[0]
    registry = importlib.import_module("jupyter_mlops.models.registry")
    return any(model.name == name for model in registry.list_models())


def _load_version(ref: str, since: float | str | None) -> pd.DataFrame | Path:
    # With a window, a registered model's name means what it saw while served; a dataset
    # version on the other side of the same report still loads as itself.
    if since is not None and (ref.startswith("models:/") or _is_model(ref)):
        return served_inputs(ref, since)
    try:
        data = importlib.import_module("jupyter_mlops.data")
    except ModuleNotFoundError as exc:
        if exc.name not in ("jupyter_mlops.data",):
            raise
        raise MissingDependency(
            f"Loading {ref!r} needs dataset versions (jupyter_mlops.data), which this install "
            "lacks: pass a DataFrame or a CSV/Parquet file instead."
        ) from None
    load = getattr(data, "load_data", None)
    if load is None:
        raise MissingDependency(
            f"Loading {ref!r} needs jupyter_mlops.data.load_data, which this install lacks."
        )
    return load(ref)
