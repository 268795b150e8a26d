"""Example blocks in spec files and ``lsr test`` (issue 14)."""
from __future__ import annotations

import json
import shutil

import pytest

import lsr_dsl
from lsr_dsl import LsrError, parse
from lsr_dsl.cli.main import main
from lsr_dsl.language.formatter import format_module
from lsr_dsl.testing.runner import find_spec_files, run_file

from conftest import ROOT, SPECS_DIR

SPEC = '''spec s {
  prompt: "Answer without commas in at least three words."
  no_comma AND words >= 3

  example pass "one two three"

  example fail "one, two, three" score 0.5

  example fail "one, two" score 0.0 mode "strict"
}
'''


def run(args, capsys):
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# ---------------------------------------------------------------------------
# the language: parse, format, JSON, checks


def test_examples_parse_with_their_options():
    spec = parse(SPEC).specs[0]
    assert [e.expect for e in spec.examples] == ["pass", "fail", "fail"]
    assert spec.examples[0].response == "one two three"
    assert spec.examples[1].score == 0.5 and spec.examples[1].tolerance is None
    assert spec.examples[2].mode == "strict"
    assert spec.examples[0].span.line == 5


def test_fmt_keeps_examples_and_is_canonical():
    out = lsr_dsl.fmt(SPEC)
    assert out == SPEC
    assert parse(out) == parse(SPEC)


def test_ast_json_carries_examples_and_leaves_out_empty_lists():
    module = parse(SPEC)
    doc = module.to_json(spans=False)
    assert doc["specs"][0]["examples"][1] == {"kind": "example", "expect": "fail", "response": "one, two, three", "score": 0.5}
    assert lsr_dsl.from_json(doc) == module
    assert "examples" not in parse("spec s { no_comma }").to_json()["specs"][0]


def test_examples_never_change_the_score():
    with_examples = lsr_dsl.compile(SPEC)
    without = lsr_dsl.compile(format_module(parse(SPEC).model_copy(update={"specs": (parse(SPEC).specs[0].model_copy(update={"examples": ()}),)})))
    assert with_examples.tree_json() == without.tree_json()
    for text in ("one two three", "a, b", ""):
        assert with_examples.score(text) == without.score(text)


@pytest.mark.parametrize(
    "src,message,hint,column",
    [
        ('spec a { no_comma example pas "x" }', "must 'pass' or 'fail', not 'pas'", "did you mean 'pass'?", 27),
        ('spec a { no_comma example pass "x" scroe 1 }', "unknown example option 'scroe'", "did you mean 'score'?", 36),
        ('spec a { no_comma example pass "x" score "1" }', "'score' must be a number", "score 0.25", 36),
        ('spec a { no_comma example fail "x" mode 1 }', "'mode' must be a string", 'mode "flat"', 36),
        ('spec a { no_comma example pass "x" score 1 score 1 }', "given twice", None, 44),
        ('spec a { no_comma example pass }', "expected a string", 'example pass """…"""', 32),
        ('spec a { no_comma example "x" }', "unexpected", "must pass or fail", 27),
        ('spec a { example pass "x" no_comma }', "unexpected 'pass'", "after its expression", 18),
        ('spec a { no_comma example pass "x" score }', "unexpected '}'", "score 0.25", 42),
    ],
)
def test_malformed_examples_are_positioned_syntax_errors(src, message, hint, column):
    with pytest.raises(LsrError) as ei:
        lsr_dsl.compile(src, file="bad.lsr")
    text = ei.value.render()
    assert message in text
    assert f"bad.lsr:1:{column}:" in text
    assert "^" in text
    if hint:
        assert hint in text


@pytest.mark.parametrize(
    "src,message",
    [
        ('spec a { no_comma example pass "x" score 0.5 }', "a passing example scores 1.0"),
        ('spec a { no_comma example fail "x" score 1.5 }', "must be in [0, 1]"),
        ('spec a { no_comma example fail "x" score 1 }', "a failing example scores below 1.0"),
        ('spec a { no_comma example fail "x" mode "flt" }', "unknown mode 'flt'"),
        ('spec a { no_comma example fail "x" tolerance 2 }', "tolerance must be in [0, 1)"),
    ],
)
def test_checker_rejects_impossible_examples(src, message):
    with pytest.raises(LsrError) as ei:
        lsr_dsl.compile(src, file="bad.lsr")
    assert message in ei.value.render()
    assert "bad.lsr:1:19:" in ei.value.render()


def test_example_is_still_a_name_elsewhere():
    prog = lsr_dsl.compile("let example = no_comma\nspec s { example }")
    assert prog.score("a b") == 1.0


# ---------------------------------------------------------------------------
# the runner


def test_runner_judges_each_example(tmp_path):
    path = tmp_path / "s.lsr"
    path.write_text(SPEC.replace("score 0.5", "score 0.4"), encoding="utf-8")
    outcome = run_file(path)
    assert outcome.error is None
    assert [e.ok for e in outcome.examples] == [True, False, True]
    bad = outcome.examples[1]
    assert bad.score == 0.5 and bad.expected_score == 0.4
    assert "expected to fail with score 0.4 ± 0.005, but scored 0.5000" in bad.message
    assert bad.mode == "lsrm" and outcome.examples[2].mode == "strict"
    assert (bad.line, bad.column) == (7, 3)
    assert "✗ no_comma" in bad.report()


def test_tolerance_widens_the_match(tmp_path):
    path = tmp_path / "s.lsr"
    path.write_text(SPEC.replace("score 0.5", "score 0.45 tolerance 0.06"), encoding="utf-8")
    assert all(e.ok for e in run_file(path).examples)


def test_a_prompt_condition_without_a_prompt_fails_the_example(tmp_path):
    path = tmp_path / "p.lsr"
    path.write_text('spec p {\n  IF prompt contains("x") THEN no_comma ELSE lowercase\n\n  example pass "a"\n}\n', encoding="utf-8")
    [e] = run_file(path).examples
    assert not e.ok and "could not score" in e.message and 'prompt "' in e.message
    path.write_text('spec p {\n  IF prompt contains("x") THEN no_comma ELSE lowercase\n\n  example pass "a" prompt "x"\n}\n', encoding="utf-8")
    assert run_file(path).examples[0].ok


def test_find_spec_files_recurses_and_skips_hidden(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / ".hidden").mkdir()
    for p in ("a/one.lsr", "a/b/two.lsr", ".hidden/three.lsr", "a/notes.txt"):
        (tmp_path / p).write_text("no_comma\n", encoding="utf-8")
    found = [p.relative_to(tmp_path).as_posix() for p in find_spec_files([str(tmp_path), str(tmp_path / "a" / "one.lsr")])]
    assert found == ["a/b/two.lsr", "a/one.lsr"]
    with pytest.raises(LsrError, match="no such file"):
        find_spec_files([str(tmp_path / "missing")])


# ---------------------------------------------------------------------------
# lsr test


def test_lsr_test_passes_on_the_bundled_examples(capsys):
    code, out, err = run(["test", str(ROOT / "examples")], capsys)
    assert code == 0, out + err
    n_files = len(list(SPECS_DIR.glob("*.lsr")))
    assert out.strip().splitlines()[-1].endswith("passed, 0 failed")
    assert f"in {n_files} files" in out
    assert out.count("ok    ") == n_files


def test_every_bundled_spec_has_passing_and_failing_examples():
    for path in sorted(SPECS_DIR.glob("*.lsr")):
        for spec in parse(path.read_text(encoding="utf-8")).specs:
            kinds = {e.expect for e in spec.examples}
            assert kinds == {"pass", "fail"}, f"{path.name}: {spec.name} needs pass and fail examples"


def test_lsr_test_fails_with_a_readable_trace_on_a_broken_copy(tmp_path, capsys):
    copy = tmp_path / "specs"
    shutil.copytree(SPECS_DIR, copy)
    target = copy / "parallel.lsr"
    # an off-by-one slip: "at least 20 words" written as "more than 20 words"... and a typo'd bound
    target.write_text(target.read_text(encoding="utf-8").replace("words >= 20", "words >= 200"), encoding="utf-8")
    code, out, err = run(["test", str(copy)], capsys)
    assert code == 1
    assert f"FAIL {target}:" in out
    assert "parallel/example 1 (pass): expected to pass (score 1.0), but scored 0.7500" in out
    assert "✗ words >= 200" in out  # the atom that disagreed, rendered as lsr check renders it
    assert "✓ no_comma" in out
    assert "1 failed" in out.splitlines()[-1]


def test_lsr_test_exits_2_on_a_spec_that_does_not_compile(tmp_path, capsys):
    (tmp_path / "good.lsr").write_text(SPEC, encoding="utf-8")
    (tmp_path / "bad.lsr").write_text('spec b {\n  no_coma\n\n  example pass "x"\n}\n', encoding="utf-8")
    code, out, err = run(["test", str(tmp_path)], capsys)
    assert code == 2
    assert "bad.lsr:2:3: error: unknown constraint 'no_coma'" in err
    assert "did you mean 'no_comma'?" in err
    assert f"ERROR {tmp_path / 'bad.lsr'}: does not compile" in out
    assert "1 file did not compile" in out


def test_lsr_test_json(tmp_path, capsys):
    path = tmp_path / "s.lsr"
    path.write_text(SPEC.replace("score 0.5", "score 0.4"), encoding="utf-8")
    code, out, _ = run(["test", "--json", str(path)], capsys)
    assert code == 1
    doc = json.loads(out)
    assert doc["summary"] == {"files": 1, "examples": 3, "passed": 2, "failed": 1, "errors": 0}
    failed = [e for e in doc["examples"] if not e["ok"]]
    assert failed[0]["expected_score"] == 0.4 and failed[0]["score"] == 0.5
    assert failed[0]["root"]["kind"] == "and"


def test_lsr_test_refuses_to_pass_silently(tmp_path, capsys):
    code, _, err = run(["test", str(tmp_path)], capsys)
    assert code == 2 and "no .lsr files" in err
    (tmp_path / "s.lsr").write_text("no_comma\n", encoding="utf-8")
    code, _, err = run(["test", str(tmp_path)], capsys)
    assert code == 2 and "no example blocks" in err and "hint:" in err
    code, _, err = run(["test", str(tmp_path / "nope")], capsys)
    assert code == 2 and "no such file" in err


def test_docs_testing_worked_examples_are_true(tmp_path):
    """docs/testing.md: the good spec passes; the off-by-one and the THEN-for-AND specs fail as shown."""
    import re

    doc = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```lsr\n(.*?)```", doc, re.S)
    assert len(blocks) == 3
    outcomes = []
    for i, block in enumerate(blocks):
        path = tmp_path / f"b{i}.lsr"
        path.write_text(block, encoding="utf-8")
        outcomes.append(run_file(path))
    assert all(e.ok for e in outcomes[0].examples) and len(outcomes[0].examples) == 2
    [bad] = outcomes[1].failed
    assert "expected to pass (score 1.0), but scored 0.5000" in bad.message
    assert "✗ words < 25  [0.000]  found 25 words; needs less than 25" in bad.report()
    assert "found 25 words; needs less than 25" in doc and "but scored 0.3333" in doc
    [then] = outcomes[2].failed
    assert "expected to fail with score 0.667 ± 0.005, but scored 0.3333" in then.message
    fixed = tmp_path / "fixed.lsr"
    fixed.write_text(blocks[2].replace("lowercase THEN no_comma THEN words >= 20", "lowercase AND no_comma AND words >= 20"), encoding="utf-8")
    assert all(e.ok for e in run_file(fixed).examples)


def test_lsr_test_with_a_judge_scores_soft_examples(tmp_path, capsys):
    from lsr_dsl.training.tiny_model import make_tiny_model

    spec = tmp_path / "soft.lsr"
    spec.write_text('spec soft {\n  tone("formal") AND no_comma\n\n  example fail "hey, you"\n}\n', encoding="utf-8")
    code, out, _ = run(["test", "--json", str(spec)], capsys)
    [ex] = json.loads(out)["examples"]
    assert code == 1 and "judged by a model" in ex["message"] and ex["errors"]
    model = tmp_path / "tiny"
    make_tiny_model(model)
    code, out, _ = run(["test", "--json", "--judge", str(model), str(spec)], capsys)
    [ex] = json.loads(out)["examples"]
    assert "errors" not in ex and ex["ok"] and code == 0  # no_comma fails, so the AND is below 1.0


def test_examples_with_a_mode_work_from_ast_json(tmp_path, capsys):
    src = tmp_path / "m.lsr"
    src.write_text(SPEC, encoding="utf-8")
    doc = tmp_path / "m.json"
    doc.write_text(json.dumps(parse(SPEC, file=str(src)).to_json()), encoding="utf-8")
    outcome = run_file(doc)
    assert [e.ok for e in outcome.examples] == [True, True, True]
    assert outcome.examples[2].mode == "strict"


def test_fmt_keeps_comments_among_examples_in_place():
    src = (
        "spec s {\n  no_comma AND words >= 3\n  # the happy path\n  example pass \"one two three\"\n"
        "  # a comma costs half\n  example fail \"one, two, three\" score 0.5\n  # at the end\n}\n"
    )
    out = lsr_dsl.fmt(src)
    assert out == (
        "spec s {\n  no_comma AND words >= 3\n\n  # the happy path\n  example pass \"one two three\"\n\n"
        "  # a comma costs half\n  example fail \"one, two, three\" score 0.5\n  # at the end\n}\n"
    )
    assert lsr_dsl.fmt(out) == out


def test_lsr_test_prints_checker_warnings(tmp_path, capsys):
    (tmp_path / "w.lsr").write_text('spec w {\n  words >= 30 AND words < 10\n\n  example fail "a b"\n}\n', encoding="utf-8")
    code, out, err = run(["test", str(tmp_path)], capsys)
    assert code == 0 and "warning: this AND can never be fully satisfied" in err
