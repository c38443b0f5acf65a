"""The step graph and the parts of a cache key, checked without starting kernels."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from jupyter_mlops.errors import InvalidInput
from jupyter_mlops.pipeline import cache, dag
from jupyter_mlops.pipeline.notebooks import code_digest, read_notebook
from jupyter_mlops.pipeline.spec import load_pipeline

from .pipeline_helpers import NOTEBOOKS, THREE_STEPS, sqlite_only, write_pipeline

DIAMOND = """\
name: diamond
steps:
  prepare:
    notebook: notebooks/plain.ipynb
  left:
    notebook: notebooks/plain.ipynb
    needs: [prepare]
  right:
    notebook: notebooks/plain.ipynb
    needs: [prepare]
  join:
    notebook: notebooks/plain.ipynb
    needs: [left, right]
  alone:
    notebook: notebooks/plain.ipynb
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copytree(NOTEBOOKS, tmp_path / "notebooks")
    return tmp_path


def test_order_selection_and_independence(folder):
    pipeline = load_pipeline(write_pipeline(folder, DIAMOND))
    graph = dag.graph_of(pipeline)
    order = dag.topological_order(graph)
    assert order.index("prepare") < order.index("left") < order.index("join")
    assert order.index("right") < order.index("join")
    assert dag.select(pipeline, only=["left"]) == ["left"]
    assert dag.select(pipeline, from_="left") == ["left", "join"]
    assert set(dag.select(pipeline)) == set(graph)
    assert dag.independent(graph, "left", "right")
    assert dag.independent(graph, "alone", "join")
    assert not dag.independent(graph, "prepare", "join")
    assert dag.dependants(graph, "prepare") == {"left", "right", "join"}
    with pytest.raises(InvalidInput, match="Did you mean 'left'"):
        dag.select(pipeline, only=["lefy"])
    assert dag.find_cycle({"a": ["b"], "b": ["c"], "c": ["a"]}) == ["a", "b", "c", "a"]
    assert dag.find_cycle(graph) is None


def test_text_drawing_shows_depth_needs_and_states(folder):
    pipeline = load_pipeline(write_pipeline(folder, DIAMOND))
    text = dag.draw_text(pipeline, {"join": "stale", "left": "fresh"})
    lines = text.splitlines()
    assert lines[0] == "diamond"
    join = next(line for line in lines if "join" in line)
    assert "└─ join" in join and "<- left, right" in join and "[stale]" in join
    prepare = next(line for line in lines if "prepare" in line and "<-" not in line)
    assert prepare.startswith("  prepare")


def test_plotly_figure_has_a_node_per_step_and_an_arrow_per_need(folder):
    pytest.importorskip("plotly")
    pipeline = load_pipeline(write_pipeline(folder, DIAMOND))
    figure = dag.figure(pipeline, {"join": "failed"})
    nodes = figure.data[0]
    assert sorted(nodes.text) == sorted(pipeline.steps)
    assert len(figure.layout.annotations) == 4
    colours = dict(zip(nodes.text, nodes.marker.color, strict=True))
    assert colours["join"] != colours["left"]


def test_code_digest_ignores_outputs_metadata_and_prose(tmp_path):
    source = json.loads((NOTEBOOKS / "plain.ipynb").read_text())
    original = tmp_path / "a.ipynb"
    original.write_text(json.dumps(source))
    decorated = json.loads(json.dumps(source))
    decorated["metadata"]["widgets"] = {"state": 1}
    decorated["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout",
                                         "text": "hello"}]
    decorated["cells"][1]["execution_count"] = 7
    decorated["cells"].append({"cell_type": "markdown", "metadata": {}, "source": "# note"})
    (tmp_path / "b.ipynb").write_text(json.dumps(decorated))
    edited = json.loads(json.dumps(source))
    edited["cells"][1]["source"] = "result = C * 3"
    (tmp_path / "c.ipynb").write_text(json.dumps(edited))
    a, b, c = (code_digest(read_notebook(tmp_path / f"{n}.ipynb")) for n in "abc")
    assert a == b
    assert a != c


@sqlite_only
def test_folder_digest_follows_names_and_content(tracking, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "x.csv").write_text("1")
    first = cache.digest_path(folder)
    (folder / "x.csv").write_text("2")
    second = cache.digest_path(folder)
    (folder / "x.csv").rename(folder / "y.csv")
    third = cache.digest_path(folder)
    assert len({first, second, third}) == 3
    assert cache.digest_path(tmp_path / "absent") is None


@sqlite_only
def test_key_parts_explain_what_changed(tracking, folder):
    (folder / "data").mkdir()
    (folder / "data" / "raw.csv").write_text("1,2\n")
    shutil.copy(NOTEBOOKS / "prepare.ipynb", folder / "notebooks" / "prepare.ipynb")
    pipeline = load_pipeline(write_pipeline(folder, THREE_STEPS))
    before = cache.key_parts(pipeline, pipeline.steps["prepare"], {})
    assert before.key == cache.key_parts(pipeline, pipeline.steps["prepare"], {}).key
    assert cache.KeyParts.from_json(before.to_json()) == before
    (folder / "data" / "raw.csv").write_text("3,4\n")
    changed = load_pipeline(folder / "pipeline.yaml", {"test_size": 0.5})
    after = cache.key_parts(changed, changed.steps["prepare"], {})
    assert after.key != before.key
    assert cache.explain(before, after) == ["param test_size: 0.3 -> 0.5",
                                            "input data/raw.csv changed"]
    train = cache.key_parts(pipeline, pipeline.steps["train"],
                            {"prepare": {"data/prepared": "a" * 64}})
    moved = cache.key_parts(pipeline, pipeline.steps["train"],
                            {"prepare": {"data/prepared": "b" * 64}})
    assert cache.explain(train, moved) == ["upstream output prepare:data/prepared changed"]


@sqlite_only
def test_a_dataset_version_input_keys_on_the_versions_content(tracking, folder):
    from jupyter_mlops.data.versions import version_data

    table = folder / "table.csv"
    table.write_text("a,b\n1,2\n")
    first = version_data(table, "table")
    pipeline = load_pipeline(write_pipeline(folder, """\
        name: data
        steps:
          plain:
            notebook: notebooks/plain.ipynb
            inputs: [table@latest]
        """))
    before = cache.key_parts(pipeline, pipeline.steps["plain"], {})
    assert before.inputs == {"table@latest": first.digest}
    table.write_text("a,b\n1,3\n")
    second = version_data(table, "table")
    after = cache.key_parts(pipeline, pipeline.steps["plain"], {})
    assert after.inputs == {"table@latest": second.digest} and after.key != before.key
    assert cache.dataset_version("table@latest") == "table@2"
