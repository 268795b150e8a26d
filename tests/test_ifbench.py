"""The IFBench family against IFBench's own checkers (allenai/IFBench).

``tests/fixtures/ifbench_differential.jsonl`` holds, for every one of IFBench's 58 instruction
ids, made-up responses (hand-written cases with both verdicts, boundary edits of them and
shared edge texts) with the strict and loose verdicts of the reference harness, recorded by
``tools/make_ifbench_fixture.py`` (its first line names the reference commit and package
versions); the reference is not needed here.

``words:start_verb`` is the exception: IFBench asks NLTK's averaged-perceptron tagger, whose
model cannot be installed offline, so its cases carry ``"ref": null`` and only lsr's
determinism and the blank-response rule are checked.
"""
import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from lsr_dsl.constraints.ifbench import IFBENCH_IDS
from lsr_dsl.constraints.registry import REGISTRY
from lsr_dsl.text import Text

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "ifbench_differential.jsonl"
UNVERIFIABLE = {"words:start_verb"}


def _load():
    with open(FIXTURE, encoding="utf-8") as f:
        lines = [json.loads(x) for x in f if x.strip()]
    return lines[0]["meta"], lines[1:]


META, ROWS = _load()


def _verdicts(row):
    c = REGISTRY.get("ifbench/" + row["id"])
    params = c.params(**row["kwargs"])
    text = Text(row["response"])
    strict = c.check(params, text).passed
    loose = any(c.check(params, v).passed for v in text.loose_variants())
    return strict, loose


def test_fixture_names_its_reference():
    assert len(META["commit"]) == 40 and META["reference"].endswith("allenai/IFBench")


def test_every_id_is_registered_and_in_the_fixture():
    assert len(IFBENCH_IDS) == 58
    assert {r["id"] for r in ROWS} == set(IFBENCH_IDS)
    for iid, name in IFBENCH_IDS.items():
        c = REGISTRY.get("ifbench/" + iid)
        assert c is not None and c.name == name and c.family == "ifbench"


def test_every_verifiable_id_has_both_verdicts_strict_and_loose():
    seen = defaultdict(set)
    for r in ROWS:
        if r["strict"] is not None:
            seen[r["id"]].add(("strict", r["strict"]))
            seen[r["id"]].add(("loose", r["loose"]))
    for iid in set(IFBENCH_IDS) - UNVERIFIABLE:
        assert seen[iid] == {("strict", True), ("strict", False), ("loose", True), ("loose", False)}, iid
    counts = Counter(r["id"] for r in ROWS)
    assert min(counts.values()) >= 40


def test_only_the_tagger_id_could_not_be_run():
    assert {r["id"] for r in ROWS if r.get("reference_error")} == UNVERIFIABLE


@pytest.mark.parametrize("iid", sorted(set(IFBENCH_IDS) - UNVERIFIABLE))
def test_agrees_with_reference(iid):
    bad = []
    for r in ROWS:
        if r["id"] != iid:
            continue
        got = _verdicts(r)
        if got != (r["strict"], r["loose"]):
            bad.append((r["response"][:80], r["kwargs"], "ours", got, "ref", (r["strict"], r["loose"])))
    assert not bad, f"{len(bad)} disagreements, e.g. {bad[:3]}"


def test_start_verb_stand_in_is_deterministic_and_fails_blank():
    rows = [r for r in ROWS if r["id"] == "words:start_verb"]
    assert rows
    for r in rows:
        assert _verdicts(r) == _verdicts(r)
        if not r["response"].strip():
            assert _verdicts(r) == (False, False) == (r["strict"], r["loose"])
    c = REGISTRY.get("words:start_verb")
    assert c.check(c.params(), Text("Write a poem.")).passed
    assert not c.check(c.params(), Text("The dog runs.")).passed


# -- every check is total and fails a blank response, whatever the text ------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_PARAMS = {}
for _r in ROWS:
    _PARAMS.setdefault(_r["id"], _r["kwargs"])
_ALPHABET = st.sampled_from(list("aAbzZ09 .,;:!?'\"*-()[]{}<>/\n\t") + ["日", "é", "🙂", "\u00a0", "‽", "İ", "ß"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.lists(_ALPHABET, max_size=60).map("".join))
def test_every_check_is_total(text):
    t = Text(text)
    for iid in IFBENCH_IDS:
        c = REGISTRY.get("ifbench/" + iid)
        v = c.check(c.params(**_PARAMS[iid]), t)
        assert v.score in (0.0, 1.0) and v.reason
        if not text.strip():
            assert not v.passed


def test_docs_list_every_id():
    doc = (Path(__file__).resolve().parents[1] / "docs" / "ifbench.md").read_text(encoding="utf-8")
    for iid, name in IFBENCH_IDS.items():
        assert f"| `{iid}` | [`{name}`](constraints.md#{name}) |" in doc, iid
