"""The Open Inference Protocol's tensors: a request's named inputs decoded into arrays, and
arrays encoded as output tensors, in JSON or in Triton's ``binary_tensor_data`` extension.

Each tensor's data must fit its datatype and shape; a mismatch is a ``BadRequest`` with the
one line the client gets back. What a tensor means to a model (its signature's columns) is
``oip.py``'s business.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

_NUMPY = {"BOOL": "bool", "UINT8": "uint8", "UINT16": "uint16", "UINT32": "uint32",
          "UINT64": "uint64", "INT8": "int8", "INT16": "int16", "INT32": "int32",
          "INT64": "int64", "FP16": "float16", "FP32": "float32", "FP64": "float64",
          "BYTES": "object"}
INTS = frozenset({"INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64"})
FLOATS = frozenset({"FP16", "FP32", "FP64"})
ALL = frozenset(_NUMPY)


class BadRequest(Exception):
    """The client's request, with the one-line reason it gets back (HTTP 400)."""


@dataclass
class Tensor:
    name: str
    datatype: str
    shape: tuple[int, ...]
    array: Any  # numpy array of ``shape``


# -- decoding a request --------------------------------------------------------------------

def _flatten(data: Any, name: str) -> list[Any]:
    """Row-major values of ``data``, flat or nested lists alike (the protocol allows both)."""
    if not isinstance(data, list):
        raise BadRequest(f"Input {name!r}: 'data' must be a list of values.")
    flat: list[Any] = []
    stack = [iter(data)]
    while stack:
        for item in stack[-1]:
            if isinstance(item, list):
                if len(stack) > 32:
                    raise BadRequest(f"Input {name!r}: 'data' is nested too deeply.")
                stack.append(iter(item))
                break
            flat.append(item)
        else:
            stack.pop()
    return flat


def _from_json(values: list[Any], datatype: str, name: str) -> np.ndarray:
    import numpy as np

    if datatype == "BYTES":
        if not all(isinstance(v, str) for v in values):
            raise BadRequest(f"Input {name!r}: BYTES data must be strings.")
        return np.array(values, dtype=object)
    if datatype == "BOOL":
        if not all(isinstance(v, bool) for v in values):
            raise BadRequest(f"Input {name!r}: BOOL data must be true or false.")
        return np.array(values, dtype=bool)
    integral = datatype in INTS
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | float) or (
                integral and not isinstance(value, int)):
            kind = "integers" if integral else "numbers"
            raise BadRequest(f"Input {name!r}: {datatype} data must be {kind}; got {value!r}.")
    target = np.dtype(_NUMPY[datatype])
    if integral:
        info = np.iinfo(target)
        if values and (min(values) < info.min or max(values) > info.max):
            raise BadRequest(f"Input {name!r}: a value is outside the range of {datatype}.")
    return np.array(values, dtype=target)


def _from_binary(raw: bytes, datatype: str, count: int, name: str) -> np.ndarray:
    import numpy as np

    if datatype != "BYTES":
        dtype = np.dtype(_NUMPY[datatype]).newbyteorder("<")
        if len(raw) != count * dtype.itemsize:
            raise BadRequest(f"Input {name!r}: binary_data_size is {len(raw)} bytes; "
                             f"{count} {datatype} values take {count * dtype.itemsize}.")
        return np.frombuffer(raw, dtype=dtype).astype(_NUMPY[datatype])
    values: list[str] = []
    offset = 0
    while offset < len(raw):
        if offset + 4 > len(raw):
            raise BadRequest(f"Input {name!r}: the binary BYTES data is cut short.")
        (size,) = struct.unpack_from("<I", raw, offset)
        offset += 4
        if offset + size > len(raw):
            raise BadRequest(f"Input {name!r}: the binary BYTES data is cut short.")
        try:
            values.append(raw[offset:offset + size].decode("utf-8"))
        except UnicodeDecodeError:
            raise BadRequest(f"Input {name!r}: BYTES values must be UTF-8 text.") from None
        offset += size
    if len(values) != count:
        raise BadRequest(f"Input {name!r}: the binary data holds {len(values)} values; the "
                         f"shape needs {count}.")
    return np.array(values, dtype=object)


def _shape(value: Any, name: str) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(
            isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in value):
        raise BadRequest(f"Input {name!r}: 'shape' must be a list of non-negative integers.")
    return tuple(value)


def read_tensors(request: dict[str, Any], binary: bytes) -> list[Tensor]:
    """The request's input tensors, each checked against its own datatype and shape."""
    inputs = request.get("inputs")
    if not isinstance(inputs, list) or not inputs:
        raise BadRequest("The request needs 'inputs': a list of tensors, each with 'name', "
                         "'shape', 'datatype' and 'data'.")
    tensors: list[Tensor] = []
    offset = 0
    for position, item in enumerate(inputs):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise BadRequest(f"Input {position} must be an object with a 'name'.")
        name = item["name"]
        if any(t.name == name for t in tensors):
            raise BadRequest(f"Input {name!r} is given more than once.")
        datatype = item.get("datatype")
        if datatype not in _NUMPY:
            raise BadRequest(f"Input {name!r}: datatype {datatype!r} is not one of "
                             f"{', '.join(_NUMPY)}.")
        shape = _shape(item.get("shape"), name)
        count = math.prod(shape)
        parameters = item.get("parameters") or {}
        if not isinstance(parameters, dict):
            raise BadRequest(f"Input {name!r}: 'parameters' must be an object.")
        size = parameters.get("binary_data_size")
        if size is not None:
            if not isinstance(size, int) or isinstance(size, bool) or size < 0 or (
                    offset + size > len(binary)):
                raise BadRequest(f"Input {name!r}: binary_data_size {size!r} does not fit the "
                                 "binary data after the JSON header.")
            array = _from_binary(binary[offset:offset + size], datatype, count, name)
            offset += size
        elif "data" in item:
            values = _flatten(item["data"], name)
            if len(values) != count:
                raise BadRequest(f"Input {name!r}: shape {list(shape)} needs {count} values; "
                                 f"'data' has {len(values)}.")
            array = _from_json(values, datatype, name)
        else:
            raise BadRequest(f"Input {name!r} has no 'data'.")
        tensors.append(Tensor(name, datatype, shape, array.reshape(shape)))
    if offset != len(binary):
        raise BadRequest(f"{len(binary) - offset} bytes after the JSON header belong to no "
                         "input (check each input's binary_data_size).")
    return tensors


# -- encoding an answer --------------------------------------------------------------------

def _datatype(array: Any) -> str:
    kind, size = array.dtype.kind, array.dtype.itemsize
    if kind == "b":
        return "BOOL"
    if kind in "iu":
        return f"{'INT' if kind == 'i' else 'UINT'}{8 * size}"
    if kind == "f" and size in (2, 4, 8):
        return f"FP{8 * size}"
    return "BYTES"


def output_tensor(name: str, output: Any, binary: bool) -> tuple[dict[str, Any], bytes]:
    """One output as the protocol's tensor (and its binary data when asked for)."""
    import numpy as np

    array = np.asarray(output.to_numpy() if hasattr(output, "to_numpy") else output)
    datatype = _datatype(array)
    if datatype == "BYTES":
        array = np.array([str(v) for v in array.ravel()], dtype=object).reshape(array.shape)
    tensor: dict[str, Any] = {"name": name, "datatype": datatype, "shape": list(array.shape)}
    if not binary:
        tensor["data"] = array.ravel().tolist()
        return tensor, b""
    if datatype == "BYTES":
        raw = b"".join(struct.pack("<I", len(e)) + e
                       for e in (v.encode("utf-8") for v in array.ravel()))
    else:
        raw = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).tobytes()
    tensor["parameters"] = {"binary_data_size": len(raw)}
    return tensor, raw
