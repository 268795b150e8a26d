"""Property-based tests (hypothesis): LsRM algebra, round trips, robustness."""
from __future__ import annotations

import math
import re
import string

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import lsr_dsl
from lsr_dsl import LsrError, ast, parse
from lsr_dsl.language.formatter import format_expr, format_module
from lsr_dsl.language.interchange import from_json, to_json
from lsr_dsl.verifier.nodes import ThenV

from conftest import example_specs

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MEDIUM = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
gammas = st.floats(min_value=0.01, max_value=1.0, allow_nan=False)

# ---------------------------------------------------------------------------
# a pool of real atoms whose verdicts the tests can steer

TAGS = [f"<t{i}>" for i in range(6)]
POOL_ATOMS = [f'contains("{t}")' for t in TAGS] + [
    "no_comma",
    "words >= 3",
    "words <= 6",
    'starts_with("<t0>")',
    'count("<t1>") >= 2',
]

responses = st.lists(st.sampled_from(TAGS + ["word", ",", "x", "<t1>"]), max_size=12).map(" ".join)


def prog(src: str):
    return lsr_dsl.compile(src)


# ---------------------------------------------------------------------------
# LsRM algebra


@FAST
@given(atom=st.sampled_from(POOL_ATOMS), n=st.integers(2, 5), text=responses, op=st.sampled_from(["AND"]))
def test_and_of_identical_children_equals_the_child(atom, n, text, op):
    same = f" {op} ".join([atom] * n)
    assert prog(same).score(text) == pytest.approx(prog(atom).score(text), abs=1e-12)


@FAST
@given(atoms=st.lists(st.sampled_from(TAGS), min_size=2, max_size=6), gamma=gammas, noise=responses)
def test_then_whose_children_all_pass_scores_one(atoms, gamma, noise):
    src = f" THEN[gamma={gamma!r}] ".join(f'contains("{t}")' for t in atoms)
    text = noise + " " + " ".join(atoms)
    assert prog(src).score(text) == 1.0


@MEDIUM
@given(scores=st.lists(unit, min_size=1, max_size=8))
def test_then_tends_to_and_as_gamma_tends_to_one(scores):
    mean = sum(scores) / len(scores)
    assert ThenV.combine(scores, 1.0) == pytest.approx(mean, abs=1e-12)
    previous = None
    for eps in (1e-1, 1e-2, 1e-4, 1e-6):
        gap = abs(ThenV.combine(scores, 1.0 - eps) - mean)
        # each step loses at most (1 − γ^(len)) of a unit score
        assert gap <= 1.0 - (1.0 - eps) ** len(scores) + 1e-12
        if previous is not None:
            assert gap <= previous + 1e-12
        previous = gap


@MEDIUM
@given(scores=st.lists(unit, min_size=1, max_size=8), g1=gammas, g2=gammas)
def test_then_is_monotone_in_gamma_and_bounded_by_and(scores, g1, g2):
    lo, hi = sorted((g1, g2))
    assert ThenV.combine(scores, lo) <= ThenV.combine(scores, hi) + 1e-12
    assert 0.0 <= ThenV.combine(scores, lo) <= sum(scores) / len(scores) + 1e-12


@FAST
@given(n=st.integers(2, 6), data=st.data(), gamma=gammas)
def test_then_compiled_tends_to_and(n, data, gamma):
    passing = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    text = " ".join(t for t, ok in zip(TAGS, passing) if ok) or "none"
    chain_one = " THEN[gamma=1.0] ".join(f'contains("{t}")' for t in TAGS[:n])
    conj = " AND ".join(f'contains("{t}")' for t in TAGS[:n])
    assert prog(chain_one).score(text) == pytest.approx(prog(conj).score(text), abs=1e-12)
    chain = f" THEN[gamma={gamma!r}] ".join(f'contains("{t}")' for t in TAGS[:n])
    assert prog(chain).score(text) <= prog(conj).score(text) + 1e-12


@MEDIUM
@given(n=st.integers(2, 8), data=st.data(), failure=st.floats(0.0, 0.999, allow_nan=False), gamma=st.floats(0.01, 0.99))
def test_early_failure_never_scores_higher_than_late(n, data, failure, gamma):
    i = data.draw(st.integers(0, n - 2))
    j = data.draw(st.integers(i + 1, n - 1))
    early = [1.0] * n
    late = [1.0] * n
    early[i] = failure
    late[j] = failure
    assert ThenV.combine(early, gamma) <= ThenV.combine(late, gamma) + 1e-12
    if failure < 0.999:
        assert ThenV.combine(early, gamma) < ThenV.combine(late, gamma)


@FAST
@given(n=st.integers(2, 6), data=st.data(), gamma=gammas)
def test_early_failure_compiled(n, data, gamma):
    i = data.draw(st.integers(0, n - 2))
    j = data.draw(st.integers(i + 1, n - 1))
    chain = f" THEN[gamma={gamma!r}] ".join(f'contains("{t}")' for t in TAGS[:n])
    p = prog(chain)
    without = lambda k: " ".join(t for m, t in enumerate(TAGS[:n]) if m != k)  # noqa: E731
    assert p.score(without(i)) <= p.score(without(j)) + 1e-12


@FAST
@given(
    cond=st.sampled_from(POOL_ATOMS),
    then=st.sampled_from(POOL_ATOMS),
    other=st.sampled_from(POOL_ATOMS),
    extra=st.sampled_from(POOL_ATOMS),
    text=responses,
    with_else=st.booleans(),
)
def test_if_picks_its_branch(cond, then, other, extra, text, with_else):
    then_expr = f"{then} AND {extra}"
    src = f"IF {cond} THEN {then_expr}" + (f" ELSE {other}" if with_else else "")
    got = prog(src).score(text)
    if prog(cond).score(text) == 1.0:
        assert got == prog(then_expr).score(text)
    elif with_else:
        assert got == prog(other).score(text)
    else:
        assert got == 1.0


# ---------------------------------------------------------------------------
# a strategy for random valid modules

names = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
any_text = st.text(max_size=30)  # arbitrary unicode, quotes, backslashes, newlines
phrase = st.text(min_size=1, max_size=20).filter(lambda s: s.strip() != "")
finite = st.floats(allow_nan=False, allow_infinity=False)
ops = st.sampled_from(["<", "<=", ">", ">=", "==", "!="])


def _arg(value, name=None):
    return ast.Arg(name=name, value=value)


@st.composite
def atoms(draw, defs=()):
    choice = draw(st.integers(0, 8 if defs else 7))
    if choice == 0:
        return ast.Atom(name=draw(st.sampled_from(["no_comma", "lowercase", "punctuation:no_comma"])), called=draw(st.booleans()))
    if choice == 1:
        return ast.Atom(name="words", compare=ast.Comparison(op=draw(ops), value=draw(st.integers(0, 10**6))))
    if choice == 2:
        kwargs = []
        if draw(st.booleans()):
            kwargs.append(_arg(draw(st.booleans()), "whole_word"))
        if draw(st.booleans()):
            kwargs.append(_arg(draw(st.booleans()), "case_sensitive"))
        return ast.Atom(name="contains", args=(_arg(draw(phrase)),) + tuple(kwargs), called=True)
    if choice == 3:
        return ast.Atom(name="starts_with", args=(_arg(draw(phrase)),), called=True)
    if choice == 4:
        return ast.Atom(
            name="count",
            args=(_arg(draw(phrase)),),
            called=True,
            compare=ast.Comparison(op=draw(ops), value=draw(st.integers(0, 50))),
        )
    if choice == 5:
        return ast.Atom(name="keywords", args=(_arg(draw(st.lists(phrase, min_size=1, max_size=3))),), called=True)
    if choice == 6:
        return ast.Atom(name="excludes", args=(_arg(draw(phrase), "phrase"),), called=True)
    if choice == 7:
        return ast.Atom(name="emojis", compare=ast.Comparison(op="==", value=0))
    return ast.Atom(name=draw(st.sampled_from(list(defs))))


def _part(name, *values, called=True):
    return ast.Part(name=name, args=tuple(_arg(v) for v in values), called=called)


#: Parts the checker accepts, in every shape the parser builds.
parts = st.one_of(
    st.builds(lambda n, i: _part(n, i), st.sampled_from(["paragraph", "section", "list", "item", "row", "line", "sentence", "quoted", "fenced"]), st.integers(-5, 5).filter(bool)),
    st.sampled_from(["quoted", "fenced", "paragraph"]).map(lambda n: _part(n, called=False)),
    st.builds(lambda n, m: _part(n, m), st.sampled_from(["heading", "after", "before"]), phrase),
    st.builds(lambda a, b: _part("between", a, b), phrase, phrase),
    st.builds(lambda k: _part("first_lines", k), st.integers(1, 9)),
    st.builds(lambda k: _part("last_lines", k), st.integers(1, 9)),
    phrase.map(lambda w: _part("match", re.escape(w) + "(.*)")),
)


def exprs(defs=()):
    """Random expressions in exactly the shapes the parser builds."""
    leaf = atoms(defs)

    def extend(inner):
        group = st.builds(ast.Group, expr=inner)
        scope = st.builds(lambda part, body: ast.Scope(part=part, body=body), parts, inner)
        foreach = st.builds(
            lambda unit, red, body: ast.ForEach(unit=unit, reduction=red[0], k=red[1], body=body),
            st.sampled_from(["paragraph", "section", "list", "item", "row", "line", "sentence", "quoted", "fenced"]),
            st.one_of(st.just((None, None)), st.sampled_from([("mean", None), ("all", None), ("any", None), ("fraction", None)]), st.integers(1, 9).map(lambda k: ("at_least", k))),
            inner,
        )
        unary = st.one_of(leaf, group, scope, foreach)
        conj = st.one_of(unary, st.lists(unary, min_size=2, max_size=3).map(lambda xs: ast.And(children=tuple(xs))))

        @st.composite
        def cond(draw, depth=0):
            target = draw(st.sampled_from(["implicit", "response", "prompt"]))
            else_ = None
            if draw(st.booleans()):
                else_ = draw(cond(depth + 1)) if depth < 1 and draw(st.booleans()) else draw(conj)
            fields = dict(condition=draw(conj), then=draw(conj))
            if else_ is not None:
                fields["else"] = else_
            if target == "implicit":
                return ast.If(**fields)
            return ast.If(target=target, explicit_target=True, **fields)

        step = st.one_of(conj, cond())
        gamma = st.one_of(st.none(), st.floats(min_value=0.01, max_value=1.0))
        seq = st.builds(
            lambda kids, g: ast.Then(children=tuple(kids), gamma=g),
            st.lists(step, min_size=2, max_size=3),
            gamma,
        )
        return st.one_of(step, seq)

    return st.recursive(leaf, extend, max_leaves=8)


meta_values = {
    "id": st.one_of(any_text, st.integers(0, 10**9)),
    "prompt": any_text,
    "description": any_text,
    "tags": st.lists(any_text, max_size=3),
    "gamma": st.floats(min_value=0.01, max_value=1.0),
    "mode": st.sampled_from(["lsrm", "flat", "strict"]),
}


@st.composite
def example_blocks(draw):
    """An example block the checker accepts: any response text, any options."""
    expect = draw(st.sampled_from(["pass", "fail"]))
    fields = {}
    if draw(st.booleans()):
        fields["score"] = 1.0 if expect == "pass" else draw(st.floats(min_value=0.0, max_value=0.99))
    if draw(st.booleans()):
        fields["tolerance"] = draw(st.floats(min_value=0.0, max_value=0.5))
    if draw(st.booleans()):
        fields["prompt"] = draw(any_text)
    if draw(st.booleans()):
        fields["mode"] = draw(st.sampled_from(["lsrm", "flat", "strict"]))
    return ast.Example(expect=expect, response=draw(any_text), **fields)


@st.composite
def modules(draw):
    settings_ = []
    for key, values in (
        ("gamma", st.floats(min_value=0.01, max_value=1.0)),
        ("mode", st.sampled_from(["lsrm", "flat", "strict"])),
        ("max_depth", st.integers(50, 100)),
    ):
        if draw(st.booleans()):
            settings_.append(ast.Setting(name=key, value=draw(values)))
    defs = []
    for i in range(draw(st.integers(0, 2))):
        # a definition may use the ones before it (never itself: no cycles)
        defs.append(ast.Definition(name=f"def_{i}", expr=draw(exprs(tuple(d.name for d in defs)))))
    def_names = tuple(d.name for d in defs)
    specs = []
    for i in range(draw(st.integers(0, 2))):
        keys = draw(st.lists(st.sampled_from(sorted(meta_values)), unique=True, max_size=3))
        meta = tuple(ast.Meta(key=k, value=draw(meta_values[k])) for k in keys)
        examples = tuple(draw(st.lists(example_blocks(), max_size=2)))
        specs.append(ast.Spec(name=f"spec_{draw(names)}_{i}", meta=meta, expr=draw(exprs(def_names)), examples=examples))
    bare = draw(st.booleans()) or not specs
    if bare:
        main = draw(exprs(def_names))
        specs.append(ast.Spec(name="main", expr=main))
    return ast.Module(settings=tuple(settings_), definitions=tuple(defs), specs=tuple(specs), bare=bare)


@MEDIUM
@given(m=modules())
def test_parse_fmt_round_trip(m):
    src = format_module(m)
    assert parse(src) == m, src
    assert lsr_dsl.fmt(src) == src


@MEDIUM
@given(m=modules())
def test_ast_json_round_trip(m):
    assert from_json(to_json(m)) == m
    import json

    assert from_json(json.dumps(to_json(m))) == m
    assert from_json(to_json(parse(format_module(m)), spans=True)) == m


@FAST
@given(m=modules())
def test_generated_modules_compile(m):
    """The strategy builds valid modules: every spec compiles (warnings allowed)."""
    progs = lsr_dsl.compile_all(format_module(m))
    assert set(progs) == {s.name for s in m.specs}
    for p in progs.values():
        s = p.score("word <t1>, x", prompt="a prompt")
        assert 0.0 <= s <= 1.0


literals = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(10**20), 10**20), finite, any_text),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(any_text, inner, max_size=3)),
    max_leaves=8,
)


@MEDIUM
@given(values=st.lists(literals, max_size=3), kw=st.dictionaries(names, literals, max_size=2))
def test_literal_round_trip(values, kw):
    m = ast.Module(
        specs=(
            ast.Spec(
                name="main",
                expr=ast.Atom(name="anything", args=tuple(_arg(v) for v in values) + tuple(_arg(v, k) for k, v in kw.items()), called=True),
            ),
        ),
        bare=True,
    )
    src = format_module(m)
    back = parse(src)
    assert back == m
    got = [a.value for a in back.specs[0].expr.args]
    want = list(values) + list(kw.values())
    for g, w in zip(got, want):
        # literal types survive (1 stays an int, 1.0 a float)
        assert type(g) is type(w) or (isinstance(w, tuple) and isinstance(g, list))


# ---------------------------------------------------------------------------
# robustness

SPEC_PROGRAMS = {p.stem: lsr_dsl.load(p) for p in example_specs()}


@pytest.mark.parametrize("name", sorted(SPEC_PROGRAMS))
@settings(max_examples=25, deadline=None)
@given(text=st.text(max_size=300), prompt=st.one_of(st.none(), st.text(max_size=80)), mode=st.sampled_from(["lsrm", "flat", "strict"]))
def test_any_text_scores_in_unit_interval(name, text, prompt, mode):
    p = SPEC_PROGRAMS[name]
    if mode != p.mode:
        p = lsr_dsl.compile(p.source, mode=mode, file=p.file)
    r = p.evaluate(text, prompt=prompt)
    assert isinstance(r.score, float)
    assert 0.0 <= r.score <= 1.0 and not math.isnan(r.score)
    assert p.score(text, prompt=prompt) == r.score


def _compile_or_lsr_error(src: str) -> None:
    try:
        lsr_dsl.compile(src)
    except LsrError as e:
        # every error renders without raising
        assert isinstance(e.render(), str)


@MEDIUM
@given(src=st.text(max_size=80))
def test_random_unicode_source_raises_only_lsr_error(src):
    _compile_or_lsr_error(src)


TOKENS = [
    "AND", "THEN", "IF", "ELSE", "prompt", "response", "set", "let", "spec", "gamma", "true", "false", "null",
    "and", "then", "if", "else", "=", "==", ">=", "<=", ">", "<", "!=", "!", "&", "|", "(", ")", "[", "]", "{", "}",
    ",", ":", "#", "\n", '"', "'", '"""', "\\", "no_comma", "words", "contains", "x", "punctuation:no_comma",
    '"str"', "'s'", '"""long\nstring"""', "3", "-1.5", "1e3", ".5", "THEN[gamma=0.7]", "THEN[2]", "letter_frequency",
]  # fmt: skip


@MEDIUM
@given(toks=st.lists(st.sampled_from(TOKENS), max_size=25), sep=st.sampled_from([" ", "", "\n"]))
def test_token_soup_raises_only_lsr_error(toks, sep):
    _compile_or_lsr_error(sep.join(toks))


@FAST
@given(m=modules(), data=st.data())
def test_mutated_valid_source_raises_only_lsr_error(m, data):
    src = format_module(m)
    assume(src)
    i = data.draw(st.integers(0, len(src)))
    j = data.draw(st.integers(i, min(len(src), i + 5)))
    junk = data.draw(st.text(alphabet=string.printable + "é日\u2028", max_size=4))
    _compile_or_lsr_error(src[:i] + junk + src[j:])


# ---------------------------------------------------------------------------
# for each: how the reductions relate, on random tables


cells = st.sampled_from(["yes", "no", "yes yes", "maybe", "x"])


@FAST
@given(rows=st.lists(st.tuples(cells, cells), min_size=1, max_size=6))
def test_for_each_reductions_are_ordered(rows):
    table = "| a | b |\n|---|---|\n" + "\n".join(f"| {a} | {b} |" for a, b in rows)
    body = '{ contains("yes") AND words <= 2 }'
    s = {r: prog(f"for each row{r} {body}").score(table) for r in ("", " all", " any", " fraction", " at_least(1)")}
    assert s[" all"] <= s[" fraction"] <= s[""] + 1e-12
    assert s[" fraction"] <= s[" any"]
    assert s[" at_least(1)"] == s[" any"]
    # the mean over the rows is the mean of each row scored on its own
    alone = [prog(body[1:-1]).score(f"{a} | {b}") for a, b in rows]
    assert s[""] == pytest.approx(sum(alone) / len(alone), abs=1e-12)
