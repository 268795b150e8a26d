"""The verl adapter replayed against verl 0.9.1's own calls (no verl needed here).

``tests/fixtures/verl/verl_0_9_1_calls.json`` was written by ``tools/verl_reference.py``, which
ran verl's legacy ``NaiveRewardManager`` and ``BatchRewardManager`` and the 0.9 reward loop's
``NaiveRewardManager`` (rows in flight together in a thread pool) in-process on a ``DataProto``,
with lsr's ``compute_score`` loaded by path as verl loads it. Every call verl made is stored with
its exact argument types (numpy object arrays, dicts edited by verl) and what it returned.
"""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from lsr_dsl.evaluation import evaluate_rows
from lsr_dsl.rewards import verl as lsr_verl
from lsr_dsl.rewards.details import fixed_key_names

FIXTURE = Path(__file__).parent / "fixtures" / "verl" / "verl_0_9_1_calls.json"
RECORD = json.loads(FIXTURE.read_text(encoding="utf-8"))
MANAGERS = RECORD["managers"]


def decode(value):
    """The inverse of tools/verl_reference.py's encode: numpy arrays come back as numpy arrays."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        if "__ndarray__" in value:
            items = [decode(v) for v in value["__ndarray__"]]
            if value["dtype"] == "object":
                arr = np.empty(len(items), dtype=object)
                for i, v in enumerate(items):
                    arr[i] = v
                return arr
            return np.array(items, dtype=value["dtype"])
        if "__npscalar__" in value:
            return np.array(value["__npscalar__"], dtype=value["dtype"])[()]
        if "__dict__" in value:
            return {k: decode(v) for k, v in value["__dict__"].items()}
    return value


def kwargs_of(call: dict) -> dict:
    return {k: decode(v) for k, v in call["kwargs"].items()}


def replay(manager_key: str, call: dict):
    fn = getattr(lsr_verl, manager_key.split("/")[1])
    return fn(*decode(call["args"]), **kwargs_of(call))


def close(a, b) -> bool:
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(close(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
    return a == pytest.approx(b, abs=1e-9)


def test_fixture_names_its_reference():
    assert RECORD["reference"].startswith("verl 0.9.1")
    assert set(MANAGERS) >= {"legacy_naive/compute_score", "legacy_batch/compute_score",
                             "reward_loop_naive/compute_score", "legacy_batch/compute_score_detailed"}


@pytest.mark.parametrize("key", [k for k in MANAGERS if not k.startswith("bad_row")])
def test_every_recorded_call_replays_to_the_recorded_result(key):
    calls = MANAGERS[key]["calls"]
    assert calls
    for call in calls:
        assert close(replay(key, call), decode(call["result"]))


def test_call_shapes_verl_makes():
    naive = MANAGERS["reward_loop_naive/compute_score"]["calls"][0]
    assert naive["types"] == {"data_source": "str", "solution_str": "str", "ground_truth": "str", "extra_info": "dict"}
    # verl edits extra_info in place: num_turns and rollout_reward_scores are added to every row
    assert {"num_turns", "rollout_reward_scores"} <= set(kwargs_of(naive)["extra_info"])
    batch = MANAGERS["legacy_batch/compute_score"]["calls"]
    assert len(batch) == 1
    assert batch[0]["types"] == {"data_sources": "ndarray", "solution_strs": "list", "ground_truths": "list",
                                 "extra_infos": "ndarray"}
    result = decode(batch[0]["result"])
    assert isinstance(result, list) and len(result) == len(RECORD["rows"])


def test_every_manager_gives_the_same_scores():
    scores = {k: v["scores"] for k, v in MANAGERS.items() if not k.startswith("bad_row")}
    first = next(iter(scores.values()))
    for k, v in scores.items():
        assert v == pytest.approx(first, abs=1e-6), k  # reward tensors are float32


def test_verl_scores_equal_lsr_eval_on_the_same_rows():
    rows = []
    for i, r in enumerate(RECORD["rows"]):
        row = {"id": i, "response": r["response"], "ground_truth": r["ground_truth"]}
        if r["extra_info"].get("prompt") is not None:
            row["prompt"] = r["extra_info"]["prompt"]
        rows.append(row)
    got = []
    evaluate_rows(rows, details=got.append)
    eval_scores = [d["score"] for d in got]
    assert None not in eval_scores
    assert MANAGERS["legacy_naive/compute_score"]["scores"] == pytest.approx(eval_scores, abs=1e-6)
    assert MANAGERS["legacy_batch/compute_score"]["scores"] == pytest.approx(eval_scores, abs=1e-6)


def test_detailed_key_set_is_fixed_on_every_row():
    keys = list(fixed_key_names())
    assert keys[0] == "score" and len(keys) == len(set(keys)) and len(keys) < 64
    info = decode(MANAGERS["legacy_naive/compute_score_detailed"]["reward_extra_info"])
    assert list(info) == keys and all(len(v) == len(RECORD["rows"]) for v in info.values())
    assert sorted(MANAGERS["reward_loop_naive/compute_score_detailed"]["reward_extra_info_keys"]) == sorted(keys)
    # the THEN chain at γ = 0: step 1 partly failed on the second response
    then_rows = [i for i, r in enumerate(RECORD["rows"]) if r["extra_info"]["index"] == "lsr-then"]
    assert [info["then_step/1/pass"][i] for i in then_rows] == [1.0, 0.0]
    assert [info["structure/nested"][i] for i in then_rows] == [1.0, 1.0]


def test_bad_row_raises_through_verl_by_default_and_is_counted_with_on_error_zero():
    raised = MANAGERS["bad_row/{}"]
    assert raised["raised"] == "RewardDataError"
    assert "row 2" in raised["message"] and "did you mean 'punctuation:no_comma'?" in raised["message"]
    call = raised["calls"][0]
    with pytest.raises(lsr_verl.RewardDataError) as exc:
        lsr_verl.compute_score_detailed(**kwargs_of(call))
    assert str(exc.value) == raised["message"]
    zero = MANAGERS['bad_row/{"on_error": "zero"}']
    assert zero["scores"][2] == 0.0 and zero["error"] == [0.0, 0.0, 1.0]
    again = lsr_verl.compute_score_detailed(**kwargs_of(zero["calls"][0]), on_error="zero")
    assert [r["error"] for r in again] == [0.0, 0.0, 1.0]


def test_threads_share_the_compile_cache_safely():
    """The reward loop runs the function in a thread pool: same answers as one thread, one compile per spec."""
    calls = MANAGERS["reward_loop_naive/compute_score"]["calls"]
    kwargs = [kwargs_of(c) for c in calls] * 8
    expected = [decode(c["result"]) for c in calls] * 8
    lsr_verl._REWARDS.clear()
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda kw: lsr_verl.compute_score(**kw), kwargs))
    assert got == pytest.approx(expected, abs=1e-12)
    (reward,) = lsr_verl._REWARDS.values()
    distinct = {json.dumps(c["kwargs"]["ground_truth"], sort_keys=True) for c in calls}
    assert reward.stats["compiles"] <= len(distinct) + 8  # a race may compile a spec twice, never per row
    assert reward.cache_info["size"] == len(distinct)
