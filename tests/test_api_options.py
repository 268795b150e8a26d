"""The public API refuses wrong argument types and values, and compiled programs cannot be changed."""
import pickle

import pytest

import lsr_dsl


@pytest.mark.parametrize(
    "kwargs,error",
    [
        (dict(spec=5), TypeError),
        (dict(max_depth="x"), TypeError),
        (dict(max_depth=0), lsr_dsl.LsrError),
        (dict(gamma="0.5"), TypeError),
        (dict(gamma=True), TypeError),
        (dict(gamma=float("nan")), lsr_dsl.LsrError),
        (dict(gamma=-0.01), lsr_dsl.LsrError),
        (dict(gamma=2), lsr_dsl.LsrError),
        (dict(mode="x"), lsr_dsl.LsrError),
    ],
)
def test_compile_options_are_checked(kwargs, error):
    with pytest.raises(error):
        lsr_dsl.compile("no_comma AND words >= 2", **kwargs)


def test_sources_and_flags_must_have_the_right_type():
    with pytest.raises(TypeError):
        lsr_dsl.compile_all(None)
    with pytest.raises(TypeError):
        lsr_dsl.compile("no_comma").score("x", loose="yes")
    with pytest.raises(TypeError):
        lsr_dsl.compile(b"no_comma")


def test_a_cached_program_cannot_be_changed_by_one_caller():
    p = lsr_dsl.compile('spec s { prompt: "write code" IF prompt contains("code") THEN no_comma ELSE words >= 1 }')
    with pytest.raises(AttributeError):
        p.mode = "strict"
    with pytest.raises(TypeError):
        p.meta["prompt"] = "talk"
    again = lsr_dsl.compile('spec s { prompt: "write code" IF prompt contains("code") THEN no_comma ELSE words >= 1 }')
    assert again is p and again.mode == "lsrm" and again.score("a, b") == 0.0
    assert pickle.loads(pickle.dumps(p)).score("a, b") == 0.0


def test_relation_alias_of_ifeval_parameters():
    p = lsr_dsl.compile('capital_words(capital_frequency=2, relation="at least")')
    assert p.score("HELLO BIG world") == 1.0 and p.score("HELLO world") == 0.0
    with pytest.raises(lsr_dsl.LsrError, match="given twice"):
        lsr_dsl.compile('capital_words(capital_frequency=1, relation="<", capital_relation=">")')
