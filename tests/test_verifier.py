"""Verifier: exact LsRM numbers, modes, the trace JSON contract, runtime errors, Program."""
from __future__ import annotations

import json
import math
import pickle

import pytest

import lsr_dsl
from lsr_dsl.verifier.program import Program, Result
from lsr_dsl.verifier.nodes import ThenV


def c(tag: str) -> str:
    """An atom that passes iff the response contains ``<tag>``."""
    return f'contains("<{tag}>")'


def text(*tags: str) -> str:
    return " ".join(f"<{t}>" for t in tags) or "nothing"


def score(src: str, *tags: str, **kw) -> float:
    return lsr_dsl.compile(src, **kw).score(text(*tags))


A, B, C, D, X, Y = (c(t) for t in "ABCDXY")


# ---------------------------------------------------------------------------
# exact LsRM numbers


@pytest.mark.parametrize(
    "tags,expected",
    [(("A", "B", "C"), 1.0), (("A", "B"), 2 / 3), (("C",), 1 / 3), ((), 0.0)],
)
def test_and_is_the_mean(tags, expected):
    assert score(f"{A} AND {B} AND {C}", *tags) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    "tags,expected",
    [
        (("A", "B", "C"), 1.0),
        (("B", "C"), (0 + 0.5 + 0.5) / 3),  # r = [0,1,1] → r' = [0, .5·1, .5·1]: only failures decay
        (("A", "C"), (1 + 0 + 0.5) / 3),  # r = [1,0,1] → r' = [1, 0, .5]
        (("A", "B"), 2 / 3),  # a failure at the end decays nothing
        (("C",), (0 + 0 + 0.25) / 3),  # r = [0,0,1] → r'_3 = .5·.5
        ((), 0.0),
    ],
)
def test_then_default_gamma_half(tags, expected):
    assert score(f"{A} THEN {B} THEN {C}", *tags) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("gamma", [0.1, 0.7, 0.9, 1.0])
def test_then_with_explicit_gamma(gamma):
    src = f"{A} THEN[gamma={gamma}] {B} THEN[gamma={gamma}] {C}"
    assert score(src, "B", "C") == pytest.approx((0 + gamma + gamma) / 3, abs=1e-12)
    assert score(src, "C") == pytest.approx(gamma**2 / 3, abs=1e-12)
    assert score(src, "A", "C") == pytest.approx((1 + 0 + gamma) / 3, abs=1e-12)


def test_gamma_one_makes_then_an_and():
    assert score(f"{A} THEN[gamma=1] {B} THEN[gamma=1] {C}", "B", "C") == pytest.approx(2 / 3)


def test_gamma_from_setting_meta_and_argument():
    body = f"{A} THEN {B}"
    assert score("set gamma = 0.25\n" + body, "B") == pytest.approx(0.125)
    assert score(f"spec s {{ gamma: 0.8\n {body} }}", "B") == pytest.approx(0.4)
    # the spec's own field beats the file setting
    assert score(f"set gamma = 0.25\nspec s {{ gamma: 0.8\n {body} }}", "B") == pytest.approx(0.4)
    # compile(gamma=…) beats both …
    assert score(f"set gamma = 0.25\nspec s {{ gamma: 0.8\n {body} }}", "B", gamma=0.6) == pytest.approx(0.3)
    # … but not a chain's own THEN[gamma=…]
    assert score(f"{A} THEN[gamma=0.9] {B}", "B", gamma=0.2) == pytest.approx(0.45)


def test_partial_child_scores_decay_fractionally():
    # r = [0.5, 1] → r'_2 = 1 · 0.5^(1−0.5) = √0.5
    src = f"({A} AND {B}) THEN {C}"
    assert score(src, "A", "C") == pytest.approx((0.5 + math.sqrt(0.5)) / 2, abs=1e-12)


def test_nested_then_inside_and():
    # AND(A, THEN(B, C)) with A ok, B fails, C ok: (1 + (0 + .5)/2) / 2
    src = f"{A} AND ({B} THEN {C})"
    assert score(src, "A", "C") == pytest.approx((1 + 0.25) / 2, abs=1e-12)


def test_grouping_changes_the_score():
    flat = score(f"{A} AND {B} AND {C}", "A")
    grouped = score(f"({A} AND {B}) AND {C}", "A")
    assert flat == pytest.approx(1 / 3)
    assert grouped == pytest.approx(0.25)


@pytest.mark.parametrize(
    "tags,expected",
    [
        (("X", "A"), 1.0),  # condition holds, THEN passes
        (("X", "B"), 0.0),  # condition holds, THEN fails: ELSE is not consulted
        (("B",), 1.0),  # condition fails, ELSE passes
        (("A",), 0.0),  # condition fails, ELSE fails
    ],
)
def test_if_else(tags, expected):
    assert score(f"IF {X} THEN {A} ELSE {B}", *tags) == expected


def test_if_without_else_scores_one_when_condition_fails():
    src = f"IF {X} THEN {A}"
    assert score(src) == 1.0
    assert score(src, "X") == 0.0
    assert score(src, "X", "A") == 1.0


def test_condition_must_fully_hold():
    src = f"IF {X} AND {Y} THEN {A} ELSE {B}"
    assert score(src, "X", "B") == 1.0  # condition scores 0.5: not held → ELSE
    assert score(src, "X", "Y", "B") == 0.0


def test_condition_earns_nothing():
    # the condition passing adds nothing: THEN half-satisfied gives 0.5, not more
    assert score(f"IF {X} THEN {A} AND {B}", "X", "A") == 0.5


def test_if_inside_then_chain():
    # A THEN (IF X THEN B ELSE C) THEN D, with A failing, X holding, B ok, D ok
    src = f"{A} THEN IF {X} THEN {B} ELSE {C} THEN {D}"
    assert score(src, "X", "B", "D") == pytest.approx((0 + 0.5 + 0.5) / 3, abs=1e-12)
    # … and with the IF's branch failing too: r = [0, 0, 1]
    assert score(src, "X", "C", "D") == pytest.approx((0 + 0 + 0.25) / 3, abs=1e-12)
    # the inactive branch never matters
    assert score(src, "X", "B", "C", "D") == score(src, "X", "B", "D")


def test_then_combine_static():
    assert ThenV.combine([1, 0, 1], 0.5) == pytest.approx(0.5)
    assert ThenV.combine([0, 1, 1], 0.5) == pytest.approx(1 / 3)
    assert ThenV.combine([0, 0, 1], 0.5) == pytest.approx(0.25 / 3)
    assert ThenV.combine([0.5, 1], 0.5) == pytest.approx((0.5 + math.sqrt(0.5)) / 2)
    assert ThenV.combine([1], 0.3) == 1.0
    assert ThenV.combine([0.2, 0.4], 1.0) == pytest.approx(0.3)


# ---------------------------------------------------------------------------
# modes

SEQ = f"{A} THEN {B} THEN {C}"


def test_modes_differ_when_the_first_step_fails():
    t = text("B", "C")
    lsrm = lsr_dsl.compile(SEQ, mode="lsrm").score(t)
    flat = lsr_dsl.compile(SEQ, mode="flat").score(t)
    strict = lsr_dsl.compile(SEQ, mode="strict").score(t)
    assert lsrm == pytest.approx(1 / 3)
    assert flat == pytest.approx(2 / 3)
    assert strict == 0.0
    assert len({lsrm, flat, strict}) == 3


def test_modes_agree_when_everything_passes():
    t = text("A", "B", "C")
    assert {lsr_dsl.compile(SEQ, mode=m).score(t) for m in ("lsrm", "flat", "strict")} == {1.0}


def test_flat_and_strict_exclude_conditions_and_inactive_branches():
    src = f"IF {X} THEN {A} AND {B} ELSE {C}"
    assert score(src, "X", "A", mode="flat") == 0.5
    assert score(src, "X", "A", mode="strict") == 0.0
    assert score(src, "C", mode="flat") == 1.0  # condition failed, only ELSE counts
    assert score(src, "C", mode="strict") == 1.0
    # IF without ELSE whose condition fails: no active leaf → 1
    assert score(f"IF {X} THEN {A}", mode="flat") == 1.0
    assert score(f"IF {X} THEN {A}", mode="strict") == 1.0


def test_mode_from_setting_meta_and_argument():
    t = ("B", "C")
    assert score('set mode = "flat"\n' + SEQ, *t) == pytest.approx(2 / 3)
    assert score(f'spec s {{ mode: "strict"\n {SEQ} }}', *t) == 0.0
    assert score(f'set mode = "flat"\nspec s {{ mode: "strict"\n {SEQ} }}', *t) == 0.0
    assert score('set mode = "flat"\n' + SEQ, *t, mode="lsrm") == pytest.approx(1 / 3)
    assert lsr_dsl.compile('set mode = "flat"\n' + SEQ).mode == "flat"


def test_bad_mode_or_gamma_argument():
    with pytest.raises(lsr_dsl.LsrError, match="unknown mode"):
        lsr_dsl.compile("no_comma", mode="fuzzy")
    with pytest.raises(lsr_dsl.LsrError, match=r"gamma must be in \[0, 1\]"):
        lsr_dsl.compile("no_comma", gamma=-0.5)
    assert lsr_dsl.compile("no_comma", gamma=0).gamma == 0.0  # γ = 0 is the paper's lower end


# ---------------------------------------------------------------------------
# trace JSON contract


def _nodes(node):
    yield node
    for k in node.get("children", ()):
        yield from _nodes(k)


def test_trace_contract_top_level():
    r = lsr_dsl.compile(SEQ).evaluate(text("B", "C"))
    d = json.loads(r.to_json())
    assert {"score", "mode", "root"} <= set(d)
    assert d["score"] == pytest.approx(1 / 3) and d["mode"] == "lsrm" and d["spec"] == "main"
    assert "errors" not in d
    root = d["root"]
    assert root["kind"] == "then" and root["gamma"] == 0.5
    assert root["score"] == pytest.approx(1 / 3)
    assert root["span"] == {"line": 1, "column": 1, "end_line": 1, "end_column": len(SEQ) + 1}
    assert [k["passed"] for k in root["children"]] == [False, True, True]


def test_trace_contract_nodes():
    src = f"{A} AND (IF {X} THEN ({B} THEN[gamma=0.7] {C}) ELSE {D})"
    r = lsr_dsl.compile(src).evaluate(text("A", "X", "C"))
    root = r.trace
    for n in _nodes(root):
        assert {"kind", "score", "span"} <= set(n), n
        assert n["kind"] in ("atom", "and", "then", "if")
        if n["kind"] == "atom":
            assert {"name", "passed", "reason"} <= set(n)
            assert isinstance(n["reason"], str)
        else:
            assert isinstance(n["children"], list)
        if n["kind"] == "then":
            assert "gamma" in n
    assert root["kind"] == "and"
    if_node = root["children"][1]
    assert if_node["kind"] == "if"
    cond, then, els = if_node["children"]
    assert cond["role"] == "condition" and cond["holds"] is True and cond["passed"] is True
    assert then["role"] == "then" and then["active"] is True
    assert then["kind"] == "then" and then["gamma"] == 0.7
    assert then["score"] == pytest.approx((0 + 0.7) / 2)
    assert els["role"] == "else" and els["active"] is False
    assert els["score"] is None and els["passed"] is None
    assert r.score == pytest.approx((1 + 0.35) / 2)


def test_trace_inactive_subtree_has_null_scores():
    src = f"IF {X} THEN ({A} AND {B}) ELSE {C}"
    r = lsr_dsl.compile(src).evaluate(text("C"))
    cond, then, els = r.trace["children"]
    assert cond["holds"] is False and cond["score"] == 0.0
    assert then["active"] is False and then["score"] is None
    assert all(k["score"] is None and k["passed"] is None for k in then["children"])
    assert els["active"] is True and els["score"] == 1.0


def test_trace_if_without_else_has_two_children():
    r = lsr_dsl.compile(f"IF {X} THEN {A}").evaluate("plain")
    assert [k["role"] for k in r.trace["children"]] == ["condition", "then"]
    assert r.trace["score"] == 1.0


def test_trace_scores_follow_the_mode():
    r = lsr_dsl.compile(SEQ, mode="flat").evaluate(text("B", "C"))
    assert r.mode == "flat" and r.trace["score"] == pytest.approx(2 / 3)
    assert r.to_dict()["mode"] == "flat"


def test_result_atoms():
    src = f"{A} THEN IF {X} THEN {B} ELSE {C}"
    r = lsr_dsl.compile(src).evaluate(text("A", "C"))
    atoms = r.atoms()
    assert [a["label"] for a in atoms] == [A, X, B, C]
    assert [a["condition"] for a in atoms] == [False, True, False, False]
    assert [a["active"] for a in atoms] == [True, True, False, True]
    assert [a["passed"] for a in atoms] == [True, False, None, True]
    assert all(a["name"] == "contains" for a in atoms)


def test_result_basics():
    r = lsr_dsl.compile(A).evaluate(text("A"))
    assert isinstance(r, Result) and r.passed and r.score == 1.0 and r.errors == []
    assert "Result(score=1.0000" in repr(r)
    assert not lsr_dsl.compile(A).evaluate("x").passed


# ---------------------------------------------------------------------------
# runtime errors are recorded, never raised

PROMPT_SPEC = f'IF prompt contains("code") THEN {A} ELSE {B}'


def test_prompt_condition_with_prompt():
    prog = lsr_dsl.compile(PROMPT_SPEC)
    r = prog.evaluate(text("A"), prompt="here is code")
    assert r.errors == [] and r.score == 1.0
    r = prog.evaluate(text("A"), prompt="plain words")
    assert r.errors == [] and r.score == 0.0
    assert r.trace["target"] == "prompt"
    assert r.trace["children"][0]["target"] == "prompt"


def test_prompt_condition_reads_the_prompt_not_the_response():
    prog = lsr_dsl.compile(PROMPT_SPEC)
    assert prog.score("code " + text("B"), prompt="nothing") == 1.0


def test_prompt_condition_without_prompt_records_an_error():
    r = lsr_dsl.compile(PROMPT_SPEC).evaluate(text("A"))
    assert isinstance(r.score, float) and 0.0 <= r.score <= 1.0
    assert len(r.errors) == 1
    err = r.errors[0]
    assert err["name"] == "contains" and "no prompt was given" in err["error"]
    assert err["span"]["line"] == 1
    assert r.to_dict()["errors"] == r.errors
    assert r.trace["children"][0]["error"] is True


@pytest.mark.parametrize("mode", ["lsrm", "flat", "strict"])
@pytest.mark.parametrize("tags", [("A",), ("B",), ("A", "B")])
def test_undecided_condition_scores_zero_and_picks_no_branch(mode, tags):
    """A condition a verifier error leaves undecided never silently picks a branch: the IF scores 0."""
    r = lsr_dsl.compile(PROMPT_SPEC, mode=mode).evaluate(text(*tags))
    assert r.score == 0.0
    cond, then, els = r.trace["children"]
    assert cond["holds"] is None
    assert then["active"] is False and els["active"] is False
    assert then["score"] is None and els["score"] is None
    # inside a larger spec only the IF loses its share
    r = lsr_dsl.compile(f"{C} AND ({PROMPT_SPEC})", mode=mode).evaluate(text("C", *tags))
    assert r.score == pytest.approx(0.0 if mode == "strict" else 0.5)
    assert len(r.errors) == 1


def test_soft_condition_without_judge_is_undecided():
    r = lsr_dsl.compile(f'IF tone("formal") THEN {A} ELSE {B}').evaluate(text("A", "B"))
    assert r.score == 0.0 and len(r.errors) == 1 and r.errors[0]["name"] == "tone"


def test_prompt_defaults_to_the_spec_prompt_field():
    src = f'spec s {{ prompt: "has code"\n {PROMPT_SPEC} }}'
    r = lsr_dsl.compile(src).evaluate(text("A"))
    assert r.errors == [] and r.score == 1.0
    # an explicit prompt wins
    assert lsr_dsl.compile(src).score(text("A"), prompt="none") == 0.0


def test_soft_constraint_without_judge_is_recorded():
    prog = lsr_dsl.compile(f'tone("formal") AND {A}')
    r = prog.evaluate(text("A"))
    assert r.score == pytest.approx(0.5)
    assert len(r.errors) == 1 and r.errors[0]["name"] == "tone"
    assert "no judge" in r.errors[0]["error"]
    assert prog.score(text("A")) == pytest.approx(0.5)


def test_bad_response_type_is_type_error():
    with pytest.raises(TypeError):
        lsr_dsl.compile(A).score(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        lsr_dsl.compile(A).score(b"x")  # type: ignore[arg-type]


def test_loose_mode_tries_variants():
    prog = lsr_dsl.compile('starts_with("Hello")')
    assert prog.score("**Hello** there") == 0.0
    assert prog.score("**Hello** there", loose=True) == 1.0


# ---------------------------------------------------------------------------
# Program


@pytest.mark.parametrize(
    "src,structure",
    [
        (A, "atom"),
        (f"({A})", "atom"),
        (f"{A} AND {B}", "and"),
        (f"{A} THEN {B}", "then"),
        (f"IF {X} THEN {A} ELSE {B}", "if"),
        (f"IF {X} AND {Y} THEN {A}", "if"),
        (f"{A} AND ({B} THEN {C})", "nested"),
        (f"{A} THEN IF {X} THEN {B}", "nested"),
        (f"IF {X} THEN {A} AND {B}", "nested"),
    ],
)
def test_program_structure(src, structure):
    assert lsr_dsl.compile(src).structure == structure


def test_tree_json():
    prog = lsr_dsl.compile(f"IF prompt {X} THEN {A} THEN[gamma=0.7] {B}")
    t = prog.tree_json()
    assert t["spec"] == "main" and t["mode"] == "lsrm" and t["gamma"] == 0.5 and t["structure"] == "nested"
    root = t["root"]
    assert root["kind"] == "then" and root["gamma"] == 0.7
    assert root["children"][0]["kind"] == "if" and root["children"][0]["target"] == "prompt"
    assert root["children"][0]["children"][0]["target"] == "prompt"


def test_compile_cache():
    lsr_dsl.clear_cache()
    a = lsr_dsl.compile(SEQ)
    assert lsr_dsl.compile(SEQ) is a
    assert lsr_dsl.compile(SEQ, mode="flat") is not a
    assert lsr_dsl.compile(SEQ, gamma=0.7) is not a
    lsr_dsl.clear_cache()
    b = lsr_dsl.compile(SEQ)
    assert b is not a
    assert b.score(text("B")) == a.score(text("B"))


def test_program_pickles():
    prog = lsr_dsl.compile(f'set gamma = 0.3\nspec s {{ prompt: "code"\n {PROMPT_SPEC} THEN {C} }}', mode="flat")
    back = pickle.loads(pickle.dumps(prog))
    assert isinstance(back, Program)
    assert (back.name, back.mode, back.gamma) == (prog.name, prog.mode, prog.gamma)
    for t in (text("A", "C"), text("B"), "x"):
        assert back.score(t) == prog.score(t)
    assert back.evaluate(text("A")).to_dict() == prog.evaluate(text("A")).to_dict()


def test_program_from_json_pickles():
    doc = lsr_dsl.parse(SEQ).to_json()
    prog = lsr_dsl.compile_any(doc, gamma=0.7)
    back = pickle.loads(pickle.dumps(prog))
    assert back.score(text("B", "C")) == prog.score(text("B", "C")) == pytest.approx((0 + 0.7 + 0.7) / 3)


def test_compile_all_and_spec_choice():
    src = f"spec one {{ {A} }}\nspec two {{ {B} }}"
    progs = lsr_dsl.compile_all(src)
    assert set(progs) == {"one", "two"}
    assert progs["two"].score(text("B")) == 1.0
    assert lsr_dsl.compile(src, spec="one").name == "one"
    with pytest.raises(lsr_dsl.LsrError, match="several specs"):
        lsr_dsl.compile(src)
    with pytest.raises(lsr_dsl.LsrError, match="did you mean 'one'"):
        lsr_dsl.compile(src, spec="onee")
