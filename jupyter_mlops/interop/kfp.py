"""A pipeline compiled to Kubeflow Pipelines: a KFP v2 ``PipelineSpec`` (IR YAML), no kfp import.

The kfp SDK pins versions our environment must not take (requests, kubernetes, protobuf), so
the spec is written from its documented schema (``pipeline_spec.proto``, schema 2.1.0) and
checked by the SDK's own parser in the tests. Each step is a container component whose image
holds the project (at ``workdir``) and jupyter-mlops; its command is our step runner
(``python -m jupyter_mlops.interop.kfp_task``), so nothing is pip-installed when the container
starts and no kfp package is needed in the image. The step runner executes the notebook with
papermill and tracks it in the team store named by ``JUPYTER_MLOPS_URI`` and
``JUPYTER_MLOPS_ARTIFACTS`` in the container's environment.

Mapping: a step's effective params are its component's input parameters (wired to the
pipeline's parameters where they come from the pipeline's ``params``); ``needs`` are
``dependentTasks``; each output path is an output artifact, handed to every step that needs
its producer. Each task's ``cachingOptions.cacheKey`` is our content-hash key: for a step that
needs nothing, exactly the key ``jupyter mlops pipeline run`` computes (notebook code, params,
kernel, input digests); for a step that needs others, the same parts with the upstream steps'
keys in place of their output digests (unknown until they run), so a changed upstream changes
it. KFP uses a task's cache key instead of its own fingerprint, which leaves out the arguments:
the keys hold the params as compiled, so other values are compiled in (``-p``), not set at
submission.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InvalidInput

SCHEMA_VERSION = "2.1.0"
STEP_RUNNER = ("python", "-m", "jupyter_mlops.interop.kfp_task")
ARTIFACT_TYPE = {"schemaTitle": "system.Artifact", "schemaVersion": "0.0.1"}
DEFAULT_WORKDIR = "/workspace"
# kfp.dsl.PIPELINE_TASK_EXECUTOR_OUTPUT_PATH_PLACEHOLDER
EXECUTOR_OUTPUT = "{{$.outputs.output_file}}"
_REMOTE_ARTIFACTS = re.compile(r"^(?!file:|local:)[a-z][a-z0-9+.\-]*://", re.IGNORECASE)


@dataclass(frozen=True)
class CompiledPipeline:
    """A pipeline compiled to KFP: the spec as a mapping, and each step's cache key."""

    name: str
    spec: dict[str, Any]
    cache_keys: dict[str, str] = field(default_factory=dict)
    path: Path | None = None

    def to_yaml(self) -> str:
        """The spec as KFP reads it (``kfp.components.load_component_from_file``)."""
        import yaml

        from .._version import __version__

        header = (f"# PIPELINE DEFINITION\n# Name: {self.spec['pipelineInfo']['name']}\n"
                  f"# Compiled by jupyter-mlops {__version__} from pipeline.yaml\n")
        return header + yaml.safe_dump(self.spec, sort_keys=True, allow_unicode=True)


def _kfp_name(text: str) -> str:
    """A name as KFP's compiler sanitises it: lower case, runs of other characters as ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "pipeline"


def _artifact_key(path: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_") or "output"


def parameter_type(name: str, value: Any) -> str:
    """The KFP parameter type of a param value; a value KFP cannot carry is an error."""
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int):
        return "NUMBER_INTEGER"
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInput(f"Param {name!r} is {value!r}: KFP parameters cannot hold NaN or "
                               "infinity; give it a finite value or read it from a file.")
        return "NUMBER_DOUBLE"
    if isinstance(value, str):
        return "STRING"
    if isinstance(value, (list, tuple)):
        return "LIST"
    if isinstance(value, dict):
        return "STRUCT"
    raise InvalidInput(f"Param {name!r} is {value!r} ({type(value).__name__}): KFP parameters "
                       "are text, numbers, booleans, lists or mappings; set a value in "
                       "pipeline.yaml or with -p.")


def _team_store(uri: str | None, artifacts: str | None, allow_local: bool) -> tuple[str, str]:
    """The store URLs the pods track to; one on this machine's disk is an error unless allowed."""
    from ..session import current

    workspace = current().store.workspace
    uri = uri or workspace.uri
    artifacts = artifacts or workspace.artifacts
    if uri.startswith("sqlite") and not allow_local:
        raise InvalidInput(
            f"The store is {uri}, on this machine's disk: pods on the cluster cannot reach it. "
            "Pass --store-uri postgresql+psycopg://HOST/DB (the team's store), or --allow-local "
            "for kfp.local runs on this machine.")
    from sqlalchemy.engine import make_url

    if make_url(uri).password:
        raise InvalidInput(
            "The store URL holds a password, which would be written into the spec: pass it "
            "without one and give the pods the password from a Kubernetes secret (PGPASSWORD).")
    if not _REMOTE_ARTIFACTS.match(artifacts):
        if not allow_local:
            raise InvalidInput(
                f"The artifact store is {artifacts}, on this machine's disk: pods on the "
                "cluster cannot reach it. Pass --artifacts-uri s3://BUCKET/PREFIX (or any "
                "fsspec URL), or --allow-local for kfp.local runs on this machine.")
        artifacts = os.path.abspath(artifacts.removeprefix("file://"))
    return uri, artifacts


def _check_inputs(pipeline: Any, produced: set[str]) -> None:
    """Inputs the image must hold: a path that links outside the project cannot be in it."""
    from ..pipeline.spec import is_dataset_ref

    root = pipeline.root.resolve()
    for step in pipeline.steps.values():
        for ref in step.inputs:
            if ref in produced or is_dataset_ref(ref, pipeline.root):
                continue
            target = (pipeline.root / ref).resolve()
            if not target.is_relative_to(root):
                raise InvalidInput(
                    f"Step {step.name!r}: input {ref} links to {target}, outside the project, "
                    "so the image cannot hold it: copy it into the project or version it "
                    "(mlops.version_data) and use name@version.")


def _producer_of(pipeline: Any, ref: str) -> str | None:
    for other in pipeline.steps.values():
        if any(ref == out or ref.startswith(out + "/") for out in other.outputs):
            return other.name
    return None


def cache_keys(pipeline: Any) -> dict[str, str]:
    """Each step's KFP cache key, in run order (see the module's docstring)."""
    from ..pipeline import cache
    from ..pipeline.dag import graph_of, topological_order

    keys: dict[str, str] = {}
    for name in topological_order(graph_of(pipeline)):
        step = pipeline.steps[name]
        # Inputs another step writes are covered by that step's key; they need not exist yet.
        own = dataclasses.replace(step, inputs=tuple(
            ref for ref in step.inputs if _producer_of(pipeline, ref) in (None, name)))
        upstream = {need: {"cache_key": keys[need]} for need in step.needs}
        keys[name] = cache.key_parts(pipeline, own, upstream).key
    return keys


def compile_kfp(
    path: str | os.PathLike[str] = "pipeline.yaml",
    output: str | os.PathLike[str] | None = None,
    *,
    image: str,
    params: Mapping[str, Any] | None = None,
    workdir: str = DEFAULT_WORKDIR,
    store_uri: str | None = None,
    artifacts_uri: str | None = None,
    allow_local: bool = False,
) -> CompiledPipeline:
    """Compile a pipeline file to a KFP v2 pipeline spec.

    Parameters
    ----------
    path:
        The ``pipeline.yaml``.
    output:
        Write the spec's YAML here (``pipeline.kfp.yaml``); None writes nothing.
    image:
        The container image of every step: it holds jupyter-mlops, the steps' kernels and the
        project's files at ``workdir``.
    params:
        Overrides as ``-p`` gives them (``{"seed": 1, "train.C": 0.7}``), compiled in.
    workdir:
        The project's folder (that of ``pipeline.yaml``) inside the image.
    store_uri, artifacts_uri:
        The team store the steps track to; default: this workspace's, which must then be
        reachable from the cluster.
    allow_local:
        Accept a store on this machine's disk, for ``kfp.local`` runs here.

    Returns
    -------
    CompiledPipeline
        The spec and each step's cache key.
    """
    from ..pipeline.dag import graph_of, topological_order
    from ..pipeline.spec import load_pipeline

    if not image or not image.strip():
        raise InvalidInput("Give the steps' container image: --image REGISTRY/NAME:TAG.")
    if not workdir.startswith("/"):
        raise InvalidInput(f"--workdir {workdir!r} must be an absolute path inside the image.")
    pipeline = load_pipeline(path, params)
    uri, artifacts = _team_store(store_uri, artifacts_uri, allow_local)
    produced = {out for step in pipeline.steps.values() for out in step.outputs}
    _check_inputs(pipeline, produced)
    task_names: dict[str, str] = {}
    for name in pipeline.steps:
        task = _kfp_name(name)
        clash = next((other for other, t in task_names.items() if t == task), None)
        if clash is not None:
            raise InvalidInput(f"Steps {clash!r} and {name!r} have the same KFP name {task!r}; "
                               "rename one of them.")
        task_names[name] = task
    keys = cache_keys(pipeline)
    root_inputs: dict[str, Any] = {}
    for key, value in pipeline.params.items():
        root_inputs[key] = {"parameterType": parameter_type(key, value), "defaultValue": value,
                            "isOptional": True}
    components: dict[str, Any] = {}
    executors: dict[str, Any] = {}
    tasks: dict[str, Any] = {}
    pipeline_file = f"{workdir.rstrip('/')}/{pipeline.path.name}"
    env = [{"name": "JUPYTER_MLOPS_URI", "value": uri},
           {"name": "JUPYTER_MLOPS_ARTIFACTS", "value": artifacts}]
    for name in topological_order(graph_of(pipeline)):
        step = pipeline.steps[name]
        task = task_names[name]
        args: list[str] = ["--pipeline", pipeline_file, "--step", name]
        parameters: dict[str, Any] = {}
        task_parameters: dict[str, Any] = {}
        for key, value in step.params.items():
            kind = parameter_type(f"{name}.{key}", value)
            parameters[key] = {"parameterType": kind}
            from_pipeline = key in pipeline.params and pipeline.params[key] == value
            task_parameters[key] = ({"componentInputParameter": key} if from_pipeline
                                    else {"runtimeValue": {"constant": value}})
            args += ["--param", key, kind, f"{{{{$.inputs.parameters['{key}']}}}}"]
        in_artifacts: dict[str, Any] = {}
        task_artifacts: dict[str, Any] = {}
        # Every output of a needed step: our runner keys a step on all of them.
        for need in step.needs:
            for out in pipeline.steps[need].outputs:
                key = f"{_artifact_key(need)}__{_artifact_key(out)}"
                in_artifacts[key] = {"artifactType": dict(ARTIFACT_TYPE)}
                task_artifacts[key] = {"taskOutputArtifact": {
                    "producerTask": task_names[need], "outputArtifactKey": _artifact_key(out)}}
                args += ["--input", out, f"{{{{$.inputs.artifacts['{key}'].path}}}}"]
        out_artifacts = {}
        for out in step.outputs:
            key = _artifact_key(out)
            out_artifacts[key] = {"artifactType": dict(ARTIFACT_TYPE)}
            args += ["--output", out, key, f"{{{{$.outputs.artifacts['{key}'].path}}}}",
                     f"{{{{$.outputs.artifacts['{key}'].uri}}}}"]
        if out_artifacts:
            # KFP's launcher (and kfp.local) read the artifacts a task made from this file.
            args += ["--executor-output", EXECUTOR_OUTPUT]
        component: dict[str, Any] = {"executorLabel": f"exec-{task}"}
        inputs: dict[str, Any] = {}
        if parameters:
            inputs["parameters"] = parameters
        if in_artifacts:
            inputs["artifacts"] = in_artifacts
        if inputs:
            component["inputDefinitions"] = inputs
        if out_artifacts:
            component["outputDefinitions"] = {"artifacts": out_artifacts}
        components[f"comp-{task}"] = component
        executors[f"exec-{task}"] = {"container": {
            "image": image, "command": list(STEP_RUNNER), "args": args,
            "env": [dict(variable) for variable in env]}}
        spec_task: dict[str, Any] = {
            "taskInfo": {"name": name},
            "componentRef": {"name": f"comp-{task}"},
            "cachingOptions": {"enableCache": True, "cacheKey": keys[name]},
        }
        if step.needs:
            spec_task["dependentTasks"] = [task_names[n] for n in step.needs]
        task_inputs: dict[str, Any] = {}
        if task_parameters:
            task_inputs["parameters"] = task_parameters
        if task_artifacts:
            task_inputs["artifacts"] = task_artifacts
        if task_inputs:
            spec_task["inputs"] = task_inputs
        tasks[task] = spec_task
    from .._version import __version__

    root: dict[str, Any] = {"dag": {"tasks": tasks}}
    if root_inputs:
        root["inputDefinitions"] = {"parameters": root_inputs}
    spec = {
        "pipelineInfo": {"name": _kfp_name(pipeline.name),
                         "description": f"{pipeline.name}: notebook steps compiled by "
                                        "jupyter-mlops"},
        "components": components,
        "deploymentSpec": {"executors": executors},
        "root": root,
        "schemaVersion": SCHEMA_VERSION,
        "sdkVersion": f"jupyter-mlops-{__version__}",
    }
    compiled = CompiledPipeline(pipeline.name, spec, keys)
    if output is not None:
        target = Path(output)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(compiled.to_yaml(), encoding="utf-8")
        compiled = dataclasses.replace(compiled, path=target)
    return compiled
