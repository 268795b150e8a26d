"""The reward callable's contract (TRL GRPOTrainer reward function)."""
from __future__ import annotations

import json
import pickle
import sys

import pytest

import lsr_dsl
from lsr_dsl.reward import (
    LsrReward,
    ThinkFormatReward,
    completion_text,
    prompt_text,
    raif_tier,
    split_think,
    strip_think,
    think_format_ok,
)

AND_SPEC = "no_comma AND lowercase(english=false)"
THEN_SPEC = "lowercase(english=false) THEN words < 5"
IF_SPEC = 'IF prompt contains("code") THEN words <= 3 ELSE no_comma'


def trl_call(fn, prompts, completions, **columns):
    """Call ``fn`` exactly the way TRL 1.16's GRPOTrainer._calculate_rewards does."""
    metrics: dict = {}
    extra: dict = {}
    kwargs = {key: list(v) for key, v in columns.items()}
    kwargs["trainer_state"] = object()
    kwargs["log_extra"] = lambda column, values: extra.setdefault(column, []).extend(values)
    kwargs["log_metric"] = lambda name, value: metrics.setdefault(name, []).append(value)
    out = fn(prompts=prompts, completions=completions, completion_ids=[[1, 2]] * len(completions), **kwargs)
    return out, metrics, extra


def test_no_heavy_imports():
    import subprocess

    code = ("import sys, lsr_dsl, lsr_dsl.reward, lsr_dsl.verl, lsr_dsl.judge, lsr_dsl.rewards, lsr_dsl.judges, "
            "lsr_dsl.evaluation, lsr_dsl.data.ifeval, lsr_dsl.training, lsr_dsl.training.cli, "
            "lsr_dsl.training.config, lsr_dsl.cli; "
            "bad = [m for m in ('torch', 'transformers', 'trl') if m in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_plain_format_scores_match_program():
    r = LsrReward()
    prompts = ["say hi", "say hi", "say hi"]
    comps = ["hello there", "Hello, there", "hello, there"]
    out, metrics, _ = trl_call(r, prompts, comps, spec=[AND_SPEC] * 3)
    prog = lsr_dsl.compile(AND_SPEC, mode="lsrm")
    assert out == [prog.score(c) for c in comps]
    assert out == [1.0, 0.0, 0.5]
    assert all(isinstance(x, float) for x in out)
    assert metrics["lsr/reward/and"] == [0.5]
    assert metrics["lsr/pass/no_comma"] == [pytest.approx(1 / 3)]
    assert metrics["lsr/pass/lowercase(english=false)"] == [pytest.approx(2 / 3)]  # keyed by leaf, as written
    assert metrics["lsr/all_pass"] == [pytest.approx(1 / 3)]
    assert metrics["lsr/error_rate"] == [0.0]


def test_conversational_format():
    r = LsrReward()
    prompts = [[{"role": "system", "content": "be brief"}, {"role": "user", "content": "write code please"}]] * 2
    comps = [[{"role": "assistant", "content": "def f(): pass"}],
             [{"role": "assistant", "content": "this is far too many words for it"}]]
    out, metrics, extra = trl_call(r, prompts, comps, spec=[IF_SPEC] * 2)
    assert out == [1.0, 0.0]  # the prompt mentions code → words <= 3 branch
    assert metrics["lsr/reward/if"] == [0.5]
    assert "lsr/pass/contains" not in metrics  # IF conditions are not constraints
    assert extra["lsr_failed"] == ["", "words<=3"]  # the failed leaf, as written
    # without "code" in the prompt the ELSE branch (no_comma) applies
    out2, _, _ = trl_call(r, [[{"role": "user", "content": "hi"}]], [[{"role": "assistant", "content": "a, b"}]],
                          spec=[IF_SPEC])
    assert out2 == [0.0]


def test_text_helpers():
    assert completion_text([{"role": "assistant", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}]) == "ab"
    assert completion_text({"content": "x"}) == "x"
    assert completion_text(None) == ""
    assert prompt_text([{"role": "system", "content": "s"}, {"role": "user", "content": "u1"},
                        {"role": "assistant", "content": "a"}, {"role": "user", "content": "u2"}]) == "u1\nu2"
    assert prompt_text("p") == "p" and prompt_text(None) is None


def test_kwargs_and_columns_passed_through():
    r = LsrReward(spec_column="constraints", prompt_column="instruction")
    out, _, _ = trl_call(r, ["templated prompt"] * 2, ["short", "short"],
                         constraints=[IF_SPEC, IF_SPEC], instruction=["write code", "chat"],
                         other_column=[1, 2], images=[None, None])
    assert out == [1.0, 1.0]
    # instruction column is used for the IF condition: "code" → words <= 3
    out, _, _ = trl_call(r, ["write code"] * 1, ["one two three four"], constraints=[IF_SPEC], instruction=["chat"])
    assert out == [1.0]  # "chat" → ELSE no_comma passes


def test_fixed_spec_and_missing_column():
    r = LsrReward(spec="words <= 2")
    assert r(prompts=["p", "p"], completions=["a b", "a b c"]) == [1.0, 0.0]
    with pytest.raises(lsr_dsl.LsrConfigError, match="no column 'spec'"):
        LsrReward()(prompts=["p"], completions=["x"], other=[1])


def test_errors_never_raise_and_are_counted():
    r = LsrReward()
    weird = [None, 123, {"content": None}, [{"role": "assistant"}], "ok", "ok", "ok"]
    specs = [AND_SPEC, AND_SPEC, AND_SPEC, AND_SPEC, "not_a_constraint", "words <", ""]
    out, metrics, extra = trl_call(r, ["p"] * len(weird), weird, spec=specs)
    assert len(out) == len(weird)
    assert out[4:] == [0.0, 0.0, 0.0]
    assert r.stats["errors"] == 3
    assert r.stats["compile_errors"] == 3
    assert metrics["lsr/error_rate"] == [pytest.approx(3 / 7)]
    assert extra["lsr_failed"][4].startswith("error:")


def test_on_error_none():
    r = LsrReward(on_error="none")
    out = r(prompts=["p", "p"], completions=["x", "x"], spec=["no such thing", AND_SPEC])
    assert out == [None, 1.0]
    # a prompt condition with no prompt is a verifier error → None, not a silent 0
    out = r(completions=["x"], spec=['IF prompt contains("a") THEN no_comma'])
    assert out == [None]


def test_cache_compiles_each_spec_once():
    r = LsrReward(cache_size=2)
    specs = [AND_SPEC, THEN_SPEC] * 8
    r(prompts=["p"] * 16, completions=["x"] * 16, spec=specs)
    assert r.stats["compiles"] == 2 and r.stats["cache_hits"] == 14
    # a bad spec is compiled once too
    r(prompts=["p"] * 3, completions=["x"] * 3, spec=["bad bad"] * 3)
    assert r.stats["compiles"] == 3
    # bounded LRU: the cache never holds more than cache_size programs
    assert r.cache_info["size"] == 2
    # mode and gamma are part of the key: a different reward compiles anew
    r2 = LsrReward(mode="flat")
    r2(prompts=["p"], completions=["x"], spec=[THEN_SPEC])
    assert r2.stats["compiles"] == 1


def test_ast_json_and_path_specs(tmp_path):
    from lsr_dsl.language.interchange import to_json

    spec_dict = to_json(lsr_dsl.loads(AND_SPEC))
    f = tmp_path / "s.lsr"
    f.write_text(AND_SPEC + "\n")
    r = LsrReward()
    out = r(prompts=["p"] * 3, completions=["a, b"] * 3, spec=[spec_dict, json.dumps(spec_dict), str(f)])
    assert out == [0.5, 0.5, 0.5]


def test_modes_differ_on_sequential_spec_with_failing_first_step():
    # first step fails (uppercase), second passes (short)
    spec = THEN_SPEC
    text = "Hi there"
    lsrm = LsrReward(mode="lsrm").score_one(text, spec)
    flat = LsrReward(mode="flat").score_one(text, spec)
    strict = LsrReward(mode="strict").score_one(text, spec)
    assert flat == pytest.approx(0.5)
    assert lsrm < flat  # the later step is decayed by gamma^(1 - r_1)
    assert lsrm == pytest.approx(lsr_dsl.compile(spec, mode="lsrm").score(text))
    assert strict == 0.0
    g9 = LsrReward(mode="lsrm", gamma=0.9).score_one(text, spec)
    assert lsrm < g9 < flat


def test_pickle_roundtrip_drops_cache():
    r = LsrReward(mode="flat", strip_think=True, name="lsr_flat")
    r(prompts=["p"], completions=["x"], spec=[AND_SPEC])
    assert r.cache_info["size"] == 1
    blob = pickle.dumps(r)
    r2 = pickle.loads(blob)
    assert r2.cache_info["size"] == 0
    assert r2.__name__ == "lsr_flat" and r2.mode == "flat"
    assert r2(prompts=["p"], completions=["<think>X, Y</think>ok"], spec=[AND_SPEC]) == [1.0]
    assert r2.cache_info["size"] == 1
    pickle.loads(pickle.dumps(ThinkFormatReward()))


def test_trl_name():
    from lsr_dsl.reward import LsrReward as R

    assert R().__name__ == "lsr"
    try:
        from trl.trainer.utils import get_callable_name
    except Exception:  # noqa: BLE001
        pytest.skip("trl not installed")
    assert get_callable_name(R(name="ifr")) == "ifr"
    assert get_callable_name(ThinkFormatReward()) == "think_format"


def test_think_helpers():
    assert split_think("<think>plan</think> the answer") == ("plan", "the answer")
    assert split_think("plan</think>answer") == ("plan", "answer")  # <think> in the chat template
    assert split_think("<think>never finished") == ("never finished", "")
    assert split_think("plain") == (None, "plain")
    assert strip_think("<think>a</think><answer> b </answer>") == "b"
    assert think_format_ok("<think>reason</think> answer")
    assert think_format_ok("<think>reason</think><answer>x</answer>", require_answer_tag=True)
    assert not think_format_ok("<think>reason</think> answer", require_answer_tag=True)
    assert not think_format_ok("answer only")
    assert not think_format_ok("<think></think> answer")
    assert not think_format_ok("<think>a</think>")
    assert not think_format_ok("<think>a</think> b <think>c</think> d")
    assert not think_format_ok("x <think>a</think> b")


def test_strip_think_and_format_rewards():
    comps = ["<think>Let me think, OK.</think>fine answer", "Fine, answer"]
    out = LsrReward(strip_think=True)(prompts=["p"] * 2, completions=comps, spec=[AND_SPEC] * 2)
    assert out == [1.0, 0.0]
    out = LsrReward(strip_think=False)(prompts=["p"] * 2, completions=comps, spec=[AND_SPEC] * 2)
    assert out == [0.0, 0.0]
    fmt = ThinkFormatReward()
    assert fmt(prompts=["p"] * 2, completions=comps, trainer_state=None) == [1.0, -1.0]
    combined = LsrReward(strip_think=True, format_reward=True)
    assert combined(prompts=["p"] * 2, completions=comps, spec=[AND_SPEC] * 2) == [2.0, -1.0]


def test_raif_tiers():
    assert [raif_tier(x) for x in (1.0, 0.0, 0.5)] == [2.0, -2.0, 0.5]
    r = LsrReward(raif_tiers=True)
    out = r(prompts=["p"] * 3, completions=["ok", "Not, ok", "Not ok"], spec=[AND_SPEC] * 3)
    assert out == [2.0, -2.0, 0.5]


def test_bad_arguments():
    with pytest.raises(ValueError):
        LsrReward(mode="weird")
    with pytest.raises(ValueError):
        LsrReward(on_error="raise")
    with pytest.raises(ValueError):
        LsrReward(gamma=1.5)
