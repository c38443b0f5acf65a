"""`jupyter mlops models export kserve NAME@alias`: a KServe InferenceService and its model."""

from __future__ import annotations

import click

from . import render
from .options import tracking


@click.group("export")
def export() -> None:
    """Export a registered model for another serving system."""


@export.command("kserve")
@click.argument("uri", metavar="NAME@ALIAS")
@click.option("--storage-uri", required=True, metavar="URL",
              help="Where the model/ folder will be uploaded (s3://, gs://, pvc://, https://): "
                   "the manifest's storageUri.")
@click.option("--canary-traffic-percent", type=click.IntRange(0, 100), metavar="N",
              help="Send N% of the traffic to this revision, the rest to the last ready one.")
@click.option("--name", metavar="NAME",
              help="The InferenceService's name (default: from the model's name).")
@click.option("--namespace", metavar="NS", help="The Kubernetes namespace to put it in.")
@click.option("-o", "--output", type=click.Path(file_okay=False), required=True, metavar="DIR",
              help="Folder for inferenceservice.yaml and model/model.joblib.")
def kserve(uri: str, storage_uri: str, canary_traffic_percent: int | None, name: str | None,
           namespace: str | None, output: str) -> None:
    """Write an InferenceService (Open Inference Protocol, sklearn runtime) for NAME@ALIAS."""
    tracking()
    from ..interop.kserve import export_kserve

    done = export_kserve(uri, output, storage_uri=storage_uri, name=name, namespace=namespace,
                         canary_traffic_percent=canary_traffic_percent)
    render.note(f"Wrote {done.manifest_path} and {done.model_path} ({done.version}).")
    render.note(f"Next: copy the files of {done.model_path.parent} to {storage_uri} "
                f"(aws s3 cp --recursive {done.model_path.parent} {storage_uri}, say), then "
                f"kubectl apply -f {done.manifest_path}")
    render.note(f"Trust: {done.trust_note}")
