"""The lab extension's TypeScript interfaces and the OpenAPI document describe the same JSON.

The interfaces are read with the TypeScript compiler the lab extension builds with (its
checker resolves ``extends``, ``Pick``, ``Record`` and type aliases), so what is compared is
what ``tsc`` sees, not a regex's guess. Each response interface is mapped by hand to the
schema that documents it; the check runs both ways, so a field added on one side only fails.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from jupyter_mlops.server.spec import load_spec

LAB = Path(__file__).resolve().parents[2] / "labextension"
SOURCES = ("src/tokens.ts", "src/runviews/types.ts", "src/views/types.ts")

# Interface -> where its schema lives: a component schema's name, or "VERB /path" (the 2xx
# JSON body) followed by steps into it: a property name, "[]" for array items, "{}" for the
# values of a map (additionalProperties).
MAPPING: dict[str, str | tuple[str, ...]] = {
    "IApiError": "Error",
    "IExperiment": "Experiment",
    "IRunSummary": "RunSummary",
    "IRunsPage": ("GET /runs",),
    "IMetricHistory": ("GET /runs/{run_id}/metrics/{key}",),
    "IRunView": ("GET /runs/{run_id}/view",),
    "INotebookLocation": ("GET /runs/{run_id}/view", "notebook"),
    "IHistory": ("GET /runs/{run_id}/histories", "histories", "{}"),
    "ICompare": ("GET /compare",),
    "IPreview": ("GET /runs/{run_id}/preview/{path}",),
    "IRegisteredModel": "RegisteredModel",
    "IModelVersion": "ModelVersion",
    "IModelVersionDetail": "ModelVersion",
    "IModelDetail": ("GET /models/{name}",),
    "IAuditEntry": "AuditEntry",
    "IAliasMove": "AliasMove",
    "IModelCard": ("GET /models/{name}/card",),
    "ILineage": ("GET /models/{name}/versions/{version}/lineage",),
    "ILineageNode": ("GET /models/{name}/versions/{version}/lineage", "nodes", "[]"),
    "IEdge": ("GET /models/{name}/versions/{version}/lineage", "edges", "[]"),
    "IVersionEvaluations": ("GET /models/{name}/versions/{version}/evaluations",),
    "IEvaluation": ("GET /models/{name}/versions/{version}/evaluations", "evaluations", "[]"),
    "IVerdict": ("GET /models/{name}/versions/{version}/evaluations", "blessing"),
    "IDriftHistory": ("GET /models/{name}/aliases/{alias}/drift",),
    "IDriftPoint": ("GET /models/{name}/aliases/{alias}/drift", "points", "[]"),
    "IDatasetDetail": ("GET /datasets/{name}",),
    "IDatasetDiff": ("GET /datasets/{name}/diff",),
    "IDatasetVersionDetail": ("GET /datasets/{name}/versions/{version}",),
    "IDatasetRun": ("GET /datasets/{name}/versions/{version}", "runs", "[]"),
    "IDriftDetail": ("GET /drift/{report_id}",),
    "IFigure": ("GET /drift/{report_id}", "figure"),
    "IStepState": "StepState",
    "IPipelineJob": "PipelineJob",
    "IPipelineGraph": ("GET /pipelines/graph",),
    "IPipelineStep": ("GET /pipelines/graph", "steps", "[]"),
    "ILastRun": ("GET /pipelines/graph", "last_run"),
    "IRun": "Run",
    "IRunFull": "Run",
    "IArtifact": "Artifact",
    "ISource": "Source",
    "IGitState": "GitState",
    "IDataset": "Dataset",
    "IDatasetVersion": "DatasetVersion",
    "IDatasetProfile": "DatasetProfile",
    "IColumnProfile": "ColumnProfile",
    "IDriftReport": "DriftReport",
    "IDriftResult": "DriftResult",
    "IEvaluationDetails": "EvaluationDetails",
    "IEvaluationSlice": "EvaluationSlice",
    "IEvaluationCheck": "EvaluationCheck",
}

# String literals the lab adds to a server enum for its own display: a step that neither the
# last run nor a live job knows is "never run" (views/logic.ts mergeStepStates).
LAB_LITERALS: dict[str, set[str]] = {"IStepState.state": {"never run"}}

# Schema fields an interface leaves out on purpose (the lab never reads them); any other field
# the schema documents must be in the interface too.
UNREAD: dict[str, set[str]] = {
    # The registry route sends them; only the version view reads them (IModelVersionDetail).
    "IModelVersion": {"signature", "tags", "model_digest", "meta_digest", "artifact_path",
                      "environment_digest"},
    "IModelVersionDetail": {"model_digest", "meta_digest", "artifact_path",
                            "environment_digest"},
    # What a node's detail could show besides its label; the graph reads none of it yet.
    "ILineageNode": {"newest", "aliases", "experiment", "created_at", "model"},
    "IGitState": {"diff_digest", "remote"},
    # GET datasets/{name} sends each version's profile summary; the views read the one that
    # GET datasets/{name}/versions/{version} sends beside the version (IDatasetProfile).
    "IDatasetVersion": {"profile"},
    # GET drift/{report_id}'s counts; the Drift view reads the same counts in `details`.
    "IDriftReport": {"tested_count", "drifted_count"},
    "IEvaluationDetails": {"baseline_slices"},
}


# Interfaces that are no response body: what the lab sends or keeps for itself.
NOT_RESPONSES = {"IRunsQuery"}

# What ts.TypeChecker sees of every exported interface, as JSON: each property's optionality
# and type, the type as kinds (string, number, boolean, array, object, any), nullability,
# string literals, array items, map values, and an inline object's own properties.
DUMP = r"""
const ts = require(process.argv[2]);
const files = process.argv.slice(3);
const program = ts.createProgram(files, {strict: true, noEmit: true, skipLibCheck: true,
                                         target: ts.ScriptTarget.ES2020, types: []});
const errors = ts.getPreEmitDiagnostics(program)
  .filter(d => d.category === ts.DiagnosticCategory.Error);
if (errors.length) {
  process.stderr.write(ts.formatDiagnostics(errors, {getCanonicalFileName: f => f,
    getCurrentDirectory: () => '.', getNewLine: () => '\n'}));
  process.exit(2);
}
const checker = program.getTypeChecker();
const F = ts.TypeFlags;
const named = new Set();

function kindOf(t) {
  if (t.flags & (F.Any | F.Unknown)) return 'any';
  if (t.flags & (F.String | F.StringLiteral | F.TemplateLiteral)) return 'string';
  if (t.flags & (F.Number | F.NumberLiteral)) return 'number';
  if (t.flags & (F.Boolean | F.BooleanLiteral)) return 'boolean';
  if (checker.isArrayType(t) || checker.isTupleType(t)) return 'array';
  if (t.flags & F.Object) return 'object';
  return 'unsupported ' + checker.typeToString(t);
}

function describe(t, depth) {
  const members = t.isUnion() ? t.types : [t];
  const rest = members.filter(m => !(m.flags & (F.Null | F.Undefined)));
  const d = {text: checker.typeToString(t, undefined, ts.TypeFormatFlags.NoTruncation),
             nullable: members.some(m => m.flags & F.Null),
             kinds: [...new Set(rest.map(kindOf))].sort()};
  const strings = rest.filter(m => m.flags & (F.String | F.StringLiteral));
  if (strings.length && strings.every(m => m.flags & F.StringLiteral)) {
    d.literals = strings.map(m => m.value).sort();
  }
  if (depth > 8) return d;
  const arrays = rest.filter(m => checker.isArrayType(m));
  if (arrays.length === 1) d.items = describe(checker.getTypeArguments(arrays[0])[0], depth + 1);
  const objects = rest.filter(m => kindOf(m) === 'object');
  if (objects.length === 1) {
    const o = objects[0];
    if (o.symbol && named.has(o.symbol.getName())) {
      d.ref = o.symbol.getName();
    } else {
      const index = checker.getIndexInfoOfType(o, ts.IndexKind.String);
      if (index) d.values = describe(index.type, depth + 1);
      if (checker.getPropertiesOfType(o).length) d.props = properties(o, depth + 1);
    }
  }
  return d;
}

function properties(type, depth) {
  const result = {};
  for (const prop of checker.getPropertiesOfType(type)) {
    const where = prop.valueDeclaration || prop.declarations[0];
    const d = describe(checker.getTypeOfSymbolAtLocation(prop, where), depth);
    d.optional = Boolean(prop.flags & ts.SymbolFlags.Optional);
    d.declared = (prop.parent ? prop.parent.getName() : '?') + '.' + prop.getName();
    result[prop.getName()] = d;
  }
  return result;
}

const found = [];
for (const file of files) {
  ts.forEachChild(program.getSourceFile(file), node => {
    if (ts.isInterfaceDeclaration(node)) {
      named.add(node.name.text);
      found.push(node);
    }
  });
}
const out = {};
for (const node of found) {
  out[node.name.text] = properties(checker.getTypeAtLocation(node.name), 0);
}
process.stdout.write(JSON.stringify(out));
"""


@cache
def interfaces() -> dict[str, dict[str, Any]]:
    """Every interface of SOURCES: property -> what the TypeScript checker says of it."""
    typescript = LAB / "node_modules" / "typescript"
    node = shutil.which("node")
    if node is None or not (typescript / "package.json").is_file():
        pytest.skip("needs node and labextension/node_modules/typescript (jlpm install)")
    done = subprocess.run(
        [node, "-", str(typescript), *(str(LAB / s) for s in SOURCES)], input=DUMP,
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@cache
def spec() -> dict[str, Any]:
    return load_spec()


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its $ref followed and its allOf parts merged into one object schema."""
    while "$ref" in schema:
        schema = spec()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if "allOf" not in schema:
        return schema
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    for part in map(resolve, schema["allOf"]):
        merged.setdefault("type", part.get("type"))
        merged["properties"] = {**merged.get("properties", {}), **part.get("properties", {})}
        merged["required"] = [*merged.get("required", []), *part.get("required", [])]
    return merged


def locate(where: str | tuple[str, ...]) -> dict[str, Any]:
    """The schema MAPPING names by ``where``."""
    first, *steps = (where,) if isinstance(where, str) else where
    if first.startswith("#") or " " not in first:
        schema = resolve({"$ref": first.lstrip("#")})
    else:
        verb, path = first.split(" ", 1)
        responses = spec()["paths"][path][verb.lower()]["responses"]
        status = min(code for code in responses if code.startswith("2"))
        schema = resolve(responses[status]["content"]["application/json"]["schema"])
    for step in steps:
        if step == "[]":
            schema = resolve(schema["items"])
        elif step == "{}":
            schema = resolve(schema["additionalProperties"])
        else:
            schema = resolve(schema["properties"][step])
    return schema


def schema_kinds(schema: dict[str, Any]) -> tuple[set[str], set[str] | None]:
    """The JSON kinds a schema allows (integer counts as number) and its string enum, if any."""
    schema = resolve(schema)
    if "oneOf" in schema or "anyOf" in schema:
        kinds: set[str] = set()
        literals: set[str] | None = set()
        for part in schema.get("oneOf") or schema["anyOf"]:
            more, enum = schema_kinds(part)
            kinds |= more
            if "string" in more:
                literals = None if enum is None or literals is None else literals | enum
        return kinds, literals or None
    kind = schema.get("type")
    if kind is None:
        return {"any"}, None
    enum = set(schema["enum"]) if kind == "string" and "enum" in schema else None
    return {"number" if kind == "integer" else kind}, enum


def compare(ts: dict[str, Any], schema: dict[str, Any], where: str, seen: frozenset[str],
            problems: list[str]) -> None:
    """What differs between one TypeScript type and the schema of the same JSON value."""
    schema = resolve(schema)
    kinds, enum = schema_kinds(schema)
    ts_kinds = set(ts["kinds"])
    if "any" not in kinds and "any" not in ts_kinds and ts_kinds != kinds:
        problems.append(f"{where}: TypeScript {ts['text']!r} is {sorted(ts_kinds)}, "
                        f"the schema says {sorted(kinds)}")
        return
    if ts["nullable"] != bool(schema.get("nullable")):
        problems.append(f"{where}: TypeScript {ts['text']!r} "
                        f"{'allows' if ts['nullable'] else 'does not allow'} null, the schema "
                        f"{'does' if schema.get('nullable') else 'does not'}")
    if enum is not None and "literals" in ts \
            and set(ts["literals"]) - LAB_LITERALS.get(ts.get("declared", ""), set()) != enum:
        problems.append(f"{where}: TypeScript allows {sorted(ts['literals'])}, the schema's "
                        f"enum is {sorted(enum)}")
    if "items" in ts and "items" in schema:
        compare(ts["items"], schema["items"], f"{where}[]", seen, problems)
    if "values" in ts and isinstance(schema.get("additionalProperties"), dict):
        compare(ts["values"], schema["additionalProperties"], f"{where}{{}}", seen, problems)
    props, unread = ts.get("props"), set()
    if "ref" in ts and ts["ref"] not in seen:
        props, unread = interfaces()[ts["ref"]], UNREAD.get(ts["ref"], set())
        seen = seen | {ts["ref"]}
    if props is not None and "properties" in schema:
        compare_properties(props, schema, where, seen, problems, unread)


def compare_properties(props: dict[str, Any], schema: dict[str, Any], where: str,
                       seen: frozenset[str], problems: list[str], unread: set[str]) -> None:
    """Both ways: every field of one side is on the other, required ones not optional."""
    fields = schema["properties"]
    for name in sorted(set(props) - set(fields)):
        problems.append(f"{where}.{name}: in TypeScript, not in the schema")
    for name in sorted(set(fields) - set(props) - unread):
        problems.append(f"{where}.{name}: in the schema, not in TypeScript")
    for name in sorted(set(schema.get("required", ())) - set(props) - unread):
        problems.append(f"{where}.{name}: required by the schema, not in TypeScript")
    for name in sorted(set(props) & set(fields)):
        if props[name]["optional"] and name in schema.get("required", ()):
            problems.append(f"{where}.{name}: optional in TypeScript, required by the schema")
        compare(props[name], fields[name], f"{where}.{name}", seen, problems)


def test_every_interface_is_mapped_or_no_response():
    found = set(interfaces())
    assert found - set(MAPPING) - NOT_RESPONSES == set(), "map the new interface in MAPPING"
    assert set(MAPPING) | NOT_RESPONSES <= found, "an interface named is gone"
    assert set(UNREAD) <= set(MAPPING)


@pytest.mark.parametrize("interface", sorted(MAPPING))
def test_interface_agrees_with_its_schema(interface: str):
    """Fields, optionality, kinds, null and enums agree, down into nested interfaces."""
    schema = locate(MAPPING[interface])
    assert schema.get("properties"), f"{MAPPING[interface]} lists no properties to compare"
    problems: list[str] = []
    compare_properties(interfaces()[interface], schema, interface, frozenset({interface}),
                       problems, UNREAD.get(interface, set()))
    assert not problems, "\n".join(problems)


def test_the_check_catches_a_field_on_one_side_only():
    """The comparison itself: a field added to either side alone is reported."""
    schema = {"type": "object", "required": ["a"],
              "properties": {"a": {"type": "string"}, "b": {"type": "integer", "nullable": True}}}
    same = {"a": {"text": "string", "kinds": ["string"], "nullable": False, "optional": False},
            "b": {"text": "number | null", "kinds": ["number"], "nullable": True,
                  "optional": True}}
    problems: list[str] = []
    compare_properties(same, schema, "I", frozenset(), problems, set())
    assert problems == []
    extra = {**same, "c": same["a"]}
    compare_properties(extra, schema, "I", frozenset(), problems, set())
    assert problems == ["I.c: in TypeScript, not in the schema"]
    problems.clear()
    compare_properties({"b": same["b"]}, schema, "I", frozenset(), problems, set())
    assert problems == ["I.a: in the schema, not in TypeScript",
                        "I.a: required by the schema, not in TypeScript"]
    problems.clear()
    compare_properties({**same, "b": {**same["b"], "nullable": False}}, schema, "I",
                       frozenset(), problems, set())
    assert problems == ["I.b: TypeScript 'number | null' does not allow null, the schema does"]
