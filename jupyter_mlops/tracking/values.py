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
# Steps are stored as signed 64-bit integers on every backend; one out of range would fail the
# whole buffered write it travels in.
MIN_STEP, MAX_STEP = -(2**63), 2**63 - 1
# Timestamps are seconds since 1970 (UTC); beyond year 9999 no date type on any face holds them.
MAX_TIMESTAMP = 253_402_300_800.0
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
    """``step`` as an int within the backends' signed 64-bit range, else ``InvalidInput``."""
    if isinstance(step, bool) or not isinstance(step, numbers.Integral):
        raise InvalidInput(f"Step of metric {key!r} must be an integer, not {_short(step)}.")
    number = int(step)
    if not MIN_STEP <= number <= MAX_STEP:
        raise InvalidInput(
            f"Step {number} of metric {key!r} is out of range: steps are 64-bit integers "
            f"({MIN_STEP} to {MAX_STEP})."
        )
    return number


def metric_timestamp(key: str, timestamp: Any) -> float:
    """``timestamp`` (seconds since 1970, UTC) as a finite float in a sane range."""
    if isinstance(timestamp, bool) or not isinstance(timestamp, numbers.Real):
        item = getattr(timestamp, "item", None)
        inner = item() if callable(item) and getattr(timestamp, "shape", None) == () else None
        if isinstance(inner, bool) or not isinstance(inner, numbers.Real):
            raise InvalidInput(
                f"Timestamp of metric {key!r} must be a number of seconds since 1970 (UTC), "
                f"not {_short(timestamp)}; e.g. time.time()."
            )
        timestamp = inner
    value = float(timestamp)
    if not (math.isfinite(value) and 0 <= value < MAX_TIMESTAMP):
        raise InvalidInput(
            f"Timestamp {value!r} of metric {key!r} is not a time: pass finite seconds since "
            "1970 (UTC) before year 10000, e.g. time.time()."
        )
    return value


def check_text(key: str, text: str, what: str) -> str:
    """Refuse text that some backend cannot store, alike on every backend.

    PostgreSQL's text holds no NUL character, and no backend can encode a lone surrogate (what
    a mis-decoded file name leaves in a ``str``) as UTF-8.
    """
    if "\x00" in text:
        raise InvalidInput(
            f"{what} {key!r} contains a NUL character (\\x00), which the store cannot hold: "
            "remove it, or log the value as an artifact."
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInput(
            f"{what} {key!r} contains a lone surrogate ({text[exc.start]!r} at position "
            f"{exc.start}), which is not valid Unicode text: decode the source with the "
            "right encoding, or log the bytes as an artifact."
        ) from None
    return text


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
    return _checked(key, text, "Param")


def tag_value(key: str, value: Any) -> str:
    if isinstance(value, str):
        return _checked(key, value, "Tag")
    return _checked(key, param_value(key, value), "Tag")


def _checked(key: str, text: str, what: str) -> str:
    if len(text) > MAX_PARAM:
        raise InvalidInput(
            f"{what} {key!r} is {len(text)} characters long; the limit is {MAX_PARAM}. "
            "Log long values as an artifact with log_text."
        )
    return check_text(key, text, what)


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
