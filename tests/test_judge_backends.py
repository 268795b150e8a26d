"""The classifier and entry-point backends, and one way to name a judge (make_judge) everywhere."""
import math
import sys
import textwrap

import pytest

from lsr_dsl.judges.classifier import ClassifierJudge
from lsr_dsl.judges.config import make_judge
from lsr_dsl.judges.function import CallableJudge
from lsr_dsl.language.errors import LsrRuntimeError
from lsr_dsl.reward import LsrReward

Q = "Is the tone of the response formal?"


@pytest.fixture(scope="module")
def tiny_classifier(tmp_path_factory):
    import torch
    from transformers import AutoTokenizer, LlamaForSequenceClassification

    from lsr_dsl.training.tiny_model import make_tiny_model

    base = tmp_path_factory.mktemp("cls") / "tiny"
    make_tiny_model(base)
    torch.manual_seed(0)
    tok = AutoTokenizer.from_pretrained(base)
    model = LlamaForSequenceClassification.from_pretrained(base, num_labels=2)
    model.config.pad_token_id = tok.pad_token_id
    out = base.parent / "classifier"
    model.save_pretrained(out)
    tok.save_pretrained(out)
    return str(out)


def test_classifier_judge_batches_and_matches_single_calls(tiny_classifier):
    j = make_judge(f"classifier:{tiny_classifier}", batch_size=3)
    assert isinstance(j, ClassifierJudge)
    pairs = [(Q, "Dear Sir"), (Q, "yo"), ("Is it short?", "a longer response with several words"), (Q, "Regards")]
    got = j.judge_batch(pairs)
    assert j.forward_passes == math.ceil(4 / 3)
    assert got == pytest.approx([j(q, r) for q, r in pairs], abs=1e-4)
    assert all(0.0 < p < 1.0 for p in got) and len(set(round(p, 6) for p in got)) > 1


def test_classifier_threshold_in_a_reward(tiny_classifier):
    j = ClassifierJudge(tiny_classifier)
    p = j(Q, "Dear Sir")
    r = LsrReward(spec=f'tone("formal", threshold={min(1.0, p + 0.01):.4f})', judge=j)
    assert r(completions=["Dear Sir"]) == [0.0]
    r = LsrReward(spec=f'tone("formal", threshold={max(0.0001, p - 0.01):.4f})', judge=j)
    assert r(completions=["Dear Sir"]) == [1.0]


def test_missing_classifier_directory_is_a_clear_error(tmp_path):
    with pytest.raises(LsrRuntimeError, match=r"judge classifier:.*nope failed: no such directory"):
        make_judge(f"classifier:{tmp_path}/nope")("q", "r")


def test_py_and_entrypoint_judges(tmp_path, monkeypatch):
    pkg = tmp_path / "myjudges.py"
    pkg.write_text("def polite(q, r):\n    return 1.0 if 'please' in r else 0.0\n")
    dist = tmp_path / "myjudges-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: myjudges\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[lsr_dsl.judges]\npolite = myjudges:polite\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    j = make_judge("py:myjudges:polite")
    assert isinstance(j, CallableJudge) and j("q", "please") == 1.0
    e = make_judge("entrypoint:polite")
    assert e("q", "no") == 0.0 and e("q", "please") == 1.0
    with pytest.raises(LsrRuntimeError, match="no judge named 'polit' .*did you mean 'polite'"):
        make_judge("entrypoint:polit")


def test_unknown_kinds_and_imports_are_clear_errors():
    with pytest.raises(LsrRuntimeError, match="unknown judge kind 'clasifier'.*did you mean 'classifier'"):
        make_judge("clasifier:x")
    with pytest.raises(LsrRuntimeError, match="could not be imported"):
        make_judge("py:no_such_module_xyz:f")
    with pytest.raises(LsrRuntimeError, match="non-empty"):
        make_judge("")


def test_lsr_check_soft_policy_and_judge_kinds(tmp_path, capsys):
    from lsr_dsl.cli import main

    spec = tmp_path / "s.lsr"
    spec.write_text('no_comma AND tone("formal")')
    resp = tmp_path / "r.txt"
    resp.write_text("Dear Sir")
    assert main(["check", str(spec), str(resp)]) == 2
    err = capsys.readouterr().err
    assert "soft constraint(s) tone need a judge" in err and "--soft skip" in err and "Traceback" not in err
    assert main(["check", str(spec), str(resp), "--soft", "skip"]) == 0
    assert "1 response skipped" in capsys.readouterr().err
    assert main(["check", str(spec), str(resp), "--judge", "clasifier:x"]) == 2
    assert "did you mean 'classifier'" in capsys.readouterr().err
    (tmp_path / "fj_check.py").write_text("def formal(q, r):\n    return 1.0 if r.startswith('Dear') else 0.0\n")
    sys.path.insert(0, str(tmp_path))
    try:
        assert main(["check", str(spec), str(resp), "--judge", "py:fj_check:formal"]) == 0
    finally:
        sys.path.remove(str(tmp_path))


def test_training_config_takes_judge_options_and_rejects_bad_ones(tmp_path):
    import textwrap

    from lsr_dsl.language.errors import LsrConfigError
    from lsr_dsl.training.config import load_config

    p = tmp_path / "c.yaml"
    p.write_text(textwrap.dedent("""\
        model: m
        dataset: d.jsonl
        reward:
          judge: http://127.0.0.1:8000/v1#qwen
          judge_batch_size: 32
          judge_cache: runs/judge.sqlite
          soft: skip
        """))
    cfg = load_config(p)
    assert (cfg.reward.judge_batch_size, cfg.reward.judge_cache, cfg.reward.soft) == (32, "runs/judge.sqlite", "skip")
    p.write_text(p.read_text().replace("soft: skip", "soft: ignore"))
    with pytest.raises(LsrConfigError, match="reward.soft"):
        load_config(p)
