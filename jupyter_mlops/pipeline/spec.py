"""``pipeline.yaml``: loading, and every check that can be made before a kernel starts.

The file is composed into YAML nodes first, so each problem names the line it is on; all
problems are collected and raised together as one ``SpecError``. Checked: the shape of the
file, step names, notebooks (they exist and are notebooks), params against the notebook's own
``parameters`` cell (present, declared, and of the type of its default), inputs that exist or
that a step produces, outputs claimed by two steps, and cycles through ``needs`` or through
one step's outputs being another's inputs.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import InvalidInput
from .located import Located, Path_
from .notebooks import expected, fits, read_notebook, type_name

PIPELINE_KEYS = ("name", "experiment", "params", "kernel", "executed_dir", "steps")
STEP_KEYS = ("notebook", "params", "inputs", "outputs", "needs", "kernel", "timeout")
_STEP_NAME = re.compile(r"^[A-Za-z_][\w\-]*$")
_DATASET_REF = re.compile(r"^[A-Za-z_][\w.\-]*@[\w.\-]+$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a pipeline file: where, what, and how to fix it."""

    line: int | None
    message: str
    hint: str = ""

    def render(self, file: str) -> str:
        where = f"{file}:{self.line}" if self.line else file
        return f"{where}: {self.message}" + (f" Hint: {self.hint}" if self.hint else "")


class SpecError(InvalidInput):
    """A pipeline file that cannot run; ``problems`` lists every problem with its line."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file = file
        self.problems = problems
        count = f"{len(problems)} problems" if len(problems) > 1 else "a problem"
        lines = "\n".join("  " + p.render(file) for p in problems)
        super().__init__(f"{file} has {count}; nothing was run:\n{lines}")


@dataclass(frozen=True)
class Step:
    """One validated step: its notebook, effective params and data."""

    name: str
    notebook: Path
    params: dict[str, Any]
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    kernel: str | None = None
    timeout: float | None = None
    line: int | None = None

    @property
    def notebook_name(self) -> str:
        return self.notebook.name


@dataclass(frozen=True)
class Pipeline:
    """A validated pipeline: steps in file order, with explicit and inferred dependencies."""

    name: str
    path: Path
    root: Path
    experiment: str
    params: dict[str, Any]
    steps: dict[str, Step] = field(default_factory=dict)
    executed_dir: str = "executed"

    def step(self, name: str) -> Step:
        if name not in self.steps:
            raise InvalidInput(f"Pipeline {self.name!r} has no step {name!r}."
                               f"{_suggest(name, self.steps)} Steps: {', '.join(self.steps)}.")
        return self.steps[name]


def is_dataset_ref(text: str, root: Path) -> bool:
    """Whether an input names a dataset version (``customers@latest``) rather than a path."""
    return bool(_DATASET_REF.match(text)) and not (root / text).exists()


def _suggest(name: str, known: Mapping[str, Any] | list[str] | tuple[str, ...]) -> str:
    names = [str(k) for k in known]
    lowered = {k.lower(): k for k in names}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1)
    return f" Did you mean {lowered[close[0]]!r}?" if close else ""


class _Checker:
    def __init__(self, file: Path, overrides: Mapping[str, Any]) -> None:
        self.file = file
        self.root = file.parent.resolve()
        self.overrides = dict(overrides)
        self.problems: list[Problem] = []

    def add(self, line: int | None, message: str, hint: str = "") -> None:
        self.problems.append(Problem(line, message, hint))

    def rel_path(self, doc: Located, text: Any, where: Path_, what: str) -> str | None:
        if not isinstance(text, str) or not text.strip():
            self.add(doc.line(*where), f"{what} must be a path (text), not {text!r}.",
                     "write it as a relative path such as data/raw.csv.")
            return None
        pure = PurePosixPath(text.replace(os.sep, "/"))
        if pure.is_absolute() or ".." in pure.parts:
            self.add(doc.line(*where), f"{what} {text!r} leaves the pipeline's folder.",
                     "use a path relative to the folder of the pipeline file, inside it.")
            return None
        return pure.as_posix()

    def strings(self, doc: Located, value: Any, where: Path_, what: str) -> list[Any]:
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.add(doc.line(*where), f"{what} must be a list, not {type_name(value)}.",
                     f"write {where[-1]}: [a, b].")
            return []
        return value


def load_pipeline(
    path: str | os.PathLike[str] = "pipeline.yaml", overrides: Mapping[str, Any] | None = None
) -> Pipeline:
    """Load and validate a pipeline file; raise ``SpecError`` listing every problem.

    Parameters
    ----------
    path:
        The ``pipeline.yaml``; notebooks, inputs and outputs are relative to its folder.
    overrides:
        Params from the command line: ``{"seed": 1}`` overrides a pipeline param (or sets that
        param in every step whose parameters cell declares it), ``{"train.C": 0.7}`` one step's.

    Returns
    -------
    Pipeline
        The validated pipeline with each step's effective params.
    """
    import yaml

    file = Path(path)
    display = os.fspath(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(f"No pipeline file at {display}: create one or pass its path.") \
            from None
    except OSError as exc:
        raise InvalidInput(f"Cannot read {display}: {exc.strerror}.") from None
    try:
        doc = Located(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(display, [Problem(line, f"invalid YAML: {problem}.",
                                          "check indentation and quoting on that line.")]) \
            from None
    checker = _Checker(file, overrides or {})
    pipeline = _check(doc, checker)
    if checker.problems or pipeline is None:
        raise SpecError(display, sorted(checker.problems, key=lambda p: p.line or 0))
    return pipeline


def _check(doc: Located, c: _Checker) -> Pipeline | None:
    from .dag import find_cycle

    for line, key in doc.duplicates:
        c.add(line, f"key {key!r} appears twice.", "keep one of them.")
    data = doc.value
    if not isinstance(data, dict):
        c.add(doc.line(), "a pipeline file is a mapping with name and steps.",
              "start with `name: my-pipeline` and `steps:`.")
        return None
    for key in data:
        if key not in PIPELINE_KEYS:
            c.add(doc.line(key), f"unknown key {key!r}.",
                  f"use {', '.join(PIPELINE_KEYS)}.{_suggest(str(key), PIPELINE_KEYS)}")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        c.add(doc.line("name"), "the pipeline needs a name.", "add `name: my-pipeline`.")
        name = c.file.parent.resolve().name or "pipeline"
    experiment = data.get("experiment", name)
    params = data.get("params") or {}
    if not isinstance(params, dict):
        c.add(doc.line("params"), "params must be a mapping.", "write params: {seed: 42}.")
        params = {}
    kernel = data.get("kernel")
    steps_data = data.get("steps")
    if not isinstance(steps_data, dict) or not steps_data:
        c.add(doc.line("steps"), "the pipeline has no steps.",
              "add `steps:` with one mapping per step, each with a notebook.")
        return None
    raw: dict[str, dict[str, Any]] = {}
    for step_name, body in steps_data.items():
        where = ("steps", step_name)
        if not isinstance(step_name, str) or not _STEP_NAME.match(step_name):
            c.add(doc.line(*where), f"step name {step_name!r} is not valid.",
                  "use letters, digits, _ and -, starting with a letter.")
            continue
        if not isinstance(body, dict):
            c.add(doc.line(*where), f"step {step_name!r} must be a mapping.",
                  "give it at least `notebook: path/to.ipynb`.")
            continue
        for key in body:
            if key not in STEP_KEYS:
                c.add(doc.line(*where, key), f"step {step_name!r}: unknown key {key!r}.",
                      f"use {', '.join(STEP_KEYS)}.{_suggest(str(key), STEP_KEYS)}")
        raw[step_name] = body
    producers: dict[str, tuple[str, int | None]] = {}
    steps: dict[str, Step] = {}
    for step_name, body in raw.items():
        step = _check_step(doc, c, step_name, body, params, kernel, producers)
        if step is not None:
            steps[step_name] = step
    used_params = _apply_overrides(c, params, steps)
    for key in params:
        if key not in used_params:
            c.add(doc.line("params", key), f"pipeline param {key!r} is used by no step.",
                  "declare it in a step notebook's parameters cell, or remove it.")
    steps = _link(doc, c, steps, producers)
    cycle = find_cycle({name: step.needs for name, step in steps.items()})
    if cycle:
        c.add(doc.line("steps", cycle[0]), f"steps form a cycle: {' -> '.join(cycle)}.",
              "remove one of these dependencies (needs, or an input produced downstream).")
    return Pipeline(name=name, path=c.file.resolve(), root=c.root, experiment=str(experiment),
                    params=dict(params), steps=steps,
                    executed_dir=str(data.get("executed_dir") or "executed"))


def _check_step(doc: Located, c: _Checker, name: str, body: dict[str, Any],
                pipeline_params: dict[str, Any], kernel: Any,
                producers: dict[str, tuple[str, int | None]]) -> Step | None:
    where = ("steps", name)
    notebook_text = body.get("notebook")
    info = None
    notebook = None
    if notebook_text is None:
        c.add(doc.line(*where), f"step {name!r} has no notebook.",
              "add `notebook: notebooks/<name>.ipynb`.")
    else:
        rel = c.rel_path(doc, notebook_text, (*where, "notebook"), f"step {name!r}: notebook")
        if rel is not None:
            notebook = c.root / rel
            if not notebook.is_file():
                c.add(doc.line(*where, "notebook"), f"step {name!r}: notebook {rel} not found.",
                      f"paths are relative to {c.file.name}'s folder; create the notebook "
                      "or fix the path.")
            else:
                try:
                    info = read_notebook(notebook)
                except InvalidInput as exc:
                    c.add(doc.line(*where, "notebook"), f"step {name!r}: {exc}")
    params = body.get("params") or {}
    if not isinstance(params, dict):
        c.add(doc.line(*where, "params"), f"step {name!r}: params must be a mapping.",
              "write params: {C: 0.5}.")
        params = {}
    effective: dict[str, Any] = {}
    if info is not None:
        if params and not info.has_parameters:
            c.add(doc.line(*where, "params"),
                  f"step {name!r} gets params but {info.path.name} has no `parameters` cell.",
                  "tag the cell that sets the defaults with `parameters` (cell tags).")
        elif info.has_parameters:
            for key, value in pipeline_params.items():
                if key in info.defaults:
                    effective[key] = value
            for key, value in params.items():
                if key not in info.defaults:
                    c.add(doc.line(*where, "params", key),
                          f"step {name!r}: param {key!r} is not in the parameters cell of "
                          f"{info.path.name}.",
                          f"it declares {', '.join(info.defaults) or 'nothing'}."
                          f"{_suggest(str(key), list(info.defaults))}")
                    continue
                effective[key] = value
            for key, value in effective.items():
                _check_type(c, doc.line(*where, "params", key) if key in params
                            else doc.line("params", key), name, key, value, info)
    outputs: list[str] = []
    for i, text in enumerate(c.strings(doc, body.get("outputs"), (*where, "outputs"),
                                       f"step {name!r}: outputs")):
        rel = c.rel_path(doc, text, (*where, "outputs", i), f"step {name!r}: output")
        if rel is None:
            continue
        line = doc.line(*where, "outputs", i)
        for other, (owner, other_line) in producers.items():
            if rel == other or rel.startswith(other + "/") or other.startswith(rel + "/"):
                c.add(line, f"output {rel} is also claimed by step {owner!r} "
                      f"(line {other_line}).", "each output belongs to exactly one step.")
                break
        else:
            producers[rel] = (name, line)
            outputs.append(rel)
    inputs: list[str] = []
    for i, text in enumerate(c.strings(doc, body.get("inputs"), (*where, "inputs"),
                                       f"step {name!r}: inputs")):
        if isinstance(text, str) and is_dataset_ref(text, c.root):
            inputs.append(text)
            continue
        rel = c.rel_path(doc, text, (*where, "inputs", i), f"step {name!r}: input")
        if rel is not None:
            if rel in outputs:
                c.add(doc.line(*where, "inputs", i),
                      f"step {name!r} lists {rel} as both input and output.",
                      "a step cannot depend on what it writes; give the output a new name.")
            inputs.append(rel)
    needs = []
    for i, other in enumerate(c.strings(doc, body.get("needs"), (*where, "needs"),
                                        f"step {name!r}: needs")):
        if not isinstance(other, str) or other not in doc.value.get("steps", {}):
            c.add(doc.line(*where, "needs", i), f"step {name!r} needs unknown step {other!r}.",
                  f"known steps: {', '.join(map(str, doc.value['steps']))}."
                  f"{_suggest(str(other), list(map(str, doc.value['steps'])))}")
        elif other == name:
            c.add(doc.line(*where, "needs", i), f"step {name!r} needs itself.",
                  "remove it from needs.")
        else:
            needs.append(other)
    timeout = body.get("timeout")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                                or timeout <= 0):
        c.add(doc.line(*where, "timeout"), f"step {name!r}: timeout must be positive seconds.",
              "write timeout: 600, or remove it.")
        timeout = None
    step_kernel = body.get("kernel", kernel)
    if notebook is None or info is None:
        return None
    return Step(name=name, notebook=notebook, params=effective, inputs=tuple(inputs),
                outputs=tuple(outputs), needs=tuple(needs),
                kernel=str(step_kernel) if step_kernel else info.kernel,
                timeout=float(timeout) if timeout is not None else None, line=doc.line(*where))


def _check_type(c: _Checker, line: int | None, step: str, key: str, value: Any,
                info: Any) -> None:
    default = info.defaults.get(key)
    annotation = info.annotations.get(key)
    if not fits(value, default, annotation):
        origin = "" if line is not None else f"-p {key}={value!r}: "
        c.add(line, f"{origin}step {step!r}: param {key!r} is {type_name(value)} {value!r}, but "
              f"{info.path.name} declares {key} = {default!r} ({expected(default, annotation)}).",
              f"pass a {expected(default, annotation)}, or change the default in the "
              "parameters cell.")


def _apply_overrides(c: _Checker, params: dict[str, Any], steps: dict[str, Step]) -> set[str]:
    """Apply command-line params in place; return the pipeline params some step uses."""
    used = {key for step in steps.values() for key in step.params if key in params}
    for key, value in c.overrides.items():
        step_name, dot, param = key.partition(".")
        targets = ([steps[step_name]] if dot and step_name in steps else
                   [s for s in steps.values() if key in read_notebook(s.notebook).defaults])
        if dot and step_name not in steps:
            c.add(None, f"-p {key}: no step named {step_name!r}.",
                  f"steps: {', '.join(steps)}.{_suggest(step_name, steps)}")
            continue
        name = param if dot else key
        if not dot and key in params:
            params[key] = value
        matched = False
        for step in targets:
            info = read_notebook(step.notebook)
            if name not in info.defaults:
                c.add(None, f"-p {key}: {step.notebook.name} has no param {name!r}.",
                      f"it declares {', '.join(info.defaults) or 'nothing'}.")
                continue
            matched = True
            before = len(c.problems)
            _check_type(c, None, step.name, name, value, info)
            if len(c.problems) == before:
                step.params[name] = value
        if not matched and not targets:
            c.add(None, f"-p {key}: no step declares a param {key!r}.",
                  "check the name against the notebooks' parameters cells.")
        if not dot and key in params:
            used.add(key)
    return used


def _link(doc: Located, c: _Checker, steps: dict[str, Step],
          producers: dict[str, tuple[str, int | None]]) -> dict[str, Step]:
    """Add the dependencies implied by inputs that another step produces; check the rest exist."""
    linked: dict[str, Step] = {}
    for name, step in steps.items():
        needs = list(step.needs)
        for i, rel in enumerate(step.inputs):
            owner = next((o for out, (o, _) in producers.items()
                          if rel == out or rel.startswith(out + "/")), None)
            if owner is not None and owner != name:
                if owner not in needs:
                    needs.append(owner)
            elif owner is None and not is_dataset_ref(rel, c.root) \
                    and not (c.root / rel).exists():
                c.add(doc.line("steps", name, "inputs", i),
                      f"step {name!r}: input {rel} does not exist and no step produces it.",
                      "create it, fix the path, or list it as an output of an earlier step.")
        linked[name] = Step(**{**step.__dict__, "needs": tuple(needs)})
    return linked
