"""Tests of the shared per-text analysis (lsr_dsl.text.Text)."""
import pytest

import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lsr_dsl.text import Text, capital_words_fast, langid, treebank_tokenize


def test_rejects_non_str():
    with pytest.raises(TypeError):
        Text(None)  # type: ignore[arg-type]


def test_line_col():
    t = Text("ab\ncd,\n\nx")
    assert t.line_col(0) == (1, 1)
    assert t.line_col(5) == (2, 3)
    assert t.line_col(8) == (4, 1)


def test_memo_computes_once():
    t = Text("x")
    calls = []
    assert t.memo("k", lambda tt: calls.append(1) or 42) == 42
    assert t.memo("k", lambda tt: calls.append(1) or 43) == 42
    assert calls == [1]


def test_analyses_are_cached():
    t = Text("Hello there. General Kenobi!")
    assert t.words is t.words
    assert t.sentences is t.sentences
    assert t.word_count == 4
    assert t.sentence_count == 2


def test_words_are_backslash_w_runs():
    assert Text("it's a well-known fact: 3.5%").words == ["it", "s", "a", "well", "known", "fact", "3", "5"]


def test_sentences_punkt_english():
    t = Text("Dr. Smith went home. He was tired. Mr. X said hi! OK?")
    assert t.sentences == ["Dr. Smith went home.", "He was tired.", "Mr. X said hi!", "OK?"]
    assert Text("").sentences == []
    assert Text("   \n ").sentence_count == 0


@pytest.mark.parametrize(
    "sentence,tokens",
    [
        ("They'll save and invest more.", ["They", "'ll", "save", "and", "invest", "more", "."]),
        ("I CANNOT do it, DON'T ask.", ["I", "CAN", "NOT", "do", "it", ",", "DO", "N'T", "ask", "."]),
        ('"Hello," she said (quietly).', ["``", "Hello", ",", "''", "she", "said", "(", "quietly", ")", "."]),
        ("Good muffins cost $3.88 in New York.", ["Good", "muffins", "cost", "$", "3.88", "in", "New", "York", "."]),
        ("U.S.A. and A&B -- ok...", ["U.S.A.", "and", "A", "&", "B", "--", "ok", "..."]),
    ],
)
def test_treebank_tokenize(sentence, tokens):
    assert treebank_tokenize(sentence) == tokens


def test_capital_words():
    t = Text("I LOVE NLP. It is GREAT, isn't it? DON'T stop.")
    assert t.capital_words == ["I", "LOVE", "NLP", "GREAT", "DO", "N'T"]


CAPITAL_CASES = [
    "I'm here. I'm.", "IT'S OK. IT'S.", "DON'T. DON'T stop", "JAMES' CAR", "'TIS so. 'twas", "CANNOT do it, GONNA.",
    "U.S.A. and e.g. U.S", "HELLO.(WORLD) A,B A,1 I'M,5 I'M,x I'M:1", "I'M--ok I'M-ok I'M... I'm'", "wanna WANNA. CanNOT",
    "It’s I’M “QUOTED” «GUILLEMETS» A—B A--B", 'He said "HI." Then LEFT.)NEXT', "Ⓐ'S ǅX K ſTIS İNLP ÉCOLE",
    "(FOO) [BAR] {BAZ} <QUX> FOO;BAR FOO&BAR 2FA FOO_ *BOLD* **BOLD**", "MORE'N D'YE Gimme LEMME GOTTA",
]


@pytest.mark.parametrize("s", CAPITAL_CASES)
def test_capital_count_matches_the_tokenizer(s):
    t = Text(s)
    assert t.capital_word_count == len(t.capital_words)
    assert len(capital_words_fast(s, lambda: t.sentences)) == len(t.capital_words)


def test_capital_count_fuzz():
    atoms = ["A", "a", "I", "Hello", "HELLO", "U.S.", "'", "’", '"', ".", ",", ":", "-", "--", "(", ")", "..",
             "n't", "N'T", "'s", "'S", "'m", "'LL", "'re", "DON", "CANNOT", "GONNA", "'TIS", "d'ye", "1", "!",
             "?", "*", "`", "''", "&", "É", "ǅ", "Ⓐ", "K", "ſ", "_", "«", "\u2012", " ", " ", " ", "\n", "Dr."]
    rng = random.Random(0)
    for _ in range(1500):
        s = "".join(rng.choice(atoms) for _ in range(rng.randint(1, 20)))
        t = Text(s)
        assert t.capital_word_count == len(t.capital_words), s


def test_language():
    assert Text("This is a simple English sentence about the weather today.").language == "en"
    assert Text("Ceci est une phrase simple en français sur le temps qu'il fait.").language == "fr"
    assert Text("12345 !!! ???").language is None


def test_loose_variants():
    t = Text("Sure!\n*Line one*\nLine two\nThanks")
    got = [v.text for v in t.loose_variants()]
    assert got == [
        "Sure!\n*Line one*\nLine two\nThanks",
        "Sure!\nLine one\nLine two\nThanks",
        "*Line one*\nLine two\nThanks",
        "Sure!\n*Line one*\nLine two",
        "*Line one*\nLine two",
        "Line one\nLine two\nThanks",
        "Sure!\nLine one\nLine two",
        "Line one\nLine two",
    ]
    assert t.loose_variants()[0] is t
    assert t.loose_variants() is t.loose_variants()


def test_loose_variants_skip_blank_and_duplicates():
    assert [v.text for v in Text("one line").loose_variants()] == ["one line"]
    assert Text("").loose_variants() == []
    assert Text("  \n ").loose_variants() == []
    assert [v.text for v in Text("**\nabc").loose_variants()] == ["**\nabc", "\nabc", "abc", "**"]


@pytest.mark.parametrize("s", ["", " ", "\n\n", "***", "!!!", "\u200b", "🙂" * 50, "a" * 30000, "\x00\ud7ff"])
def test_analyses_total(s):
    t = Text(s)
    t.words, t.sentences, t.treebank_tokens, t.capital_words, t.capital_word_count, t.language, t.loose_variants(), t.lower


@settings(max_examples=500, deadline=None)
@given(
    trials=st.lists(
        st.lists(st.floats(0.0, 1.0), min_size=4, max_size=4).filter(lambda p: sum(p) > 0),
        min_size=7,
        max_size=7,
    ),
    winners=st.lists(st.integers(0, 3), min_size=7, max_size=7),
    converged=st.lists(st.booleans(), min_size=7, max_size=7),
)
def test_an_early_langid_decision_survives_any_remaining_trials(trials, winners, converged):
    """When the first trials decide langdetect's answer, no outcome of the rest changes it."""
    probs = []
    for p, winner, sharp in zip(trials, winners, converged):
        p = np.array(p) / sum(p)
        probs.append(np.eye(4)[winner] * 0.999995 + p * 0.000005 if sharp else p)
    totals = np.zeros(4)
    for ran, p in enumerate(probs, start=1):
        totals = totals + p
        lead = langid._decided_early(totals, ran)
        if lead is None:
            continue
        for rival in range(4):  # the worst case: every remaining trial all on one rival
            final = totals + (len(probs) - ran) * np.eye(4)[rival]
            assert final.argmax() == lead and final[lead] / 7 > 0.1
        assert (totals + sum(probs[ran:], np.zeros(4))).argmax() == lead
        break
