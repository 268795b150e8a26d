"""lsr judge-data (exact labels from hard constraints) and lsr train-judge (a classifier judge that loads and scores)."""
import json

import pytest

from lsr_dsl.cli import main
from lsr_dsl.judges.config import make_judge
from lsr_dsl.reward import LsrReward
from lsr_dsl.training.judge_train import metrics


def write_rows(path, rows):
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")


def test_judge_data_labels_each_hard_constraint_exactly(tmp_path, capsys):
    data = tmp_path / "rows.jsonl"
    write_rows(data, [{"response": "a, b", "spec": 'no_comma AND contains("a") AND tone("formal")'},
                      {"response": "b c", "spec": "no_comma"}])
    out = tmp_path / "judge.jsonl"
    assert main(["judge-data", str(data), "-o", str(out)]) == 0
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert [(r["name"], r["label"]) for r in rows] == [("no_comma", 0), ("contains", 1), ("no_comma", 1)]
    assert all(isinstance(r["constraint"], str) and r["constraint"] for r in rows)  # worded, soft ones left out
    assert "3 rows (2 satisfied, 1 not)" in capsys.readouterr().err
    write_rows(data, [{"response": "x"}])
    assert main(["judge-data", str(data), "-o", str(out)]) == 2
    assert "no 'spec'" in capsys.readouterr().err


def test_metrics_by_hand():
    m = metrics([0.9, 0.8, 0.3, 0.6], [1, 0, 0, 1])
    assert m["accuracy"] == 0.75 and m["precision"] == pytest.approx(2 / 3) and m["recall"] == 1.0
    assert m["ece"] == pytest.approx(0.25 * (0.1 + 0.8 + 0.3 + 0.4))


def test_train_judge_few_steps_writes_a_loadable_classifier(tmp_path, capsys):
    from lsr_dsl.training.tiny_model import make_tiny_model

    base = tmp_path / "tiny"
    make_tiny_model(base)
    rows = [{"response": f"word {i}" + (", more" if i % 2 else ""), "constraint": "Do not use any commas.",
             "label": 0 if i % 2 else 1} for i in range(12)]
    data = tmp_path / "j.jsonl"
    write_rows(data, rows)
    out = tmp_path / "judge"
    assert main(["train-judge", str(data), "-o", str(out), "--base", str(base), "--max-steps", "4",
                 "--eval-fraction", "0.25", "--lr", "1e-4", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["steps"] == 4 and report["held_out_rows"] == 3 and report["train_rows"] == 9
    assert 0.0 <= report["held_out"]["accuracy"] <= 1.0
    judge = make_judge(f"classifier:{out}")
    p = judge("Do not use any commas.", "word 1, more")
    assert 0.0 < p < 1.0
    r = LsrReward(spec='judge("Does the response avoid commas?")', judge=judge)
    assert 0.0 < r(completions=["a b"])[0] < 1.0


def test_train_judge_bad_rows_name_the_line(tmp_path, capsys):
    data = tmp_path / "j.jsonl"
    data.write_text('{"response": "a", "constraint": "c", "label": 1}\n{"response": "a", "constraint": "c", "label": 2}\n')
    assert main(["train-judge", str(data), "-o", str(tmp_path / "o"), "--base", str(tmp_path / "none")]) == 2
    assert f"{data}:2: 'label' must be 0 or 1, not 2" in capsys.readouterr().err
