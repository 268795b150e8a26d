"""One reading of ground truth for lsr eval, LsrReward and the verl adapter (single and batch calls)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lsr_dsl
from lsr_dsl.data.ifeval import GroundTruthError, spec_of_ground_truth
from lsr_dsl.evaluation import evaluate_rows
from lsr_dsl.language.interchange import to_json
from lsr_dsl.rewards import verl as lsr_verl
from lsr_dsl.rewards.trl import LsrReward

RLVR = Path(__file__).parent / "fixtures" / "eval" / "rlvr.jsonl"
SOURCE = "no_comma AND words <= 4"


def forms(tmp_path):
    """(name, ground truth) in every form; each means "no comma, at most 4 words"."""
    path = tmp_path / "s.lsr"
    path.write_text(SOURCE + "\n", encoding="utf-8")
    ast = to_json(lsr_dsl.loads(SOURCE), spans=False)
    ids = ["punctuation:no_comma", "length_constraints:number_words"]
    kwargs = [None, {"num_words": 5, "relation": "less than"}]
    rlvr = [{"instruction_id": ids, "kwargs": kwargs}]
    return [
        ("rlvr-json", json.dumps(rlvr)),
        ("rlvr-python-literal", str(rlvr)),
        ("rlvr-value", rlvr),
        ("rlvr-numpy", np.array([{"instruction_id": np.array(ids, dtype=object),
                                  "kwargs": np.array([{"num_words": None, "relation": None}, kwargs[1]], dtype=object)}],
                                dtype=object)),
        ("instruction_id_list", {"instruction_id_list": ids, "kwargs": [{}, kwargs[1]]}),
        ("lsr-source", SOURCE),
        ("lsr-bytes", SOURCE.encode()),
        ("lsr-path", str(path)),
        ("lsr-ast-json", json.dumps(ast)),
        ("lsr-ast-dict", ast),
        ("lsr-wrapper", {"spec": SOURCE, "prompt": "p"}),
        ("lsr-wrapper-json", json.dumps({"spec": SOURCE})),
    ]


RESPONSES = ["one two three", "one, two", "one two three four five", "a"]


def test_every_form_scores_alike_in_eval_verl_single_verl_batch_and_trl(tmp_path):
    expected = [lsr_dsl.compile(SOURCE).score(r) for r in RESPONSES]
    assert expected == [1.0, 0.5, 0.5, 1.0]
    reward = LsrReward()
    for name, gt in forms(tmp_path):
        single = [lsr_verl.compute_score(data_source="d", solution_str=r, ground_truth=gt, extra_info={"index": 1})
                  for r in RESPONSES]
        batch = lsr_verl.compute_score(data_sources=np.array(["d"] * 4, dtype=object), solution_strs=RESPONSES,
                                       ground_truths=[gt] * 4, extra_infos=np.array([{}] * 4, dtype=object))
        trl = reward(prompts=["p"] * 4, completions=RESPONSES, spec=[gt] * 4)
        assert single == expected and batch == expected and trl == expected, name
        if name in ("rlvr-numpy", "lsr-bytes", "lsr-ast-dict"):
            continue  # not JSON-lines values
        got = []
        evaluate_rows([{"id": i, "response": r, "ground_truth": gt} for i, r in enumerate(RESPONSES)], details=got.append)
        assert [d["score"] for d in got] == expected, name


def test_rlvr_fixture_rows_score_as_lsr_eval_does():
    rows = [json.loads(line) for line in RLVR.read_text(encoding="utf-8").splitlines()]
    responses = ["<<T>>\nalpha beta a.b c. Bye.", "one two three four five six seven eight nine ten"]
    data = [dict(r, response=resp, id=f"{r['id']}-{j}") for r in rows for j, resp in enumerate(responses)]
    got = []
    evaluate_rows(data, details=got.append)
    batch = lsr_verl.compute_score(data_sources=["ifeval"] * len(data), solution_strs=[d["response"] for d in data],
                                   ground_truths=[d["ground_truth"] for d in data])
    assert batch == [d["score"] for d in got]


def test_lsr_eval_reads_an_lsr_spec_in_ground_truth(tmp_path, capsys):
    from lsr_dsl.cli.main import main

    data = tmp_path / "rows.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in [
        {"id": 1, "response": "one two", "ground_truth": SOURCE},
        {"id": 2, "response": "one, two", "ground_truth": json.dumps({"spec": SOURCE})},
    ]) + "\n", encoding="utf-8")
    assert main(["eval", str(data), "--json", "-q"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["prompt_level"]["strict"] == 1 and report["instruction_level"]["total"] == 4
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": 7, "response": "x", "ground_truth": "wrds >= 3"}) + "\n", encoding="utf-8")
    assert main(["eval", str(bad), "-q"]) == 2
    err = capsys.readouterr().err
    assert "bad.jsonl:1: row 7: the spec does not compile" in err and "did you mean 'words'" in err


@pytest.mark.parametrize("value, words", [
    (None, "empty"),
    ("  ", "empty"),
    ("[{not valid", "neither JSON nor a Python literal"),
    ({"foo": 1}, "it has 'foo'"),
    (42, "not int"),
    ([], "empty list"),
    ({"func_name": "verify_keyword"}, "did you mean 'verify_keywords'"),
    ({"spec": {"spec": "x"}}, "another"),
])
def test_unreadable_ground_truth_names_the_problem(value, words):
    with pytest.raises(GroundTruthError, match=words):
        spec_of_ground_truth(value)


def test_bad_rows_raise_with_their_index_in_a_batch():
    gts = [SOURCE, "wrds >= 3", SOURCE, "[{'instruction_id': ['punctuation:no_coma'], 'kwargs': [None]}]"]
    extra = [{"index": 10}, {"index": 11}, {"index": 12}, {"index": 13}]
    with pytest.raises(lsr_verl.RewardDataError) as exc:
        lsr_verl.compute_score(data_sources=["d"] * 4, solution_strs=["a"] * 4, ground_truths=gts, extra_infos=extra)
    msg = str(exc.value)
    assert msg.startswith("2 of 4 rows cannot be scored")
    assert "row 1 (extra_info index 11, data_source 'd', spec 'wrds >= 3'): spec does not compile: 1:1: unknown constraint 'wrds' (did you mean 'words'?)" in msg
    assert "row 3 (extra_info index 13" in msg and "did you mean 'punctuation:no_comma'?" in msg
    zero = lsr_verl.compute_score_detailed(data_sources=["d"] * 4, solution_strs=["a"] * 4, ground_truths=gts,
                                           extra_infos=extra, on_error="zero")
    assert [r["error"] for r in zero] == [0.0, 1.0, 0.0, 1.0] and [r["score"] for r in zero] == [1.0, 0.0, 1.0, 0.0]


def test_batch_call_mistakes_are_config_errors():
    with pytest.raises(lsr_verl.RewardKwargsError, match="either"):
        lsr_verl.compute_score(solution_str="a", ground_truth=SOURCE, solution_strs=["a"], ground_truths=[SOURCE])
    with pytest.raises(lsr_verl.RewardKwargsError, match="2 entries for 1 solution_strs"):
        lsr_verl.compute_score(solution_strs=["a"], ground_truths=[SOURCE, SOURCE])
    assert lsr_verl.compute_score_batch(["d"], ["a b"], [SOURCE]) == [1.0]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(RESPONSES), min_size=1, max_size=6))
def test_batch_equals_rows_one_by_one(responses):
    gts = [SOURCE, json.dumps([{"instruction_id": ["punctuation:no_comma"], "kwargs": [None]}])]
    gt_col = [gts[i % 2] for i in range(len(responses))]
    batch = lsr_verl.compute_score_detailed(data_sources=np.array(["d"] * len(responses), dtype=object),
                                            solution_strs=responses, ground_truths=gt_col)
    one_by_one = [lsr_verl.compute_score_detailed("d", r, g, None) for r, g in zip(responses, gt_col)]
    assert batch == one_by_one
    assert len({tuple(r) for r in batch}) == 1  # one key set on every row


def test_old_import_path_exposes_the_batch_entry_points():
    code = "import lsr_dsl.verl as v; print(v.compute_score(data_sources=['d'], solution_strs=['a'], ground_truths=['words >= 1']))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[1.0]"


def test_on_error_zero_logs_each_bad_spec_once(caplog):
    bad = "nothing_like_this >= 2"
    with caplog.at_level("WARNING", logger="lsr_dsl.verl"):
        for i in range(5):
            assert lsr_verl.compute_score("d", "x", bad, {"index": i}, on_error="zero") == 0.0
        lsr_verl.compute_score(data_sources=["d"] * 3, solution_strs=["x"] * 3, ground_truths=[bad] * 3, on_error="zero")
    msgs = [r.getMessage() for r in caplog.records if "nothing_like_this" in r.getMessage()]
    assert len(msgs) == 1 and "extra_info index 0" in msgs[0] and "unknown constraint" in msgs[0]


IDS = ["punctuation:no_comma", "change_case:english_lowercase", "detectable_format:title", "startend:quotation"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(IDS), min_size=1, max_size=4), st.booleans())
def test_every_encoding_of_the_same_instructions_reads_alike(ids, split):
    kwargs = [None] * len(ids)
    parts = [{"instruction_id": ids, "kwargs": kwargs}]
    if split and len(ids) > 1:  # a list of several dicts joins their instructions, in order
        parts = [{"instruction_id": [i], "kwargs": [None]} for i in ids]
    encodings = [parts, json.dumps(parts), str(parts), [json.dumps(p) for p in parts],
                 np.array(parts, dtype=object), {"instruction_id_list": ids, "kwargs": kwargs}]
    read = [spec_of_ground_truth(e) for e in encodings]
    assert all(r.form == "ifeval" for r in read)
    assert all(r.instructions == read[0].instructions for r in read) and [i for i, _ in read[0].instructions] == ids
    assert len({r.spec for r in read}) == 1
