"""Helpers of the KFP tests: the three-step iris project and kfp's own code in a peer venv."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from tests.peers import peer_python, quiet_env
from tests.pipeline.pipeline_helpers import NOTEBOOKS, THREE_STEPS, write_pipeline, write_raw_data

KFP = ["kfp==2.*"]


def make_project(root: Path) -> Path:
    """notebooks/, data/raw.csv and the three-step pipeline.yaml in ``root``."""
    shutil.copytree(NOTEBOOKS, root / "notebooks")
    write_raw_data(root)
    return write_pipeline(root, THREE_STEPS)


def kfp_python() -> Path:
    return peer_python(KFP, module="kfp")


def run_peer(code: str, *args: str, env: dict[str, str] | None = None,
             cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in the kfp peer environment with ``args`` as sys.argv[1:]."""
    done = subprocess.run([str(kfp_python()), "-c", code, *args], capture_output=True,
                          text=True, env=quiet_env(env), cwd=cwd, timeout=600, check=False)
    if check:
        assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return done


# kfp's strict parse of the IR, and its loader, on one spec; prints what they read.
INSPECT = """
import json, sys, yaml
from google.protobuf import json_format
from kfp.components import load_component_from_file
from kfp.pipeline_spec import pipeline_spec_pb2

path = sys.argv[1]
with open(path) as f:
    data = yaml.safe_load(f)
spec = json_format.ParseDict(data, pipeline_spec_pb2.PipelineSpec(), ignore_unknown_fields=False)
component = load_component_from_file(path)
tasks = spec.root.dag.tasks
print(json.dumps({
    "name": component.name,
    "inputs": {k: str(v.type) for k, v in (component.component_spec.inputs or {}).items()},
    "defaults": {k: v.default for k, v in (component.component_spec.inputs or {}).items()},
    "tasks": sorted(tasks),
    "cache_keys": {k: t.caching_options.cache_key for k, t in tasks.items()},
    "enable_cache": {k: t.caching_options.enable_cache for k, t in tasks.items()},
    "needs": {k: list(t.dependent_tasks) for k, t in tasks.items()},
    "artifacts_in": {k: {a: [v.task_output_artifact.producer_task,
                             v.task_output_artifact.output_artifact_key]
                         for a, v in t.inputs.artifacts.items()} for k, t in tasks.items()},
    "executors": json_format.MessageToDict(spec)["deploymentSpec"]["executors"],
}))
"""


def inspect(spec: Path) -> dict[str, Any]:
    return json.loads(run_peer(INSPECT, str(spec)).stdout.strip().splitlines()[-1])
