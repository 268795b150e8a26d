"""``lsr eval PROMPTS --responses RESPONSES`` on IFBench's evaluation layout, against IFBench's run_eval.

``tests/fixtures/ifbench_eval/`` holds a small prompts file in ``IFBench_test.jsonl``'s layout
(all kwargs keys present, unused ones null, counts written as floats), a responses file (one
prompt unanswered, one answered with null, one answered twice, one answered under its stripped
text) and ``reference.json``: what IFBench's own ``run_eval.py`` printed and wrote for them,
recorded by ``tools/make_ifbench_fixture.py``.
"""
import json
from pathlib import Path

import pytest

from lsr_dsl.cli.main import main
from lsr_dsl.data.ifbench import joined_rows, read_responses
from lsr_dsl.evaluation.runner import evaluate_rows, iter_lines
from lsr_dsl.language.errors import LsrDataError

HERE = Path(__file__).resolve().parent / "fixtures" / "ifbench_eval"
PROMPTS, RESPONSES = str(HERE / "prompts.jsonl"), str(HERE / "responses.jsonl")
REFERENCE = json.loads((HERE / "reference.json").read_text(encoding="utf-8"))


def _report(prompts=PROMPTS, responses=RESPONSES, details=None):
    joined = joined_rows(iter_lines(prompts), read_responses(responses))
    return joined, evaluate_rows(joined.rows, file=prompts, details=details)


def test_headline_numbers_are_run_evals():
    _, report = _report()
    totals = report.totals()
    for name, want in REFERENCE["numbers"].items():
        passed, total = totals[name]
        assert passed / total == pytest.approx(want, abs=1e-12), name
    # the fixture exercises both outcomes and a loose/strict difference
    assert 0 < REFERENCE["numbers"]["prompt_strict"] < REFERENCE["numbers"]["prompt_loose"] < 1


def test_per_row_verdicts_are_run_evals():
    rows = []
    _report(details=rows.append)
    assert [r["strict"] for r in rows] == REFERENCE["per_row"]["strict"]
    assert [r["loose"] for r in rows] == REFERENCE["per_row"]["loose"]


def test_join_follows_run_eval():
    joined, _ = _report()
    assert joined.missing == ["19", "22"]  # no response; a null response
    by_key = {r["key"]: r for _, r in joined.rows}
    assert by_key["20"]["response"] == "nospaces"  # matched under the stripped prompt
    assert by_key["21"]["response"].startswith("My Answer")  # the last response wins
    assert by_key["1"]["instruction_id_list"] == ["ifbench/count:word_count_range"]
    assert by_key["4"]["instruction_id_list"] == ["ifbench/count:person_names", "punctuation:no_comma"]


def test_cli_prints_the_four_numbers(capsys):
    assert main(["eval", PROMPTS, "--responses", RESPONSES, "--json"]) == 0
    out, err = capsys.readouterr()
    d = json.loads(out)
    n = REFERENCE["numbers"]
    assert d["prompt_level"]["strict"] / d["rows"] == pytest.approx(n["prompt_strict"])
    assert d["instruction_level"]["loose"] / d["instructions"] == pytest.approx(n["instruction_loose"])
    assert "2 prompts" in err and "no response" in err
    assert "count:word_count_range" in d["per_instruction"] and not any(k.startswith("ifbench/") for k in d["per_instruction"])


def test_unknown_id_is_listed_with_a_hint_and_the_rest_is_scored(tmp_path, capsys):
    prompts = tmp_path / "p.jsonl"
    prompts.write_text(
        json.dumps({"key": "1", "prompt": "P", "instruction_id_list": ["format:sub_bullets", "count:numbers"],
                    "kwargs": [{}, {"N": 1.0}]}) + "\n"
        + json.dumps({"key": "2", "prompt": "Q", "instruction_id_list": ["count:numbers"], "kwargs": [{"N": "three"}]}) + "\n",
        encoding="utf-8",
    )
    responses = tmp_path / "r.jsonl"
    responses.write_text(json.dumps({"prompt": "P", "response": "* a - 1"}) + "\n"
                         + json.dumps({"prompt": "Q", "response": "1 2 3"}) + "\n", encoding="utf-8")
    assert main(["eval", str(prompts), "--responses", str(responses), "--no-per-instruction"]) == 0
    out = capsys.readouterr().out
    assert "instruction 1 (format:sub_bullets): unknown instruction id 'format:sub_bullets' (did you mean 'format:sub-bullets'?)" in out
    assert "p.jsonl:2: key 2, instruction 1 (count:numbers): bad value for 'n'" in out and "'three'" in out
    _, report = _report(str(prompts), str(responses))
    assert report.totals()["instruction_strict"] == (1, 3)  # count:numbers on row 1 passes


def test_bad_responses_file_names_file_and_line(tmp_path, capsys):
    responses = tmp_path / "r.jsonl"
    responses.write_text('{"prompt": "P", "response": "x"}\n{not json\n{"response": "y"}\n', encoding="utf-8")
    with pytest.raises(LsrDataError) as e:
        read_responses(str(responses))
    assert f"{responses}:2: not a JSON object" in str(e.value) and f"{responses}:3: 'prompt' must be a string (missing)" in str(e.value)
    assert main(["eval", PROMPTS, "--responses", str(responses)]) == 2
    assert main(["eval", PROMPTS, "--responses", str(tmp_path / "nope.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and "Traceback" not in err
