"""Soft (model-judged) constraints and lsr_dsl.judge."""
from __future__ import annotations

import math
import sys
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from lsr_dsl.constraints import soft  # noqa: F401  (registers)
from lsr_dsl.constraints.registry import REGISTRY, Verdict
from lsr_dsl.language.errors import LsrRuntimeError
from lsr_dsl.judges import CallableJudge, Judge, TransformersJudge, current_judge, use_judge
from lsr_dsl.text import Text


def run(name: str, text: str, /, **params) -> Verdict:
    c = REGISTRY.get(name)
    return c.check(c.params(**params), Text(text))


def test_registered_as_soft():
    for name, pos in (("tone", ("tone",)), ("judge", ("question",))):
        c = REGISTRY.get(name)
        assert c.kind == "soft" and c.family == "soft" and c.positional == pos


def test_no_judge_raises_runtime_error():
    assert current_judge() is None
    with pytest.raises(LsrRuntimeError, match="constraint 'tone' is judged by a model; no judge is configured"):
        run("tone", "Dear Sir,", tone="formal")
    with pytest.raises(LsrRuntimeError, match="'judge'"):
        run("judge", "x", question="Is it good?")


def test_score_is_probability_and_question_is_passed():
    seen = []

    def fn(question, response):
        seen.append((question, response))
        return 0.75

    with use_judge(CallableJudge(fn)) as j:
        assert current_judge() is j
        v = run("tone", "Dear Sir,", tone="  formal ")
        assert v.score == 0.75 and not v.passed and "0.75" in v.reason
        assert seen == [("Is the tone of the response formal?", "Dear Sir,")]
        assert run("judge", "x", question="Is it short?", threshold=0.7).passed
        assert not run("judge", "x", question="Is it short?", threshold=0.8).passed
    assert current_judge() is None


def test_nested_and_thread_local_judges():
    with use_judge(CallableJudge(lambda q, r: 1.0)):
        with use_judge(CallableJudge(lambda q, r: 0.0)):
            assert run("judge", "x", question="q?").score == 0.0
        assert run("judge", "x", question="q?").score == 1.0
        out = []
        t = threading.Thread(target=lambda: out.append(current_judge()))
        t.start()
        t.join()
        assert out == [None]  # a new thread starts with an empty context


def test_callable_judge_clamps_and_rejects_garbage():
    assert CallableJudge(lambda q, r: True)("q", "r") == 1.0
    assert CallableJudge(lambda q, r: 7)("q", "r") == 1.0
    assert CallableJudge(lambda q, r: -1)("q", "r") == 0.0
    with pytest.raises(LsrRuntimeError):
        CallableJudge(lambda q, r: math.nan)("q", "r")
    with pytest.raises(LsrRuntimeError):
        CallableJudge(lambda q, r: "yes")("q", "r")
    assert isinstance(CallableJudge(lambda q, r: 0.5), Judge)


def test_judge_exception_becomes_runtime_error():
    def boom(q, r):
        raise RuntimeError("model crashed")

    with use_judge(boom):
        with pytest.raises(LsrRuntimeError, match="model crashed"):
            run("judge", "x", question="q?")


def test_same_question_judged_once_per_text():
    calls = []
    with use_judge(CallableJudge(lambda q, r: calls.append(q) or 0.5)):
        t = Text("hello")
        c = REGISTRY.get("tone")
        p = c.params(tone="formal")
        c.check(p, t)
        c.check(p, t)
    assert len(calls) == 1


@pytest.mark.parametrize(
    "name, params",
    [("tone", {"tone": ""}), ("tone", {"tone": "x" * 200}), ("judge", {"question": "  "}),
     ("judge", {"question": "q?", "threshold": 0}), ("judge", {"question": "q?", "threshold": 1.5}),
     ("judge", {"question": "q?", "extra": 1})],
)
def test_invalid_params(name, params):
    with pytest.raises(ValidationError):
        REGISTRY.get(name).params(**params)


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=200), p=st.floats(min_value=0, max_value=1))
def test_property_score_in_unit_interval(text, p):
    with use_judge(CallableJudge(lambda q, r: p)):
        for name, params in (("tone", {"tone": "formal"}), ("judge", {"question": "Is it polite?"})):
            v = run(name, text, **params)
            assert 0.0 <= v.score <= 1.0 and v.reason


# -- TransformersJudge with a tiny fake (no download, no torch needed) ------------------

class FakeTokenizer:
    chat_template = None
    VOCAB = {"YES": 0, "Yes": 1, "yes": 2, "NO": 3, "No": 4, "no": 5}

    def __init__(self):
        self.prompts = []

    def encode(self, text, add_special_tokens=False):
        word = text.strip()
        return [self.VOCAB.get(word, 9)]

    def __call__(self, text, return_tensors=None, add_special_tokens=False):
        self.prompts.append(text)
        return {"input_ids": [[7, 8]]}


class FakeOutput:
    def __init__(self, logits):
        self.logits = logits


class FakeModel:
    """Logits favour YES when the prompt's response contains 'Dear'."""

    def __init__(self, tok):
        self.tok = tok

    def __call__(self, input_ids=None, **_):
        yes = 2.0 if "Dear" in self.tok.prompts[-1] else -2.0
        row = [yes, yes - 1, yes - 1, 0.0, -1.0, -1.0, 0.0, 0.0, 0.0, 5.0]
        return FakeOutput([[[0.0] * 10, row]])


def test_transformers_judge_with_fake_model():
    tok = FakeTokenizer()
    judge = TransformersJudge(model=FakeModel(tok), tokenizer=tok)
    hi = judge("Is the tone of the response formal?", "Dear Sir, ...")
    lo = judge("Is the tone of the response formal?", "yo what's up")
    assert 0.5 < hi < 1.0 and 0.0 < lo < 0.5
    assert "Question: Is the tone of the response formal?" in tok.prompts[0]
    assert tok.prompts[0].endswith("Answer:")
    # the token YES/NO distribution only: large logit on an unrelated token (id 9) is ignored
    with use_judge(judge):
        assert run("tone", "Dear Sir", tone="formal").score == pytest.approx(hi)


def test_transformers_judge_uses_chat_template():
    tok = FakeTokenizer()
    tok.chat_template = "x"
    tok.apply_chat_template = lambda msgs, tokenize, add_generation_prompt: "<user>" + msgs[0]["content"] + "<assistant>"
    judge = TransformersJudge(model=FakeModel(tok), tokenizer=tok)
    judge("q?", "r")
    assert tok.prompts[-1].startswith("<user>") and tok.prompts[-1].endswith("<assistant>")


def test_transformers_judge_is_lazy():
    j = TransformersJudge("some/model-that-is-never-loaded")
    assert j.model is None and j.tokenizer is None
    with pytest.raises(ValueError):
        TransformersJudge()
    with pytest.raises(ValueError):
        TransformersJudge("m", template="no placeholders")


def test_importing_lsr_dsl_does_not_import_transformers():
    import subprocess

    code = "import sys, lsr_dsl.constraints, lsr_dsl.judge, lsr_dsl.compiler.catalogue; print('transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- the judge's prompt fits the judge model's context ---------------------------------------

def test_judge_prompt_is_cut_to_the_models_context(tmp_path):
    pytest.importorskip("torch")
    from lsr_dsl.training.tiny_model import make_tiny_model

    make_tiny_model(tmp_path / "tiny")
    judge = TransformersJudge(str(tmp_path / "tiny"))
    judge._load()
    limit = judge.context_limit()
    assert limit == 512  # the tiny model's max_position_embeddings
    question = "Is the tone of the response formal?"
    long_response = " ".join(f"word{i}" for i in range(3000))
    text = judge.prompt(question, long_response)
    assert judge._n_tokens(text) <= limit
    assert long_response[:40] in text and long_response[-40:] not in text  # the start is kept
    assert text.index("[…truncated]") < text.index("Question: " + question)  # the question is whole
    assert "Answer with a single word, YES or NO." in text
    p = judge(question, long_response)  # runs within the context
    assert 0.0 <= p <= 1.0
    short = judge.prompt(question, "Dear Sir")
    assert "[…truncated]" not in short and "Dear Sir" in short


def test_judge_context_limit_option_and_too_long_question():
    tok = FakeTokenizer()
    judge = TransformersJudge(model=FakeModel(tok), tokenizer=tok)
    assert judge.context_limit() is None  # unknown: nothing is cut
    with pytest.raises(ValueError, match="max_context_tokens"):
        TransformersJudge("m", max_context_tokens=0)


def test_judge_template_longer_than_context_is_a_clear_error(tmp_path):
    pytest.importorskip("torch")
    from lsr_dsl.language.errors import LsrRuntimeError
    from lsr_dsl.training.tiny_model import make_tiny_model

    make_tiny_model(tmp_path / "tiny")
    judge = TransformersJudge(str(tmp_path / "tiny"), max_context_tokens=20)
    judge._load()
    with pytest.raises(LsrRuntimeError, match="more than the judge model's context of 20"):
        judge.prompt("Is it formal? " * 20, "text " * 100)
