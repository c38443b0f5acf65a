"""Validation of the names and values users log, with errors that name the key."""

from __future__ import annotations

import enum
import json
import math
import numbers
import re
from pathlib import PurePath
from typing import Any

from ..errors import InvalidInput

MAX_KEY = 250
MAX_PARAM = 65_536
_KEY = re.compile(r"^[\w\-. /:]+$")


def check_key(key: Any, what: str) -> str:
    """Return ``key`` if it is a valid metric, param or tag name."""
    if not isinstance(key, str):
        raise InvalidInput(f"{what} name {key!r} must be a string, not {type(key).__name__}.")
    if not key or len(key) > MAX_KEY or not _KEY.match(key) or key.startswith("/") or (
        ".." in key.split("/")
    ):
        raise InvalidInput(
            f"Invalid {what.lower()} name {key!r}: use 1-{MAX_KEY} letters, digits, spaces and "
            "_ - . / : (not starting with /)."
        )
    return key


def metric_value(key: str, value: Any) -> float:
    """``value`` as a float; NaN and infinities pass, anything non-numeric is refused."""
    if isinstance(value, numbers.Real):
        return float(value)
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "shape", None) in ((), (1,)):
        inner = item()
        if isinstance(inner, numbers.Real):
            return float(inner)
    raise InvalidInput(
        f"Metric {key!r} must be a number, not {type(value).__name__} ({_short(value)}). "
        "Log text as a tag or param instead."
    )


def metric_step(key: str, step: Any) -> int:
    if isinstance(step, bool) or not isinstance(step, numbers.Integral):
        raise InvalidInput(f"Step of metric {key!r} must be an integer, not {_short(step)}.")
    return int(step)


def param_value(key: str, value: Any) -> str:
    """``value`` as the text a param stores; objects with no faithful text form are refused."""
    if isinstance(value, str):
        text = value
    elif value is None or isinstance(value, (bool, numbers.Number)):
        text = _number_text(value)
    elif isinstance(value, enum.Enum):
        text = str(value.value)
    elif isinstance(value, PurePath):
        text = str(value)
    elif isinstance(value, (list, tuple, dict)):
        try:
            text = json.dumps(value, default=_json_scalar, sort_keys=isinstance(value, dict))
        except (TypeError, ValueError) as exc:
            raise InvalidInput(
                f"Param {key!r} cannot be stored: {exc}. Log strings, numbers, booleans or "
                "lists/dicts of them."
            ) from None
    elif hasattr(value, "item") and getattr(value, "shape", None) == ():
        text = _number_text(value.item())
    else:
        raise InvalidInput(
            f"Param {key!r} has type {type(value).__name__}, which has no faithful text form. "
            "Log strings, numbers, booleans or lists/dicts of them (e.g. str(value))."
        )
    if len(text) > MAX_PARAM:
        raise InvalidInput(
            f"Param {key!r} is {len(text)} characters long; the limit is {MAX_PARAM}. "
            "Log long values as an artifact with log_text."
        )
    return text


def tag_value(key: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    return param_value(key, value)


def _number_text(value: Any) -> str:
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return repr(value)
    return str(value)


def _json_scalar(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (PurePath, enum.Enum)):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not serialisable")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
