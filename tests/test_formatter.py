"""Formatter: canonical output, comments, idempotence, wrapping."""
from __future__ import annotations

import pytest

import lsr_dsl
from lsr_dsl import parse
from lsr_dsl.language.formatter import WIDTH, format_module, format_string, format_value

from conftest import GOLDEN_DIR, example_specs


def fmt(src: str) -> str:
    return lsr_dsl.fmt(src)


@pytest.mark.parametrize(
    "src,canonical",
    [
        ("no_comma", "no_comma"),
        ("no_comma()", "no_comma()"),
        ("words>=3", "words >= 3"),
        ("words   !=   3", "words != 3"),
        ("  no_comma  # c\n", "# c\nno_comma"),
    ],
)
def test_atoms(src, canonical):
    assert fmt(src) == canonical + "\n"


@pytest.mark.parametrize(
    "src,canonical",
    [
        ("contains( 'x' ,whole_word = true )", 'contains("x", whole_word=true)'),
        ("contains('a\"b')", 'contains("a\\"b")'),
        ('contains("x",)', 'contains("x")'),
        ('count( "AI" )>=3', 'count("AI") >= 3'),
        ("punctuation:no_comma", "punctuation:no_comma"),
        ("json_schema({'a' : [1,2.5,true,null,false], \"b\":{}})", 'json_schema({"a": [1, 2.5, true, null, false], "b": {}})'),
        ("words >= 1e3", "words >= 1000.0"),
        ("chars < .5", "chars < 0.5"),
        ("chars != -2", "chars != -2"),
        ('contains("tab\\there\\u00e9 \\\\")', 'contains("tab\\there\u00e9 \\\\")'),
        ('contains("ctl\\u0001")', 'contains("ctl\\u0001")'),
    ],
)
def test_arguments_and_literals(src, canonical):
    assert fmt(src) == canonical + "\n"


def test_multiline_string_becomes_triple_quoted():
    out = fmt('contains("line1\\nline2")')
    assert out == 'contains("""line1\nline2""")\n'
    assert parse(out) == parse('contains("line1\\nline2")')


def test_multiline_string_ending_with_quote_stays_escaped():
    out = fmt('contains("a\\nb\\"")')
    assert out == 'contains("a\\nb\\"")\n'


@pytest.mark.parametrize(
    "src,canonical",
    [
        ("a  AND b AND   c", "a AND b AND c"),
        ("a THEN b", "a THEN b"),
        ("a THEN[0.7] b THEN [ gamma = 0.7 ] c", "a THEN[gamma=0.7] b THEN[gamma=0.7] c"),
        ("a THEN[gamma=1] b", "a THEN[gamma=1.0] b"),
        ("IF c THEN a", "IF c THEN a"),
        ("IF c THEN a ELSE b", "IF c THEN a ELSE b"),
        ("IF prompt c THEN a ELSE b", "IF prompt c THEN a ELSE b"),
        ("IF response c THEN a", "IF response c THEN a"),
        ("IF a THEN x ELSE IF b THEN y ELSE z", "IF a THEN x ELSE IF b THEN y ELSE z"),
        ("( a AND b ) AND c", "(a AND b) AND c"),
        ("IF c THEN ( a THEN b ) ELSE d", "IF c THEN (a THEN b) ELSE d"),
        ("a THEN IF c THEN x ELSE y THEN z", "a THEN IF c THEN x ELSE y THEN z"),
        ("a AND b THEN c", "a AND b THEN c"),
    ],
)
def test_composition(src, canonical):
    assert fmt(src) == canonical + "\n"


def test_file_layout_order_and_blank_lines():
    src = (
        "set gamma=0.7\nset mode='flat'\n"
        "let x=no_comma\nlet y = lowercase\n"
        "spec s {id:1 tags:['a',\"b\",] x THEN y}\n"
        "spec t { prompt: '''p''' lowercase }\n".replace("'''p'''", '"p"')
    )
    assert fmt(src) == (
        "set gamma = 0.7\n"
        'set mode = "flat"\n'
        "\n"
        "let x = no_comma\n"
        "\n"
        "let y = lowercase\n"
        "\n"
        "spec s {\n"
        "  id: 1\n"
        '  tags: ["a", "b"]\n'
        "  x THEN y\n"
        "}\n"
        "\n"
        "spec t {\n"
        '  prompt: "p"\n'
        "  lowercase\n"
        "}\n"
    )


def test_comments_are_kept():
    src = "# head\nset gamma = 0.7\n# about x\nlet x = no_comma # trailing\nspec s { # inner\n  x\n}\n# end\n"
    out = fmt(src)
    for c in ("# head", "# about x", "# trailing", "# inner", "# end"):
        assert c in out
    # each comment stays before the item it belongs to
    assert out.index("# head") < out.index("set gamma")
    assert out.index("# about x") < out.index("let x")
    assert out.index("# inner") < out.index("spec s")
    assert out.rstrip().endswith("# end")
    assert parse(out) == parse(src)
    assert fmt(out) == out


def test_comment_hash_inside_string_is_not_a_comment():
    out = fmt('contains("# not a comment")')
    assert out == 'contains("# not a comment")\n'


def _long_chain(op: str, n: int = 5) -> str:
    return f" {op} ".join(f'contains("phrase number {i} which is fairly long")' for i in range(n))


@pytest.mark.parametrize("op", ["THEN", "AND", "THEN[gamma=0.7]"])
def test_long_chains_wrap_before_each_operator(op):
    out = fmt(_long_chain(op))
    lines = out.rstrip("\n").split("\n")
    assert len(lines) == 5
    assert all(len(l) <= WIDTH for l in lines)
    assert all(l.startswith(op + " ") for l in lines[1:])
    assert parse(out) == parse(_long_chain(op))


def test_long_chain_in_spec_and_let_is_indented():
    out = fmt("let x = " + _long_chain("THEN") + "\nspec s {\n" + _long_chain("AND") + "\n}\n")
    lines = out.split("\n")
    assert lines[0] == "let x ="
    assert lines[1].startswith("  contains(") and lines[2].startswith("  THEN contains(")
    i = lines.index("spec s {")
    assert lines[i + 1].startswith("  contains(") and lines[i + 2].startswith("  AND contains(")
    assert fmt(out) == out


def test_short_chain_stays_on_one_line():
    src = " THEN ".join(f'contains("p{i}")' for i in range(4))
    assert fmt(src) == src + "\n"


def test_format_module_without_comments_from_ast():
    m = parse("spec s { no_comma }")
    assert format_module(m) == "spec s {\n  no_comma\n}\n"
    assert lsr_dsl.dumps(m) == format_module(m)


def test_bare_main_spec_with_explicit_name():
    # an explicit spec called main is not turned into a bare expression
    assert fmt("spec main { no_comma }") == "spec main {\n  no_comma\n}\n"


def test_format_value_rejects_non_literals():
    with pytest.raises(ValueError):
        format_value(float("nan"))
    with pytest.raises(ValueError):
        format_value(object())


@pytest.mark.parametrize("value", ["", "a\"b'c", "back\\slash", "\n", 'x"""y\nz', "\u2028", "\x7f", "🎉\n\t", "ends with quote\""])
def test_format_string_decodes_back(value):
    assert parse(f"contains({format_string(value)})").specs[0].expr.args[0].value == value


def _files():
    return example_specs() + sorted((GOLDEN_DIR / "inputs").glob("*.lsr"))


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_idempotent_on_files(path):
    src = path.read_text(encoding="utf-8")
    once = fmt(src)
    assert fmt(once) == once
    assert parse(once) == parse(src)
    # comments survive
    assert once.count("#") >= sum(1 for l in src.splitlines() if l.lstrip().startswith("#"))


@pytest.mark.parametrize("where", ["let", "spec", "bare"])
def test_wrapping_never_changes_multiline_strings(where):
    chain = " THEN ".join(['contains("""first\nsecond line""")'] + [f'contains("phrase number {i} which is long")' for i in range(4)])
    src = {"let": f"let x = {chain}\nx", "spec": f"spec s {{\n{chain}\n}}", "bare": chain}[where]
    out = fmt(src)
    assert parse(out) == parse(src)
    assert "\nsecond line" in out
    assert fmt(out) == out


def test_let_line_fits_width_exactly():
    body = 'starts_with("Dea") THEN[gamma=0.7] contains("thank", case_sensitive=false)'
    line = f"let opening = {body}"
    assert len(line) == WIDTH
    assert fmt(line + "\nopening") == line + "\n\nopening\n"
    longer = line.replace("Dea", "Dear")
    assert fmt(longer + "\nopening").startswith("let opening =\n  starts_with")
