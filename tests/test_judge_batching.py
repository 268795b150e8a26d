"""Soft leaves judged for a whole batch: planning (inactive branches, decided strict trees),
de-duplication, batch sizes, the cache (memory and disk), the batched causal-LM judge, LsrReward."""
import math
import threading

import pytest
from hypothesis import given, settings, strategies as st

import lsr_dsl
from lsr_dsl.judges import CallableJudge, TransformersJudge
from lsr_dsl.judges.batching import JudgeScheduler, PrefetchedJudge
from lsr_dsl.judges.cache import JudgeCache
from lsr_dsl.judges.protocol import use_judge
from lsr_dsl.language.errors import LsrRuntimeError
from lsr_dsl.reward import LsrReward
from lsr_dsl.text import Text
from lsr_dsl.verifier.soft_plan import Row, judge_batch_ahead, soft_pairs_needed

FORMAL = "Is the tone of the response formal?"


class CountingJudge:
    """A real batch judge: P(YES) from the response's length parity and the question; counts calls."""

    def __init__(self):
        self.batches = []
        self.judge_id = "counting"

    def _p(self, q, r):
        return 0.9 if ("Dear" in r) == ("formal" in q) else 0.2

    def __call__(self, q, r):
        return self.judge_batch([(q, r)])[0]

    def judge_batch(self, pairs):
        self.batches.append(list(pairs))
        return [self._p(q, r) for q, r in pairs]


def row(src, response, prompt=None, mode=None):
    prog = lsr_dsl.compile(src, mode=mode)
    return Row(prog.root, prog.mode, Text(response), Text(prompt) if prompt else None)


def test_inactive_if_branch_is_not_judged():
    r = row('IF contains("x") THEN tone("formal") ELSE judge("Is it short?")', "no letter here")
    assert soft_pairs_needed(r, {}) == [("Is it short?", "no letter here")]
    r = row('IF contains("x") THEN tone("formal") ELSE judge("Is it short?")', "x marks it")
    assert soft_pairs_needed(r, {}) == [(FORMAL, "x marks it")]


def test_if_without_else_and_false_condition_needs_nothing():
    assert soft_pairs_needed(row('IF contains("x") THEN tone("formal")', "nothing"), {}) == []


def test_strict_mode_with_a_failed_hard_leaf_needs_no_judge():
    src = 'no_comma AND tone("formal")'
    assert soft_pairs_needed(row(src, "a, b", mode="strict"), {}) == []
    assert soft_pairs_needed(row(src, "a b", mode="strict"), {}) == [(FORMAL, "a b")]
    assert soft_pairs_needed(row(src, "a, b"), {}) == [(FORMAL, "a, b")]  # lsrm: the mean still moves


def test_soft_condition_is_judged_first_then_its_branch():
    judge = CountingJudge()
    r = row('IF tone("formal") THEN judge("Is it polite?") ELSE no_comma', "Dear Sir")
    assert soft_pairs_needed(r, {}) == [(FORMAL, "Dear Sir")]
    known = judge_batch_ahead([r], JudgeScheduler(judge, 8))
    # formal 0.9 < 1: the condition fails, so the THEN branch is never asked
    assert [len(b) for b in judge.batches] == [1] and ("Is it polite?", "Dear Sir") not in known
    r2 = row('IF tone("formal", threshold=0.5) THEN judge("Is it polite?") ELSE no_comma', "Dear Sir")
    judge2 = CountingJudge()
    judge_batch_ahead([r2], JudgeScheduler(judge2, 8))
    assert [b[0][0] for b in judge2.batches] == [FORMAL, "Is it polite?"]  # two rounds


def test_passes_are_ceil_of_distinct_active_soft_leaves_over_batch_size():
    judge = CountingJudge()
    src = 'contains("a") AND tone("formal") AND (IF contains("z") THEN judge("Is it kind?"))'
    responses = [f"a reply {i} {'z' if i % 2 else ''}" for i in range(10)] * 2  # each twice
    rows = [row(src, t) for t in responses]
    sched = JudgeScheduler(judge, batch_size=4)
    judge_batch_ahead(rows, sched)
    distinct = 10 + 5  # tone for every text, judge(...) for the 5 with "z"
    assert sched.stats.judged == distinct
    assert len(judge.batches) == math.ceil(distinct / 4)
    assert all(len(b) <= 4 for b in judge.batches)
    judge_batch_ahead(rows, sched)  # the same batch again: all from the cache
    assert len(judge.batches) == math.ceil(distinct / 4) and sched.stats.cache_hits == distinct


def test_disk_cache_survives_a_new_scheduler(tmp_path):
    path = str(tmp_path / "c" / "judge.sqlite")
    judge = CountingJudge()
    JudgeScheduler(judge, 2, JudgeCache(path)).score([(FORMAL, "Dear A"), (FORMAL, "yo")])
    again = JudgeScheduler(judge, 2, JudgeCache(path))
    got = again.score([(FORMAL, "Dear A"), (FORMAL, "yo")])
    assert len(judge.batches) == 1 and again.stats.cache_hits == 2 and got[(FORMAL, "Dear A")] == 0.9
    other = CountingJudge()
    other.judge_id = "another"  # a different judge does not read these answers
    JudgeScheduler(other, 2, JudgeCache(path)).score([(FORMAL, "yo")])
    assert len(other.batches) == 1


def test_prefetched_scores_match_leaf_by_leaf_scoring():
    judge = CountingJudge()
    srcs = ['no_comma AND tone("formal")', 'tone("formal") THEN judge("Is it kind?")',
            'IF contains("Dear") THEN tone("formal", threshold=0.5) ELSE judge("Is it kind?")',
            'set mode = "flat"\nspec f { tone("formal") AND contains("Dear") }']
    texts = ["Dear Sir, hello", "yo dude", "Dear friend"]
    rows = [(s, t) for s in srcs for t in texts]
    sched = JudgeScheduler(judge, 3)
    known = judge_batch_ahead([row(s, t) for s, t in rows], sched)
    n_batches = len(judge.batches)
    with use_judge(PrefetchedJudge(known, sched)):
        batched = [lsr_dsl.compile(s).score(t) for s, t in rows]
    assert sched.stats.late == 0 and len(judge.batches) == n_batches
    with use_judge(CallableJudge(judge._p)):
        one_by_one = [lsr_dsl.compile(s).score(t) for s, t in rows]
    assert batched == pytest.approx(one_by_one)
    # LsRM by hand for the first: AND = mean(no_comma, P(formal))
    assert batched[0] == pytest.approx((0.0 + 0.9) / 2)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["Dear x", "yo", "Dear x, y", "z z", "a"]), min_size=1, max_size=12),
       st.integers(1, 5))
def test_batched_equals_one_by_one_for_any_batch(texts, batch_size):
    src = 'IF contains("x") THEN (tone("formal") AND no_comma) ELSE judge("Is it kind?")'
    judge = CountingJudge()
    sched = JudgeScheduler(judge, batch_size)
    known = judge_batch_ahead([row(src, t) for t in texts], sched)
    assert len(judge.batches) == math.ceil(len(set(texts)) / batch_size)
    prog = lsr_dsl.compile(src)
    with use_judge(PrefetchedJudge(known, sched)):
        got = [prog.score(t) for t in texts]
    with use_judge(CallableJudge(judge._p)):
        assert got == [prog.score(t) for t in texts]
    assert sched.stats.late == 0


def test_a_failing_judge_is_named():
    def broken(pairs):
        raise OSError("connection refused")

    j = CountingJudge()
    j.judge_batch = broken
    with pytest.raises(LsrRuntimeError, match="judge counting failed: OSError: connection refused"):
        JudgeScheduler(j, 4).score([(FORMAL, "x")])


def test_reward_batches_the_judge_and_caches_across_calls():
    judge = CountingJudge()
    r = LsrReward(spec='IF contains("Dear") THEN tone("formal") ELSE judge("Is it kind?")', judge=judge, judge_batch_size=3)
    comps = ["Dear A", "Dear B", "yo", "hey", "Dear A"]
    logged = {}
    got = r(completions=comps, log_metric=lambda k, v: logged.__setitem__(k, v))
    assert got == pytest.approx([0.9, 0.9, 0.9, 0.9, 0.9])  # Dear→formal 0.9; others→kind? (not formal) 0.9
    assert len(judge.batches) == math.ceil(4 / 3) and logged["lsr/judge_batches"] == 2.0
    r(completions=comps, log_metric=lambda k, v: logged.__setitem__(k, v))
    assert len(judge.batches) == 2 and logged["lsr/judge_batches"] == 0.0 and logged["lsr/judge_cache_hits"] == 4.0


def test_reward_with_a_dead_judge_logs_the_failure_and_scores_the_fallback():
    def dead(q, r):
        raise ConnectionError("judge server down")

    r = LsrReward(spec='no_comma AND tone("formal")', judge=CallableJudge(dead, "dead"))
    logged = {}
    assert r(completions=["a b", "c, d"], log_metric=lambda k, v: logged.__setitem__(k, v)) == [0.0, 0.0]
    assert logged["lsr/judge_failures"] == 1.0 and r.stats["errors"] == 2  # both rows need the judge (lsrm)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    from lsr_dsl.training.tiny_model import make_tiny_model

    out = tmp_path_factory.mktemp("judge") / "tiny"
    make_tiny_model(out)
    return out


def test_causal_lm_judge_batches_forward_passes_and_matches_single_calls(tiny_model):
    j = TransformersJudge(str(tiny_model), batch_size=4)
    pairs = [(FORMAL, "Dear Sir"), ("Is it short?", "a much longer response with many words in it"),
             (FORMAL, "yo"), ("Is it kind?", "thanks a lot"), (FORMAL, "Dear Madam, regards")]
    batched = j.judge_batch(pairs)
    assert j.forward_passes == 2
    singles = [j(q, r) for q, r in pairs]
    assert j.forward_passes == 7
    assert batched == pytest.approx(singles, abs=1e-4)
    assert all(0.0 < p < 1.0 for p in batched)


def test_causal_lm_judge_through_the_reward_counts_passes(tiny_model):
    j = TransformersJudge(str(tiny_model), batch_size=8)
    r = LsrReward(spec='contains("a") AND tone("formal") AND (IF contains("z") THEN judge("Is it kind?"))', judge=j,
                  judge_batch_size=8)
    comps = [f"a text {i}" + (" z" if i % 2 else "") for i in range(12)]
    r(completions=comps)
    assert j.forward_passes == math.ceil((12 + 6) / 8)
    r(completions=comps)
    assert j.forward_passes == math.ceil((12 + 6) / 8)


def test_validate_rejects_soft_specs_without_a_judge_and_skip_counts_them(caplog):
    from lsr_dsl.language.errors import LsrDataError

    rows = [{"spec": "no_comma"}, {"spec": 'no_comma AND tone("formal")'}]
    with pytest.raises(LsrDataError, match=r"row 1 .*soft constraint\(s\) tone need a judge.*soft='skip'"):
        LsrReward().validate(rows)
    r = LsrReward(soft="skip")
    r.validate(rows)
    logged = {}
    got = r(completions=["a b", "a b"], spec=["no_comma", 'no_comma AND tone("formal")'],
            log_metric=lambda k, v: logged.__setitem__(k, v))
    assert got == [1.0, None] and r.stats["soft_skipped"] == 1 and logged["lsr/soft_skipped"] == 0.5
    assert "soft=skip" in caplog.text
    with pytest.raises(ValueError, match="soft must be"):
        LsrReward(soft="ignore")


def test_lsr_eval_judges_a_chunk_in_batches(tmp_path, capsys):
    import json

    from lsr_dsl.cli import main
    from lsr_dsl.evaluation.runner import evaluate_rows

    rows = [{"key": i, "response": ("Dear reader" if i % 2 else "hello") + f" {i % 5}",
             "spec": 'no_comma AND (IF contains("Dear") THEN tone("formal", threshold=0.5))'} for i in range(20)]
    judge = CountingJudge()
    details = []
    report = evaluate_rows(rows, judge=judge, judge_batch_size=4, details=details.append)
    # the distinct active soft leaves: "Dear reader k" for the odd i, k = i % 5 → 5 texts; loose variants add more
    assert report.prompt.total == 20 and all(len(b) <= 4 for b in judge.batches)
    assert [d["score"] for d in details] == [1.0] * 20  # "Dear" rows are formal (0.9 ≥ 0.5), the rest have no soft leaf
    strict_pairs = {p for b in judge.batches for p in b if p[1].startswith("Dear reader")}
    assert len(strict_pairs) >= 5 and not any(p[1].startswith("hello") for b in judge.batches for p in b)
    data = tmp_path / "rows.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows))
    (tmp_path / "fj_eval.py").write_text("def formal(q, r):\n    return 0.9 if 'Dear' in r else 0.1\n")
    import sys

    sys.path.insert(0, str(tmp_path))
    try:
        assert main(["eval", str(data), "--judge", "py:fj_eval:formal", "--judge-batch-size", "8", "--json", "-q"]) == 0
    finally:
        sys.path.remove(str(tmp_path))
    assert json.loads(capsys.readouterr().out)


def test_a_decided_strict_tree_costs_no_judge_call_and_says_so():
    from lsr_dsl.verifier.soft_plan import prefetched_judge, soft_pairs_decided

    judge = CountingJudge()
    sched = JudgeScheduler(judge, 8)
    src = 'no_comma AND tone("formal")'
    rows = [row(src, "a, b", mode="strict"), row(src, "Dear x", mode="strict")]
    assert soft_pairs_decided(rows[0], {}) == [(FORMAL, "a, b")]
    pj = prefetched_judge(rows, sched)
    prog = lsr_dsl.compile(src, mode="strict")
    with use_judge(pj):
        decided = prog.evaluate("a, b")
        live = prog.evaluate("Dear x")
    assert sched.stats.judged == 1 and sched.stats.late == 0 and len(judge.batches) == 1
    assert decided.score == 0.0 and not decided.errors
    assert decided.trace["children"][1]["reason"].startswith("not judged")
    assert live.score == 0.0 and "P(YES) = 0.90" in live.trace["children"][1]["reason"]  # 0.9 < 1: strict fails


def test_reward_in_strict_mode_judges_only_undecided_rows():
    judge = CountingJudge()
    r = LsrReward(spec='no_comma AND tone("formal", threshold=0.5)', mode="strict", judge=judge)
    assert r(completions=["a, b", "c, d", "Dear x", "yo"]) == [0.0, 0.0, 1.0, 0.0]
    assert sorted(p[1] for b in judge.batches for p in b) == ["Dear x", "yo"] and r.stats["errors"] == 0


class ThreeWayJudge(CountingJudge):
    """P(YES) in {0, 0.5, 1} by the text and question, so soft IF conditions both hold and fail."""

    def _p(self, q, r):
        return (0.0, 0.5, 1.0)[(len(q) + len(r)) % 3]


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_random_soft_trees_score_the_same_batched_and_never_call_late(data):
    from lsr_dsl.testing.strategies import specs
    from lsr_dsl.verifier.soft_plan import prefetched_judge

    src = data.draw(specs(max_depth=2, constraints=["no_comma", "lowercase", "tone", "judge"]))
    mode = data.draw(st.sampled_from(["lsrm", "flat", "strict"]))
    texts = data.draw(st.lists(st.sampled_from(["dear sir", "Hi, you", "ok", "a, b c", "yes"]), min_size=1, max_size=6))
    prog = lsr_dsl.compile(src, mode=mode)
    judge = ThreeWayJudge()
    sched = JudgeScheduler(judge, 3)
    rows = [Row(prog.root, prog.mode, Text(t)) for t in texts]
    with use_judge(prefetched_judge(rows, sched)):
        batched = [prog.score(t) for t in texts]
    assert sched.stats.late == 0
    asked = []
    with use_judge(CallableJudge(lambda q, r: asked.append((q, r)) or judge._p(q, r))):
        assert batched == [prog.score(t) for t in texts]
    assert sched.stats.judged <= len(set(asked))  # never more than leaf by leaf, de-duplicated


def test_judge_ids_are_stable_across_processes(tmp_path):
    import subprocess
    import sys

    code = ("from lsr_dsl.judges import TransformersJudge, OpenAIJudge;"
            "print(TransformersJudge('m').judge_id, OpenAIJudge('http://h/v1', model='x').judge_id)")
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": str(seed), "PATH": ""}).stdout for seed in (1, 2)}
    assert len(runs) == 1
    assert TransformersJudge("m").judge_id != TransformersJudge("m", template="{question} {response} ?").judge_id


def test_lsr_eval_soft_skip_counts_the_rows_it_leaves_out(tmp_path, capsys):
    import json

    from lsr_dsl.cli import main

    rows = [{"key": 1, "response": "a b", "spec": "no_comma"},
            {"key": 2, "response": "a b", "spec": 'no_comma AND tone("formal")'},
            {"key": 3, "response": "a, b", "spec": "no_comma"}]
    data = tmp_path / "rows.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows))
    assert main(["eval", str(data), "--soft", "skip", "--json", "-q"]) == 0
    captured = capsys.readouterr()
    assert "1 row with soft constraints skipped (--soft skip, no --judge): line 2" in captured.err
    report = json.loads(captured.out)
    assert report["rows"] == 2 and report["prompt_level"]["strict_accuracy"] == 0.5
    main(["eval", str(data), "--json", "-q"])  # the default: the soft row is scored with its verifier error
    captured = capsys.readouterr()
    assert "skipped" not in captured.err and json.loads(captured.out)["rows"] == 3
