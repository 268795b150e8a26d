"""lsr_dsl.testing: the response builder and the hypothesis strategies (issue 14).

Mutation-style checks on every hard atom of the registry: a text built to satisfy it passes,
a text built to violate it fails, over many draws.
"""
from __future__ import annotations

import random
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lsr_dsl
from lsr_dsl import LsrError
from lsr_dsl.constraints import REGISTRY
from lsr_dsl.testing import CannotBuild, build_response, coverage, responses, specs
from lsr_dsl.testing.builders import COUNTED, measure_counted
from lsr_dsl.verifier.nodes import AndV, AtomV, IfV, ThenV

FEW = settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
SOME = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))

HARD = [c for c in REGISTRY.definitions() if c.kind == "hard"]


def test_satisfying_coverage_of_the_hard_atoms_is_at_least_90_percent(capsys):
    supported, missing = coverage()
    total = len(supported) + len(missing)
    assert total == len(HARD)
    share = len(supported) / total
    with capsys.disabled():
        print(f"\nresponses(…, satisfying=True) supports {len(supported)}/{total} hard atoms ({share:.0%})")
        for name, why in missing:
            print(f"  unsupported: {name}: {why}")
    assert share >= 0.9, missing


@pytest.mark.parametrize("name", [c.name for c in HARD])
@FEW
@given(data=st.data())
def test_mutation_on_every_hard_atom(name, data):
    """The atom's catalogue example: drawn satisfying texts pass, drawn violating texts fail."""
    prog = lsr_dsl.compile(REGISTRY.get(name).example)
    good = data.draw(responses(prog, satisfying=True), label="satisfying")
    bad = data.draw(responses(prog, satisfying=False), label="violating")
    assert prog.score(good) == 1.0, (good, prog.evaluate(good).trace)
    assert prog.score(bad) < 1.0, (bad, prog.evaluate(bad).trace)


def _check_built(src: str, seed: int) -> int:
    """Build both ways; every text returned has the outcome asked for. Returns how many were built."""
    prog = lsr_dsl.compile(src)
    built = 0
    for want in (True, False):
        try:
            text = build_response(prog, satisfying=want, rng=random.Random(seed))
        except CannotBuild as e:
            assert str(e).startswith("spec 'main'"), e
            continue
        assert (prog.score(text) >= 1.0) == want, (src, want, text)
        built += 1
    return built


@SOME
@given(src=specs(max_depth=0), seed=st.integers(0, 10_000))
def test_varied_atoms_build_or_say_why(src, seed):
    _check_built(src, seed)


@SOME
@given(src=specs(max_depth=2), seed=st.integers(0, 10_000))
def test_random_composite_specs_build_or_say_why(src, seed):
    _check_built(src, seed)


COMPOSITES = [
    "no_comma AND words >= 12 AND lowercase",
    'starts_with("Dear team") THEN words <= 40 THEN ends_with_text("Best regards")',
    'IF contains("error") THEN headings >= 1 ELSE contains("No action needed.")',
    'no_comma AND (starts_with("Hello") THEN (IF contains("Python") THEN code_blocks >= 1 ELSE sentences <= 2))',
    "json_format AND no_comma",
    "bullets(num_bullets=3) AND title AND postscript",
    'count("data", whole_word=true) == 3 AND words <= 30',
    "uppercase AND words >= 5",
    'validate_lowercase AND validate_word_constraint(N=20, quantifier="at least") AND verify_keywords(["sea", "wave"])',
    'verify_bullet_points(N=3) AND validate_title AND verify_postscript("P.S.")',
    'IF contains("error") THEN letter_occurrences(letter="z", let_frequency=3, let_relation="at least") ELSE response_last_word("goodbye")',
    'verify_sentence_constraint(N=3, quantifier="around") AND validate_no_commas AND person_names(3)',
    'validate_frequency_capital_words(N=2, quantifier="at most") AND pronouns(4) AND numbers_count(2)',
]


@pytest.mark.parametrize("src", COMPOSITES)
@FEW
@given(seed=st.integers(0, 10_000))
def test_hand_written_composites_build_both_ways(src, seed):
    assert _check_built(src, seed) == 2


@pytest.mark.parametrize(
    "src,text,count",
    [
        ("verify_bullet_points(N=3)", "* one\n- two\nthree", 2),  # the check reads "== N"
        ("lowercase_word_limit(N=10)", "the cat Sat on a MAT", 4),  # "<= N"
        ('validate_word_constraint(N=1, quantifier="around")', "a b c d e", 5),  # "around", probed as "at least"
        ('letter_occurrences(letter="z", let_frequency=1, let_relation="less than")', "Zoo zebra buzz", 4),
    ],
)
def test_counts_are_read_off_the_constraints_own_check(src, text, count):
    atom = lsr_dsl.compile(src).root
    assert measure_counted(atom, COUNTED[atom.name], text) == count


def test_if_builds_reach_both_branches():
    prog = lsr_dsl.compile('IF contains("error") THEN headings >= 1 ELSE contains("No action needed.")')
    cond = prog.root.condition
    seen = set()
    for seed in range(30):
        text = build_response(prog, rng=random.Random(seed))
        seen.add(cond.constraint.check(cond.params, lsr_dsl.text.Text(text)).passed)
    assert seen == {True, False}


def test_prompt_conditions_read_the_given_prompt():
    src = 'IF prompt contains("code") THEN starts_with("This code") ELSE starts_with("Summary:")'
    prog = lsr_dsl.compile(src)
    assert build_response(prog, prompt="explain this code").startswith("This code")
    assert build_response(prog, prompt="a story").startswith("Summary:")
    with pytest.raises(CannotBuild, match="condition on the prompt"):
        build_response(prog)


@pytest.mark.parametrize(
    "src,satisfying,message",
    [
        ('tone("formal")', True, "soft constraints"),
        ("words >= 10 AND words < 5", True, "could not build a response that satisfies it"),
        ('letter_frequency(letter="z", let_frequency=0)', False, "could not build a response that violates it"),
    ],
)
def test_cannot_build_says_why(src, satisfying, message):
    with pytest.raises(CannotBuild, match=message):
        responses(src, satisfying=satisfying)
    with pytest.raises(CannotBuild):
        build_response(src, satisfying=satisfying)


def _atom_names(node):
    if isinstance(node, AtomV):
        return {node.name}
    kids = list(node.children) if isinstance(node, (AndV, ThenV)) else [node.condition, node.then] + ([node.else_] if node.else_ else [])
    return set().union(*(_atom_names(k) for k in kids))


@SOME
@given(src=specs(max_depth=1, constraints=["no_comma", "words", "contains"], structures=["and"]))
def test_specs_respect_constraints_and_structures(src):
    prog = lsr_dsl.compile(src)
    assert prog.warnings == ()
    assert isinstance(prog.root, AndV)
    assert _atom_names(prog.root) <= {"no_comma", "words", "contains"}


@SOME
@given(src=specs(max_depth=3))
def test_drawn_specs_compile_without_warnings(src):
    assert lsr_dsl.compile(src).warnings == ()


def test_specs_rejects_bad_arguments():
    with pytest.raises(LsrError, match="did you mean 'then'"):
        specs(structures=["thn"])
    with pytest.raises(LsrError, match="did you mean 'no_comma'"):
        specs(constraints=["no_coma"])
    with pytest.raises(LsrError, match="max_depth"):
        specs(max_depth=-1)


def test_import_lsr_dsl_does_not_need_hypothesis():
    code = "import sys, lsr_dsl, lsr_dsl.testing, lsr_dsl.testing.builders; assert 'hypothesis' not in sys.modules, 'hypothesis imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
