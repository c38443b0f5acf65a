"""The wire of MLflow's REST API: requests, responses, its error shape, limits and input checks.

Every call is a plain function ``Request -> Response``, so the Jupyter Server mount and the
standalone Starlette server share one implementation and differ only in how bytes arrive.
Errors leave as MLflow's ``{"error_code": ..., "message": ...}`` with the status MLflow uses
for that code (``mlflow/exceptions.py``), which is what its client turns into exceptions such
as ``RESOURCE_ALREADY_EXISTS`` that ``register_model`` catches.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ... import errors

# MLflow's own limits (mlflow/utils/validation.py), so a client that works with MLflow's
# server gets the same answer here, and nothing bigger reaches the store.
MAX_BATCH_ITEMS = 1000
MAX_BATCH_METRICS = 1000
MAX_BATCH_PARAMS = 100
MAX_BATCH_TAGS = 100
MAX_BATCH_BYTES = 1_000_000
MAX_JSON_BYTES = 16_000_000  # any other JSON call (a logged model's params, say)
MAX_ARTIFACT_BYTES = 2 * 1024**3
MAX_KEY = 250
MAX_PARAM_VALUE = 6000
MAX_TAG_VALUE = 8000
MAX_EXPERIMENT_NAME = 500
MAX_RESULTS_RUNS = 50_000
MAX_RESULTS_OTHER = 1000

STATUS_OF = {
    "INVALID_PARAMETER_VALUE": 400, "BAD_REQUEST": 400, "RESOURCE_ALREADY_EXISTS": 400,
    "RESOURCE_DOES_NOT_EXIST": 404, "ENDPOINT_NOT_FOUND": 404, "PERMISSION_DENIED": 403,
    "UNAUTHENTICATED": 401, "INVALID_STATE": 500, "INTERNAL_ERROR": 500,
    "NOT_IMPLEMENTED": 501, "REQUEST_LIMIT_EXCEEDED": 429,
}


class MlflowError(Exception):
    """An answer in MLflow's error shape: ``error_code`` and a one-line ``message``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def status(self) -> int:
        return STATUS_OF.get(self.code, 500)


def invalid(message: str) -> MlflowError:
    return MlflowError("INVALID_PARAMETER_VALUE", message)


def missing(message: str) -> MlflowError:
    return MlflowError("RESOURCE_DOES_NOT_EXIST", message)


@dataclass
class Request:
    """One HTTP request as the protocol sees it: the path below the mount, query and body."""

    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    body: bytes = b""
    match: dict[str, str] = field(default_factory=dict)  # the path's named parts

    _json: dict[str, Any] | None = field(default=None, init=False, repr=False)

    def json(self) -> dict[str, Any]:
        """The JSON body merged over the query string (MLflow sends GET arguments there)."""
        if self._json is None:
            merged: dict[str, Any] = {
                key: values if len(values) > 1 else values[0]
                for key, values in self.query.items() if values
            }
            if self.body.strip():
                if len(self.body) > MAX_JSON_BYTES:
                    raise invalid(f"The request body is {len(self.body)} bytes; the limit is "
                                  f"{MAX_JSON_BYTES}.")
                try:
                    parsed = json.loads(self.body)
                except (ValueError, UnicodeDecodeError):
                    raise MlflowError("MALFORMED_REQUEST",
                                      "The request body is not valid JSON.") from None
                if not isinstance(parsed, dict):
                    raise MlflowError("MALFORMED_REQUEST",
                                      "The request body must be a JSON object.")
                merged.update(parsed)
            self._json = merged
        return self._json

    def many(self, name: str) -> list[Any]:
        """A repeated argument (``experiment_ids``, ``order_by``) as a list."""
        value = self.json().get(name)
        if value is None:
            return []
        return value if isinstance(value, list) else [value]


STATUS_OF["MALFORMED_REQUEST"] = 400


@dataclass
class Response:
    """A JSON answer, or raw bytes (an artifact) given as ``content`` or a ``stream``."""

    status: int = 200
    payload: Any = None
    content: bytes | None = None
    stream: Iterator[bytes] | None = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> bytes:
        if self.content is not None:
            return self.content
        return json.dumps({} if self.payload is None else self.payload,
                          allow_nan=True).encode()


def error_response(exc: BaseException) -> Response:
    """MLflow's error shape for ``exc``; anything unexpected names no internals."""
    if isinstance(exc, MlflowError):
        code, message = exc.code, exc.message
    elif isinstance(exc, errors.NotFound):
        code, message = "RESOURCE_DOES_NOT_EXIST", str(exc)
    elif isinstance(exc, errors.AlreadyExists):
        code, message = "RESOURCE_ALREADY_EXISTS", str(exc)
    elif isinstance(exc, (errors.InvalidInput, errors.QuerySyntaxError)):
        code, message = "INVALID_PARAMETER_VALUE", str(exc)
    elif isinstance(exc, errors.Conflict):
        # A deleted run, say: MLflow's server answers that as a bad parameter too.
        code, message = "INVALID_PARAMETER_VALUE", str(exc)
    elif isinstance(exc, errors.MlopsError):
        code, message = "INTERNAL_ERROR", str(exc)
    else:
        code, message = "INTERNAL_ERROR", "Internal error; see the server log."
    return Response(STATUS_OF.get(code, 500), {"error_code": code, "message": message})


# -- input checks ------------------------------------------------------------------------------


def text(body: dict[str, Any], name: str, required: bool = True, limit: int = 10_000,
         default: str | None = None) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise invalid(f"Missing value for required parameter '{name}'.")
        return default
    if not isinstance(value, str):
        raise invalid(f"Parameter '{name}' must be a string, not {type(value).__name__}.")
    if len(value) > limit:
        raise invalid(f"Parameter '{name}' is {len(value)} characters long; the limit is "
                      f"{limit}.")
    return value


def integer(body: dict[str, Any], name: str, default: int | None = None,
            low: int = -(2**63), high: int = 2**63 - 1) -> int | None:
    value = body.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise invalid(f"Parameter '{name}' must be an integer, not {value!r}.")
    if isinstance(value, str):
        if not re.fullmatch(r"-?\d{1,19}", value.strip()):
            raise invalid(f"Parameter '{name}' must be an integer, not {value[:40]!r}.")
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or not low <= value <= high:
        raise invalid(f"Parameter '{name}' must be an integer from {low} to {high}, "
                      f"not {value!r}.")
    return value


def number(value: Any, what: str) -> float:
    """A metric value: JSON numbers and MLflow's NaN/Infinity spellings."""
    if isinstance(value, bool):
        raise invalid(f"{what} must be a number, not {value!r}.")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and value.strip().lower() in (
            "nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"):
        return float(value.strip().lower().replace("infinity", "inf"))
    raise invalid(f"{what} must be a number, not {str(value)[:40]!r}.")


def key_value_list(body: dict[str, Any], name: str) -> list[tuple[str, str]]:
    """``[{"key": ..., "value": ...}]`` as pairs; values of any JSON scalar become text."""
    items = body.get(name) or []
    if not isinstance(items, list):
        raise invalid(f"Parameter '{name}' must be a list of {{key, value}} objects.")
    pairs = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("key"), str):
            raise invalid(f"Each entry of '{name}' must be an object with a string 'key'.")
        value = item.get("value", "")
        pairs.append((item["key"], "" if value is None else _scalar_text(value, name)))
    return pairs


def _scalar_text(value: Any, name: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) and not math.isfinite(value) else str(
            value)
    raise invalid(f"Values in '{name}' must be strings.")


def check_key(key: str, what: str) -> str:
    """A metric, param or tag name as MLflow allows it (and our store stores it)."""
    if not key or len(key) > MAX_KEY or not re.fullmatch(r"[\w\-. /:]+", key) or (
            key.startswith("/") or ".." in key.split("/")):
        raise invalid(f"Invalid {what} name: {key[:60]!r}. Names may only contain "
                      "alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), "
                      "colons (:) and slashes (/), at most 250 characters.")
    return key


# -- paging --------------------------------------------------------------------------------------


def page_offset(body: dict[str, Any]) -> int:
    token = body.get("page_token")
    if not token:
        return 0
    try:
        decoded = json.loads(base64.b64decode(str(token), validate=True))
        offset = decoded["offset"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise invalid("Invalid page token; pass the next_page_token of the last answer.") \
            from None
    if not isinstance(offset, int) or not 0 <= offset <= 10**9:
        raise invalid("Invalid page token; pass the next_page_token of the last answer.")
    return offset


def page_token(offset: int) -> str:
    return base64.b64encode(json.dumps({"offset": offset}).encode()).decode()


def max_results(body: dict[str, Any], default: int, high: int) -> int:
    value = integer(body, "max_results", default, 1, 10**9)
    assert value is not None
    if value > high:
        raise invalid(f"Invalid value {value} for parameter 'max_results' supplied. It must "
                      f"be at most {high}.")
    return value


def ms(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * 1000)
