"""A registered model exported for KServe: an ``InferenceService`` manifest and its model file.

The manifest is KServe's ``serving.kserve.io/v1beta1`` ``InferenceService``: the predictor's
``model`` with ``modelFormat: sklearn``, ``protocolVersion: v2`` (the Open Inference Protocol,
which ``jupyter mlops serve`` answers too) and the ``storageUri`` the user uploads the model
folder to, plus ``canaryTrafficPercent`` when a rollout should start small. It is written from
KServe's documented schema: the kserve SDK pins versions ours must not take (pandas<3, psutil),
so the tests build the same object with the SDK's own models in a peer environment and compare.

The model folder holds ``model.joblib``, the file KServe's sklearn runtime loads. That is a
pickle, and loading a pickle runs code from it: our registry keeps skops files, which load
without running code, so the export loads the version through the registry (every byte checked
against its digest, only the types recorded at logging trusted) and writes the pickle from that
object. Whoever can write to the storage location can make the server run code: the manifest
records the file's SHA-256 so a deployment can check what it loads.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InvalidInput

API_VERSION = "serving.kserve.io/v1beta1"
KIND = "InferenceService"
MODEL_FILE = "model.joblib"
MANIFEST_FILE = "inferenceservice.yaml"
MODEL_DIR = "model"
# KServe's sklearn runtime (kserve-sklearnserver) declares the format as sklearn, version 1.
MODEL_FORMAT = {"name": "sklearn", "version": "1"}
ANNOTATION = "jupyter-mlops"
# What KServe's storage initializer downloads from; a path on this machine is not among them.
_STORAGE = re.compile(r"^(s3|gs|pvc|https?|hdfs|webhdfs|oci|hf|azure)://\S+$", re.IGNORECASE)
_K8S_NAME = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")


@dataclass(frozen=True)
class KServeExport:
    """What ``export_kserve`` wrote: the manifest, the model file, and what it came from."""

    manifest: dict[str, Any]
    manifest_path: Path
    model_path: Path
    sha256: str
    version: str
    storage_uri: str

    @property
    def trust_note(self) -> str:
        """What the user must trust, in one paragraph for the terminal."""
        return (f"{MODEL_FILE} is a pickle: KServe's sklearn runtime runs code from it when it "
                f"loads. It was written here from {self.version}, loaded through the registry "
                "with every byte checked against its digest (the registry's skops file runs no "
                f"code). Trust {self.storage_uri} as you trust this machine: anyone who can write "
                f"there can run code in the predictor. SHA-256 {self.sha256}.")


def k8s_name(text: str) -> str:
    """A Kubernetes object name (DNS-1035 label) made from a model name."""
    name = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if not name or not name[0].isalpha():
        name = f"model-{name}".rstrip("-")
    return name[:63].rstrip("-")


def manifest(name: str, storage_uri: str, *, namespace: str | None = None,
             canary_traffic_percent: int | None = None,
             annotations: dict[str, str] | None = None) -> dict[str, Any]:
    """The ``InferenceService`` as a mapping, the way ``kubectl apply -f`` reads its YAML."""
    if not _K8S_NAME.match(name) or len(name) > 63:
        raise InvalidInput(f"{name!r} is not a Kubernetes name: use lower-case letters, digits "
                           "and '-', starting with a letter, at most 63 characters (--name).")
    if not _STORAGE.match(storage_uri):
        raise InvalidInput(f"--storage-uri {storage_uri!r} is not a place KServe downloads from: "
                           "give s3://BUCKET/PATH, gs://, pvc://CLAIM/PATH or https://, where "
                           f"the {MODEL_DIR}/ folder will be uploaded.")
    if canary_traffic_percent is not None and not 0 <= canary_traffic_percent <= 100:
        raise InvalidInput(f"--canary-traffic-percent {canary_traffic_percent} must be between "
                           "0 and 100.")
    metadata: dict[str, Any] = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    if annotations:
        metadata["annotations"] = dict(annotations)
    predictor: dict[str, Any] = {"model": {
        "modelFormat": dict(MODEL_FORMAT),
        "protocolVersion": "v2",
        "storageUri": storage_uri,
    }}
    if canary_traffic_percent is not None:
        predictor["canaryTrafficPercent"] = canary_traffic_percent
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": metadata,
            "spec": {"predictor": predictor}}


def export_kserve(
    uri: str,
    output: str | os.PathLike[str],
    *,
    storage_uri: str,
    name: str | None = None,
    namespace: str | None = None,
    canary_traffic_percent: int | None = None,
) -> KServeExport:
    """Write an ``InferenceService`` manifest and the model folder KServe's sklearn runtime loads.

    Parameters
    ----------
    uri:
        A registered version: ``churn@champion``, ``churn/3`` or ``churn``.
    output:
        The folder to write ``inferenceservice.yaml`` and ``model/model.joblib`` into.
    storage_uri:
        Where ``model/`` will be uploaded (``s3://bucket/churn/3``): the manifest's
        ``storageUri``.
    name, namespace:
        The InferenceService's name (default: from the model's name) and namespace.
    canary_traffic_percent:
        Send this share of traffic to the new revision, the rest to the last ready one.

    Returns
    -------
    KServeExport
        The manifest, the files' paths and the model file's SHA-256.
    """
    import yaml

    from ..models import get_version, load_model

    version = get_version(uri)
    label = f"{version.name}/{version.version}"
    if version.flavor != "sklearn":
        raise InvalidInput(f"{label} is a {version.flavor} model; KServe's sklearn runtime "
                           "serves scikit-learn models only. Export a model logged with the "
                           "sklearn flavor.")
    # Checks every argument before the model is loaded and anything is written.
    manifest(name or k8s_name(version.name), storage_uri, namespace=namespace,
             canary_traffic_percent=canary_traffic_percent)
    loaded = load_model(label)
    folder = Path(output)
    model_path = folder / MODEL_DIR / MODEL_FILE
    model_path.parent.mkdir(parents=True, exist_ok=True)
    import joblib

    joblib.dump(loaded.model, model_path)
    sha256 = hashlib.sha256(model_path.read_bytes()).hexdigest()
    annotations = {f"{ANNOTATION}/model": label, f"{ANNOTATION}/source": uri,
                   f"{ANNOTATION}/model-sha256": sha256}
    document = manifest(name or k8s_name(version.name), storage_uri, namespace=namespace,
                        canary_traffic_percent=canary_traffic_percent, annotations=annotations)
    manifest_path = folder / MANIFEST_FILE
    manifest_path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return KServeExport(document, manifest_path, model_path, sha256, label, storage_uri)
