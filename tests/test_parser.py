"""Parser: every construct, precedence, spans and syntax errors."""
from __future__ import annotations

import pytest

from lsr_dsl import ast, parse
from lsr_dsl.language.errors import LsrError, LsrSyntaxError
from lsr_dsl.language.parser import parse_with_comments


def expr(src: str):
    """The expression of the single (bare) spec of ``src``."""
    m = parse(src)
    assert len(m.specs) == 1
    return m.specs[0].expr


def atom(name, *args, compare=None, called=None, **kwargs):
    """An Atom as the parser should build it."""
    a = tuple(ast.Arg(value=v) for v in args) + tuple(ast.Arg(name=k, value=v) for k, v in kwargs.items())
    cmp = ast.Comparison(op=compare[0], value=compare[1]) if compare else None
    return ast.Atom(name=name, args=a, compare=cmp, called=bool(a) if called is None else called)


def arg_value(src: str):
    """The value of the single positional argument of ``contains(...)``."""
    e = expr(f"contains({src})")
    assert isinstance(e, ast.Atom) and len(e.args) == 1
    return e.args[0].value


# ---------------------------------------------------------------------------
# atoms and literals


def test_bare_name_is_atom_without_call():
    e = expr("no_comma")
    assert e == ast.Atom(name="no_comma")
    assert e.called is False and e.args == ()


def test_empty_call_is_kept():
    e = expr("no_comma()")
    assert e.called is True and e.args == ()
    assert e != ast.Atom(name="no_comma")


def test_positional_and_keyword_args():
    e = expr('contains("x", whole_word=true, case_sensitive=false)')
    assert e == atom("contains", "x", whole_word=True, case_sensitive=False)
    assert [a.name for a in e.args] == [None, "whole_word", "case_sensitive"]


def test_trailing_comma_in_call():
    assert expr('contains("x",)') == atom("contains", "x")


def test_ifeval_ids_are_names():
    assert expr("punctuation:no_comma") == ast.Atom(name="punctuation:no_comma")
    e = expr('keywords:letter_frequency(letter="z") >= 2')
    assert e.name == "keywords:letter_frequency"
    assert e.compare == ast.Comparison(op=">=", value=2)


@pytest.mark.parametrize("op", [">=", "<=", "==", "!=", ">", "<"])
def test_comparison_operators(op):
    assert expr(f"words {op} 30") == atom("words", compare=(op, 30))


def test_comparison_after_call():
    assert expr('count("AI") >= 3') == atom("count", "AI", compare=(">=", 3))


@pytest.mark.parametrize(
    "src,value",
    [
        ('"plain"', "plain"),
        ("'single'", "single"),
        (r'"a\"b"', 'a"b'),
        (r"'it\'s'", "it's"),
        (r'"tab\there"', "tab\there"),
        (r'"nl\nx"', "nl\nx"),
        (r'"cr\rx"', "cr\rx"),
        (r'"nul\0x"', "nul\0x"),
        (r'"back\\slash"', "back\\slash"),
        (r'"\u00e9t\u00C9"', "étÉ"),
        ('"unicode: é 日本 🎉"', "unicode: é 日本 🎉"),
        ('""', ""),
        ('"""triple"""', "triple"),
        ('"""two\nlines"""', "two\nlines"),
        ('"""has "quotes" inside"""', 'has "quotes" inside'),
        ('"""joined \\\nline"""', "joined line"),
        ('"# not a comment"', "# not a comment"),
    ],
)
def test_string_literals(src, value):
    assert arg_value(src) == value


@pytest.mark.parametrize(
    "src,value",
    [
        ("0", 0),
        ("42", 42),
        ("-7", -7),
        ("+3", 3),
        ("2.5", 2.5),
        (".5", 0.5),
        ("5.", 5.0),
        ("1e3", 1000.0),
        ("-1.5E-2", -0.015),
    ],
)
def test_number_literals(src, value):
    v = arg_value(src)
    assert v == value and type(v) is type(value)


def test_constant_literals():
    assert arg_value("true") is True
    assert arg_value("false") is False
    assert arg_value("null") is None


def test_list_and_dict_literals():
    assert arg_value("[]") == []
    assert arg_value('[1, "a", [true, null],]') == [1, "a", [True, None]]
    assert arg_value("{}") == {}
    assert arg_value('{"a": 1, \'b\': [2.5, {"c": false}],}') == {"a": 1, "b": [2.5, {"c": False}]}


def test_comparison_value_kinds():
    assert expr("words >= 1.5").compare.value == 1.5
    assert expr("words == 0").compare.value == 0


# ---------------------------------------------------------------------------
# composition


def test_and_is_nary():
    e = expr("a AND b AND c")
    assert isinstance(e, ast.And)
    assert [c.name for c in e.children] == ["a", "b", "c"]


def test_then_is_nary_with_default_gamma():
    e = expr("a THEN b THEN c")
    assert isinstance(e, ast.Then)
    assert [c.name for c in e.children] == ["a", "b", "c"]
    assert e.gamma is None


@pytest.mark.parametrize("op", ["THEN[gamma=0.7]", "THEN[0.7]", "THEN [ gamma = 0.7 ]"])
def test_then_gamma(op):
    e = expr(f"a {op} b {op} c")
    assert isinstance(e, ast.Then) and e.gamma == 0.7 and len(e.children) == 3


def test_then_gamma_must_agree_within_a_chain():
    with pytest.raises(LsrSyntaxError, match="one THEN chain has one decay") as ei:
        parse("a THEN[gamma=0.7] b THEN c")
    assert (ei.value.line, ei.value.column) == (1, 21)
    # parenthesised parts may have their own decay
    e = expr("a THEN[gamma=0.7] (b THEN c)")
    assert e.gamma == 0.7 and isinstance(e.children[1], ast.Group)
    assert e.children[1].expr.gamma is None


def test_if_then_else():
    e = expr("IF c THEN a ELSE b")
    assert isinstance(e, ast.If)
    assert (e.condition.name, e.then.name, e.else_.name) == ("c", "a", "b")
    assert e.target == "response" and e.explicit_target is False


def test_if_without_else():
    e = expr("IF c THEN a")
    assert isinstance(e, ast.If) and e.else_ is None


def test_if_prompt_and_explicit_response():
    e = expr("IF prompt code_blocks >= 1 THEN a ELSE b")
    assert e.target == "prompt" and e.explicit_target is True
    assert e.condition == atom("code_blocks", compare=(">=", 1))
    e = expr("IF response c THEN a")
    assert e.target == "response" and e.explicit_target is True
    assert e != expr("IF c THEN a")


def test_else_if_chain():
    e = expr("IF a THEN x ELSE IF b THEN y ELSE z")
    assert isinstance(e.else_, ast.If)
    assert (e.else_.condition.name, e.else_.then.name, e.else_.else_.name) == ("b", "y", "z")


def test_group_is_kept():
    e = expr("(a AND b)")
    assert isinstance(e, ast.Group) and isinstance(e.expr, ast.And)


# ---------------------------------------------------------------------------
# precedence


def test_if_inside_then_chain_is_one_step():
    e = expr("a THEN IF c THEN x ELSE y THEN z")
    assert isinstance(e, ast.Then)
    assert len(e.children) == 3
    first, mid, last = e.children
    assert first.name == "a" and last.name == "z"
    assert isinstance(mid, ast.If)
    assert (mid.condition.name, mid.then.name, mid.else_.name) == ("c", "x", "y")


def test_if_branches_are_and_level():
    e = expr("IF c AND d THEN a AND b ELSE x AND y")
    assert isinstance(e, ast.If)
    assert isinstance(e.condition, ast.And) and len(e.condition.children) == 2
    assert isinstance(e.then, ast.And) and [c.name for c in e.then.children] == ["a", "b"]
    assert isinstance(e.else_, ast.And) and [c.name for c in e.else_.children] == ["x", "y"]


def test_then_after_else_continues_the_outer_chain():
    e = expr("IF c THEN a ELSE b THEN z")
    assert isinstance(e, ast.Then) and len(e.children) == 2
    assert isinstance(e.children[0], ast.If) and e.children[1].name == "z"


def test_and_binds_tighter_than_then():
    e = expr("a AND b THEN c AND d")
    assert isinstance(e, ast.Then) and len(e.children) == 2
    assert all(isinstance(c, ast.And) for c in e.children)


def test_parenthesised_and_differs_from_flat_and():
    grouped = expr("(a AND b) AND c")
    flat = expr("a AND b AND c")
    assert grouped != flat
    assert isinstance(grouped, ast.And) and len(grouped.children) == 2
    assert isinstance(grouped.children[0], ast.Group)
    assert len(flat.children) == 3


def test_then_inside_if_branch_needs_parentheses():
    e = expr("IF c THEN (a THEN b) ELSE d")
    assert isinstance(e.then, ast.Group) and isinstance(e.then.expr, ast.Then)


# ---------------------------------------------------------------------------
# file structure


def test_bare_expression_becomes_spec_main():
    m = parse("no_comma")
    assert m.bare is True
    assert [s.name for s in m.specs] == ["main"]
    assert m.settings == () and m.definitions == ()


def test_settings_definitions_and_specs():
    src = """
set gamma = 0.7
set mode = "flat"
let concise = words <= 100 AND no_comma
let polite = starts_with("Hello")
spec one {
  id: "1"
  prompt: \"\"\"Say hi.\"\"\"
  tags: ["a", "b"]
  concise THEN polite
}
spec two { lowercase }
"""
    m = parse(src)
    assert m.bare is False
    assert [(s.name, s.value) for s in m.settings] == [("gamma", 0.7), ("mode", "flat")]
    assert m.setting("mode") == "flat" and m.setting("nope", 3) == 3
    assert [d.name for d in m.definitions] == ["concise", "polite"]
    assert isinstance(m.definitions[0].expr, ast.And)
    assert [s.name for s in m.specs] == ["one", "two"]
    one = m.spec("one")
    assert [(x.key, x.value) for x in one.meta] == [("id", "1"), ("prompt", "Say hi."), ("tags", ["a", "b"])]
    assert one.meta_value("prompt") == "Say hi."
    assert isinstance(one.expr, ast.Then)
    assert m.spec("two").expr == ast.Atom(name="lowercase")
    assert m.spec("three") is None


def test_definitions_only_file_parses():
    m = parse("let x = no_comma")
    assert m.specs == () and len(m.definitions) == 1


def test_comments_are_ignored_and_collected():
    src = "# head\nno_comma # after\n  # indented\nAND lowercase\n"
    m, comments = parse_with_comments(src)
    assert m == parse("no_comma AND lowercase")
    assert comments == [(1, "# head"), (2, "# after"), (3, "# indented")]
    # a second parse does not leak comments from the first
    assert parse_with_comments("no_comma")[1] == []


def test_keywords_are_case_sensitive_names_are_not_keywords():
    # 'prompt' and 'response' are only keywords right after IF
    assert expr("prompt_words") == ast.Atom(name="prompt_words")


# ---------------------------------------------------------------------------
# spans


def test_spans_of_nodes():
    m = parse("no_comma AND\n  words >= 3", file="s.lsr")
    e = m.specs[0].expr
    assert (e.span.line, e.span.column) == (1, 1)
    assert (e.span.end_line, e.span.end_column) == (2, 13)
    a, w = e.children
    assert (a.span.line, a.span.column, a.span.end_column) == (1, 1, 9)
    assert (w.span.line, w.span.column) == (2, 3)
    assert (w.compare.span.line, w.compare.span.column) == (2, 9)
    assert w.span.file == "s.lsr"


def test_spans_inside_spec_and_args():
    src = 'spec s {\n  id: "x"\n  contains("a", whole_word=true)\n}\n'
    m = parse(src)
    spec = m.specs[0]
    assert (spec.span.line, spec.span.column) == (1, 1)
    assert (spec.meta[0].span.line, spec.meta[0].span.column) == (2, 3)
    c = spec.expr
    assert (c.span.line, c.span.column) == (3, 3)
    assert (c.args[1].span.line, c.args[1].span.column) == (3, 17)


def test_equality_ignores_spans():
    assert parse("no_comma AND words>=3") == parse("no_comma\n   AND   words >= 3\n")
    assert hash(parse("a AND b")) == hash(parse("a   AND\nb"))


# ---------------------------------------------------------------------------
# syntax errors


def syntax_error(src: str, file=None) -> LsrSyntaxError:
    with pytest.raises(LsrSyntaxError) as ei:
        parse(src, file=file)
    return ei.value


def test_syntax_error_is_lsr_error():
    assert issubclass(LsrSyntaxError, LsrError)
    with pytest.raises(LsrError):
        parse("no_comma AND")


@pytest.mark.parametrize("src", ["AND", "no_comma AND AND", "no_comma THEN ELSE", "IF AND THEN ELSE", "spec IF { no_comma }"])
def test_keywords_are_never_names(src):
    with pytest.raises(LsrSyntaxError):
        parse(src)


def test_lowercase_keyword_hint():
    e = syntax_error("no_comma and words >= 3")
    assert (e.line, e.column) == (1, 10)
    d = e.diagnostics[0]
    assert "'and'" in d.message
    assert d.hint == "keywords are written in capitals: AND"


def test_caret_rendering():
    e = syntax_error("no_comma and words >= 3", file="x.lsr")
    lines = e.render().splitlines()
    assert lines[0].startswith("x.lsr:1:10: error: unexpected 'and'")
    assert lines[1] == "    no_comma and words >= 3"
    assert lines[2] == "    " + " " * 9 + "^^^"
    assert lines[3] == "  hint: keywords are written in capitals: AND"
    assert str(e).startswith("x.lsr:1:10: ")


def test_missing_then_hint():
    e = syntax_error("IF no_comma words >= 3")
    assert (e.line, e.column) == (1, 13)
    assert "expected THEN" in e.diagnostics[0].message
    assert "IF needs THEN" in e.diagnostics[0].hint


def test_dangling_and_hint():
    e = syntax_error("no_comma AND")
    assert e.line == 1
    assert "end of file" in e.diagnostics[0].message
    assert e.diagnostics[0].hint == "AND must be followed by an expression"


def test_dangling_then_on_next_line():
    e = syntax_error("no_comma THEN\n")
    assert e.diagnostics[0].hint == "THEN must be followed by an expression"


def test_single_equals_hint():
    e = syntax_error("words = 3")
    assert (e.line, e.column) == (1, 7)
    assert "==" in e.diagnostics[0].hint


def test_else_after_chain_hint():
    e = syntax_error("IF a THEN b THEN c ELSE d")
    assert (e.line, e.column) == (1, 20)
    assert "keyword ELSE" in e.diagnostics[0].message
    assert "needs parentheses" in e.diagnostics[0].hint


def test_if_inside_and_hint():
    e = syntax_error("a AND IF b THEN c")
    assert "parentheses" in e.diagnostics[0].hint


def test_unclosed_string_hint():
    e = syntax_error('no_comma AND contains("abc)\n')
    assert (e.line, e.column) == (1, 23)
    assert "string is not closed" in e.diagnostics[0].hint


def test_unclosed_paren_hint():
    e = syntax_error("(no_comma AND words >= 3")
    assert e.line == 1
    assert "expected ')'" in e.diagnostics[0].message
    assert e.diagnostics[0].hint == "a '(' is not closed"


def test_unclosed_spec_block():
    e = syntax_error("spec s {\n  no_comma\n")
    assert "'}'" in e.diagnostics[0].message


@pytest.mark.parametrize("ch,hint", [("&", "use AND"), ("|", "no OR"), ("!", "no NOT")])
def test_foreign_operator_hints(ch, hint):
    e = syntax_error(f"a {ch}{ch} b")
    assert e.column == 3
    assert hint in e.diagnostics[0].hint


def test_missing_operator_hint():
    e = syntax_error("no_comma lowercase")
    assert e.diagnostics[0].hint == "join constraints with AND or THEN"


def test_bad_escape_points_into_the_string():
    e = syntax_error(r'contains("a\q")')
    assert (e.line, e.column) == (1, 12)
    assert "unknown escape" in str(e)
    e = syntax_error(r'contains("\u12")')
    assert "four hex digits" in str(e)


def test_empty_file_is_an_error():
    e = syntax_error("   # only a comment\n")
    assert "no spec" in str(e)


def test_several_errors_are_collected():
    src = "no_comma no_comma\nwords >= 3 words\nlowercase lowercase\n"
    e = syntax_error(src)
    assert len(e.errors) == 3
    assert [d.line for d in e.diagnostics] == [1, 2, 3]
    assert "(and 2 more errors)" in str(e)
    rendered = e.render()
    assert rendered.count("error:") == 3


def test_non_string_source_is_type_error():
    with pytest.raises(TypeError):
        parse(b"no_comma")  # type: ignore[arg-type]


def test_bare_group_after_definition():
    m = parse("let x = no_comma\n(lowercase AND x)")
    assert isinstance(m.specs[0].expr, ast.Group)
