"""The Open Inference Protocol (KServe V2, REST) beside MLflow's ``/invocations``.

``GET /v2``, ``/v2/health/live``, ``/v2/health/ready``, ``/v2/models/{name}[/versions/{v}]``,
``.../ready`` and ``POST .../infer``, with the protocol's JSON shapes. A request gives one input
tensor per signature column (shape ``[n]`` or ``[n, 1]``) or one 2-D tensor ``[n, columns]``
(the only form for a tensor signature); each tensor's datatype must fit its column's type and
its data must fit its datatype and shape. The outputs are ``predict`` and, for a model with
``predict_proba``, ``predict_proba``; ``outputs`` in the request picks some. Triton's
``binary_tensor_data`` extension is understood both ways, since its HTTP client sends binary
tensors by default. Errors are ``{"error": "..."}``: 400 for the client's request, 404 for a
model or version this server does not serve, 413 past ``max_body``, 500 for a model failure.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..signature import SignatureMismatch
from .payload import NumericRows
from .tensors import ALL, FLOATS, INTS, BadRequest, Tensor, output_tensor, read_tensors
from .wire import THREADPOOL_BYTES, THREADPOOL_ROWS, TooLarge, listed, read_body

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from ..loaded import LoadedModel
    from .holder import ModelHolder
    from .predlog import PredictionLogger

log = logging.getLogger("jupyter_mlops.serving")

HEADER_LENGTH = "inference-header-content-length"
"""The binary extension's header: how many bytes of the body (or answer) are the JSON."""

# The datatype that metadata announces for each signature type, and those a request may use.
_ANNOUNCED = {"boolean": "BOOL", "integer": "INT32", "long": "INT64", "float": "FP32",
              "double": "FP64", "string": "BYTES", "binary": "BYTES", "datetime": "BYTES",
              "any": "BYTES"}
_ACCEPTED = {"boolean": frozenset({"BOOL"}), "integer": INTS, "long": INTS,
             "float": FLOATS | INTS, "double": FLOATS | INTS,
             "string": frozenset({"BYTES"}), "binary": frozenset({"BYTES"}),
             "datetime": frozenset({"BYTES"}), "any": ALL}
PREDICT = "predict"
PROBA = "predict_proba"


# -- metadata ------------------------------------------------------------------------------

def model_inputs(model: LoadedModel) -> list[dict[str, Any]]:
    """The model's inputs as the protocol's tensor metadata."""
    signature = model.signature
    if signature is None:
        return []
    if signature.is_tensor:
        width = signature.tensor_width if signature.tensor_width is not None else -1
        return [{"name": "input", "datatype": _ANNOUNCED.get(str(signature.tensor_type), "BYTES"),
                 "shape": [-1, width]}]
    return [{"name": c.name, "datatype": _ANNOUNCED.get(c.type, "BYTES"), "shape": [-1]}
            for c in signature.columns]


def _has_proba(model: LoadedModel) -> bool:
    return callable(getattr(model.model, "predict_proba", None))


def model_outputs(model: LoadedModel) -> list[dict[str, Any]]:
    """The outputs ``infer`` can return, as tensor metadata."""
    output = model.signature.output if model.signature is not None else {}
    shape = list(output.get("shape") or [-1])
    outputs = [{"name": PREDICT, "datatype": _ANNOUNCED.get(output.get("type", ""), "BYTES"),
                "shape": shape}]
    if _has_proba(model):
        classes = output.get("classes")
        outputs.append({"name": PROBA, "datatype": "FP64",
                        "shape": [-1, len(classes) if classes else -1]})
    return outputs


def _fits(tensor: Tensor, column_type: str, what: str) -> None:
    if tensor.datatype not in _ACCEPTED.get(column_type, ALL):
        wanted = _ANNOUNCED.get(column_type, "BYTES")
        raise BadRequest(f"Input {tensor.name!r}: datatype {tensor.datatype} does not fit "
                         f"{what} of type {column_type}; send {wanted}.")


def model_input(model: LoadedModel, tensors: list[Tensor]) -> pd.DataFrame | np.ndarray:
    """What the model predicts on: a DataFrame of columns, or the 2-D array."""
    import pandas as pd

    signature = model.signature
    columns = [] if signature is None or signature.is_tensor else list(signature.columns)
    names = {c.name for c in columns}
    if len(tensors) == 1 and tensors[0].name not in names:
        tensor = tensors[0]
        if len(tensor.shape) != 2:
            raise BadRequest(f"Input {tensor.name!r} is not a column of the model; one input "
                             f"for all columns must be 2-D [rows, columns], not "
                             f"{list(tensor.shape)}. The model's inputs are "
                             f"{', '.join(sorted(names)) or 'one 2-D tensor'}.")
        if signature is None:
            return tensor.array
        if signature.is_tensor:
            _fits(tensor, str(signature.tensor_type), "the tensor")
            return tensor.array
        if tensor.shape[1] != len(columns):
            raise BadRequest(f"Input {tensor.name!r} has {tensor.shape[1]} columns; the model "
                             f"takes {len(columns)}: {', '.join(c.name for c in columns)}.")
        for column in columns:
            _fits(tensor, column.type, f"column {column.name!r}")
        return pd.DataFrame({c.name: tensor.array[:, j] for j, c in enumerate(columns)})
    if signature is not None and signature.is_tensor:
        raise BadRequest(f"The model takes one 2-D input [rows, {signature.tensor_width}]; "
                         f"got {len(tensors)} inputs.")
    types = {c.name: c.type for c in columns}
    frame: dict[str, Any] = {}
    rows: int | None = None
    for tensor in tensors:
        if signature is not None and tensor.name not in names:
            raise BadRequest(f"Input {tensor.name!r} is not a column of the model; its inputs "
                             f"are {', '.join(c.name for c in columns)}.")
        if len(tensor.shape) == 2 and tensor.shape[1] == 1:
            values = tensor.array[:, 0]
        elif len(tensor.shape) == 1:
            values = tensor.array
        else:
            raise BadRequest(f"Input {tensor.name!r}: a column's shape is [rows] or [rows, 1], "
                             f"not {list(tensor.shape)}.")
        if rows is not None and len(values) != rows:
            raise BadRequest(f"Input {tensor.name!r} has {len(values)} rows; the inputs before "
                             f"it have {rows}.")
        rows = len(values)
        if tensor.name in types:
            _fits(tensor, types[tensor.name], f"column {tensor.name!r}")
        frame[tensor.name] = values
    return pd.DataFrame(frame)


def fast_input(fast: tuple[str, ...], tensors: list[Tensor]) -> NumericRows | None:
    """The request as one float64 array in the fast path's column order, or None.

    ``fast`` is the column order for which the model is proven to predict on a bare array
    (``fastpath.numeric_columns``: every column a required double). A request qualifies when
    it is one numeric 2-D tensor of exactly those columns, or one numeric column tensor for
    each; anything else takes the DataFrame path, which says what is wrong.
    """
    import numpy as np

    numeric = FLOATS | INTS
    if any(t.datatype not in numeric for t in tensors):
        return None
    if len(tensors) == 1 and tensors[0].name not in fast:
        tensor = tensors[0]
        if len(tensor.shape) != 2 or tensor.shape[1] != len(fast):
            return None
        return NumericRows(fast, np.ascontiguousarray(tensor.array, dtype="float64"))
    by_name = {t.name: t for t in tensors}
    if len(by_name) != len(fast) or set(by_name) != set(fast):
        return None
    columns = []
    for name in fast:
        tensor = by_name[name]
        if len(tensor.shape) == 2 and tensor.shape[1] == 1:
            columns.append(tensor.array[:, 0])
        elif len(tensor.shape) == 1:
            columns.append(tensor.array)
        else:
            return None
    if len({len(c) for c in columns}) != 1:
        return None
    return NumericRows(fast, np.column_stack(columns).astype("float64", copy=False))


def _requested(request: dict[str, Any], available: list[str]) -> list[tuple[str, bool]]:
    """(output, as binary) for each output the request asks for (all when it names none)."""
    parameters = request.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise BadRequest("'parameters' must be an object.")
    binary = parameters.get("binary_data_output") is True
    outputs = request.get("outputs")
    if outputs is None:
        return [(name, binary) for name in available]
    if not isinstance(outputs, list) or not all(
            isinstance(o, dict) and isinstance(o.get("name"), str) for o in outputs):
        raise BadRequest("'outputs' must be a list of objects, each with a 'name'.")
    chosen = []
    for output in outputs:
        if output["name"] not in available:
            raise BadRequest(f"Unknown output {output['name']!r}; the model's outputs are "
                             f"{', '.join(available)}.")
        own = output.get("parameters") or {}
        chosen.append((output["name"], bool(own.get("binary_data", binary))
                       if isinstance(own, dict) else binary))
    return chosen


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict[str, str]
    logged: Any = None
    predictions: str | None = None
    request_id: str | None = None


def _error(status: int, message: str) -> Answer:
    return Answer(status, json.dumps({"error": message}).encode(), {})


@dataclass
class Parsed:
    """An infer request read and checked against the signature, not yet predicted."""

    prepared: Any
    chosen: list[tuple[str, bool]]
    request_id: str | None
    logged: Any  # what the prediction log keeps of the inputs


def parse(model: LoadedModel, body: bytes, header_length: str | None,
          fast: tuple[str, ...] | None = None) -> Answer | Parsed:
    """One infer request's body read and checked (no I/O: it may run in the thread pool).

    Returns the error's ``Answer`` for a request the protocol refuses, else the ``Parsed``
    input for ``predict``. Split from ``predict`` so the server can move a request with many
    rows but a small body off the event loop for its prediction alone. With ``fast`` (the
    numeric fast path's columns), numeric tensors go to the model as one array, as
    ``/invocations`` does, skipping scikit-learn's DataFrame checks.
    """
    if header_length is not None:
        if not header_length.isdigit() or int(header_length) > len(body):
            return _error(400, f"Inference-Header-Content-Length {header_length!r} is not a "
                          f"length within the {len(body)}-byte body.")
        split = int(header_length)
        head, binary = body[:split], body[split:]
    else:
        head, binary = body, b""
    try:
        request = json.loads(head)
    except (UnicodeDecodeError, ValueError) as exc:
        return _error(400, f"The body is not JSON: {exc}.")
    except RecursionError:
        return _error(400, "The body is nested too deeply to be an infer request.")
    if not isinstance(request, dict):
        return _error(400, "The body must be a JSON object with 'inputs'.")
    request_id = request.get("id")
    if request_id is not None and not isinstance(request_id, str):
        return _error(400, "'id' must be a string.")
    available = [o["name"] for o in model_outputs(model)]
    try:
        chosen = _requested(request, available)
        tensors = read_tensors(request, binary)
        rows = None if fast is None else fast_input(fast, tensors)
        if rows is not None:
            return Parsed(rows.array, chosen, request_id, rows)
        prepared = model.prepare(model_input(model, tensors))
    except BadRequest as exc:
        return _error(400, str(exc))
    except SignatureMismatch as exc:
        return _error(400, str(exc))
    except (ValueError, TypeError, OverflowError) as exc:
        return _error(400, f"The inputs cannot be read as the model's input: {exc}")
    return Parsed(prepared, chosen, request_id, prepared)


def predict(model: LoadedModel, served: str, parsed: Parsed) -> Answer:
    """The answer to a ``parse``-d request: the model's outputs (may run in the thread pool)."""
    prepared, chosen, request_id = parsed.prepared, parsed.chosen, parsed.request_id
    results: dict[str, Any] = {}
    try:
        results[PREDICT] = model.predict_prepared(prepared)
        if any(name == PROBA for name, _ in chosen):
            results[PROBA] = model.model.predict_proba(prepared)
    except (ValueError, TypeError) as exc:
        # The model refused the values (NaN where it needs numbers, an unknown category).
        return _error(400, f"{model.label} rejected the input: {exc}")
    except Exception as exc:
        log.exception("%s failed to predict", model.label)
        return _error(500, f"{model.label} failed: {exc}")
    answer: dict[str, Any] = {"model_name": served,
                              "model_version": "" if model.version is None
                              else str(model.version)}
    if request_id is not None:
        answer["id"] = request_id
    outputs, raws = [], []
    for name, as_binary in chosen:
        tensor, raw = output_tensor(name, results[name], as_binary)
        outputs.append(tensor)
        raws.append(raw)
    answer["outputs"] = outputs
    head_out = json.dumps(answer).encode()
    headers = {}
    if any(raws):
        headers["Inference-Header-Content-Length"] = str(len(head_out))

    return Answer(200, head_out + b"".join(raws), headers, parsed.logged,
                  json.dumps(listed(results[PREDICT])), request_id)


def infer(model: LoadedModel, served: str, body: bytes, header_length: str | None,
          fast: tuple[str, ...] | None = None) -> Answer:
    """The answer to one infer request's body (no I/O: it may run in the thread pool)."""
    parsed = parse(model, body, header_length, fast)
    return parsed if isinstance(parsed, Answer) else predict(model, served, parsed)


def routes(holder: ModelHolder, logger: PredictionLogger | None, max_body: int) -> list[Any]:
    """The V2 routes of the app serving ``holder``'s model."""
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from ..._version import __version__

    def served_name() -> str:
        # A run's model (runs:/<id>/model) has no registered name, and a path segment
        # cannot hold its URI.
        return holder.current.name or "model"

    def as_json(payload: Any, status: int = 200) -> Response:
        return Response(json.dumps(payload), status, media_type="application/json")

    def error(status: int, message: str) -> Response:
        return as_json({"error": message}, status)

    def find(request: Request) -> tuple[LoadedModel | None, Response | None]:
        model = holder.current
        name = request.path_params["name"]
        if name != served_name():
            return None, error(404, f"Unknown model {name!r}; this server serves "
                                    f"{served_name()!r} (GET /v2/models/{served_name()}).")
        version = request.path_params.get("version")
        if version is not None and version != str(model.version):
            return None, error(404, f"Model {name!r} version {version!r} is not served here; "
                                    f"this server serves version {model.version}.")
        return model, None

    async def live(request: Request) -> Response:
        return as_json({"live": True})

    async def ready(request: Request) -> Response:
        return as_json({"ready": True})

    async def server(request: Request) -> Response:
        return as_json({"name": "jupyter-mlops", "version": __version__,
                        "extensions": ["binary_tensor_data"]})

    async def metadata(request: Request) -> Response:
        model, refused = find(request)
        if model is None:
            return refused  # type: ignore[return-value]
        return as_json({"name": served_name(), "versions": [str(model.version)],
                        "platform": model.flavor, "inputs": model_inputs(model),
                        "outputs": model_outputs(model)})

    async def model_ready(request: Request) -> Response:
        model, refused = find(request)
        if model is None:
            return refused  # type: ignore[return-value]
        return as_json({"name": served_name(), "ready": True})

    async def infer_route(request: Request) -> Response:
        model, refused = find(request)
        if model is None:
            return refused  # type: ignore[return-value]
        try:
            body = await read_body(request, max_body)
        except TooLarge:
            return error(413, f"The request body is larger than {max_body} bytes; send fewer "
                              "rows per request or start the server with a larger --max-body.")
        header_length = request.headers.get(HEADER_LENGTH)
        active, fast = holder.active
        if active is not model:  # the alias moved between the two looks
            fast = None
        if len(body) > THREADPOOL_BYTES:
            answer = await run_in_threadpool(infer, model, served_name(), body, header_length,
                                             fast)
        else:
            # A small body parses at once; many rows in it (a column of small ints) still
            # predict in the thread pool, as on /invocations, so /ping never waits for them.
            parsed = parse(model, body, header_length, fast)
            if isinstance(parsed, Answer):
                answer = parsed
            elif len(parsed.prepared) > THREADPOOL_ROWS:
                answer = await run_in_threadpool(predict, model, served_name(), parsed)
            else:
                answer = predict(model, served_name(), parsed)
        headers = {"X-Model-Version": str(model.version), **answer.headers}
        if answer.status == 200:
            request_id = (answer.request_id or request.headers.get("x-request-id")
                          or uuid.uuid4().hex)
            headers["X-Request-ID"] = request_id
            if logger is not None and answer.predictions is not None:
                logger.record(model.version or 0, answer.logged, answer.predictions,
                              request_id[:32])
        binary = "Inference-Header-Content-Length" in answer.headers
        media = "application/octet-stream" if binary else "application/json"
        return Response(answer.body, answer.status, headers, media)

    found: list[Any] = []
    for base in ("/v2/models/{name}", "/v2/models/{name}/versions/{version}"):
        found += [Route(base, metadata, methods=["GET"]),
                  Route(base + "/ready", model_ready, methods=["GET"]),
                  Route(base + "/infer", infer_route, methods=["POST"])]
    return [Route("/v2", server, methods=["GET"]),
            Route("/v2/health/live", live, methods=["GET"]),
            Route("/v2/health/ready", ready, methods=["GET"]), *found]
