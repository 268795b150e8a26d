"""lsr eval's structure view, --plot, and the comparison of two runs (issue 11 item 5)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

import lsr_dsl
from lsr_dsl.cli.main import main
from lsr_dsl.evaluation import evaluate_file
from lsr_dsl.evaluation.compare import compare_reports
from lsr_dsl.evaluation.structure import trace_depth, trace_scores, trace_structure

FIX = Path(__file__).parent / "fixtures" / "eval_structure"


def test_structure_view_matches_hand_computed_fixture():
    # a.jsonl, by hand:
    #  p1 parallel   no_comma ✓, words>=3 ✓                         lsrm 1, flat 1, strict 1; 2/2 constraints
    #  s1 sequential starts_with ✓ THEN no_comma ✗ THEN contains z ✗  lsrm (1 + 0 + 0)/3 = 1/3, flat 1/3, strict 0; 1/3
    #  c1 conditional contains x ✗ → else lowercase ✓ (title inactive) lsrm 1; 1/1 (the condition is not a constraint)
    #  n1 nested     starts_with ✓ THEN (no_comma ✓ AND words>=3 ✓)  lsrm 1; 3/3, depth 2
    #  a1 atom       no_comma ✗                                      lsrm 0; 0/1, depth 0
    d = evaluate_file(str(FIX / "a.jsonl")).to_dict()["structure"]
    bs = d["by_structure"]
    assert list(bs) == ["atom", "parallel", "sequential", "conditional", "nested"]
    assert bs["sequential"]["mean_score"] == pytest.approx(1 / 3)
    assert bs["sequential"]["mean_flat"] == pytest.approx(1 / 3)
    assert bs["sequential"]["mean_strict"] == 0.0
    assert (bs["sequential"]["constraints"], bs["sequential"]["constraints_passed"]) == (3, 1)
    assert (bs["conditional"]["constraints"], bs["conditional"]["constraints_passed"]) == (1, 1)
    assert (bs["nested"]["constraints"], bs["nested"]["constraints_passed"]) == (3, 3)
    assert bs["atom"]["instruction_success"] == 0.0
    o = d["overall"]
    assert o["rows"] == 5 and o["rows_passed"] == 3
    assert o["mean_score"] == pytest.approx((1 + 1 / 3 + 1 + 1 + 0) / 5)
    assert (o["constraints"], o["constraints_passed"]) == (10, 7)
    assert {k: g["rows"] for k, g in d["by_depth"].items()} == {"0": 1, "1": 3, "2": 1}
    assert d["by_depth"]["1"]["mean_score"] == pytest.approx((1 + 1 / 3 + 1) / 3)
    # THEN steps: s1 (✓ ✗ ✗) and n1 (✓, (✓ AND ✓))
    assert d["then_steps"] == {
        "1": {"n": 2, "passed": 2, "pass_rate": 1.0},
        "2": {"n": 2, "passed": 1, "pass_rate": 0.5},
        "3": {"n": 1, "passed": 0, "pass_rate": 0.0},
    }
    assert [r["key"] for r in d["rows"]] == ["p1", "s1", "c1", "n1", "a1"]


SPECS = [
    "no_comma",
    "no_comma AND words >= 3",
    'starts_with("a") THEN no_comma THEN contains("z")',
    'starts_with("a") THEN[gamma=0.7] (no_comma AND words >= 3) THEN[gamma=0.7] lowercase',
    'IF contains("x") THEN title ELSE lowercase',
    'IF contains("x") THEN (title AND no_comma)',
    '(IF contains("x") THEN no_comma ELSE (words >= 2 THEN lowercase)) AND contains("b")',
]
WORDS = ["a", "b", "x", "z", "<<t>>", ",", "Hello", "c"]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(SPECS), st.lists(st.sampled_from(WORDS), max_size=8))
def test_trace_scores_agree_with_the_verifier_in_every_mode(spec, words):
    response = " ".join(words)
    trace = lsr_dsl.compile(spec).evaluate(response).trace
    got = trace_scores(trace)
    for mode in ("lsrm", "flat", "strict"):
        assert got[mode] == pytest.approx(lsr_dsl.compile(spec, mode=mode).evaluate(response).score), mode
    prog = lsr_dsl.compile(spec)
    names = {"and": "parallel", "then": "sequential", "if": "conditional"}
    assert trace_structure(trace) == names.get(prog.structure, prog.structure)
    assert trace_depth(trace) >= (0 if prog.structure == "atom" else 1)




def test_compare_on_a_constructed_pair(tmp_path, capsys):
    paths = []
    for name in ("a", "b"):
        assert main(["eval", str(FIX / f"{name}.jsonl"), "-q", "--json"]) == 0
        p = tmp_path / f"{name}.json"
        p.write_text(capsys.readouterr().out)
        paths.append(str(p))
    assert main(["eval", "--compare", *paths, "--json", "--plot", str(tmp_path / "d.png")]) == 0
    c = json.loads(capsys.readouterr().out)
    # b.jsonl fixes s1 (comma removed, z added) and a1 (comma removed); nothing else changes.
    assert c["flipped"]["fixed"] == 2 and c["flipped"]["broken"] == 0
    assert sorted(r["key"] for r in c["flipped"]["fixed_rows"]) == ["a1", "s1"]
    assert c["metrics"]["prompt_strict"]["delta"] == pytest.approx(2 / 5)
    assert c["metrics"]["mean_score"]["delta"] == pytest.approx((1 - 1 / 3 + 1) / 5)
    assert c["by_structure"]["sequential"]["mean_score"]["delta"] == pytest.approx(2 / 3)
    assert c["by_structure"]["parallel"]["mean_score"]["delta"] == 0.0
    assert c["per_instruction"]["punctuation:no_comma"]["delta"] == 1.0
    assert (tmp_path / "d.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # reversed: the same rows break
    c2 = compare_reports(json.loads(Path(paths[1]).read_text()), json.loads(Path(paths[0]).read_text()))
    assert c2["flipped"]["broken"] == 2 and c2["flipped"]["fixed"] == 0
    assert main(["diff", *paths]) == 0
    text = capsys.readouterr().out
    assert "2 fixed (fail → pass), 0 broken" in text and "fixed  key s1 (sequential)" in text


def test_eval_plot_writes_a_png(tmp_path, capsys):
    png = tmp_path / "r.png"
    assert main(["eval", str(FIX / "a.jsonl"), "-q", "--plot", str(png)]) == 0
    assert "by structure" in capsys.readouterr().out
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_compare_rejects_a_file_that_is_not_a_report(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"rows": 3}')
    assert main(["diff", str(bad), str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.json" in err and "not an 'lsr eval --json' report" in err
    bad.write_text("{not json")
    assert main(["eval", "--compare", str(bad), str(bad)]) == 2
    assert "bad.json:1:2" in capsys.readouterr().err
    assert main(["eval", "-q"]) == 2
