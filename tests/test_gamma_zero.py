"""γ = 0 in THEN chains: the paper's Eq. 2 with 0⁰ = 1, accepted wherever γ is set."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lsr_dsl
from lsr_dsl import LsrError
from lsr_dsl.verifier.nodes import ThenV

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MEDIUM = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
TAGS = [f"<t{i}>" for i in range(6)]


def eq2(scores, gamma):
    """Eq. 2 written out literally: r'_i = r_i · ∏_{j<i} γ^(1−r_j), mean over i, with 0⁰ = 1."""
    def power(base, exp):
        return 1.0 if exp == 0 else base ** exp

    total = 0.0
    for i, r in enumerate(scores):
        factor = 1.0
        for rj in scores[:i]:
            factor *= power(gamma, 1.0 - rj)
        total += r * factor
    return total / len(scores)


# ---------------------------------------------------------------------------
# the algebra


@MEDIUM
@given(scores=st.lists(unit, min_size=1, max_size=8))
def test_gamma_zero_counts_a_step_only_while_every_earlier_step_passed(scores):
    expected = 0.0
    for r in scores:
        expected += r
        if r < 1.0:
            break  # a partly failed step zeroes every later one
    assert ThenV.combine(scores, 0.0) == pytest.approx(expected / len(scores), abs=1e-12)
    assert ThenV.combine(scores, 0.0) == pytest.approx(eq2(scores, 0.0), abs=1e-12)


@MEDIUM
@given(scores=st.lists(unit, min_size=1, max_size=8), gamma=unit)
def test_combine_is_eq2_on_the_closed_interval(scores, gamma):
    assert ThenV.combine(scores, gamma) == pytest.approx(eq2(scores, gamma), abs=1e-12)


@MEDIUM
@given(scores=st.lists(unit, min_size=1, max_size=8), gamma=unit)
def test_gamma_zero_is_the_lower_bound_and_the_limit(scores, gamma):
    at0 = ThenV.combine(scores, 0.0)
    assert 0.0 <= at0 <= ThenV.combine(scores, gamma) + 1e-12
    # γ → 0⁺ tends to the γ = 0 value: every step after the first failed one (score r_k)
    # carries a factor of at most γ^(1−r_k)
    k = next((i for i, r in enumerate(scores) if r < 1.0), None)
    for eps in (1e-1, 1e-3, 1e-9):
        gap = ThenV.combine(scores, eps) - at0
        bound = 0.0 if k is None else (len(scores) - k - 1) / len(scores) * eps ** (1.0 - scores[k])
        assert -1e-12 <= gap <= bound + 1e-12


@MEDIUM
@given(head=st.integers(0, 5), tail=st.lists(unit, max_size=5))
def test_fully_passed_steps_leave_later_ones_untouched(head, tail):
    scores = [1.0] * head + tail
    if not scores:
        return
    # 0⁰ = 1: the passed prefix contributes fully and decays nothing
    expected_tail = ThenV.combine(tail, 0.0) * len(tail) if tail else 0.0
    assert ThenV.combine(scores, 0.0) * len(scores) == pytest.approx(head + expected_tail, abs=1e-9)


@FAST
@given(n=st.integers(2, 6), data=st.data())
def test_compiled_chain_at_gamma_zero(n, data):
    passing = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    text = " ".join(t for t, ok in zip(TAGS, passing) if ok) or "none"
    chain = " THEN[gamma=0] ".join(f'contains("{t}")' for t in TAGS[:n])
    leading = next((i for i, ok in enumerate(passing) if not ok), n)
    assert lsr_dsl.compile(chain).score(text) == pytest.approx(leading / n, abs=1e-12)


def test_a_partly_failed_step_zeroes_the_later_ones():
    # step 1 scores 0.5 (one of two atoms), step 2 passes: γ = 0 drops step 2
    src = '(contains("a") AND contains("zzz")) THEN[gamma=0] contains("b")'
    assert lsr_dsl.compile(src).score("a b") == pytest.approx(0.25)
    # the same at γ = 1 is the plain mean
    assert lsr_dsl.compile(src.replace("gamma=0", "gamma=1")).score("a b") == pytest.approx(0.75)


# ---------------------------------------------------------------------------
# accepted everywhere γ is set; outside [0, 1] a positioned error

CHAIN = 'contains("x") THEN contains("y") THEN contains("a")'


def test_set_gamma_zero_and_meta_and_compile_argument():
    assert lsr_dsl.compile("set gamma = 0\n" + CHAIN).score("a") == 0.0
    assert lsr_dsl.compile("spec s {\n  gamma: 0\n  " + CHAIN + "\n}").score("a") == 0.0
    prog = lsr_dsl.compile(CHAIN, gamma=0)
    assert prog.gamma == 0.0 and prog.score("x a") == pytest.approx(1 / 3)
    assert lsr_dsl.compile(CHAIN, gamma=0.5).score("x a") > prog.score("x a")


@pytest.mark.parametrize("src,line,col", [
    ('contains("x") THEN[gamma=-0.5] contains("y")', 1, 1),
    ('contains("x") THEN[gamma=1.01] contains("y")', 1, 1),
    ("set gamma = -1\nno_comma", 1, 1),
    ("spec s {\n  gamma: 2\n  no_comma\n}", 2, 3),
])
def test_gamma_outside_unit_interval_is_a_positioned_error(src, line, col):
    with pytest.raises(LsrError) as exc:
        lsr_dsl.compile(src)
    d = exc.value.errors[0]
    assert "must be in [0, 1]" in d.message
    assert (d.line, d.column) == (line, col)


@pytest.mark.parametrize("bad", [-0.01, 1.5, float("nan")])
def test_compile_argument_outside_unit_interval(bad):
    with pytest.raises(LsrError, match=r"\[0, 1\]"):
        lsr_dsl.compile(CHAIN, gamma=bad)


def test_rewards_accept_gamma_zero():
    from lsr_dsl.rewards.trl import LsrReward
    from lsr_dsl.rewards.verl import RewardKwargsError, compute_score

    assert LsrReward(gamma=0).score_one("x a", CHAIN) == pytest.approx(1 / 3)
    assert compute_score("d", "x a", CHAIN, None, gamma=0) == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        LsrReward(gamma=-0.1)
    with pytest.raises(RewardKwargsError, match=r"\[0, 1\]"):
        compute_score("d", "x a", CHAIN, None, gamma=-0.1)


def test_training_config_accepts_gamma_zero(tmp_path):
    pytest.importorskip("pydantic")
    from lsr_dsl.language.errors import LsrConfigError
    from lsr_dsl.training.config import load_config

    base = Path(__file__).resolve().parents[1] / "examples" / "train" / "tiny.yaml"
    assert load_config(base, {"gamma": 0}).gamma == 0.0
    with pytest.raises(LsrConfigError) as exc:
        load_config(base, {"gamma": -0.5}, {"gamma": "--set gamma=-0.5"})
    assert "--set gamma=-0.5" in str(exc.value)


def test_cli_gamma_zero_and_out_of_range(tmp_path):
    spec = tmp_path / "s.lsr"
    spec.write_text(CHAIN + "\n")
    resp = tmp_path / "r.txt"
    resp.write_text("x a\n")
    ok = subprocess.run([sys.executable, "-m", "lsr_dsl.cli", "check", "--gamma", "0", "--json", str(spec), str(resp)],
                        capture_output=True, text=True)
    assert ok.returncode == 1, ok.stderr  # not fully satisfied
    assert '"gamma": 0.0' in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "lsr_dsl.cli", "check", "--gamma", "-1", str(spec), str(resp)],
                         capture_output=True, text=True)
    assert bad.returncode == 2
    assert "argument --gamma: must be in [0, 1]" in bad.stderr and "Traceback" not in bad.stderr
