"""The public Python API (lsr_dsl.*): loads/load/dumps/fmt/compile*/errors."""
from __future__ import annotations

import json

import pytest

import lsr_dsl
from lsr_dsl import LsrCheckError, LsrError, LsrSchemaError, LsrSyntaxError

from conftest import SPECS_DIR

SRC = "no_comma AND words >= 3"


def test_public_names():
    for name in lsr_dsl.__all__:
        assert hasattr(lsr_dsl, name), name
    assert lsr_dsl.__version__
    for err in (LsrSyntaxError, LsrCheckError, LsrSchemaError, lsr_dsl.LsrRuntimeError):
        assert issubclass(err, LsrError)


def test_docstring_example():
    assert lsr_dsl.compile("no_comma AND words >= 3").score("one two three four") == 1.0


def test_loads_source_and_json():
    m = lsr_dsl.loads(SRC)
    assert isinstance(m, lsr_dsl.Module)
    assert lsr_dsl.loads(json.dumps(m.to_json())) == m
    assert lsr_dsl.loads("  \n" + json.dumps(m.to_json())) == m


def test_dumps_and_fmt():
    m = lsr_dsl.loads("no_comma   AND words>=3")
    assert lsr_dsl.dumps(m) == SRC + "\n"
    assert lsr_dsl.fmt("# c\nno_comma   AND words>=3") == "# c\n" + SRC + "\n"


def test_load_files(tmp_path):
    p = tmp_path / "s.lsr"
    p.write_text(SRC, encoding="utf-8")
    prog = lsr_dsl.load(p)
    assert prog.file == str(p) and prog.score("a b c") == 1.0
    j = tmp_path / "s.json"
    j.write_text(json.dumps(lsr_dsl.loads(SRC).to_json()), encoding="utf-8")
    assert lsr_dsl.load(j).score("a, b c") == 0.5
    assert lsr_dsl.load_module(j) == lsr_dsl.loads(SRC, file=str(j))
    assert lsr_dsl.load(SPECS_DIR / "figure1.lsr").name == "figure1"


def test_load_errors(tmp_path):
    with pytest.raises(LsrError, match="no such file"):
        lsr_dsl.load(tmp_path / "missing.lsr")
    with pytest.raises(LsrError, match="is a directory"):
        lsr_dsl.load(tmp_path)
    bad = tmp_path / "bad.lsr"
    bad.write_bytes(b"no_comma \xff\xfe")
    with pytest.raises(LsrError, match="not UTF-8"):
        lsr_dsl.load(bad)


def test_errors_name_the_file(tmp_path):
    p = tmp_path / "broken.lsr"
    p.write_text("no_comma\nAND no_coma\n", encoding="utf-8")
    with pytest.raises(LsrCheckError) as ei:
        lsr_dsl.load(p)
    assert str(ei.value).startswith(f"{p}:2:5: ")
    assert (ei.value.line, ei.value.column) == (2, 5)


def test_compile_any(tmp_path):
    doc = lsr_dsl.loads(SRC).to_json()
    assert lsr_dsl.compile_any(SRC).score("a b c") == 1.0
    assert lsr_dsl.compile_any(doc).score("a b c") == 1.0
    assert lsr_dsl.compile_any(json.dumps(doc)).score("a b c") == 1.0
    p = tmp_path / "x.lsr"
    p.write_text(SRC, encoding="utf-8")
    assert lsr_dsl.compile_any(str(p)).file == str(p)
    assert lsr_dsl.compile_any(SRC, mode="strict").score("a, b c") == 0.0
    with pytest.raises(LsrError):
        lsr_dsl.compile_any(42)  # type: ignore[arg-type]
    with pytest.raises(LsrSchemaError):
        lsr_dsl.compile_any({"kind": "atom"})


def test_compile_rejects_non_string():
    with pytest.raises(TypeError):
        lsr_dsl.compile(None)  # type: ignore[arg-type]


def test_compile_raises_only_lsr_errors_with_positions():
    with pytest.raises(LsrSyntaxError) as ei:
        lsr_dsl.compile("no_comma\n  and lowercase")
    assert (ei.value.line, ei.value.column) == (2, 3)
    with pytest.raises(LsrCheckError) as ei:
        lsr_dsl.compile("no_comma AND nope")
    assert (ei.value.line, ei.value.column) == (1, 14)


def test_definitions_only_file_has_no_spec():
    with pytest.raises(LsrError, match="defines no spec"):
        lsr_dsl.compile("let x = no_comma")
