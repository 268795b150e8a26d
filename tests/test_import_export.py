"""Importers and exporters of issue 11 item 4: the paper's composite JSON, IFEval's two-file
layout, JSONL / Parquet / datasets directories, verl parquet."""
from __future__ import annotations

import json

import pytest

import lsr_dsl
from lsr_dsl.cli.main import main
from lsr_dsl.data.composite import constraint_from_text

PAPER_ITEMS = [
    {"id": "and-1", "instruction": "Describe your city.", "type": "And",
     "sub_constraints": {"c1": {"constraint": "Do not use any commas."},
                         "c2": {"constraint": "Use fewer than 120 words."},
                         "c3": {"constraint": "The response should feel warm and welcoming."}}},
    {"id": "chain-1", "instruction": "Explain tides.", "type": "Chain",
     "sub_constraints": {"c1": {"constraint": 'Start with "Short answer:".'},
                         "c2": {"constraint": "Then give exactly 3 bullet points."},
                         "c3": {"constraint": 'End with the phrase "Any questions?"'}}},
    {"id": "sel-1", "instruction": "Review this product.", "type": "Selection",
     "sub_constraints": {"c1": {"constraint": 'If the review mentions "battery"'},
                         "c2": {"constraint": "Present the comparison in a markdown table."},
                         "c3": {"constraint": "Reply with a short poem about the product."}}},
]


@pytest.mark.parametrize("text,expected", [
    ("Do not use any commas in your response.", "no_comma"),
    ("Use fewer than 120 words.", "words < 120"),
    ("Write at least three paragraphs.", "blank_line_paragraphs >= 3"),
    ('Start your answer with "Dear Hiring Manager".', 'starts_with("Dear Hiring Manager", case_sensitive=false)'),
    ("Use exactly 4 bullet points.", "bullets == 4"),
    ("Respond in French.", 'language("fr")'),
    ("Answer in JSON format.", "json_format"),
    ('Never mention "competitors".', 'excludes("competitors", case_sensitive=false)'),
])
def test_recognised_texts_become_hard_constraints(text, expected):
    src, hard = constraint_from_text(text)
    assert hard and src == expected
    lsr_dsl.compile(src)


def test_unrecognised_text_becomes_a_judge():
    src, hard = constraint_from_text("The response should be written in a warm, encouraging tone.")
    assert not hard and src == 'judge("The response should be written in a warm, encouraging tone.")'
    assert lsr_dsl.compile(src).root.name == "judge"


def test_import_paper_format(tmp_path, capsys):
    src = tmp_path / "paper.json"
    src.write_text(json.dumps(PAPER_ITEMS))
    out = tmp_path / "rows.jsonl"
    assert main(["import", "lsrif", str(src), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "imported 3 items (And 1, Chain 1, Selection 1): 7 hard constraints, 2 soft judge(...)" in err
    rows = [json.loads(l) for l in out.read_text().splitlines()]
    assert [r["structure"] for r in rows] == ["parallel", "sequential", "conditional"]
    assert rows[0]["spec"] == 'no_comma AND words < 120 AND judge("The response should feel warm and welcoming.")'
    assert rows[1]["spec"] == 'starts_with("Short answer:", case_sensitive=false) THEN bullets == 3 THEN ends_with_text("Any questions?", case_sensitive=false)'
    assert rows[2]["spec"].startswith('IF contains("battery", case_sensitive=false) THEN tables >= 1 ELSE judge(')
    assert rows[0]["prompt"] == "Describe your city." and rows[0]["hard"] == [True, True, False]
    for r in rows:
        lsr_dsl.compile(r["spec"])
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"type": "Chian", "sub_constraints": {"c1": "x"}}]))
    assert main(["import", "lsrif", str(bad)]) == 2
    assert "did you mean 'Chain'" in capsys.readouterr().err


def test_ifeval_two_file_layout(tmp_path, capsys):
    data = tmp_path / "input_data.jsonl"
    resp = tmp_path / "input_response_data.jsonl"
    data.write_text(
        json.dumps({"key": 1, "prompt": "Write about cats.", "instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}]}) + "\n"
        + json.dumps({"key": 2, "prompt": "Write about dogs.", "instruction_id_list": ["change_case:english_lowercase"], "kwargs": [{}]}) + "\n"
    )
    # responses in another order, as IFEval writes them; joined on the prompt
    resp.write_text(
        json.dumps({"prompt": "Write about dogs.", "response": "Dogs Are Loyal"}) + "\n"
        + json.dumps({"prompt": "Write about cats.", "response": "cats nap all day"}) + "\n"
    )
    assert main(["eval", str(data), "--responses", str(resp), "--json", "-q"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["rows"] == 2 and d["prompt_level"]["strict"] == 1
    assert d["per_instruction"]["punctuation:no_comma"]["strict"] == 1
    assert d["per_instruction"]["change_case:english_lowercase"]["strict"] == 0
    # a prompt without a response counts as not followed, with a note (as IFEval's and IFBench's run_eval)
    resp.write_text(json.dumps({"prompt": "Write about cats.", "response": "x"}) + "\n")
    assert main(["eval", str(data), "--responses", str(resp), "--json", "-q"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["per_instruction"]["change_case:english_lowercase"]["strict"] == 0
    assert f"1 prompt of {data} has no response in {resp} (keys 2)" in captured.err


def test_jsonl_parquet_datasets_round_trip_and_eval(tmp_path, capsys):
    rows = [{"key": i, "spec": "no_comma AND words >= 2", "response": r, "prompt": f"p{i}"} for i, r in enumerate(["a b", "a, b", "c d e"])]
    src = tmp_path / "rows.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    pq, hf, back = tmp_path / "rows.parquet", str(tmp_path / "rows_hf") + "/", tmp_path / "back.jsonl"
    assert main(["convert", str(src), str(pq)]) == 0
    assert main(["convert", str(pq), hf]) == 0
    assert main(["convert", hf, str(back)]) == 0
    assert [json.loads(l) for l in back.read_text().splitlines()] == rows
    capsys.readouterr()
    for path in (str(src), str(pq), hf):
        assert main(["eval", path, "--json", "-q"]) == 0
        d = json.loads(capsys.readouterr().out)
        assert (d["rows"], d["prompt_level"]["strict"]) == (3, 2)


def test_verl_writer(tmp_path):
    import pyarrow.parquet as pq

    from lsr_dsl.verl import compute_score

    src = tmp_path / "gen.jsonl"
    src.write_text(json.dumps({"id": "x1", "prompt": "Write a poem.\n\nAvoid commas.", "spec": "no_comma"}) + "\n")
    out = tmp_path / "train.parquet"
    assert main(["convert", str(src), str(out), "--to", "verl", "--system", "Be brief."]) == 0
    (row,) = pq.read_table(out).to_pylist()
    assert row["prompt"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Write a poem.\n\nAvoid commas."}]
    assert row["reward_model"]["ground_truth"] == "no_comma" and row["extra_info"]["prompt"] == "Write a poem.\n\nAvoid commas."
    assert compute_score(row["data_source"], "no commas here", row["reward_model"]["ground_truth"], row["extra_info"]) == 1.0
    assert compute_score(row["data_source"], "one, two", row["reward_model"]["ground_truth"], row["extra_info"]) == 0.0
