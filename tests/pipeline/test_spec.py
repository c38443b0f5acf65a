"""pipeline.yaml validation: every problem is found before anything runs, with its line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from jupyter_mlops.errors import InvalidInput
from jupyter_mlops.pipeline.located import parse_assignments
from jupyter_mlops.pipeline.spec import SpecError, load_pipeline

from .pipeline_helpers import NOTEBOOKS, write_pipeline


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copytree(NOTEBOOKS, tmp_path / "notebooks")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "raw.csv").write_text("1,2,3\n")
    return tmp_path


def problems(folder: Path, text: str, overrides: dict | None = None) -> list[tuple[int | None,
                                                                                   str]]:
    path = write_pipeline(folder, text)
    with pytest.raises(SpecError) as caught:
        load_pipeline(path, overrides)
    assert "nothing was run" in str(caught.value)
    return [(p.line, p.render("pipeline.yaml")) for p in caught.value.problems]


def has(found: list[tuple[int | None, str]], line: int | None, *fragments: str) -> bool:
    return any(at == line and all(f in text for f in fragments) for at, text in found)


def test_a_valid_pipeline_loads_with_effective_params_and_inferred_needs(folder):
    path = write_pipeline(folder, """\
        name: iris
        params: {seed: 3}
        steps:
          prepare:
            notebook: notebooks/prepare.ipynb
            inputs: [data/raw.csv]
            outputs: [data/prepared]
          train:
            notebook: notebooks/train.ipynb
            inputs: [data/prepared/train.csv]
            params: {C: 2}
        """)
    pipeline = load_pipeline(path, {"train.max_iter": 50})
    assert list(pipeline.steps) == ["prepare", "train"]
    # seed reaches both steps (both declare it); C=2 fits the float default 1.0.
    assert pipeline.steps["prepare"].params == {"seed": 3}
    assert pipeline.steps["train"].params == {"seed": 3, "C": 2, "max_iter": 50}
    # An input that another step produces makes that step a dependency.
    assert pipeline.steps["train"].needs == ("prepare",)
    assert pipeline.steps["train"].kernel == "python3"


def test_yaml_syntax_error_names_its_line(folder):
    found = problems(folder, "name: x\nsteps:\n  a: [unclosed\n  b: 1\n")
    assert found[0][0] in (3, 4)
    assert "invalid YAML" in found[0][1]


def test_shape_problems_each_name_their_line(folder):
    found = problems(folder, """\
        name: shapes
        colour: blue
        steps:
          bad name:
            notebook: notebooks/plain.ipynb
          plain:
            notebook: notebooks/plain.ipynb
            output: [x.txt]
            timeout: -1
          nothing: {}
        """)
    assert has(found, 2, "unknown key 'colour'")
    assert has(found, 4, "step name 'bad name' is not valid")
    assert has(found, 8, "unknown key 'output'", "Did you mean 'outputs'?")
    assert has(found, 9, "timeout must be positive")
    assert has(found, 10, "step 'nothing' has no notebook")


def test_missing_name_and_steps(folder):
    found = problems(folder, "params: {a: 1}\n")
    assert has(found, None, "needs a name") or has(found, 1, "needs a name")
    assert any("has no steps" in text for _, text in found)


def test_missing_notebook_and_path_outside_the_folder(folder):
    found = problems(folder, """\
        name: files
        steps:
          a:
            notebook: notebooks/nope.ipynb
          b:
            notebook: ../elsewhere.ipynb
        """)
    assert has(found, 4, "notebook notebooks/nope.ipynb not found", "Hint:")
    assert has(found, 6, "leaves the pipeline's folder")


def test_params_checked_against_the_parameters_cell(folder):
    found = problems(folder, """\
        name: params
        params: {unused: 1}
        steps:
          none:
            notebook: notebooks/noparams.ipynb
            params: {x: 2}
          typo:
            notebook: notebooks/plain.ipynb
            params:
              c: 0.1
          wrong:
            notebook: notebooks/plain.ipynb
            params:
              C: "high"
              label: 3
          flag:
            notebook: notebooks/train.ipynb
            params:
              max_iter: true
        """)
    assert has(found, 2, "pipeline param 'unused' is used by no step")
    assert has(found, 6, "noparams.ipynb has no `parameters` cell", "tag the cell")
    assert has(found, 10, "param 'c' is not in the parameters cell", "Did you mean 'C'?")
    assert has(found, 14, "param 'C' is str 'high'", "C = 0.5", "float (or int)")
    assert has(found, 15, "param 'label' is int 3", "label = 'x'")
    # The annotation `max_iter: int` decides, and a YAML bool is no int.
    assert has(found, 19, "param 'max_iter' is bool True", "int")


def test_outputs_claimed_twice_and_read_by_their_own_step(folder):
    found = problems(folder, """\
        name: outputs
        steps:
          a:
            notebook: notebooks/plain.ipynb
            outputs: [data/out]
          b:
            notebook: notebooks/plain.ipynb
            outputs:
              - data/out/part.csv
          c:
            notebook: notebooks/plain.ipynb
            inputs: [models/m.pkl]
            outputs: [models/m.pkl]
        """)
    assert has(found, 9, "output data/out/part.csv is also claimed by step 'a' (line 5)")
    assert has(found, 12, "lists models/m.pkl as both input and output")


def test_unknown_needs_self_needs_and_missing_inputs(folder):
    found = problems(folder, """\
        name: needs
        steps:
          prepare:
            notebook: notebooks/plain.ipynb
          train:
            notebook: notebooks/plain.ipynb
            needs: [prepar, train]
            inputs: [data/missing.csv]
        """)
    assert has(found, 7, "needs unknown step 'prepar'", "Did you mean 'prepare'?")
    assert has(found, 7, "needs itself")
    assert has(found, 8, "input data/missing.csv does not exist and no step produces it")


@pytest.mark.parametrize("text", [
    """\
    name: loop
    steps:
      a:
        notebook: notebooks/plain.ipynb
        needs: [b]
      b:
        notebook: notebooks/plain.ipynb
        needs: [a]
    """,
    """\
    name: loop-through-data
    steps:
      a:
        notebook: notebooks/plain.ipynb
        inputs: [data/b.csv]
        outputs: [data/a.csv]
      b:
        notebook: notebooks/plain.ipynb
        inputs: [data/a.csv]
        outputs: [data/b.csv]
    """,
])
def test_cycles_are_rejected_with_the_cycle_spelled_out(folder, text):
    found = problems(folder, text)
    assert has(found, 3, "steps form a cycle: a -> b -> a")


def test_duplicate_keys_are_reported(folder):
    found = problems(folder, """\
        name: dup
        steps:
          a:
            notebook: notebooks/plain.ipynb
          a:
            notebook: notebooks/plain.ipynb
        """)
    assert has(found, 5, "key 'a' appears twice")


def test_command_line_overrides_are_checked_too(folder):
    text = """\
        name: cli
        params: {C: 0.5}
        steps:
          plain:
            notebook: notebooks/plain.ipynb
        """
    assert load_pipeline(write_pipeline(folder, text), {"C": 2}).steps["plain"].params == \
        {"C": 2}
    found = problems(folder, text, {"C": "big", "trian.C": 1, "nope": 1})
    assert has(found, None, "-p C='big'", "param 'C' is str 'big'")
    assert has(found, None, "-p trian.C: no step named 'trian'")
    assert has(found, None, "-p nope: no step declares a param 'nope'")


def test_parse_assignments_types_values_like_yaml():
    assert parse_assignments(["C=0.5", "n=3", "flag=true", "name=abc", "xs=[1, 2]",
                              "none=None", "train.C=1e-3"]) == {
        "C": 0.5, "n": 3, "flag": True, "name": "abc", "xs": [1, 2], "none": None,
        "train.C": 0.001}
    with pytest.raises(InvalidInput, match="key=value"):
        parse_assignments(["C"])


def test_a_missing_pipeline_file_says_what_to_do(tmp_path):
    with pytest.raises(InvalidInput, match="No pipeline file"):
        load_pipeline(tmp_path / "pipeline.yaml")
