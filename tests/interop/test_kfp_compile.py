"""`jupyter mlops pipeline compile --to kfp`: the spec kfp's own parser and loader accept.

kfp runs in a peer environment (it pins versions ours must not take); our package never
imports it. The golden file pins the whole spec; regenerate it with UPDATE_GOLDEN=1 after a
deliberate change, and read the diff.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from jupyter_mlops.cli import cli

from .kfp_helpers import INSPECT, inspect, make_project, run_peer

GOLDEN = Path(__file__).parent / "golden" / "iris.kfp.yaml"
TEAM = ["--store-uri", "postgresql+psycopg://mlops@db.team.internal/mlops",
        "--artifacts-uri", "s3://team-mlops/artifacts"]
IMAGE = "ghcr.io/acme/iris-steps:1.4"
sqlite_only = pytest.mark.parametrize("workspace", ["sqlite"], indirect=True)


def invoke(*args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


@pytest.fixture
def project(tracking) -> Path:
    return make_project(Path(tracking.root)).parent


def _without_version(text: str) -> str:
    return re.sub(r"jupyter-mlops[ -]\d[\w.+-]*", "jupyter-mlops-VERSION", text)


@sqlite_only
def test_compiled_spec_passes_kfps_strict_parse_reloads_and_matches_the_golden(project: Path):
    out = invoke("pipeline", "compile", "--to", "kfp", "-o", "pipeline.kfp.yaml",
                 "--image", IMAGE, *TEAM)
    assert "Wrote pipeline.kfp.yaml: 3 steps" in out.output
    spec = project / "pipeline.kfp.yaml"
    read = inspect(spec)
    assert read["name"] == "iris"
    # pipeline params become the pipeline's parameters, typed, with their defaults
    assert read["inputs"] == {"seed": "Integer"} and read["defaults"] == {"seed": 0}
    assert read["tasks"] == ["evaluate", "prepare", "train"]
    assert read["needs"] == {"prepare": [], "train": ["prepare"],
                             "evaluate": ["prepare", "train"]}
    assert read["artifacts_in"]["evaluate"] == {
        "prepare__data_prepared": ["prepare", "data_prepared"],
        "train__models_weights_npy": ["train", "models_weights_npy"]}
    assert all(read["enable_cache"].values())
    assert len(set(read["cache_keys"].values())) == 3
    container = read["executors"]["exec-train"]["container"]
    assert container["image"] == IMAGE
    # our step runner, nothing installed when the container starts
    assert container["command"] == ["python", "-m", "jupyter_mlops.interop.kfp_task"]
    assert "pip install" not in json.dumps(read["executors"])
    assert {e["name"]: e["value"] for e in container["env"]} == {
        "JUPYTER_MLOPS_URI": TEAM[1], "JUPYTER_MLOPS_ARTIFACTS": TEAM[3]}
    assert "{{$.inputs.parameters['C']}}" in container["args"]

    text = _without_version(spec.read_text(encoding="utf-8"))
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


@sqlite_only
def test_the_strict_parse_rejects_what_the_schema_does_not_know(project: Path):
    """The check above could fail: a key outside the schema is refused by the same parse."""
    invoke("pipeline", "compile", "--to", "kfp", "-o", "p.yaml", "--image", IMAGE, *TEAM)
    spec = project / "p.yaml"
    spec.write_text(spec.read_text().replace("enableCache: true", "enableCache: true\n"
                                             "          cacheTimeout: 10", 1))
    done = run_peer(INSPECT, str(spec), check=False)
    assert done.returncode != 0 and "cacheTimeout" in done.stderr


@sqlite_only
def test_kfps_cache_key_is_the_key_our_runner_records(project: Path):
    from jupyter_mlops.interop.kfp import compile_kfp
    from jupyter_mlops.pipeline.runner import run_pipeline
    from jupyter_mlops.tracking.queries import search_runs

    compiled = compile_kfp("pipeline.yaml", image=IMAGE, store_uri=TEAM[1],
                           artifacts_uri=TEAM[3])
    run_pipeline("pipeline.yaml", only=["prepare"])
    [run] = search_runs(filter="tags.`mlops.pipeline.step` = 'prepare'")
    assert run.tags["mlops.cache_key"] == compiled.cache_keys["prepare"]
    # a compiled param changes the key of its step and of the steps after it, not before
    other = compile_kfp("pipeline.yaml", image=IMAGE, params={"train.C": 0.9},
                        store_uri=TEAM[1], artifacts_uri=TEAM[3])
    assert other.cache_keys["prepare"] == compiled.cache_keys["prepare"]
    assert other.cache_keys["train"] != compiled.cache_keys["train"]
    assert other.cache_keys["evaluate"] != compiled.cache_keys["evaluate"]


@sqlite_only
def test_what_a_cluster_cannot_reach_is_one_clear_line(project: Path):
    binary = Path(os.environ.get("VIRTUAL_ENV", ".venv")) / "bin" / "jupyter-mlops"
    if not binary.exists():
        binary = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "jupyter-mlops"
    done = subprocess.run([str(binary), "pipeline", "compile", "--to", "kfp", "-o", "p.yaml",
                           "--image", IMAGE], capture_output=True, text=True, check=False,
                          cwd=project)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "on this machine's disk" in lines[0] and "--store-uri" in lines[0]
    assert "Traceback" not in done.stderr and not (project / "p.yaml").exists()

    local_artifacts = invoke("pipeline", "compile", "--to", "kfp", "-o", "p.yaml", "--image",
                             IMAGE, "--store-uri", TEAM[1], code=2)
    assert "--artifacts-uri s3://" in local_artifacts.output
    secret = invoke("pipeline", "compile", "--to", "kfp", "-o", "p.yaml", "--image", IMAGE,
                    "--store-uri", "postgresql+psycopg://mlops:hunter2@db/mlops",
                    "--artifacts-uri", TEAM[3], code=2)
    assert "holds a password" in secret.output and "hunter2" not in secret.output

    outside = project.parent / "elsewhere.csv"
    outside.write_text("a\n1\n")
    (project / "data" / "raw.csv").unlink()
    (project / "data" / "raw.csv").symlink_to(outside)
    linked = invoke("pipeline", "compile", "--to", "kfp", "-o", "p.yaml", "--image", IMAGE,
                    *TEAM, code=2)
    assert "input data/raw.csv links to" in linked.output and "outside the project" in linked.output
    assert not (project / "p.yaml").exists()
