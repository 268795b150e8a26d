"""``lsr serve``: real HTTP against servers started on free 127.0.0.1 ports, and OpenRLHF's reward_func file."""
from __future__ import annotations

import concurrent.futures
import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn
from hypothesis import given, settings
from hypothesis import strategies as st

import lsr_dsl
from lsr_dsl.evaluation import score_row
from lsr_dsl.language.interchange import to_json
from lsr_dsl.rewards.remote import DEFAULT_EOS_TEXTS, ScoringOptions, response_of, strip_eos
from lsr_dsl.rewards.server import ServeConfig, create_app

ROOT = Path(__file__).resolve().parents[1]

SPEC_ROWS = [  # (label, response)
    ("words >= 3 AND no_comma", "one two three four"),
    ("words >= 3 AND no_comma", "one, two"),
    ('words >= 2 THEN ends_with("bye")', "hello there bye"),
    ('words >= 2 THEN ends_with("bye")', "hello there"),
    ('IF prompt contains("French") THEN lowercase ELSE no_comma', "hello, there"),
    (to_json(lsr_dsl.loads("lowercase AND words <= 5")), "all lower case here"),
    ({"spec": "sentences >= 2", "prompt": "Write two sentences."}, "One. Two."),
]
GROUND_TRUTH_ROWS = [  # the RLVR / IFEval forms lsr eval reads
    (json.dumps([{"instruction_id": ["punctuation:no_comma", "length_constraints:number_words"],
                  "kwargs": [None, {"relation": "at least", "num_words": 3}]}]), "no commas in here at all"),
    (str([{"instruction_id": ["change_case:english_lowercase"], "kwargs": [None]}]), "Not Lower"),
    ({"func_name": "validate_lowercase"}, "all lower"),
    ({"func_name": "verify_keywords", "keyword_list": ["apple", "pear"]}, "an apple and a pear"),
    ({"instruction_id_list": ["startend:end_checker"], "kwargs": [{"end_phrase": "Is there anything else?"}]},
     "Done. Is there anything else?"),
    ({"ground_truth": json.dumps({"func_name": "validate_title"})}, "<<Title>> body"),
]
ALL_ROWS = SPEC_ROWS + GROUND_TRUTH_ROWS


GT_KEYS = ("func_name", "instruction_id_list", "instruction_id", "ground_truth")


def in_process(label, response, prompt=None):
    """What `lsr eval` scores for the same row."""
    if isinstance(label, str) and label.lstrip()[:1] == "{":
        decoded = json.loads(label)
        if any(k in decoded for k in GT_KEYS):
            label = decoded
    if isinstance(label, dict) and "spec" in label:
        prompt, label = label.get("prompt"), label["spec"]
    if isinstance(label, dict) and not any(k in label for k in GT_KEYS):
        return lsr_dsl.compile_any(label).evaluate(response, prompt=prompt).score
    row = {"response": response}
    if isinstance(label, dict) and "instruction_id_list" in label:
        row.update(label)
    elif isinstance(label, dict) and "ground_truth" in label:
        row["ground_truth"] = label["ground_truth"]
    elif isinstance(label, dict) or label.lstrip().startswith("["):
        row["ground_truth"] = label
    else:
        row["spec"] = label
    if prompt is not None:
        row["prompt"] = prompt
    out = score_row(row, 1)
    assert "error" not in out, out
    return out["score"]


class Running:
    """A server on a free 127.0.0.1 port, in a thread of this process."""

    def __init__(self, config: ServeConfig):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(create_app(config), log_level="warning", access_log=False))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> "Running":
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(30)
        self.sock.close()

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60)


@pytest.fixture(scope="module")
def server():
    with Running(ServeConfig(workers=0, max_rows=600, max_body_bytes=2 * 1024 * 1024)) as s:
        yield s


@pytest.fixture(scope="module")
def zero_server():
    with Running(ServeConfig(workers=0, on_error="zero")) as s:
        yield s


@pytest.fixture(scope="module")
def pool_server():
    with Running(ServeConfig(workers=2)) as s:
        yield s


def openrlhf_body(rows, prompt="<|im_start|>user\nDo it.<|im_end|>\n<|im_start|>assistant\n", eos="<|im_end|>"):
    return {"query": [prompt + r + eos for _, r in rows], "prompts": [prompt] * len(rows), "labels": [lab for lab, _ in rows]}


# --------------------------------------------------------------------------- OpenRLHF shapes


def test_openrlhf_0_11_single_row_requests_match_in_process_scores(server):
    with server.client() as c:
        for label, response in ALL_ROWS:
            r = c.post("/get_reward", json=openrlhf_body([(label, response)]))
            assert r.status_code == 200, r.text
            body = r.json()
            expected = in_process(label, response)
            assert body["rewards"] == [pytest.approx(expected)] and body["scores"] == body["rewards"]
            assert set(body["extra_logs"]) == {"lsr_all_pass", "lsr_error", "lsr_leaf_pass_rate"}
            assert body["extra_logs"]["lsr_all_pass"] == [1.0 if expected >= 1.0 else 0.0]
            assert body["extra_logs"]["lsr_error"] == [0.0]


def test_openrlhf_0_8_whole_batch_with_eos_and_bos_text(server):
    endings = ["<|im_end|>", "</s>", "<|eot_id|>", "<|im_end|>\n<|endoftext|>", ""]
    prompt = "[INST] Answer. [/INST]"
    query, prompts, labels, expected = [], [], [], []
    for i, (label, response) in enumerate(ALL_ROWS * 3):
        query.append("<s>" + prompt + response + endings[i % len(endings)])
        prompts.append(prompt)
        labels.append(label)
        expected.append(in_process(label, response))
    r = server.client().post("/get_reward", json={"query": query, "prompts": prompts, "labels": labels})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["rewards"] == pytest.approx(expected)
    for values in body["extra_logs"].values():  # numbers only, one per row (OpenRLHF wraps them in torch.tensor)
        assert len(values) == len(query) and all(type(v) is float for v in values)


def test_the_eos_text_matters_for_counts_and_endings(server):
    label = 'ends_with("bye") AND words == 2'
    r = server.client().post("/get_reward", json={"query": ["P: good bye<|eot_id|>"], "prompts": ["P:"], "labels": [label]})
    assert r.json()["rewards"] == [1.0]


def test_if_prompt_conditions_read_the_trainers_prompt_unless_the_label_has_one(server):
    label = 'IF prompt contains("French") THEN lowercase ELSE no_comma'
    body = {"query": ["Answer in French: hi, there", "Answer: hi, there", "Answer: hi, there"],
            "prompts": ["Answer in French:", "Answer:", "Answer:"],
            "labels": [label, label, {"spec": label, "prompt": "in French"}]}
    assert server.client().post("/get_reward", json=body).json()["rewards"] == [1.0, 0.0, 1.0]


@settings(max_examples=200, deadline=None)
@given(prompt=st.text(max_size=30), response=st.text(max_size=60),
       eos=st.lists(st.sampled_from(DEFAULT_EOS_TEXTS), max_size=3), gap=st.sampled_from(["", "\n", " \n"]))
def test_response_of_recovers_the_response(prompt, response, eos, gap):
    if any(response.rstrip().endswith(t) for t in DEFAULT_EOS_TEXTS):
        return  # a response that itself ends in end-of-sequence text is not recoverable, by design
    got = response_of(prompt + response + gap.join(eos), prompt)
    assert got == response
    assert strip_eos(got) == got


def test_a_query_without_its_prompt_names_the_row(server):
    r = server.client().post("/get_reward", json={"query": ["Q: a", "other text"], "prompts": ["Q:", "Q:"], "labels": ["words >= 1"] * 2})
    assert r.status_code == 422
    assert [row["row"] for row in r.json()["rows"]] == [1]
    assert "does not contain its prompt" in r.json()["rows"][0]["error"]


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("content, status, words", [
    (b"{bad json", 400, "malformed JSON at line 1, column 2"),
    (b"[1, 2]", 400, "must be a JSON object, not an array"),
    (b"", 400, "empty"),
    (b"\xff\xfe{}", 400, "not UTF-8"),
    (b'{"query": ["a"], "prompts": ["a"], "label": ["x"]}', 422, "no 'labels' field (did you mean 'label'?)"),
    (b'{"query": "a", "prompts": ["a"], "labels": ["x"]}', 422, "'query' must be an array, not a string"),
    (b'{"query": ["a", "b"], "prompts": ["a"], "labels": ["x", "y"]}', 422, "'prompts' has 1 entries for 2 queries"),
    (b'{"query": ["a", 3], "prompts": ["a", "b"], "labels": ["x", "y"]}', 422, "'query' must be a string"),
    (b"[" * 100000, 400, "malformed JSON"),
])
def test_malformed_bodies_get_a_4xx_that_says_why(server, content, status, words):
    r = server.client().post("/get_reward", content=content, headers={"content-type": "application/json"})
    assert r.status_code == status, r.text
    said = r.json()["error"] + " " + " ".join(row["error"] for row in r.json().get("rows", []))
    assert words in said


def test_an_oversized_request_is_refused_with_413(server):
    big = {"query": ["x" * (3 * 1024 * 1024)], "prompts": [""], "labels": ["words >= 1"]}
    r = server.client().post("/get_reward", json=big)
    assert r.status_code == 413 and "limit is 2097152" in r.json()["error"]
    too_many = openrlhf_body([("words >= 1", "a")] * 601)
    r = server.client().post("/get_reward", json=too_many)
    assert r.status_code == 413 and "601 rows; the limit is 600" in r.json()["error"]


def test_a_bad_spec_row_is_a_422_naming_the_row_with_a_hint(server):
    rows = [("words >= 1", "a b"), ("wrds >= 3", "a b"), ("no_comma", "a"),
            ('[{"instruction_id": ["punctuation:no_coma"], "kwargs": [null]}]', "a"), ("/srv/specs/a.lsr", "a")]
    r = server.client().post("/get_reward", json=openrlhf_body(rows))
    assert r.status_code == 422
    bad = {row["row"]: row["error"] for row in r.json()["rows"]}
    assert set(bad) == {1, 3, 4}
    assert "unknown constraint 'wrds' (did you mean 'words'?)" in bad[1]
    assert "did you mean 'punctuation:no_comma'?" in bad[3]
    assert "looks like a file path" in bad[4]


def test_on_error_zero_scores_bad_rows_zero_and_flags_them(zero_server):
    rows = [("words >= 1", "a b"), ("wrds >= 3", "a b")]
    r = zero_server.client().post("/get_reward", json=openrlhf_body(rows))
    assert r.status_code == 200
    assert r.json()["rewards"] == [1.0, 0.0] and r.json()["extra_logs"]["lsr_error"] == [0.0, 1.0]


def test_a_catastrophic_regex_is_bounded_in_time_and_reported(server, zero_server):
    rows = [('regex("(a|aa)+c", timeout_ms=200)', "a" * 40), ("words >= 1", "fine")]
    start = time.perf_counter()
    r = server.client().post("/get_reward", json=openrlhf_body(rows))
    assert time.perf_counter() - start < 5
    assert r.status_code == 422 and [row["row"] for row in r.json()["rows"]] == [0]
    assert "took longer than 200 ms" in r.json()["rows"][0]["error"]
    r = zero_server.client().post("/get_reward", json=openrlhf_body(rows))
    assert r.json()["rewards"] == [0.0, 1.0] and r.json()["extra_logs"]["lsr_error"] == [1.0, 0.0]


# --------------------------------------------------------------------------- native endpoint, health, metrics


def test_score_endpoint_returns_score_all_pass_and_leaves(server):
    body = {"rows": [{"response": "hello there", "spec": 'words >= 1 THEN ends_with("x")'},
                     {"response": "a b c", "label": "words == 3"},
                     {"response": "x", "ground_truth": {"func_name": "validate_lowercase"}}]}
    r = server.client().post("/score", json=body)
    assert r.status_code == 200, r.text
    first, second, third = r.json()["results"]
    assert first["score"] == pytest.approx(in_process('words >= 1 THEN ends_with("x")', "hello there"))
    assert first["all_pass"] is False and first["structure"] == "then"
    assert [(x["label"], x["passed"]) for x in first["leaves"]] == [("words >= 1", True), ('ends_with("x")', False)]
    assert second["all_pass"] is True and third["score"] == 1.0


def test_score_endpoint_names_unknown_row_fields(server):
    r = server.client().post("/score", json={"rows": [{"response": "a", "spce": "words >= 1"}]})
    assert r.status_code == 422
    assert "unknown field 'spce' (did you mean 'spec'?)" in r.json()["rows"][0]["error"]


def test_health_and_metrics(server):
    with server.client() as c:
        assert c.get("/health").json()["status"] == "ok"
        c.post("/get_reward", json=openrlhf_body([("words >= 1", "a")] * 3))
        text = c.get("/metrics").text
    assert 'lsr_serve_requests_total{endpoint="/get_reward",status="200"}' in text
    rows = [line for line in text.splitlines() if line.startswith('lsr_serve_rows_total{endpoint="/get_reward"}')]
    assert rows and int(rows[0].split()[-1]) >= 3
    assert 'lsr_serve_request_seconds_count{endpoint="/get_reward"}' in text
    assert "lsr_serve_row_errors_total" in text


# --------------------------------------------------------------------------- the worker pool


def test_concurrent_clients_on_the_process_pool(pool_server):
    def one(i):
        label, response = ALL_ROWS[i % len(ALL_ROWS)]
        with httpx.Client(base_url=pool_server.url, timeout=60) as c:
            r = c.post("/get_reward", json=openrlhf_body([(label, response)]))
        return r.status_code, r.json()["rewards"][0], in_process(label, response)

    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        out = list(ex.map(one, range(48)))
    assert all(status == 200 and got == pytest.approx(want) for status, got, want in out)


def test_a_slow_row_does_not_stall_other_requests(pool_server):
    slow = openrlhf_body([('regex("(a|aa)+c", timeout_ms=3000)', "a" * 40)])
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        slow_future = ex.submit(lambda: httpx.post(pool_server.url + "/get_reward", json=slow, timeout=60))
        time.sleep(0.3)
        start = time.perf_counter()
        fast = httpx.post(pool_server.url + "/get_reward", json=openrlhf_body([("words >= 1", "a")]), timeout=60)
        fast_seconds = time.perf_counter() - start
        slow_response = slow_future.result()
    assert fast.status_code == 200 and fast_seconds < 2.0
    assert slow_response.status_code == 422 and "took longer than 3000 ms" in slow_response.text


def test_a_dead_worker_is_a_503_then_the_pool_is_rebuilt(pool_server):
    pool = pool_server.server.config.app.state.pool
    body = openrlhf_body([("words >= 1", "a")] * 16)
    assert httpx.post(pool_server.url + "/get_reward", json=body, timeout=60).status_code == 200
    killed = pool.pids()
    assert killed
    for pid in killed:
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.5)
    r = httpx.post(pool_server.url + "/get_reward", json=body, timeout=60)
    assert r.status_code == 503 and "worker died" in r.json()["error"]
    r = httpx.post(pool_server.url + "/get_reward", json=body, timeout=60)
    assert r.status_code == 200 and r.json()["rewards"] == [1.0] * 16
    assert pool.pids() and not set(pool.pids()) & set(killed)


# --------------------------------------------------------------------------- OpenRLHF's reward_func file


def load_reward_file():
    """As OpenRLHF loads ``--remote_rm_url /path/file.py``."""
    path = ROOT / "lsr_dsl" / "rewards" / "openrlhf.py"
    spec = importlib.util.spec_from_file_location("reward_func", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.reward_func


def test_reward_func_file_matches_the_server(server, monkeypatch):
    monkeypatch.delenv("LSR_REWARD_ON_ERROR", raising=False)
    reward_func = load_reward_file()
    body = openrlhf_body(ALL_ROWS)
    out = reward_func(body["query"], body["prompts"], body["labels"])
    served = server.client().post("/get_reward", json=body).json()
    assert [float(x) for x in out["rewards"]] == pytest.approx(served["rewards"])
    assert set(out["extra_logs"]) == set(served["extra_logs"])
    for key, values in out["extra_logs"].items():
        assert [float(x) for x in values] == pytest.approx(served["extra_logs"][key])
    one = reward_func(body["query"][:1], body["prompts"][:1], body["labels"][:1])  # 0.11: one row per call
    assert [float(x) for x in one["rewards"]] == served["rewards"][:1]


def test_reward_func_file_raises_naming_the_row_unless_zero(monkeypatch):
    reward_func = load_reward_file()
    body = openrlhf_body([("words >= 1", "a"), ("wrds >= 1", "a")])
    monkeypatch.delenv("LSR_REWARD_ON_ERROR", raising=False)
    with pytest.raises(lsr_dsl.LsrError, match=r"row 1: the spec does not compile: 1:1: unknown constraint 'wrds' \(did you mean 'words'\?\)"):
        reward_func(body["query"], body["prompts"], body["labels"])
    monkeypatch.setenv("LSR_REWARD_ON_ERROR", "zero")
    out = reward_func(body["query"], body["prompts"], body["labels"])
    assert [float(x) for x in out["rewards"]] == [1.0, 0.0]
    monkeypatch.setenv("LSR_REWARD_ON_ERROR", "skip")
    with pytest.raises(lsr_dsl.LsrError, match="LSR_REWARD_ON_ERROR='skip': must be raise or zero"):
        reward_func(body["query"], body["prompts"], body["labels"])


# --------------------------------------------------------------------------- the command


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_lsr_serve_command_serves_and_stops_on_sigint():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "lsr_dsl.cli", "serve", "--port", str(port), "--workers", "0",
                             "--log-level", "warning"], stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.poll() is not None else "timeout"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        r = httpx.post(f"http://127.0.0.1:{port}/get_reward", json=openrlhf_body([("no_comma", "a, b")]), timeout=30)
        assert r.json()["rewards"] == [0.0]
        for _ in range(3):  # a trainer retrying: logged once
            r = httpx.post(f"http://127.0.0.1:{port}/get_reward", json=openrlhf_body([("no_comas", "a")]), timeout=30)
            assert r.status_code == 422
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert f"lsr serve: http://127.0.0.1:{port}" in err
    refused = [line for line in err.splitlines() if "lsr_dsl.serve: /get_reward 422" in line]
    assert len(refused) == 1 and "row 0: the spec does not compile: 1:1: unknown constraint 'no_comas' (did you mean 'no_comma'?)" in refused[0]


@pytest.mark.parametrize("argv, words", [
    (["--on-error", "skip"], "invalid choice: 'skip'"),
    (["--gamma", "2"], "gamma must be in [0, 1]"),
    (["--mode", "flt"], "invalid choice: 'flt'"),
    (["--max-rows", "0"], "must be at least 1"),
    (["--port", "70000"], "--port must be in 0..65535"),
])
def test_lsr_serve_bad_options_exit_2(argv, words):
    r = subprocess.run([sys.executable, "-m", "lsr_dsl.cli", "serve", *argv], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and words in r.stderr and "Traceback" not in r.stderr


def test_reward_func_options_come_from_the_environment():
    from lsr_dsl.rewards.openrlhf import options_from_env

    options, on_error = options_from_env({"LSR_REWARD_MODE": "strict", "LSR_REWARD_GAMMA": "0.25",
                                          "LSR_REWARD_EOS_TEXTS": '["<|eos|>"]', "LSR_REWARD_STRIP_THINK": "1"})
    assert (options.mode, options.gamma, options.eos_texts, options.strip_think, on_error) == ("strict", 0.25, ("<|eos|>",), True, "raise")
    for env, words in [({"LSR_REWARD_GAMMA": "3"}, "LSR_REWARD_GAMMA='3': gamma must be in [0, 1]"),
                       ({"LSR_REWARD_MODE": "flt"}, "must be lsrm, flat or strict"),
                       ({"LSR_REWARD_EOS_TEXTS": "<|eos|>"}, "must be a JSON array of strings")]:
        with pytest.raises(lsr_dsl.LsrError, match=re.escape(words)):
            options_from_env(env)


def test_serve_code_is_not_imported_with_lsr_dsl():
    code = "import sys, lsr_dsl, lsr_dsl.cli.main, lsr_dsl.rewards; print([m for m in ('fastapi', 'uvicorn', 'starlette') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env={**os.environ}).stdout
    assert out.strip() == "[]"


def test_scoring_options_are_immutable():
    with pytest.raises(Exception):
        ScoringOptions().mode = "flat"  # type: ignore[misc]


def test_rewards_openrlhf_received_equal_in_process_scores():
    """tests/fixtures/openrlhf_reference.json: what OpenRLHF 0.11.2 and 0.8.11's own client code got from
    `lsr serve` and from the reward_func file (tools/openrlhf_reference.py)."""
    from lsr_dsl.rewards.remote import Scorer

    rows = json.loads((ROOT / "tests" / "fixtures" / "openrlhf_reference.json").read_text())["rows"]
    assert {(r["openrlhf"], r["via"]) for r in rows} == {(v, via) for v in ("0.11.2", "0.8.11") for via in ("http", "reward_func")}
    scorer = Scorer()
    for r in rows:
        assert r["query"].endswith("<|eos|>")  # decoded with special tokens, as OpenRLHF sends it
        assert r["reward"] == pytest.approx(in_process(r["label"], r["response"]))
        assert scorer.score_query(r["query"], r["prompt"], r["label"]).score == pytest.approx(r["reward"])


def test_no_extra_logs_for_openrlhf_0_8():
    with Running(ServeConfig(workers=0, extra_logs=False)) as s:
        body = s.client().post("/get_reward", json=openrlhf_body([("words >= 1", "a")])).json()
    assert body == {"rewards": [1.0], "scores": [1.0]}


def test_program_cache_is_a_bounded_lru_that_remembers_bad_labels():
    from lsr_dsl.rewards.labels import LabelError, ProgramCache

    cache = ProgramCache(2)
    a = cache.get("words >= 1")
    cache.get("words >= 2")
    assert cache.get("words >= 1") is a  # a hit, and now the most recent
    cache.get("words >= 3")  # evicts "words >= 2"
    assert len(cache) == 2 and cache.stats() == (2, 1, 3)
    for _ in range(2):
        with pytest.raises(LabelError, match="did you mean 'words'"):
            cache.get("wrds >= 1")
    assert cache.stats()[1:] == (2, 4)  # the second bad lookup was a hit, not a recompile


@pytest.mark.parametrize("label, words", [
    ("", "the ground truth is empty"),
    (None, "missing"),
    (3, "must be text, a list or an object, not int"),
    ("{not json", "the spec does not compile: 1:2: invalid JSON"),
    ({"kind": "atom"}, "the spec does not compile"),
    ({"spec": "words >= 1", "prompt": 3}, "'prompt' must be a string"),
    ([], "empty list"),
    ({"func_name": "validate_lowercas"}, "did you mean 'validate_lowercase'"),
    ("specs/a.json", "files named in a label are not read"),
])
def test_unreadable_labels_say_why(label, words):
    from lsr_dsl.rewards.labels import LabelError, compile_label

    with pytest.raises(LabelError, match=re.escape(words)):
        compile_label(label)
