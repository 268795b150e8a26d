"""The lsr command line: lsr_dsl.cli.main([...]) with capsys, plus one real subprocess."""
from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys

import pytest

from lsr_dsl import cli
from lsr_dsl.cli import main

from conftest import RESPONSES_DIR, ROOT, SPECS_DIR

PARALLEL = str(SPECS_DIR / "parallel.lsr")
PASS = str(RESPONSES_DIR / "parallel" / "pass-1.txt")
FAIL = str(RESPONSES_DIR / "parallel" / "fail-1.txt")


@pytest.fixture
def bad_spec(tmp_path):
    p = tmp_path / "bad.lsr"
    p.write_text("no_comma\n  and lowercase\n", encoding="utf-8")
    return p


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------------------
# compile


def test_compile_ok(capsys):
    code, out, err = run(capsys, "compile", PARALLEL)
    assert code == 0
    assert out == ""
    assert "ok:" in err and "parallel (and)" in err


def test_compile_several_files(capsys):
    code, out, err = run(capsys, "compile", PARALLEL, str(SPECS_DIR / "nested.lsr"))
    assert code == 0 and err.count("ok:") == 2


def test_compile_emit_ast(capsys):
    code, out, err = run(capsys, "compile", "--emit", "ast", PARALLEL)
    assert code == 0
    doc = json.loads(out)
    assert doc["kind"] == "module" and doc["specs"][0]["name"] == "parallel"
    assert "span" in doc
    code, out, _ = run(capsys, "compile", "--emit", "ast", "--no-spans", PARALLEL)
    assert code == 0 and '"span"' not in out


def test_compile_emit_tree(capsys):
    code, out, err = run(capsys, "compile", "--emit", "tree", str(SPECS_DIR / "sequential.lsr"), "--gamma", "0.7")
    assert code == 0
    doc = json.loads(out)
    assert doc["spec"] == "sequential" and doc["structure"] == "then"
    assert doc["root"]["kind"] == "then" and doc["root"]["gamma"] == 0.7
    assert [c["name"] for c in doc["root"]["children"]] == ["starts_with", "words", "ends_with_text"]


def test_compile_accepts_ast_json(capsys, tmp_path):
    code, out, _ = run(capsys, "compile", "--emit", "ast", PARALLEL)
    j = tmp_path / "p.json"
    j.write_text(out, encoding="utf-8")
    code, out2, err = run(capsys, "compile", "--emit", "ast", str(j))
    assert code == 0 and json.loads(out2) == json.loads(out)


def test_compile_prints_warnings(capsys, tmp_path):
    p = tmp_path / "w.lsr"
    p.write_text("words >= 500 AND words <= 100\n", encoding="utf-8")
    code, out, err = run(capsys, "compile", str(p))
    assert code == 0
    assert f"{p}:1:1: warning: this AND can never be fully satisfied" in err


def test_compile_bad_spec(capsys, bad_spec):
    code, out, err = run(capsys, "compile", str(bad_spec))
    assert code == 2
    assert f"{bad_spec}:2:3: error:" in err
    assert "Traceback" not in err


def test_compile_missing_file(capsys, tmp_path):
    code, out, err = run(capsys, "compile", str(tmp_path / "nope.lsr"))
    assert code == 2 and "no such file" in err and "Traceback" not in err


# ---------------------------------------------------------------------------
# check


def test_check_pass(capsys):
    code, out, err = run(capsys, "check", PARALLEL, PASS)
    assert code == 0
    assert out.startswith("score 1.0000  (mode lsrm, spec parallel)")
    assert "✓ words >= 20" in out


def test_check_fail(capsys):
    code, out, err = run(capsys, "check", PARALLEL, FAIL)
    assert code == 1
    assert out.startswith("score ") and not out.startswith("score 1.0000")
    assert "✗" in out


def test_check_bad_spec(capsys, bad_spec):
    code, out, err = run(capsys, "check", str(bad_spec), PASS)
    assert code == 2
    lines = err.splitlines()
    assert lines[0] == f"{bad_spec}:2:3: error: unexpected 'and'; expected the end of the file"
    assert lines[1] == "      and lowercase"
    assert lines[2] == "      ^^^"
    assert lines[3] == "  hint: keywords are written in capitals: AND"
    assert "Traceback" not in err


def test_check_unknown_constraint(capsys, tmp_path):
    p = tmp_path / "u.lsr"
    p.write_text("no_coma\n", encoding="utf-8")
    code, out, err = run(capsys, "check", str(p), PASS)
    assert code == 2 and "did you mean 'no_comma'?" in err


def test_check_stdin(capsys, monkeypatch):
    text = (RESPONSES_DIR / "parallel" / "pass-1.txt").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text), encoding="utf-8"))
    code, out, err = run(capsys, "check", PARALLEL, "-")
    assert code == 0 and out.startswith("score 1.0000")


def test_check_stdin_not_utf8(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"\xff\xfe bad"), encoding="utf-8"))
    code, out, err = run(capsys, "check", PARALLEL, "-")
    assert code == 2 and "not UTF-8" in err


def test_check_json(capsys):
    code, out, err = run(capsys, "check", "--json", str(SPECS_DIR / "sequential.lsr"), str(RESPONSES_DIR / "sequential" / "fail-greeting.txt"))
    assert code == 1
    doc = json.loads(out)
    assert {"score", "mode", "root"} <= set(doc)
    assert doc["root"]["kind"] == "then" and doc["root"]["gamma"] == 0.5
    assert doc["score"] < 1.0


def test_check_mode_flag(capsys):
    args = (str(SPECS_DIR / "sequential.lsr"), str(RESPONSES_DIR / "sequential" / "fail-greeting.txt"))
    _, out_l, _ = run(capsys, "check", "--json", *args)
    _, out_f, _ = run(capsys, "check", "--json", "--mode", "flat", *args)
    _, out_s, _ = run(capsys, "check", "--json", "--mode", "strict", *args)
    lsrm, flat, strict = (json.loads(o)["score"] for o in (out_l, out_f, out_s))
    assert strict == 0.0 and lsrm < flat


def test_check_prompt_file(capsys):
    spec = str(SPECS_DIR / "prompt_condition.lsr")
    resp = str(RESPONSES_DIR / "prompt_condition" / "pass-code.txt")
    prompt = str(RESPONSES_DIR / "prompt_condition" / "pass-code.prompt.txt")
    code, out, err = run(capsys, "check", spec, resp, "--prompt", prompt)
    assert code == 0 and err == ""
    # without the prompt the check cannot run fully: exit 2 with the verifier error
    code, out, err = run(capsys, "check", spec, resp)
    assert code == 2
    assert "verifier error" in err and "no prompt was given" in err
    assert "Traceback" not in err


# ---------------------------------------------------------------------------
# fmt


def test_fmt_prints_canonical(capsys, tmp_path):
    p = tmp_path / "f.lsr"
    p.write_text("# c\nno_comma   AND words>=3", encoding="utf-8")
    code, out, err = run(capsys, "fmt", str(p))
    assert code == 0 and out == "# c\nno_comma AND words >= 3\n"
    assert p.read_text(encoding="utf-8") == "# c\nno_comma   AND words>=3"


def test_fmt_check(capsys, tmp_path):
    p = tmp_path / "f.lsr"
    p.write_text("no_comma   AND words>=3", encoding="utf-8")
    code, out, err = run(capsys, "fmt", "--check", str(p))
    assert code == 1 and out == "" and "would reformat" in err
    p.write_text("no_comma AND words >= 3\n", encoding="utf-8")
    code, out, err = run(capsys, "fmt", "--check", str(p))
    assert code == 0 and out == ""


def test_fmt_check_examples_are_canonical(capsys):
    code, out, err = run(capsys, "fmt", "--check", *sorted(str(p) for p in SPECS_DIR.glob("*.lsr")))
    assert code == 0, err


def test_fmt_write(capsys, tmp_path):
    p = tmp_path / "f.lsr"
    p.write_text("no_comma   AND words>=3", encoding="utf-8")
    code, out, err = run(capsys, "fmt", "-w", str(p))
    assert code == 0 and out == "" and "reformatted" in err
    assert p.read_text(encoding="utf-8") == "no_comma AND words >= 3\n"
    code, out, err = run(capsys, "fmt", "--write", str(p))
    assert code == 0 and err == ""


def test_fmt_bad_file(capsys, bad_spec):
    code, out, err = run(capsys, "fmt", str(bad_spec))
    assert code == 2 and ":2:3: error:" in err and "Traceback" not in err


# ---------------------------------------------------------------------------
# constraints, schema, usage


def test_constraints_list(capsys):
    code, out, err = run(capsys, "constraints")
    assert code == 0
    names = [l.split()[0] for l in out.splitlines() if l.strip()]
    assert {"no_comma", "words", "contains", "letter_frequency"} <= set(names)
    assert len(names) >= 25


def test_constraints_family(capsys):
    code, out, _ = run(capsys, "constraints", "--family", "markdown")
    assert code == 0
    assert all(l.split()[1] == "markdown" for l in out.splitlines() if l.strip())
    assert "headings" in out and "no_comma" not in out


def test_constraints_show_one(capsys):
    code, out, err = run(capsys, "constraints", "contains")
    assert code == 0
    assert out.startswith("contains  (hard, content)")
    assert "phrase" in out and "example:" in out
    code, out, _ = run(capsys, "constraints", "punctuation:no_comma")
    assert code == 0 and out.startswith("no_comma")


def test_constraints_unknown(capsys):
    code, out, err = run(capsys, "constraints", "no_coma")
    assert code == 2 and "did you mean 'no_comma'" in err


def test_schema(capsys):
    from lsr_dsl.language.interchange import json_schema

    code, out, _ = run(capsys, "schema")
    assert code == 0 and json.loads(out) == json_schema()


@pytest.mark.parametrize(
    "argv",
    [[], ["frobnicate"], ["compile"], ["check", PARALLEL], ["fmt", "--check", "-w", PARALLEL], ["compile", "--emit", "xml", PARALLEL]],
    ids=["nothing", "unknown-command", "compile-no-file", "check-no-response", "fmt-exclusive", "bad-choice"],
)
def test_bad_usage_exits_2(capsys, argv):
    try:
        code = main(argv)
    except SystemExit as e:
        code = e.code
    _, err = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in err


def _subcommands():
    parser = cli.build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return sorted(action.choices)
    return []


def test_every_subcommand_is_listed():
    assert {"compile", "check", "fmt", "constraints", "schema"} <= set(_subcommands())


@pytest.mark.parametrize("sub", [None] + _subcommands())
def test_help_exits_0(capsys, sub):
    argv = ["--help"] if sub is None else [sub, "--help"]
    with pytest.raises(SystemExit) as ei:
        main(argv)
    assert ei.value.code == 0
    out, _ = capsys.readouterr()
    assert "usage:" in out


def test_version(capsys):
    with pytest.raises(SystemExit) as ei:
        main(["--version"])
    assert ei.value.code == 0
    assert capsys.readouterr().out.startswith("lsr ")


def test_real_process_exit_code():
    """One real subprocess: `python -m lsr_dsl.cli check SPEC -` exits 1 for a failing response on stdin."""
    proc = subprocess.run(
        [sys.executable, "-m", "lsr_dsl.cli", "check", PARALLEL, "-"],
        input=(RESPONSES_DIR / "parallel" / "fail-1.txt").read_bytes(),
        capture_output=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr.decode()
    assert proc.stdout.decode().startswith("score ")
