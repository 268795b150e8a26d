"""Soft constraints reach a judge from every entry point: Python, LsrReward, lsr check, lsr train's config."""
import pickle

import pytest

import lsr_dsl
from lsr_dsl.cli import main
from lsr_dsl.judges import CallableJudge, TransformersJudge
from lsr_dsl.reward import LsrReward

SPEC = 'tone("formal") AND no_comma'


def test_reward_without_a_judge_scores_soft_constraints_as_errors():
    r = LsrReward(spec=SPEC)
    assert r(completions=["Dear Sir"]) == [0.0]
    assert r.stats["errors"] == 1


def test_reward_passes_its_judge_to_soft_constraints():
    r = LsrReward(spec=SPEC, judge=CallableJudge(lambda q, resp: "formal" in q and resp.startswith("Dear")))
    assert r(completions=["Dear Sir", "yo dude"]) == [1.0, 0.5]
    assert r.stats["errors"] == 0


def test_a_judge_named_by_path_is_reloaded_after_pickling(tmp_path):
    r = LsrReward(spec=SPEC, judge=str(tmp_path / "judge-model"))
    clone = pickle.loads(pickle.dumps(r))
    assert clone.judge == r.judge and clone._judge_obj is None


def test_transformers_judge_pickles_without_weights():
    j = TransformersJudge("some/model")
    j.model, j.tokenizer = object(), object()  # stand-ins for loaded weights
    state = j.__getstate__()
    assert state["model"] is None and state["tokenizer"] is None and state["model_name_or_path"] == "some/model"


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    from lsr_dsl.training.tiny_model import make_tiny_model

    out = tmp_path_factory.mktemp("judge") / "tiny"
    make_tiny_model(out)
    return out


def test_lsr_check_judge_flag_scores_soft_constraints(tmp_path, tiny_model, capsys):
    spec = tmp_path / "soft.lsr"
    spec.write_text(SPEC)
    resp = tmp_path / "r.txt"
    resp.write_text("Dear Sir thank you")
    assert main(["check", str(spec), str(resp)]) == 2  # no judge: a verifier error
    assert "--judge MODEL" in capsys.readouterr().err
    code = main(["check", str(spec), str(resp), "--judge", str(tiny_model), "--json"])
    out = capsys.readouterr().out
    import json

    trace = json.loads(out)
    tone = trace["root"]["children"][0]
    assert tone["name"] == "tone" and 0.0 <= tone["score"] <= 1.0 and "error" not in tone
    assert code in (0, 1)
