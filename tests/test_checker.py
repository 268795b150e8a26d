"""Checker: binding errors (all collected), settings/meta validation, warnings."""
from __future__ import annotations

from typing import List

import pytest

import lsr_dsl
from lsr_dsl import parse
from lsr_dsl.compiler.checker import check
from lsr_dsl.language.errors import Diagnostic, LsrCheckError, LsrError


def check_error(src: str) -> LsrCheckError:
    with pytest.raises(LsrCheckError) as ei:
        lsr_dsl.compile(src)
    assert isinstance(ei.value, LsrError)
    return ei.value


def one_error(src: str) -> Diagnostic:
    e = check_error(src)
    assert len(e.errors) == 1, e.render()
    return e.errors[0]


def warnings(src: str) -> List[Diagnostic]:
    return list(check(parse(src), source=src).warnings)


# ---------------------------------------------------------------------------
# names


def test_unknown_constraint_did_you_mean():
    d = one_error("words >= 3 AND no_coma")
    assert d.message == "unknown constraint 'no_coma'"
    assert d.hint == "did you mean 'no_comma'?"
    assert (d.line, d.column) == (1, 16)
    assert d.span.end_column == 16 + len("no_coma")


def test_unknown_constraint_without_close_match():
    d = one_error("zzzzqqqq")
    assert "lsr constraints" in d.hint


def test_unknown_constraint_suggests_a_definition():
    d = one_error("let concise = words <= 10\nconcize")
    assert d.hint == "did you mean 'concise'?"


def test_alias_ids_resolve():
    assert lsr_dsl.compile("punctuation:no_comma").score("a b") == 1.0
    assert lsr_dsl.compile("punctuation:no_comma").score("a, b") == 0.0


def test_unknown_ifeval_id_suggests_constraint():
    d = one_error("punctuation:no_comas")
    assert "no_comma" in d.hint


# ---------------------------------------------------------------------------
# arguments


def test_missing_argument():
    d = one_error("contains()")
    assert d.message == "'contains' needs the argument 'phrase'"
    assert d.hint.startswith("usage: contains(")


def test_missing_count_suggests_comparison():
    d = one_error("words")
    assert "needs the argument 'num_words'" in d.message
    assert "words >= 3" in d.hint


def test_unknown_keyword_argument():
    d = one_error('contains("x", whole_wrd=true)')
    assert d.message == "'contains' has no parameter 'whole_wrd'"
    assert d.hint == "did you mean 'whole_word'?"
    assert d.column == 15


def test_too_many_positional_arguments():
    d = one_error('contains("x", "y")')
    assert "takes 1 positional argument" in d.message
    d = one_error('no_comma("x")')
    assert "takes no positional arguments" in d.message


def test_duplicate_argument():
    d = one_error('contains("a", phrase="b")')
    assert d.message == "parameter 'phrase' is given twice"
    assert d.column == 15


def test_positional_after_keyword():
    d = one_error('contains(whole_word=true, "a")')
    assert d.message == "a positional argument cannot follow a keyword argument"
    assert d.column == 27


def test_wrong_argument_type():
    d = one_error('contains("x", whole_word=1.5)')
    assert "bad value for 'whole_word' of 'contains'" in d.message
    assert d.column == 15


def test_comparison_on_non_counting_constraint():
    d = one_error("no_comma >= 3")
    assert d.message == "'no_comma' cannot be compared with >="
    assert d.column == 10


def test_comparison_and_argument_both_set_the_count():
    e = check_error('words(num_words=3, relation=">=") >= 4')
    assert len(e.errors) == 2
    assert all("both as an argument and by the comparison" in d.message for d in e.errors)


@pytest.mark.parametrize(
    "src,words",
    [
        ('letter_frequency(letter="#", let_frequency=2)', "single ASCII letter"),
        ('letter_frequency("ab", let_frequency=2)', "single ASCII letter"),
        ("words == 2.5", "must be an integer, not 2.5"),
        ("words(num_words=true)", "must be an integer, not true"),
        ('words(num_words="300")', "must be an integer, not '300'"),
        ("bullets(num_bullets=3.0)", "must be an integer, not 3.0"),
        ('contains("a", case_sensitive="no")', "must be true or false, not 'no'"),
        ('excludes("   ")', "must not be empty"),
        ('contains("")', "phrase"),
    ],
)
def test_invalid_values(src, words):
    d = one_error(src)
    assert d.message.startswith("bad value for ")
    assert words in d.message


@pytest.mark.parametrize("src,text", [('letter_frequency("z") >= 2', "zz top"), ("capital_words >= 1", "HELLO world")])
def test_comparison_on_prefixed_relation_constraints(src, text):
    """Comparison sugar sets the relation even where the parameter is let_relation/capital_relation."""
    prog = lsr_dsl.compile(src)
    assert prog.score(text) == 1.0
    assert prog.score(text.lower().replace("z", "")) == 0.0


def test_definition_takes_no_arguments():
    d = one_error("let x = no_comma\nx()")
    assert "is a definition; it takes no arguments" in d.message
    d = one_error("let x = no_comma\nx >= 2")
    assert "takes no arguments" in d.message


# ---------------------------------------------------------------------------
# settings, metadata, definitions, specs


def test_unknown_setting():
    d = one_error("set gammma = 0.5\nno_comma")
    assert d.message == "unknown setting 'gammma'"
    assert d.hint == "did you mean 'gamma'?"


@pytest.mark.parametrize(
    "setting,words",
    [
        ("set gamma = -0.1", "gamma must be in [0, 1]"),
        ("set gamma = 1.5", "gamma must be in [0, 1]"),
        ('set gamma = "x"', "must be a number"),
        ('set mode = "lsrn"', "unknown mode 'lsrn'"),
        ("set max_depth = 0", "max_depth must be a positive integer"),
        ("set gamma = 0.5\nset gamma = 0.6", "set twice"),
    ],
)
def test_bad_settings(setting, words):
    d = one_error(setting + "\nno_comma")
    assert words in d.message


def test_bad_mode_hint():
    d = one_error('set mode = "lsrn"\nno_comma')
    assert d.hint == "did you mean 'lsrm'?"


def test_unknown_meta_key():
    d = one_error('spec a {\n  idd: "x"\n  no_comma\n}')
    assert d.message == "unknown spec field 'idd'"
    assert d.hint == "did you mean 'id'?"
    assert d.line == 2


@pytest.mark.parametrize(
    "meta,words",
    [
        ("prompt: 3", "'prompt' must be a string"),
        ("id: 1.5", "'id' must be a string or an integer"),
        ('tags: "x"', "'tags' must be a list of strings"),
        ("gamma: 2", "gamma must be in [0, 1]"),
        ('mode: "soft"', "unknown mode"),
        ('id: "a"\n  id: "b"', "given twice"),
    ],
)
def test_bad_meta_values(meta, words):
    d = one_error("spec a {\n  " + meta + "\n  no_comma\n}")
    assert words in d.message


def test_bad_then_gamma():
    d = one_error("no_comma THEN[gamma=1.5] lowercase")
    assert "gamma must be in [0, 1]" in d.message


def test_duplicate_spec():
    d = one_error("spec a { no_comma }\nspec a { lowercase }")
    assert d.message == "spec 'a' is defined twice"
    assert d.line == 2


def test_duplicate_definition():
    d = one_error("let x = no_comma\nlet x = lowercase\nx")
    assert d.message == "'x' is defined twice"
    assert d.line == 2 and "line 1" in d.hint


def test_definition_cycle():
    e = check_error("let x = y AND no_comma\nlet y = x\nx")
    assert any("refers to itself" in d.message and "x → y → x" in d.message for d in e.errors)


def test_self_reference():
    d = one_error("let x = x THEN no_comma\nx")
    assert "refers to itself" in d.message


def test_definition_shadowing_a_constraint():
    d = one_error("let words = no_comma\nno_comma")
    assert d.message == "definition 'words' has the name of a constraint"


def test_errors_in_unused_definitions_are_reported():
    e = check_error("let unused = no_coma\nlowercase")
    assert any("no_coma" in d.message for d in e.errors)


def test_all_errors_in_a_file_are_collected():
    src = (
        "set gammma = 0.5\n"  # 1: unknown setting
        "let x = no_coma\n"  # 2: unknown constraint (in an unused definition)
        "spec a {\n"
        "  idd: 1\n"  # 4: unknown meta key
        "  lowercse AND words(foo=1) AND no_comma >= 2\n"  # 5: three errors
        "}\n"
        "spec b {\n"
        '  contains(whole_word=true, "a") THEN letter_frequency(letter="#", let_frequency=2)\n'  # 8: two errors
        "}\n"
        "spec a { no_comma }\n"  # 10: duplicate spec
    )
    e = check_error(src)
    assert len(e.errors) == 9, e.render()
    lines = [d.line for d in e.errors]
    assert lines == sorted(lines)
    assert set(lines) == {1, 2, 4, 5, 8, 10}
    assert "(and 8 more errors)" in str(e)
    assert e.render().count(": error: ") == 9


def test_error_render_has_caret_and_hint():
    e = check_error("words >= 3 AND no_coma")
    lines = e.render().splitlines()
    assert lines[0] == "<input>:1:16: error: unknown constraint 'no_coma'"
    assert lines[1] == "    words >= 3 AND no_coma"
    assert lines[2] == "    " + " " * 15 + "^" * 7
    assert lines[3] == "  hint: did you mean 'no_comma'?"


# ---------------------------------------------------------------------------
# warnings


def test_clean_spec_has_no_warnings():
    assert warnings("words >= 100 AND words <= 500 AND no_comma") == []
    assert lsr_dsl.compile("no_comma THEN lowercase").warnings == ()


@pytest.mark.parametrize(
    "src",
    [
        "words >= 500 AND words <= 100",
        "words > 10 AND words < 11",
        "words == 3 AND words == 4",
        "no_comma AND (words >= 500 THEN words < 500)",
    ],
)
def test_unsatisfiable_and(src):
    ws = warnings(src)
    assert len(ws) >= 1
    assert all(w.severity == "warning" for w in ws)
    assert "can never be fully satisfied" in ws[0].message


@pytest.mark.parametrize(
    "src",
    [
        "words >= 100 AND words <= 100",
        "words >= 10 AND chars <= 5",
        'count("a") >= 3 AND count("b") <= 1',
    ],
)
def test_satisfiable_bounds_do_not_warn(src):
    assert warnings(src) == []


def test_warnings_do_not_stop_compilation():
    prog = lsr_dsl.compile("words >= 500 AND words <= 100")
    assert len(prog.warnings) == 1
    assert prog.score("x") < 1.0


def test_repeated_condition_makes_else_unreachable():
    ws = warnings("IF no_comma THEN (IF no_comma THEN lowercase ELSE words >= 3) ELSE lowercase")
    assert len(ws) == 1
    assert "repeats an enclosing condition" in ws[0].message and "ELSE branch" in ws[0].message
    assert ws[0].column == 19


def test_repeated_condition_in_else_makes_then_unreachable():
    ws = warnings("IF no_comma THEN lowercase ELSE (IF no_comma THEN words >= 3)")
    assert len(ws) == 1 and "THEN branch is unreachable" in ws[0].message


def test_impossible_condition():
    ws = warnings("IF words >= 500 AND words <= 100 THEN lowercase")
    assert any("the condition can never hold" in w.message and "unreachable" in w.message for w in ws)


def test_different_conditions_do_not_warn():
    assert warnings("IF no_comma THEN (IF lowercase THEN words >= 3 ELSE chars <= 9)") == []
    # a prompt condition differs from the same response condition
    assert warnings("IF prompt no_comma THEN (IF no_comma THEN lowercase ELSE words >= 2)") == []


def test_nesting_beyond_max_depth():
    deep = "no_comma AND (lowercase THEN (IF no_comma THEN words >= 2))"
    ws = warnings("set max_depth = 2\n" + deep)
    assert len(ws) == 1
    assert "nests 3 levels deep (the limit is 2)" in ws[0].message
    assert warnings("set max_depth = 3\n" + deep) == []
    assert warnings(deep) == []  # default limit 8
    # groups do not add depth; the compile() override wins over the file
    assert len(lsr_dsl.compile(deep, max_depth=1).warnings) == 1


def test_unused_definition_warns():
    ws = warnings("let x = no_comma\nlowercase")
    assert [w.message for w in ws] == ["definition 'x' is never used"]


def test_check_error_carries_warnings_too():
    e = check_error("no_coma AND (words >= 5 AND words <= 1)")
    assert len(e.errors) == 1
    assert len(e.diagnostics) >= 1
