"""Inputs built to exhaust the compiler get a clear LsrError, never a RecursionError or a hang."""
import time

import pytest

import lsr_dsl
from lsr_dsl.compiler.checker import MAX_ATOMS, MAX_DEFINITION_CHAIN
from lsr_dsl.language.errors import LsrCheckError, LsrSyntaxError
from lsr_dsl.language.parser import MAX_NESTING


def test_parentheses_nested_past_the_limit_are_a_syntax_error():
    src = "(" * 3000 + "no_comma" + ")" * 3000
    with pytest.raises(LsrSyntaxError) as e:
        lsr_dsl.compile(src)
    assert f"more than {MAX_NESTING} levels" in str(e.value)
    assert e.value.line == 1


def test_nesting_just_inside_the_limit_compiles_and_scores():
    src = "(" * (MAX_NESTING - 1) + "no_comma" + ")" * (MAX_NESTING - 1)
    assert lsr_dsl.compile(src).score("a b") == 1.0


def test_nested_ifs_past_the_limit():
    s = "no_comma"
    for i in range(80):
        s = f"IF no_comma THEN ({s}) ELSE words >= {i}"
    with pytest.raises(LsrSyntaxError):
        lsr_dsl.compile(s)


def test_nested_lists_past_the_limit():
    with pytest.raises(LsrSyntaxError):
        lsr_dsl.compile("keywords(" + "[" * 200 + '"a"' + "]" * 200 + ")")


def test_long_definition_chains_are_refused():
    lines = ["let a0 = no_comma"] + [f"let a{i} = (a{i - 1})" for i in range(1, 2000)] + ["a1999"]
    with pytest.raises(LsrCheckError) as e:
        lsr_dsl.compile("\n".join(lines))
    assert f"more than {MAX_DEFINITION_CHAIN} levels" in str(e.value)


def test_exponential_expansion_is_refused_quickly():
    lines = ["let a0 = no_comma"] + [f"let a{i} = a{i - 1} AND a{i - 1}" for i in range(1, 20)] + ["a19"]
    t0 = time.perf_counter()
    with pytest.raises(LsrCheckError) as e:
        lsr_dsl.compile("\n".join(lines))
    assert time.perf_counter() - t0 < 5
    assert f"at most {MAX_ATOMS}" in str(e.value)


def test_a_large_shared_expansion_within_bounds_scores():
    lines = ["let a0 = no_comma"] + [f"let a{i} = a{i - 1} AND a{i - 1}" for i in range(1, 11)] + ["a10"]
    prog = lsr_dsl.compile("\n".join(lines))
    assert prog.score("no commas here") == 1.0
    assert prog.score("one, two") == 0.0


def test_long_source_lines_are_shown_as_a_window_around_the_caret():
    src = " AND ".join(["no_comma"] * 100) + " AND wrds >= 3"
    with pytest.raises(LsrCheckError) as e:
        lsr_dsl.compile(src)
    text = e.value.render()
    shown, caret = text.splitlines()[1:3]
    assert len(shown) < 120 and shown.strip().startswith("…")
    assert shown[caret.index("^"):].startswith("wrds")
