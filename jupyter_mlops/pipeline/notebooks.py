"""What the pipeline needs to know about a notebook without running it.

A notebook is read as plain JSON (nbformat's validation costs more than the whole cache check
of a step), its code cells are hashed for the cache key, and its ``parameters`` cell is parsed
with ``ast`` so the declared defaults, and hence the expected type of every param, are known
before a kernel starts.
"""

from __future__ import annotations

import ast
import functools
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InvalidInput

PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"
UNKNOWN = object()  # a default that is an expression, not a literal: any value fits


@dataclass(frozen=True)
class NotebookInfo:
    """The parts of a notebook the pipeline uses: code, kernel and declared params."""

    path: Path
    code: tuple[str, ...]
    kernel: str | None
    has_parameters: bool
    defaults: dict[str, Any] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _tags(cell: dict[str, Any]) -> list[str]:
    tags = cell.get("metadata", {}).get("tags", [])
    return tags if isinstance(tags, list) else []


def read_notebook(path: str | os.PathLike[str]) -> NotebookInfo:
    """Read a notebook's code cells, kernel name and ``parameters`` cell.

    Parameters
    ----------
    path:
        The ``.ipynb`` file.

    Returns
    -------
    NotebookInfo
        Cached per (path, size, modification time), so repeated checks cost one ``stat``.
    """
    target = Path(path)
    try:
        stat = target.stat()
    except OSError as exc:
        raise InvalidInput(f"Cannot read notebook {target}: {exc.strerror}.") from None
    return _read(str(target.resolve()), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _read(path: str, size: int, mtime_ns: int) -> NotebookInfo:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{path} is not a readable notebook: {exc}.") from None
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        raise InvalidInput(f"{path} is not a notebook: it has no list of cells.")
    code: list[str] = []
    parameters: str | None = None
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        tags = _tags(cell)
        if INJECTED_TAG in tags:
            # papermill's own output cell: a re-run of an executed notebook replaces it.
            continue
        code.append(_source(cell))
        if parameters is None and PARAMETERS_TAG in tags:
            parameters = code[-1]
    kernel = data.get("metadata", {}).get("kernelspec", {}).get("name")
    defaults, annotations = parse_parameters(parameters or "", path)
    return NotebookInfo(Path(path), tuple(code), kernel if isinstance(kernel, str) else None,
                        parameters is not None, defaults, annotations)


def parse_parameters(source: str, where: str = "the parameters cell") -> tuple[
    dict[str, Any], dict[str, str]
]:
    """The names a ``parameters`` cell assigns, with their literal defaults and annotations.

    A default that is not a literal (``n = len(x)``) is recorded as ``UNKNOWN``; IPython magics
    and shell escapes are ignored, since they assign nothing papermill could override.
    """
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError as exc:
        raise InvalidInput(f"The parameters cell of {where} does not parse: {exc.msg} "
                           f"(line {exc.lineno}). Fix the cell.") from None
    defaults: dict[str, Any] = {}
    annotations: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
            value = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            targets = [node.target.id]
            value = node.value
            annotations[node.target.id] = ast.unparse(node.annotation)
        else:
            continue
        literal: Any = UNKNOWN
        if value is not None:
            try:
                literal = ast.literal_eval(value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                literal = UNKNOWN
        for name in targets:
            defaults[name] = literal
    return defaults, annotations


def code_digest(info: NotebookInfo) -> str:
    """A digest of the notebook's code cells only: outputs, metadata and prose do not count."""
    from ..store.artifacts import hash_bytes

    payload = json.dumps(list(info.code), ensure_ascii=False).encode("utf-8")
    return hash_bytes(payload)


_ANNOTATION_TYPES: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "float": (int, float),
    "str": (str,),
    "bool": (bool,),
    "list": (list,),
    "dict": (dict,),
}


def type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def fits(value: Any, default: Any, annotation: str | None = None) -> bool:
    """Whether ``value`` may replace ``default`` in a parameters cell without changing its type.

    An int fits a float default (``C = 1.0`` takes ``C: 2``); a bool never fits a number, since
    YAML's ``yes`` is a bool and ``1`` an int; a ``None`` or non-literal default takes anything.
    """
    if annotation is not None:
        allowed = _ANNOTATION_TYPES.get(annotation.replace(" ", "").split("|")[0])
        if allowed is not None and "None" in annotation and value is None:
            return True
        if allowed is not None:
            return _is(value, allowed)
    if default is UNKNOWN or default is None:
        return True
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int):
        return _is(value, (int,))
    if isinstance(default, float):
        return _is(value, (int, float))
    if isinstance(default, (list, tuple)):
        return isinstance(value, (list, tuple))
    return isinstance(value, type(default))


def _is(value: Any, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool):
        return bool in types
    return isinstance(value, types)


def expected(default: Any, annotation: str | None = None) -> str:
    """How an error names the type a param must have."""
    if annotation is not None:
        return annotation
    if isinstance(default, float):
        return "float (or int)"
    return type_name(default)
