"""The verl adapter, called the way verl's NaiveRewardManager calls a custom reward function."""
from __future__ import annotations

import functools
import importlib.util
import json

import pytest

import lsr_dsl
from lsr_dsl import verl as lsr_verl

SPEC = "no_comma AND lowercase(english=false)"


def load_like_verl(name: str = "compute_score", **reward_kwargs):
    """What verl's get_custom_reward_fn does: import the file by path, take the function by name,
    and bind custom_reward_function.reward_kwargs with functools.partial."""
    spec = importlib.util.spec_from_file_location("custom_module", lsr_verl.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fn = getattr(module, name)
    return functools.partial(fn, **reward_kwargs) if reward_kwargs else fn


def test_naive_reward_manager_call():
    compute_score = load_like_verl()
    # NaiveRewardManager: compute_score(data_source=..., solution_str=..., ground_truth=..., extra_info=...)
    s = compute_score(data_source="lsr", solution_str="all good here", ground_truth=SPEC, extra_info={"index": 0})
    assert s == 1.0 and isinstance(s, float)
    s = compute_score(data_source="lsr", solution_str="Not, good", ground_truth=SPEC, extra_info=None)
    assert s == 0.0


def test_prompt_from_extra_info_and_ground_truth_dict():
    compute_score = load_like_verl()
    spec = 'IF prompt contains("code") THEN words <= 2 ELSE no_comma'
    assert compute_score(data_source="x", solution_str="a b c", ground_truth=spec,
                         extra_info={"prompt": "write code"}) == 0.0
    assert compute_score(data_source="x", solution_str="a b c", ground_truth=spec,
                         extra_info={"prompt": "chat"}) == 1.0
    gt = json.dumps({"spec": spec, "prompt": "write code"})
    assert compute_score(data_source="x", solution_str="a b", ground_truth=gt) == 1.0
    assert compute_score(data_source="x", solution_str="a b", ground_truth={"spec": spec, "prompt": "chat"}) == 1.0


def test_ast_json_ground_truth_and_path(tmp_path):
    from lsr_dsl.language.interchange import to_json

    ast = to_json(lsr_dsl.loads(SPEC))
    f = tmp_path / "spec.lsr"
    f.write_text(SPEC)
    for gt in (json.dumps(ast), ast, str(f)):
        assert lsr_verl.compute_score("lsr", "Hello, there", gt, {}) == 0.0
        assert lsr_verl.compute_score("lsr", "hello there", gt, {}) == 1.0


def test_reward_kwargs_mode_gamma_and_think():
    spec = "lowercase(english=false) THEN words < 5"
    flat = load_like_verl(mode="flat")(data_source="x", solution_str="Hi there", ground_truth=spec)
    lsrm = load_like_verl(mode="lsrm", gamma=0.5)(data_source="x", solution_str="Hi there", ground_truth=spec)
    assert flat == pytest.approx(0.5) and lsrm < flat
    think = load_like_verl(strip_think=True)
    assert think(data_source="x", solution_str="<think>Plan, Then</think>ok", ground_truth=SPEC) == 1.0


def test_unreadable_rows_raise_by_default_and_score_zero_on_request():
    from lsr_dsl.rewards.verl import RewardDataError

    with pytest.raises(RewardDataError, match=r"row \(data_source 'x', spec 'not a valid spec \(\('\): spec does not compile"):
        lsr_verl.compute_score("x", "text", "not a valid spec ((", None)
    with pytest.raises(RewardDataError, match="the ground truth is empty"):
        lsr_verl.compute_score("x", "text", None, None)
    assert lsr_verl.compute_score("x", None, SPEC, None) in (0.0, 0.5, 1.0)  # a None response is the empty text
    assert lsr_verl.compute_score("x", "text", "not a valid spec ((", None, on_error="zero") == 0.0
    assert lsr_verl.compute_score("x", "text", None, None, on_error="zero") == 0.0
    d = load_like_verl("compute_score_detailed")(data_source="x", solution_str="ok", ground_truth=SPEC)
    assert (d["score"], d["all_pass"], d["error"]) == (1.0, 1.0, 0.0)
    d = lsr_verl.compute_score_detailed("x", "ok", "bad ((", None, on_error="zero")
    assert d["score"] == 0.0 and d["error"] == 1.0


@pytest.mark.parametrize("kwargs, match", [
    ({"mode": "bogus"}, "mode must be one of"),
    ({"gamma": 7}, r"gamma must be in \[0, 1\]"),
    ({"gamma": "0.5"}, "gamma must be a number"),
    ({"strip_think": "yes"}, "strip_think must be true or false"),
    ({"raif_tiers": "false"}, "raif_tiers must be true or false"),
    ({"on_error": "skip"}, "on_error must be one of raise, zero"),
    ({"on_error": "zeros"}, "did you mean 'zero'"),
])
def test_invalid_reward_kwargs_raise(kwargs, match):
    from lsr_dsl.language.errors import LsrConfigError

    for name in ("compute_score", "compute_score_detailed"):
        fn = load_like_verl(name, **kwargs)
        with pytest.raises(LsrConfigError, match=match) as ei:
            fn(data_source="x", solution_str="ok", ground_truth=SPEC)
        assert "reward_kwargs" in str(ei.value) and isinstance(ei.value, ValueError)


def test_unknown_reward_kwargs_warned_once(caplog):
    fn = load_like_verl(stip_think=True, mode="flat")
    with caplog.at_level("WARNING"):
        assert fn(data_source="x", solution_str="<think>a b</think>ok, no", ground_truth=SPEC) == 0.5
        assert fn(data_source="x", solution_str="ok", ground_truth=SPEC) == 1.0
    msgs = [r.getMessage() for r in caplog.records if "stip_think" in r.getMessage()]
    assert len(msgs) == 1 and "ignored" in msgs[0] and "did you mean 'strip_think'" in msgs[0]
    caplog.clear()
    with caplog.at_level("WARNING"):  # what verl's reward loop passes itself is not reported
        assert lsr_verl.compute_score("x", "ok", SPEC, None, reward_router_address=None,
                                      reward_model_tokenizer=None) == 1.0
    assert not caplog.records
