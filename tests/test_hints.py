"""Friendly errors for the mistakes new users make (found in a first-user walkthrough)."""
import pytest

import lsr_dsl
from lsr_dsl.cli import main
from lsr_dsl.language.errors import LsrError, LsrSyntaxError


def hint_of(src):
    with pytest.raises(LsrError) as e:
        lsr_dsl.compile(src, file="t.lsr")
    return e.value.diagnostics[0].hint or ""


@pytest.mark.parametrize(
    "src,hint",
    [
        ('if contains("x") then no_comma', "capitals: IF"),
        ("words => 3", "did you mean '>='?"),
        ("words =< 3", "did you mean '<='?"),
        ("NOT no_comma", "no NOT"),
        ("no_comma OR lowercase", "no OR"),
        ('spec s { prompt: """abc\n no_comma }', 'a """ string is not closed'),
        ("contains(x)", 'strings need quotes: "x"'),
        ("a THEN[gamma=0.5 lowercase", "close the decay with ]"),
        ("IF no_comma ELSE lowercase", "needs THEN before ELSE"),
        ("let x = no_comma\nset gamma = 0.5\nx", "settings come first"),
        ("IF a THEN b THEN c ELSE d", "needs parentheses"),
        ("no_comma (3)", "no space"),
    ],
)
def test_hints(src, hint):
    assert hint in hint_of(src)


def test_byte_order_mark_is_ignored(tmp_path):
    f = tmp_path / "bom.lsr"
    f.write_bytes("\ufeffno_comma AND wrds".encode("utf-8"))
    with pytest.raises(LsrError) as e:
        lsr_dsl.load(f)
    assert (e.value.line, e.value.column) == (1, 14)  # columns as the user sees them


def test_messages_without_spans_name_the_file(tmp_path):
    f = tmp_path / "nospans.json"
    f.write_text('{"kind": "and", "children": [{"kind": "atom", "name": "wrds"}]}')
    with pytest.raises(LsrError) as e:
        lsr_dsl.load(f)
    assert e.value.render().startswith(f"{f}: error: unknown constraint 'wrds'")
    g = tmp_path / "bad.json"
    g.write_text('{"kind": "module", "specs": [{"name": "m"}]}')
    with pytest.raises(LsrError) as e:
        lsr_dsl.load(g)
    assert e.value.render() == f"{g}: error: specs[0].expr: Field required"


def test_stdin_for_compile_and_fmt(monkeypatch, capsys):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"no_comma   AND words>=2")))
    assert main(["fmt", "-"]) == 0
    assert capsys.readouterr().out == "no_comma AND words >= 2\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"no_comma")))
    assert main(["compile", "-"]) == 0
    assert "ok: <stdin>" in capsys.readouterr().err


def test_fmt_prints_ast_json_as_source_and_refuses_to_check_it(tmp_path, capsys):
    f = tmp_path / "a.json"
    f.write_text('{"kind": "atom", "name": "no_comma"}')
    assert main(["fmt", str(f)]) == 0
    assert capsys.readouterr().out == "no_comma\n"
    assert main(["fmt", "--check", str(f)]) == 2


def test_unknown_family_and_missing_files(capsys, tmp_path):
    assert main(["constraints", "--family", "ifevl"]) == 2
    assert "did you mean 'ifeval'" in capsys.readouterr().err
    assert main(["check", "examples/specs/parallel.lsr", str(tmp_path)]) == 2
    assert "is a directory, not a file" in capsys.readouterr().err
    with pytest.raises(LsrError, match="no such file"):
        lsr_dsl.compile_any("examples/specs/nope.lsr")


def test_unsatisfiable_condition_is_reported_once():
    prog = lsr_dsl.compile("IF words >= 5 AND words < 3 THEN no_comma")
    assert len(prog.warnings) == 1 and "unreachable" in prog.warnings[0].message


def test_constraint_defaults_show_values(capsys):
    assert main(["constraints", "count"]) == 0
    assert "default '>='" in capsys.readouterr().out
