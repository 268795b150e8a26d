"""The OpenAI-compatible HTTP judge against a real server on 127.0.0.1 serving the tiny model."""
import math
import time

import pytest

from lsr_dsl.judges.batching import JudgeScheduler
from lsr_dsl.judges.config import make_judge
from lsr_dsl.judges.http import OpenAIJudge, p_yes_from_top_logprobs
from lsr_dsl.language.errors import LsrRuntimeError
from lsr_dsl.reward import LsrReward

from tests.judge_http_server import make_app, serve

Q = "Is the tone of the response formal?"


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    from lsr_dsl.training.tiny_model import make_tiny_model

    out = tmp_path_factory.mktemp("http-judge") / "tiny"
    make_tiny_model(out)
    return str(out)


@pytest.fixture(scope="module")
def server(tiny_model):
    app = make_app(tiny_model)
    with serve(app) as url:
        yield url, app


def test_p_yes_from_logprobs_reads_yes_and_no_prefixes():
    top = [{"token": " Y", "logprob": math.log(0.3)}, {"token": "no", "logprob": math.log(0.1)},
           {"token": "maybe", "logprob": math.log(0.5)}]
    assert p_yes_from_top_logprobs(top) == pytest.approx(0.75)
    assert p_yes_from_top_logprobs([{"token": "maybe", "logprob": 0.0}]) is None


def test_http_judge_scores_a_batch_concurrently_against_the_real_server(server):
    url, app = server
    judge = make_judge(url + "#tiny", top_logprobs=512, concurrency=4)
    assert isinstance(judge, OpenAIJudge)
    pairs = [(Q, f"Dear Sir, letter {i}") for i in range(6)] + [(Q, "yo")]
    before = app.state.requests
    got = judge.judge_batch(pairs)
    assert app.state.requests - before == 7
    assert all(0.0 < p < 1.0 for p in got)
    assert got == pytest.approx([judge(q, r) for q, r in pairs])  # deterministic, order kept
    assert got[0] != got[-1]  # the answer depends on the response


def test_http_judge_through_the_reward_and_cache(server):
    url, app = server
    judge = OpenAIJudge(url, model="tiny", top_logprobs=512)
    r = LsrReward(spec='no_comma AND tone("formal")', judge=judge, judge_batch_size=4)
    before = app.state.requests
    rewards = r(completions=["a b", "c d", "a b"])
    assert app.state.requests - before == 2 and r.stats["errors"] == 0
    assert all(0.5 < x < 1.0 for x in rewards)
    r(completions=["a b", "c d"])
    assert app.state.requests - before == 2  # cached


def test_text_answers_when_the_server_gives_no_logprobs(tiny_model):
    with serve(make_app(tiny_model, "text")) as url:
        judge = OpenAIJudge(url)
        assert judge.judge_batch([(Q, "Dear Sir"), (Q, "yo")]) == [1.0, 0.0]


def test_a_server_returning_errors_is_retried_then_named(tiny_model):
    app = make_app(tiny_model, "error")
    with serve(app) as url:
        judge = OpenAIJudge(url, retries=2, backoff=0.01)
        with pytest.raises(LsrRuntimeError, match=r"judge http://127\.0\.0\.1:\d+/v1 failed after 3 attempts: HTTP 500"):
            judge(Q, "Dear Sir")
        assert app.state.requests == 3
        sched = JudgeScheduler(judge, 4)
        with pytest.raises(LsrRuntimeError, match="HTTP 500"):
            sched.score([(Q, "x")])


def test_a_flaky_server_succeeds_after_a_retry(tiny_model):
    app = make_app(tiny_model, "flaky")
    with serve(app) as url:
        p = OpenAIJudge(url, retries=1, backoff=0.01, top_logprobs=512)(Q, "Dear Sir")
        assert 0.0 < p < 1.0 and app.state.requests == 2


def test_a_slow_server_times_out_with_a_clear_error(tiny_model):
    with serve(make_app(tiny_model, "slow", delay=1.5)) as url:
        judge = OpenAIJudge(url, timeout=0.2, retries=1, backoff=0.01)
        start = time.monotonic()
        with pytest.raises(LsrRuntimeError, match=r"failed after 2 attempts: no answer within 0\.2 s \(timeout\)"):
            judge(Q, "Dear Sir")
        assert time.monotonic() - start < 1.4


def test_a_server_that_is_down_is_named():
    judge = OpenAIJudge("http://127.0.0.1:9/v1", retries=0, timeout=2)
    with pytest.raises(LsrRuntimeError, match=r"judge http://127\.0\.0\.1:9/v1 failed after 1 attempts: ConnectError"):
        judge(Q, "x")
