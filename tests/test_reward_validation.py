"""LsrReward: dataset validation, first-call validation, strict mode, and per-leaf bounded metrics."""
from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lsr_dsl.language.errors import LsrConfigError, LsrDataError
from lsr_dsl.rewards.details import MAX_THEN_STEPS, LeafMetrics, leaf_key
from lsr_dsl.rewards.trl import LsrReward

GOOD = "words >= 3 AND words <= 8"
TYPO = "wrds >= 3"


def trl_call(reward, completions, specs, **columns):
    metrics, extra = {}, {}
    out = reward(prompts=["p"] * len(completions), completions=completions, spec=specs,
                 log_metric=lambda k, v: metrics.__setitem__(k, v),
                 log_extra=lambda k, v: extra.__setitem__(k, v), **columns)
    return out, metrics, extra


# ---------------------------------------------------------------------------
# validation


def test_validate_lists_every_bad_spec_with_row_id_and_hint():
    ds = [{"spec": GOOD}, {"spec": TYPO}, {"spec": "spec s1 {\n  no_coma\n}"}, {"spec": TYPO},
          {"spec": "[{'instruction_id': ['punctuation:no_coma'], 'kwargs': [None]}]"}]
    r = LsrReward()
    with pytest.raises(LsrDataError) as exc:
        r.validate(ds)
    msg = str(exc.value)
    assert msg.startswith("3 of 4 distinct specs in 5 rows do not compile:")
    assert "row 1 (spec 'wrds >= 3'): 1:1: unknown constraint 'wrds' (did you mean 'words'?)" in msg
    assert "row 2 (spec s1): 2:3: unknown constraint 'no_coma' (did you mean 'no_comma'?)" in msg
    assert "row 4 (instructions punctuation:no_coma): instruction 1 (punctuation:no_coma): unknown instruction id" in msg
    assert "row 3" not in msg  # the same spec again is not listed twice
    report = r.validate(ds, raise_on_error=False)
    assert not report.ok and report.rows == 5 and report.distinct_specs == 4


def test_validate_reads_datasets_lists_and_column_dicts():
    datasets = pytest.importorskip("datasets")
    good = {"spec": [GOOD, "no_comma"], "prompt": ["a", "b"]}
    for ds in (good, [dict(spec=s) for s in good["spec"]], datasets.Dataset.from_dict(good)):
        report = LsrReward().validate(ds)
        assert report.ok and report.rows == 2 and report.distinct_specs == 2
    with pytest.raises(LsrConfigError, match="no column 'specs'"):
        LsrReward(spec_column="specs").validate(good)
    assert LsrReward(spec="no_comma").validate([{}, {}]).distinct_specs == 1


def test_first_call_reports_each_bad_spec_once_with_row_and_id(caplog):
    r = LsrReward()
    with caplog.at_level(logging.WARNING, logger="lsr_dsl.reward"):
        out, metrics, _ = trl_call(r, ["a b c", "a b c", "x"], [GOOD, TYPO, TYPO], id=[100, 101, 102])
        trl_call(r, ["a b c"], [TYPO], id=[103])
    assert out == [1.0, 0.0, 0.0]
    msgs = [rec.getMessage() for rec in caplog.records]
    assert len(msgs) == 1
    assert "row 1 of the batch (id 101, spec 'wrds >= 3')" in msgs[0] and "did you mean 'words'?" in msgs[0]
    assert metrics["lsr/error_rate"] == pytest.approx(2 / 3)
    assert r.stats["errors"] == 3 and r.stats["compile_errors"] == 1


def test_strict_raises_instead_of_scoring_zero():
    r = LsrReward(strict=True)
    with pytest.raises(LsrDataError, match=r"strict.*row 1 of the batch \(spec 'wrds >= 3'\).*did you mean 'words'"):
        r(prompts=["p", "p"], completions=["a", "b"], spec=[GOOD, TYPO])
    with pytest.raises(LsrDataError, match="no prompt was given"):  # a verifier error too
        r.score_one("x", 'IF prompt contains("a") THEN no_comma')
    assert r(prompts=["p"], completions=["a b c"], spec=[GOOD]) == [1.0]


# ---------------------------------------------------------------------------
# metrics keyed by leaf


def test_metrics_keyed_by_leaf_not_by_constraint_name():
    r = LsrReward()
    _, metrics, extra = trl_call(r, ["one two", "one two three", "a b c d e f g h i j"], [GOOD] * 3)
    assert metrics["lsr/pass/words>=3"] == pytest.approx(2 / 3)
    assert metrics["lsr/pass/words<=8"] == pytest.approx(2 / 3)
    assert "lsr/pass/words" not in metrics
    assert extra["lsr_failed"] == ["words>=3", "", "words<=8"]
    assert metrics["lsr/reward/and"] == pytest.approx((0.5 + 1 + 0.5) / 3)
    assert metrics["lsr/reward/depth/1"] == metrics["lsr/reward/and"]


def test_then_step_pass_rate_by_position():
    spec = 'contains("a") THEN contains("b") THEN contains("c")'
    _, metrics, _ = trl_call(LsrReward(), ["a b c", "a b", "a", "b c"], [spec] * 4)
    assert metrics["lsr/then_step/1"] == pytest.approx(3 / 4)
    assert metrics["lsr/then_step/2"] == pytest.approx(3 / 4)
    assert metrics["lsr/then_step/3"] == pytest.approx(2 / 4)
    long_chain = " THEN ".join(f'contains("t{i}")' for i in range(MAX_THEN_STEPS + 3))
    _, metrics, _ = trl_call(LsrReward(), ["t0 t1"], [long_chain])
    later = f"lsr/then_step/{MAX_THEN_STEPS + 1}+"
    assert metrics[later] == 0.0 and f"lsr/then_step/{MAX_THEN_STEPS + 2}" not in metrics


def test_ten_thousand_distinct_specs_make_a_bounded_number_of_keys():
    r = LsrReward(max_leaf_metrics=8)
    keys = set()
    for batch in range(20):
        specs = [f"words >= {batch * 500 + i}" for i in range(500)]
        _, metrics, _ = trl_call(r, ["one"] * 500, specs)
        keys |= set(metrics)
    pass_keys = {k for k in keys if k.startswith("lsr/pass/")}
    assert "lsr/pass/other" in pass_keys
    assert len(pass_keys) <= 8 * 20 + 1  # at worst the top 8 change every batch
    assert len(r.leaf_metrics.frequency) == 10_000  # counted, not logged


def test_validate_seeds_the_frequent_leaves_so_keys_are_stable_from_step_one():
    common = "no_comma AND words >= 3"
    ds = [{"spec": common}] * 50 + [{"spec": f"words <= {i}"} for i in range(200)]
    r = LsrReward(max_leaf_metrics=2)
    r.validate(ds)
    _, metrics, _ = trl_call(r, ["a b c", "a"], ["words <= 7", "words <= 9"])
    assert {k for k in metrics if k.startswith("lsr/pass/")} == {"lsr/pass/other"}
    _, metrics, _ = trl_call(r, ["a b c"], [common])
    assert {"lsr/pass/no_comma", "lsr/pass/words>=3"} <= set(metrics)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(labels=st.lists(st.sampled_from(["words >= 3", "no_comma", 'contains("x y")', "words<=8", "a" * 100]),
                       min_size=1, max_size=30), k=st.integers(0, 4))
def test_leaf_metrics_are_bounded_and_keys_stable(labels, k):
    from lsr_dsl.rewards.details import Leaf, RowDetail

    rows = [RowDetail(1.0, "atom", 0, (Leaf(leaf_key(lab), "general", i % 2 == 0),), ()) for i, lab in enumerate(labels)]
    metrics = LeafMetrics(top_k=k).batch(rows)
    pass_keys = [m for m in metrics if m.startswith("lsr/pass/")]
    assert len(pass_keys) <= k + 1
    assert all(" " not in m and len(m) <= len("lsr/pass/") + 60 for m in pass_keys)
    assert all(0.0 <= v <= 1.0 for v in metrics.values())
