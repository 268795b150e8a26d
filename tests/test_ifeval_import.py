"""IFEval rows → .lsr specs (lsr_dsl.ifeval.to_spec, `lsr import ifeval`)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import lsr_dsl
from lsr_dsl.language.errors import LsrDataError
from lsr_dsl.data.ifeval import instructions_of, to_spec

from conftest import IFEVAL_DATA, needs_ifeval_data

INPUT = IFEVAL_DATA / "input_data.jsonl"
FIXTURES = Path(__file__).parent / "fixtures" / "eval"

needs_shared = needs_ifeval_data


def _atoms(src: str):
    prog = lsr_dsl.compile(src)
    return prog, [(a.label.split("(")[0], a.params.model_dump()) for a in prog.atoms()]


def _run_cli(argv):
    try:
        from lsr_dsl.cli import main
    except ImportError:  # pragma: no cover - before the lead wires the CLI
        from lsr_dsl.cli import main
    return main(argv)


def test_to_spec_basic_shape():
    row = {
        "key": 1000,
        "prompt": "Write 300+ words, no commas.",
        "instruction_id_list": ["punctuation:no_comma", "length_constraints:number_words"],
        "kwargs": [{}, {"relation": "at least", "num_words": 300}],
    }
    src = to_spec(row)
    assert src.startswith("spec ifeval_1000 {")
    assert 'length_constraints:number_words(relation="at least", num_words=300)' in src
    prog, atoms = _atoms(src)
    assert prog.name == "ifeval_1000"
    assert prog.meta == {"id": 1000, "prompt": row["prompt"]}
    assert [a[0] for a in atoms] == row["instruction_id_list"]
    assert atoms[1][1]["num_words"] == 300
    # canonical layout: `lsr fmt` leaves it unchanged
    assert lsr_dsl.fmt(src) == src


def test_repeated_ids_kept_in_order_and_null_kwargs_dropped():
    row = {
        "key": 1040,
        "prompt": "p",
        "instruction_id_list": ["change_case:capital_word_frequency", "change_case:capital_word_frequency", "startend:quotation"],
        "kwargs": [
            {"capital_relation": "less than", "capital_frequency": 10, "num_words": None, "keywords": None},
            {"capital_relation": "at least", "capital_frequency": 1, "letter": None},
            {"end_phrase": None},
        ],
    }
    src = to_spec(row)
    assert "null" not in src
    _, atoms = _atoms(src)
    assert [a[0] for a in atoms] == row["instruction_id_list"]
    assert atoms[0][1]["capital_frequency"] == 10 and atoms[1][1]["capital_frequency"] == 1
    assert instructions_of(row)[2] == ("startend:quotation", {})


@pytest.mark.parametrize(
    "prompt",
    [
        'He said "hi" and left.',
        "back\\slash \\n not a newline",
        "line one\nline two\n\nline four",
        "ends with a quote\n\"",
        'has """ triple quotes\ninside',
        "tab\there, CR\r\nand U+2028\u2028 and NUL\x00",
        "unicode: café, 日本語, emoji 😀, RTL שלום",
        "",
    ],
)
def test_prompt_round_trips(prompt):
    row = {"key": "k-1", "prompt": prompt, "instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}]}
    src = to_spec(row)
    prog = lsr_dsl.compile(src)
    assert prog.meta["prompt"] == prompt
    assert prog.meta["id"] == "k-1"
    assert prog.name == "ifeval_k_1"
    assert lsr_dsl.fmt(src) == src


def test_kwarg_values_round_trip():
    row = {
        "key": 7,
        "prompt": "x",
        "instruction_id_list": ["keywords:existence", "startend:end_checker", "detectable_content:postscript"],
        "kwargs": [{"keywords": ["naïve \"q\"", "a\\b"]}, {"end_phrase": "Is there anything else I can help with?"}, {"postscript_marker": "P.P.S"}],
    }
    _, atoms = _atoms(to_spec(row))
    assert atoms[0][1]["keywords"] == ["naïve \"q\"", "a\\b"]
    assert atoms[1][1]["end_phrase"] == "Is there anything else I can help with?"


@needs_shared
def test_all_541_input_rows_convert_and_compile():
    bad = {}
    n = 0
    with open(INPUT, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            n += 1
            try:
                src = to_spec(row)
            except LsrDataError as e:
                assert f"row {row['key']}" in str(e)
                bad[row["key"]] = str(e)
                continue
            prog, atoms = _atoms(src)
            assert prog.meta["prompt"] == row["prompt"] and prog.meta["id"] == row["key"]
            assert [a[0] for a in atoms] == row["instruction_id_list"]
            for (_, params), kw in zip(atoms, row["kwargs"]):
                for k, v in kw.items():
                    if v is not None and isinstance(v, int) and not isinstance(v, bool):
                        assert params[k] == v
    assert n == 541
    # IFEval's own data draws a random letter for these two (letter '#' and '!'): invalid values.
    assert set(bad) == {1122, 1129}
    assert "letter" in bad[1122] and "'#'" in bad[1122] and "keywords:letter_frequency" in bad[1122]


def test_unknown_id_and_bad_rows():
    with pytest.raises(LsrDataError, match=r"row 5: instruction 1 \(punctuation:no_coma\): unknown instruction id 'punctuation:no_coma' \(did you mean 'punctuation:no_comma'\?\)"):
        to_spec({"key": 5, "prompt": "p", "instruction_id_list": ["punctuation:no_coma"], "kwargs": [{}]})
    with pytest.raises(LsrDataError, match="row 6: 2 instruction ids but 1 kwargs"):
        to_spec({"key": 6, "instruction_id_list": ["punctuation:no_comma", "detectable_format:title"], "kwargs": [{}]})
    with pytest.raises(LsrDataError, match="row 8: .*num_words"):
        to_spec({"key": 8, "instruction_id_list": ["length_constraints:number_words"], "kwargs": [{"num_words": "many", "relation": "at least"}]})
    with pytest.raises(LsrDataError, match="no 'key'"):
        to_spec({"instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}]})
    with pytest.raises(LsrDataError, match="row 9: .*no 'instruction_id_list'"):
        to_spec({"key": 9, "prompt": "p"})


# -- RLVR ground-truth shapes (allenai open-instruct) --------------------------


def _rlvr_rows():
    with open(FIXTURES / "rlvr.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def test_rlvr_ground_truth_shapes():
    rows = {r["id"]: r for r in _rlvr_rows()}
    # JSON string, list of {"instruction_id": [...], "kwargs": [...]}, null kwargs; prompt from messages
    prog, atoms = _atoms(to_spec(rows["gt1"]))
    assert [a[0] for a in atoms] == ["detectable_format:title", "startend:end_checker"]
    assert prog.meta["prompt"] == "Write a title and end with 'Bye.'"
    # Python-literal string (str(list), single quotes, None)
    assert [a[0] for a in _atoms(to_spec(rows["gt2"]))[1]] == ["punctuation:no_comma"]
    # a list whose element is a JSON string
    assert _atoms(to_spec(rows["gt3"]))[1][0][1]["keywords"] == ["alpha", "beta"]
    # old style func_name: the function itself (open-instruct's if_functions), nulls dropped
    prog, atoms = _atoms(to_spec(rows["gt4"]))
    assert atoms == [("validate_word_constraint", {"N": 10, "quantifier": "around"})]
    assert prog.score("one two three four five six seven eight nine") == 1.0  # 9: within ±1
    assert prog.score("one two three four five six seven eight") == 0.0
    # func_name keywords: plain substrings, ignoring case
    prog, atoms = _atoms(to_spec(rows["gt5"]))
    assert atoms[0] == ("verify_keywords", {"keyword_list": ["a.b", "c"]})
    assert prog.score("A.B and C") == 1.0 and prog.score("axb c") == 0.0
    # a dict (not a string) with single id and kwargs object
    assert [a[0] for a in _atoms(to_spec(rows["gt6"]))[1]] == ["detectable_format:title"]


def test_rlvr_ground_truth_errors():
    with pytest.raises(LsrDataError, match="unknown ground-truth func_name 'verify_keyword'"):
        to_spec({"id": 1, "ground_truth": json.dumps({"func_name": "verify_keyword", "keyword_list": ["a"]})})
    with pytest.raises(LsrDataError, match="neither JSON nor a Python literal"):
        to_spec({"id": 2, "ground_truth": "[{not valid"})
    with pytest.raises(LsrDataError, match="'validate_placeholders' needs the argument 'N'"):
        to_spec({"id": 3, "ground_truth": {"func_name": "validate_placeholders"}})
    with pytest.raises(LsrDataError, match="unknown instruction id 'count:no_such_check'"):
        to_spec({"id": 4, "ground_truth": [{"instruction_id": ["count:no_such_check"], "kwargs": [{"min_words": 1}]}]})


def test_all_func_names_map_to_compiling_specs():
    from lsr_dsl.constraints.if_functions import IF_FUNCTION_NAMES
    from lsr_dsl.constraints.registry import REGISTRY

    args = {
        "keyword_list": ["a"], "word": "a", "N": 3, "forbidden_words": ["x"], "letter": "a", "language": "en",
        "quantifier": "at least", "first_word": "hello", "i": 1, "postscript_marker": "P.S.", "options": ["yes", "no"],
        "section_splitter": "Section", "original_prompt": "Say hi.", "end_phrase": "Bye.",
    }  # fmt: skip
    assert len(IF_FUNCTION_NAMES) == 25
    for f in IF_FUNCTION_NAMES:
        own = {k: v for k, v in args.items() if k in REGISTRY.get(f).params.model_fields}
        row = {"id": f, "ground_truth": dict(own, func_name=f)}
        lsr_dsl.compile(to_spec(row))
    # an argument the function does not take is an error, as it is for open-instruct (a TypeError there)
    with pytest.raises(LsrDataError, match="'validate_title' has no parameter 'N'"):
        to_spec({"id": 9, "ground_truth": {"func_name": "validate_title", "N": 1}})


# -- lsr import ifeval -------------------------------------------------------------


def _write_rows(path: Path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")


GOOD = [
    {"key": 1, "prompt": "a", "instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}]},
    {"key": 2, "prompt": "b\nc", "instruction_id_list": ["detectable_format:title", "punctuation:no_comma"], "kwargs": [{}, {}]},
]


def test_import_to_file_dir_and_stdout(tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    _write_rows(src, GOOD)
    out = tmp_path / "all.lsr"
    assert _run_cli(["import", "ifeval", str(src), "-o", str(out)]) == 0
    progs = lsr_dsl.compile_all(out.read_text(encoding="utf-8"))
    assert sorted(progs) == ["ifeval_1", "ifeval_2"]
    d = tmp_path / "specs"
    assert _run_cli(["import", "ifeval", str(src), "-o", str(d) + os.sep]) == 0
    assert sorted(os.listdir(d)) == ["1.lsr", "2.lsr"]
    assert lsr_dsl.load(d / "2.lsr").meta["prompt"] == "b\nc"
    capsys.readouterr()
    assert _run_cli(["import", "ifeval", str(src)]) == 0
    assert capsys.readouterr().out.count("spec ifeval_") == 2


def test_import_bad_rows_report_all_and_write_nothing(tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    rows = GOOD + [
        {"key": 3, "instruction_id_list": ["keywords:letter_frequency"], "kwargs": [{"letter": "#", "let_frequency": 2, "let_relation": "at least"}]},
        "{broken json",
        {"key": 1, "prompt": "dup", "instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}]},
    ]
    _write_rows(src, rows)
    out = tmp_path / "all.lsr"
    d = tmp_path / "specs"
    assert _run_cli(["import", "ifeval", str(src), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "3 bad rows" in err and "nothing was written" in err
    assert f"{src}:3: row 3: instruction 1 (keywords:letter_frequency)" in err
    assert f"{src}:4: not a JSON object" in err
    assert f"{src}:5: row 1: duplicate key" in err
    assert not out.exists()
    assert _run_cli(["import", "ifeval", str(src), "-o", str(d) + os.sep]) == 2
    assert os.listdir(d) == []
    assert sorted(os.listdir(tmp_path)) == ["in.jsonl", "specs"]  # no temporary files left behind
    # --skip-bad writes the good rows and exits 0
    assert _run_cli(["import", "ifeval", str(src), "-o", str(out), "--skip-bad"]) == 0
    assert sorted(lsr_dsl.compile_all(out.read_text(encoding="utf-8"))) == ["ifeval_1", "ifeval_2"]
    assert "skipped 3 bad rows" in capsys.readouterr().err


def test_import_missing_file_exit_2(tmp_path, capsys):
    assert _run_cli(["import", "ifeval", str(tmp_path / "nope.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_import_output_file_has_normal_permissions(tmp_path):
    import stat

    old = os.umask(0)
    os.umask(old)
    src = tmp_path / "in.jsonl"
    _write_rows(src, GOOD)
    out = tmp_path / "all.lsr"
    assert _run_cli(["import", "ifeval", str(src), "-o", str(out)]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~old
    d = tmp_path / "specs"
    assert _run_cli(["import", "ifeval", str(src), "-o", str(d) + os.sep]) == 0
    assert stat.S_IMODE((d / "1.lsr").stat().st_mode) == 0o666 & ~old
    os.chmod(out, 0o600)  # overwriting keeps the file's own mode
    assert _run_cli(["import", "ifeval", str(src), "-o", str(out)]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
