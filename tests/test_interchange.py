"""AST JSON interchange: round trip, JSON Schema, errors, docs/ast.schema.json."""
from __future__ import annotations

import json

import jsonschema
import pytest

import lsr_dsl
from lsr_dsl import ast, parse
from lsr_dsl.language.errors import LsrError, LsrSchemaError
from lsr_dsl.language.interchange import dumps_json, from_json, json_schema, to_json

from conftest import GOLDEN_DIR, ROOT, example_specs

FILES = example_specs() + sorted((GOLDEN_DIR / "inputs").glob("*.lsr"))

SNIPPETS = [
    "no_comma",
    'contains("x", whole_word=true) AND words >= 3',
    "a THEN[gamma=0.7] b THEN[gamma=0.7] c",
    "IF prompt code_blocks >= 1 THEN a ELSE b",
    "IF response c THEN a",
    "(a AND b) AND c",
    'json_schema({"a": [1, 2.5, true, null], "b": {}})',
    "set gamma = 0.5\nlet x = no_comma\nspec s { id: 3\n tags: [\"t\"]\n x }",
]


def validator():
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_round_trip_files(path):
    m = parse(path.read_text(encoding="utf-8"), file=path.name)
    doc = to_json(m)
    back = from_json(doc)
    assert back == m
    # spans survive the round trip too
    assert back.to_json(spans=True) == doc
    # and through JSON text
    assert from_json(dumps_json(m)) == m
    assert from_json(json.dumps(doc).encode()) == m


@pytest.mark.parametrize("src", SNIPPETS)
def test_round_trip_snippets_with_and_without_spans(src):
    m = parse(src)
    assert from_json(to_json(m, spans=False)) == m
    assert "span" not in json.dumps(to_json(m, spans=False))
    assert '"span"' in json.dumps(to_json(m, spans=True))


@pytest.mark.parametrize("src", SNIPPETS + [p.read_text(encoding="utf-8") for p in FILES])
def test_schema_validates_emitted_json(src):
    v = validator()
    m = parse(src)
    v.validate(to_json(m, spans=True))
    v.validate(to_json(m, spans=False))


def test_schema_rejects_bad_documents():
    v = validator()
    good = to_json(parse("no_comma AND words >= 3"), spans=False)
    v.validate(good)
    bad = json.loads(json.dumps(good))
    bad["specs"][0]["expr"]["kind"] = "or"
    with pytest.raises(jsonschema.ValidationError):
        v.validate(bad)
    bad = json.loads(json.dumps(good))
    bad["specs"][0]["expr"]["children"][1]["compare"]["op"] = "=~"
    with pytest.raises(jsonschema.ValidationError):
        v.validate(bad)
    bad = json.loads(json.dumps(good))
    bad["specs"][0]["extra"] = 1
    with pytest.raises(jsonschema.ValidationError):
        v.validate(bad)


def test_json_shape():
    doc = to_json(parse("IF prompt c THEN a ELSE b THEN[gamma=0.7] d"), spans=False)
    assert doc["kind"] == "module" and doc["lsr"] == ast.AST_VERSION
    assert doc["bare"] is True
    e = doc["specs"][0]["expr"]
    assert e["kind"] == "then" and e["gamma"] == 0.7
    i = e["children"][0]
    assert i["kind"] == "if" and i["target"] == "prompt"
    assert set(i) >= {"condition", "then", "else"}
    assert i["condition"] == {"kind": "atom", "name": "c", "args": [], "called": False}


def test_bare_expression_dict_is_accepted():
    m = from_json({"kind": "atom", "name": "no_comma"})
    assert m.bare is True and [s.name for s in m.specs] == ["main"]
    assert m == parse("no_comma")
    expr = to_json(parse("no_comma AND words >= 3"), spans=False)["specs"][0]["expr"]
    assert from_json(expr) == parse("no_comma AND words >= 3")
    # compiles straight from JSON text
    assert lsr_dsl.compile(json.dumps(expr)).score("one two three") == 1.0


def _schema_error(doc) -> LsrSchemaError:
    with pytest.raises(LsrSchemaError) as ei:
        from_json(doc)
    assert isinstance(ei.value, LsrError)
    return ei.value


def test_missing_field_is_named_by_path():
    e = _schema_error({"kind": "module", "specs": [{"kind": "spec", "name": "a", "expr": {"kind": "atom"}}]})
    assert "specs[0].expr" in str(e) and "name" in str(e)


def test_bad_child_kind_is_named_by_path():
    doc = {
        "kind": "module",
        "specs": [{"kind": "spec", "name": "a", "expr": {"kind": "and", "children": [{"kind": "atom", "name": "x"}, {"kind": "bogus"}]}}],
    }
    e = _schema_error(doc)
    assert "specs[0].expr.and.children[1]" in str(e)
    assert "bogus" in str(e)


def test_bad_value_type_is_named_by_path():
    doc = to_json(parse("words >= 3"), spans=False)
    doc["specs"][0]["expr"]["compare"]["op"] = "=~"
    e = _schema_error(doc)
    assert "compare.op" in str(e)


def test_unknown_field_is_rejected():
    doc = to_json(parse("no_comma"), spans=False)
    doc["specs"][0]["colour"] = "red"
    assert "colour" in str(_schema_error(doc))


def test_invalid_json_text_has_position():
    e = _schema_error('{"kind": "module",')
    assert "invalid JSON" in str(e)
    assert e.line == 1 and e.column is not None


@pytest.mark.parametrize(
    "doc,words",
    [
        ([1, 2], "must be an object"),
        ({"kind": "spec", "name": "x"}, "expected kind 'module'"),
        ({"kind": "module", "lsr": 99}, "version 99"),
        ("null", "must be an object"),
    ],
)
def test_other_bad_documents(doc, words):
    assert words in str(_schema_error(doc))


def test_file_name_in_errors():
    with pytest.raises(LsrSchemaError, match="data.json"):
        from_json({"kind": "module", "specs": [{"kind": "spec"}]}, file="data.json")


def test_loads_accepts_json_text():
    m = parse("no_comma THEN lowercase")
    assert lsr_dsl.loads(dumps_json(m)) == m


def test_docs_schema_is_up_to_date():
    path = ROOT / "docs" / "ast.schema.json"
    assert path.exists(), "create it: python -m lsr_dsl.interchange > docs/ast.schema.json"
    on_disk = json.loads(path.read_text(encoding="utf-8"))
    assert on_disk == json_schema(), "docs/ast.schema.json is stale: python -m lsr_dsl.interchange > docs/ast.schema.json"


def test_schema_header():
    s = json_schema()
    assert s["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "$defs" in s and s["$id"].endswith("ast-v1.json")


def test_schema_title():
    assert json_schema()["title"].startswith("lsr AST")
