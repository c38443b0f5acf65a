"""MLflow's model format beside ours: signatures both ways, and the MLmodel file we write.

MLflow keeps a signature as JSON strings of column or tensor specs (``{"inputs":
'[{"type": "double", "name": "a"}]', "outputs": ...}``, tensors with numpy dtypes); ours is
``Signature.to_dict()`` (MLflow's column type names, a tensor's type and width, the output's
kind). An exported sklearn model gets the MLmodel ``mlflow.sklearn.save_model`` would write for
a skops file: the ``python_function`` and ``sklearn`` flavors, ``serialization_format: skops``
and the skops trusted types, so ``mlflow.pyfunc.load_model`` loads it unchanged.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from typing import Any

# numpy dtype <-> MLflow's column type names (which our signatures use too).
_FROM_DTYPE = {"float64": "double", "float32": "float", "int64": "long", "int32": "integer",
               "bool": "boolean", "object": "string", "str": "string", "bytes": "binary"}
_TO_DTYPE = {ours: dtype for dtype, ours in _FROM_DTYPE.items() if dtype not in ("str",
                                                                                "bytes")}
_TO_DTYPE["binary"] = "bytes"


def _specs(text: Any) -> list[dict[str, Any]]:
    if isinstance(text, str):
        try:
            text = json.loads(text)
        except ValueError:
            return []
    return [s for s in text if isinstance(s, dict)] if isinstance(text, list) else []


def signature_from_mlflow(signature: Any) -> dict[str, Any] | None:
    """Our signature dict from an MLmodel's ``signature`` block; None when it has none."""
    if not isinstance(signature, dict):
        return None
    inputs = _specs(signature.get("inputs"))
    if not inputs:
        return None
    output: dict[str, Any] = {"kind": "tensor"}
    outputs = _specs(signature.get("outputs"))
    if outputs:
        first = outputs[0]
        spec = first.get("tensor-spec") or {}
        kind = first.get("type")
        output["type"] = _FROM_DTYPE.get(spec.get("dtype"), spec.get("dtype")) \
            if kind == "tensor" else kind
        if spec.get("shape"):
            output["shape"] = list(spec["shape"])
    if len(inputs) == 1 and inputs[0].get("type") == "tensor":
        spec = inputs[0].get("tensor-spec") or {}
        shape = spec.get("shape") or [-1, None]
        return {"inputs": {"tensor": {"type": _FROM_DTYPE.get(spec.get("dtype"), "double"),
                                      "shape": [-1, shape[-1] if len(shape) > 1 else None]}},
                "output": output}
    columns = [{"name": s.get("name"), "type": s.get("type", "any"),
                "required": bool(s.get("required", True))} for s in inputs if s.get("name")]
    if not columns:
        return None
    return {"inputs": {"columns": columns}, "output": output}


def signature_to_mlflow(signature: dict[str, Any] | None) -> dict[str, Any] | None:
    """An MLmodel ``signature`` block from our signature dict."""
    if not signature:
        return None
    inputs = signature.get("inputs") or {}
    if "tensor" in inputs:
        tensor = inputs["tensor"]
        width = (tensor.get("shape") or [-1, None])[-1]
        specs: list[dict[str, Any]] = [{"type": "tensor", "tensor-spec": {
            "dtype": _TO_DTYPE.get(tensor.get("type"), "float64"),
            "shape": [-1] if width is None else [-1, width]}}]
    else:
        specs = [{"type": c["type"] if c["type"] != "any" else "string", "name": c["name"],
                  "required": bool(c.get("required", True))}
                 for c in inputs.get("columns", [])]
    output = signature.get("output") or {}
    out_type = output.get("type")
    outputs = None
    if out_type:
        shape = output.get("shape") or [-1]
        outputs = json.dumps([{"type": "tensor", "tensor-spec": {
            "dtype": _TO_DTYPE.get(out_type, "float64"), "shape": shape}}])
    return {"inputs": json.dumps(specs), "outputs": outputs, "params": None}


def input_example_json(example: Any) -> tuple[bytes, dict[str, Any]] | None:
    """MLflow's ``input_example.json`` and its ``saved_input_example_info`` from ours.

    Ours is ``{"columns": [...], "data": [[...]]}`` (split orientation) or a plain list of rows.
    """
    if example is None:
        return None
    if isinstance(example, dict) and "columns" in example and "data" in example:
        body = {"columns": example["columns"], "data": example["data"]}
        info = {"artifact_path": "input_example.json", "type": "dataframe",
                "pandas_orient": "split", "serving_input_path": "serving_input_example.json"}
        serving = {"dataframe_split": body}
    else:
        rows = example.get("data") if isinstance(example, dict) else example
        body = {"inputs": rows}
        info = {"artifact_path": "input_example.json", "type": "ndarray",
                "format": "tf-serving", "serving_input_path": "serving_input_example.json"}
        serving = {"inputs": rows}
    info["_serving"] = json.dumps(serving)
    return json.dumps(body).encode(), info


def sklearn_mlmodel(*, run_id: str | None, artifact_path: str, model_file: str,
                    model_size: int, trusted_types: list[str], signature: dict[str, Any] | None,
                    example_info: dict[str, Any] | None, sklearn_version: str | None,
                    model_id: str | None = None) -> dict[str, Any]:
    """The MLmodel of a skops-saved sklearn model, as ``mlflow.sklearn`` writes it."""
    python = ".".join(str(v) for v in sys.version_info[:3])
    meta: dict[str, Any] = {
        "artifact_path": artifact_path,
        "flavors": {
            "python_function": {
                "env": {"conda": "conda.yaml", "virtualenv": "python_env.yaml"},
                "loader_module": "mlflow.sklearn", "model_path": model_file,
                "predict_fn": "predict", "python_version": python,
            },
            "sklearn": {
                "code": None, "pickled_model": model_file,
                "serialization_format": "skops", "sklearn_version": sklearn_version,
                "skops_trusted_types": list(trusted_types),
            },
        },
        "model_size_bytes": model_size,
        "model_uuid": uuid.uuid4().hex,
        "utc_time_created": time.strftime("%Y-%m-%d %H:%M:%S.000000", time.gmtime()),
    }
    if run_id:
        meta["run_id"] = run_id
    if model_id:
        meta["model_id"] = model_id
    mlflow_signature = signature_to_mlflow(signature)
    if mlflow_signature:
        meta["signature"] = mlflow_signature
    if example_info:
        meta["saved_input_example_info"] = {k: v for k, v in example_info.items()
                                            if not k.startswith("_")}
    return meta


def requirement_files(libraries: dict[str, str | None]) -> dict[str, bytes]:
    """requirements.txt, conda.yaml and python_env.yaml for the libraries a model needs."""
    python = ".".join(str(v) for v in sys.version_info[:3])
    pins = ["mlflow"] + [f"{name}=={version}" if version else name
                         for name, version in sorted(libraries.items())]
    requirements = "\n".join(pins) + "\n"
    conda = ("channels:\n- conda-forge\ndependencies:\n"
             f"- python={python}\n- pip\n- pip:\n" + "".join(f"  - {p}\n" for p in pins) +
             "name: mlflow-env\n")
    env = (f"python: {python}\nbuild_dependencies:\n- pip\ndependencies:\n"
           "- -r requirements.txt\n")
    return {"requirements.txt": requirements.encode(), "conda.yaml": conda.encode(),
            "python_env.yaml": env.encode()}
