"""Constraint families beyond IFEval (content, length, markdown, scopes, general, IFEvalG).

IFBench's family is checked against the reference in tests/test_ifbench.py."""
from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import lsr_dsl
import lsr_dsl.constraints  # noqa: F401  (registers every family)
from lsr_dsl.constraints.registry import REGISTRY, Verdict
from lsr_dsl.language.errors import LsrRuntimeError
from lsr_dsl.text import Text

#: name -> params used by the generic tests (one valid set per constraint).
PARAMS = {
    "starts_with": {"phrase": "Dear"},
    "ends_with_text": {"phrase": "Thanks."},
    "contains": {"phrase": "climate", "whole_word": True},
    "excludes": {"phrase": "as an AI", "case_sensitive": False},
    "count": {"phrase": "AI", "relation": ">=", "times": 2},
    "regex": {"pattern": r"\d{4}"},
    "not_regex": {"pattern": r"(?i)\bI think\b"},
    "json_schema": {"schema": {"type": "object", "required": ["answer"]}},
    "chars": {"relation": "<=", "n": 50},
    "cjk_words": {"relation": "<=", "n": 4},
    "in_order": {"markers": ["Outline:", "Poem:"]},
    "lines": {"relation": "==", "n": 2},
    "blank_line_paragraphs": {"relation": "==", "n": 2},
    "headings": {"level": 2, "relation": ">=", "n": 2},
    "code_blocks": {"language": "python"},
    "tables": {},
    "numbered_list": {"relation": ">=", "n": 3},
    "each_paragraph": {"max_sentences": 2},
    "each_bullet": {"max_words": 3},
    "each_sentence": {"max_words": 5},
    "all_words_unique": {},
    "lowercase_words": {"relation": "<=", "n": 2},
    "start_end_same_word": {},
    "first_word": {"word": "Absolutely"},
    "last_word": {"word": "goodbye"},
    "sentences_start_with": {"word": "Notably"},
    "bigram_wrapping": {},
    "square_brackets": {},
    "copy_text": {"text": "Write a haiku about autumn."},
    "emojis": {"relation": "==", "n": 0},
    "capitalized_sentences": {},
    "no_double_spaces": {},
}

# name -> (texts that pass, texts that fail) under PARAMS[name]
CASES = {
    "starts_with": (["Dear all, hi", "  \n Dear x"], ["dear all", "Hi Dear", ""]),
    "ends_with_text": (["Bye. Thanks.", "Thanks.\n\n"], ["Thanks. Bye", "thanks.", ""]),
    "contains": (["The climate is", "climate"], ["climates change", "Climate", ""]),
    "excludes": (["I am a bot", ""], ["As An AI model", "well, as an ai"]),
    "count": (["AI and AI", "AIAI"], ["AI once", "ai ai", ""]),
    "regex": (["in 2024", "12345"], ["123", "", "year"]),
    "not_regex": (["I believe so", ""], ["i think so", "Well, I THINK."]),
    "json_schema": (['{"answer": 1}', '```json\n{"answer": "x"}\n```', ' {"answer": null} '], ['{"other": 1}', "[1]", "answer: 1", "", "```python\n{\"answer\": 1}\n```"]),
    "chars": (["short", ""], ["x" * 51]),
    "cjk_words": (["我爱 Python 3", "one two three four", ""], ["我爱北京天安门", "one two three four five"]),
    "in_order": (["Outline: a\nPoem: b", "Poem: x Outline: a Poem: b"], ["Poem: b\nOutline: a", "Outline: only", ""]),
    "lines": (["a\n\n  \nb", "one\ntwo\n"], ["one", "a\nb\nc", ""]),
    "blank_line_paragraphs": (["One.\n\nTwo.", "\n\nA\nB\n \n\nC\n"], ["One.", "A\n\nB\n\nC", ""]),
    "headings": (["## A\n## B", "# T\n## A\ntext\n##  B ##"], ["## A\n```\n## B\n```", "### A\n### B", "#No space\n## A", ""]),
    "code_blocks": (["```python\nx = 1\n```", "~~~Python\nx\n~~~"], ["```\nx\n```", "```js\nx\n```", "`python`", ""]),
    "tables": (["| a | b |\n|---|:-:|\n| 1 | 2 |", "a | b\n--- | ---\n1 | 2"], ["| a | b |\n| 1 | 2 |", "```\n| a | b |\n|---|---|\n```", ""]),
    "numbered_list": (["1. a\n2. b\n3) c", "  1. a\n  2. b\n10. c"], ["1. a\n2. b", "1.a\n2.b\n3.c", ""]),
    "each_paragraph": (["One. Two.\n\nThree.", "Just text"], ["One. Two. Three.", "A.\n\nThis is. It is. Yes it is.", "", "   \n "]),
    "each_bullet": (["- one two\n* three four five\n1. six", "intro\n- ok item"], ["- one two three four", "no bullets here", ""]),
    "each_sentence": (["Short one. Another short one!", "Dr. Smith is here now."], ["This sentence has far too many words in it.", ""]),
    "all_words_unique": (["every word differs here", ""], ["the cat and The dog"]),
    "lowercase_words": (["Only TWO lowercase Words", "", "ÉTÉ"], ["three lower words", "été über naïve"]),
    "start_end_same_word": (["Hello there, hello", "Yes, yes"], ["Hello there hello.", "Hello", "Hello there", ""]),
    "first_word": (["Absolutely, yes.", "**absolutely** right"], ["Yes, absolutely", ""]),
    "last_word": (["Time to say goodbye.", "GOODBYE"], ["goodbye now", ""]),
    "sentences_start_with": (["Notably, A. Notably B!", "notably here"], ["Notably A. But B.", ""]),
    "bigram_wrapping": (["<<I am>> <<at home>>.", "<<I am>> <<here>>"], ["<<I am>> at home", "<<I am here>>", "I am", ""]),
    "square_brackets": (["[I] [am] [here].", "[x]"], ["[I] am", "[I am]", ""]),
    "copy_text": (["Write a haiku about autumn.", "  write a HAIKU about autumn.\n"], ["Write a haiku about autumn", "Write a haiku about autumn. Sure!", ""]),
    "emojis": (["No emoji © ™ here", ""], ["Hi 👋", "flag 🇫🇷", "ok ✅"]),
    "capitalized_sentences": (["Good. Fine! 3 items. - Bullet one.", "", "日本語です。"], ["Good. bad.", "lower start"]),
    "no_double_spaces": (["a b\n  indented\ntrailing  \n```\nx  y\n```", ""], ["a  b", "tab\t\there"]),
}

MY_NAMES = sorted(PARAMS)

EDGE_TEXTS = [
    "",
    " ",
    "\n\n\n",
    "\t \r\n",
    "!!!???...",
    "```",
    "```json",
    "| | |\n|-|-|",
    "<<>> [] ** __ ## #",
    "\u200d\ufe0f\u20e3",
    "🇫",
    "é" * 3 + "\u0301",
    "a" * 20000,
    "word " * 5000,
    "[" * 5000,
    "\x00\x01\x02",
    "\ud800",  # lone surrogate
]


def check(name: str, text: str, /, **params) -> Verdict:
    c = REGISTRY.get(name)
    assert c is not None, name
    return c.check(c.params(**params), Text(text))


def test_every_constraint_has_cases():
    # IFEval's, IFEvalG's, IFBench's and open-instruct's if_functions reproductions are tested
    # against their references (test_ifeval_differential.py, test_ifevalg.py, test_ifbench.py,
    # test_if_functions.py).
    references = ("lsr_dsl.constraints.ifeval", "lsr_dsl.constraints.ifbench", "lsr_dsl.constraints.soft",
                  "lsr_dsl.constraints.if_functions")
    mine = {
        c.name
        for c in REGISTRY.definitions()
        if c.check.__module__ not in references and not any(a.startswith("ifevalg/") for a in c.aliases)
    }
    assert mine == set(PARAMS) == set(CASES)


@pytest.mark.parametrize("name", MY_NAMES)
def test_pass_and_fail(name):
    good, bad = CASES[name]
    for text in good:
        v = check(name, text, **PARAMS[name])
        assert v.passed, (name, text, v)
        assert v.reason
    for text in bad:
        v = check(name, text, **PARAMS[name])
        assert not v.passed and v.score == 0.0, (name, text, v)
        assert v.reason


@pytest.mark.parametrize("name", MY_NAMES)
def test_edge_texts_are_total(name):
    for text in EDGE_TEXTS:
        v = check(name, text, **PARAMS[name])
        assert isinstance(v, Verdict) and 0.0 <= v.score <= 1.0 and isinstance(v.reason, str)


@pytest.mark.parametrize(
    "name, params",
    [
        ("starts_with", {"phrase": ""}),
        ("starts_with", {"phrase": "  "}),
        ("contains", {"phrase": "x", "unknown": 1}),
        ("count", {"phrase": "x", "times": -1}),
        ("count", {"phrase": "x", "relation": "about"}),
        ("regex", {"pattern": "(unclosed"}),
        ("regex", {"pattern": ""}),
        ("regex", {"pattern": "a", "flags": "q"}),
        ("regex", {"pattern": "a", "timeout_ms": 0}),
        ("regex", {"pattern": "a", "timeout_ms": 10**6}),
        ("regex", {"pattern": "a", "mode": "fullmatch", "min_matches": 2}),
        ("regex", {"pattern": "a", "mode": "prefix"}),
        ("not_regex", {"pattern": "[z-a]"}),
        ("json_schema", {"schema": "{not json"}),
        ("json_schema", {"schema": {"type": "no-such-type"}}),
        ("json_schema", {"schema": "[1, 2]"}),
        ("chars", {"n": -5}),
        ("headings", {"level": 7}),
        ("code_blocks", {"language": "two words"}),
        ("each_paragraph", {}),
        ("each_paragraph", {"min_words": 5, "max_words": 2}),
        ("each_bullet", {}),
        ("each_sentence", {"max_words": -1}),
        ("word_count_range", {"min_words": 10, "max_words": 5}),
        ("word_count_range", {"min_words": 1}),
        ("first_word", {"word": "two words"}),
        ("first_word", {"word": "!"}),
        ("copy_text", {"text": " "}),
    ],
)
def test_invalid_params_rejected(name, params):
    with pytest.raises(ValidationError):
        REGISTRY.get(name).params(**params)


def test_params_are_frozen_and_hashable():
    p = REGISTRY.get("json_schema").params(schema='{"type": "object"}')
    hash(p)
    assert p == REGISTRY.get("json_schema").params(schema={"type": "object"})
    with pytest.raises(ValidationError):
        p.allow_fence = False  # type: ignore[misc]


def test_relation_aliases_and_sugar_fields():
    c = REGISTRY.get("count")
    assert c.positional == ("phrase",) and c.count_param == "times"
    v = c.check(c.params(phrase="AI", relation="at least", times=3), Text("AI AI AI"))
    assert v.passed and "3 times" in v.reason
    assert not c.check(c.params(phrase="AI", relation="less than", times=3), Text("AI AI AI")).passed


def test_reasons_are_specific():
    assert check("contains", "x\n  climate", phrase="climate").reason.endswith("line 2, column 3")
    assert "paragraph 2 has 3 sentences; at most 2 allowed" in check(
        "each_paragraph", "One.\n\nA one. B two. C three.", max_sentences=2
    ).reason
    r = check("json_schema", '{"answer": "x"}', schema={"properties": {"answer": {"type": "integer"}}}).reason
    assert "$.answer" in r
    assert "line 1, column 1" in check("json_schema", "nope", schema={}).reason
    assert "list item 2" in check("each_bullet", "- a\n- b c d e", max_words=3).reason


def test_catastrophic_regex_times_out_quickly_as_a_verifier_error():
    for name in ("regex", "not_regex"):
        for pattern, text in [(r"(a|aa)+c", "a" * 40), (r"(b|bb)+\d", "b" * 40)]:
            start = time.perf_counter()
            with pytest.raises(LsrRuntimeError, match="took longer than 100 ms"):
                check(name, text, pattern=pattern, timeout_ms=100)
            assert time.perf_counter() - start < 1.0


def test_regex_timeout_is_reported_by_the_program_not_scored_as_a_verdict():
    prog = lsr_dsl.compile('regex("(a|aa)+c", timeout_ms=50) AND words >= 1')
    start = time.perf_counter()
    result = prog.evaluate("a" * 40)
    assert time.perf_counter() - start < 1.0
    assert [e["label"] for e in result.errors] == ['regex("(a|aa)+c", timeout_ms=50)']
    assert "took longer than 50 ms" in result.errors[0]["error"]
    assert result.score == 0.5  # the timed-out atom scores 0, the other one still counts


def test_regex_modes_and_flags():
    assert check("regex", "  Hello World \n", pattern=r"hello \w+", flags="i", mode="fullmatch").passed
    assert not check("regex", "Hello World!", pattern=r"Hello \w+", mode="fullmatch").passed
    assert check("regex", "a\nb", pattern=r"^b$", flags="m").passed
    assert not check("regex", "a\nb", pattern=r"^b$").passed
    assert check("regex", "x1 x2 x3", pattern=r"x\d", min_matches=3).passed


def test_json_schema_accepts_string_and_draft():
    schema = '{"$schema": "http://json-schema.org/draft-07/schema#", "type": "array", "items": {"type": "integer"}}'
    assert check("json_schema", "[1, 2, 3]", schema=schema).passed
    assert check("json_schema", "[1, 2, 3]", schema=schema, allow_fence=False).passed
    assert not check("json_schema", '```json\n[1]\n```', schema=schema, allow_fence=False).passed
    assert not check("json_schema", "[" * 100000, schema=schema).passed


def test_counts_default_to_at_least_one():
    assert check("tables", "| a |\n|---|").passed
    assert not check("headings", "no headings").passed
    assert check("chars", "x").passed and not check("chars", "").passed


def test_each_bullet_allow_none():
    assert check("each_bullet", "plain text", max_words=3, allow_none=True).passed


_TEXTS = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.sampled_from(list("ab \n\t.!?#-*|`<>[]{}\":,1AÉ👋\u200d")), max_size=300),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(MY_NAMES), text=_TEXTS)
def test_property_total_and_bounded(name, text):
    v = check(name, text, **PARAMS[name])
    assert isinstance(v, Verdict)
    assert 0.0 <= v.score <= 1.0
    assert isinstance(v.reason, str) and v.reason


# -- review fixes: sentence blocks, fences, list markers, $ref, strict JSON, reasons ------------

from lsr_dsl.text.prose import sentences as _sentences  # noqa: E402


@pytest.mark.parametrize(
    "text, expected",
    [
        ("one two\n\nthree four", ["one two", "three four"]),
        ("# Title here\nBody text is long.", ["Title here", "Body text is long."]),
        ("- one two\n- three four", ["one two", "three four"]),
        ("1. one two\n2) three four", ["one two", "three four"]),
        ("- item one\n  continued here", ["item one\ncontinued here"]),
        ("| Name | Age |\n|---|---|\n| Dr. Smith | 42 |", ["Name | Age", "Dr. Smith | 42"]),
        ("Dr. Smith went home. He was tired.", ["Dr. Smith went home.", "He was tired."]),
        ("one two\nthree four", ["one two\nthree four"]),  # a single line break does not end a sentence
        ("Intro.\n```\nx = 1. y = 2\n\nz\n```\nOutro.", ["Intro.", "Outro."]),
        ("```\nonly code\n```", []),
    ],
)
def test_sentence_blocks(text, expected):
    assert _sentences(Text(text)) == expected


def test_sentence_checks_agree_with_blocks():
    assert check("each_sentence", "- one two three\n- four five six", max_words=3).passed
    assert not check("each_sentence", "one two three\nfour five six", max_words=3).passed
    assert check("each_sentence", "# Title here\nBody text is long.", max_words=4).passed
    assert "paragraph 1 has 3 sentences" in check("each_paragraph", "- a b\n- c d\n- e f", max_sentences=2).reason
    assert check("each_paragraph", "- a b\n- c d", max_sentences=2, max_words=4).passed  # markers are not words
    assert not check("each_paragraph", "- a b\n- c d", max_words=3).passed
    assert check("sentences_start_with", "# Notably\n1. Notably a\n2. Notably b", word="Notably").passed


def test_numbered_markers_are_skipped_like_bullets():
    assert check("first_word", "1. Absolutely", word="Absolutely").passed
    assert check("first_word", "2) Absolutely not", word="Absolutely").passed
    assert check("first_word", "## Absolutely\nyes", word="Absolutely").passed
    for text in ("1. first item\n2. second item", "- first item", "1) first item"):
        assert not check("capitalized_sentences", text).passed, text
    for text in ("1. First item\n2. Second item", "- First item", "* First. Second."):
        assert check("capitalized_sentences", text).passed, text


def test_fenced_code_is_not_prose():
    assert check("capitalized_sentences", "```\nx = 1. y = 2\n```").passed
    v = check("last_word", "goodbye.\n\n```\ncode\n```", word="goodbye")
    assert v.passed and v.reason == "the last word is 'goodbye'"
    assert check("first_word", "```\ncode\n```\nAbsolutely.", word="Absolutely").passed
    assert "outside fenced code" in check("first_word", "```\ncode\n```", word="code").reason
    assert check("blank_line_paragraphs", "Text.\n\n```\na\n\nb\n```", relation="==", n=1).passed
    assert check("blank_line_paragraphs", "Before\n```\ncode\n```\nAfter", relation="==", n=2).passed
    assert check("blank_line_paragraphs", "```\ncode\n```", relation="==", n=0).passed
    # word and character counts still count everything
    assert check("word_count_range", "one two\n```\nthree four\n```", min_words=4, max_words=4).passed


def test_code_blocks_language_is_exact_first_word():
    assert not check("code_blocks", "```python3\nx\n```", language="python").passed
    assert check("code_blocks", "```python3\nx\n```", language="python3").passed
    assert check("code_blocks", "```Python title=x.py\nx\n```", language="PYTHON").passed
    assert not check("code_blocks", "```py\nx\n```", language="python").passed


@pytest.mark.parametrize(
    "schema",
    [
        {"$ref": "#/$defs/x"},
        {"properties": {"a": {"items": {"$ref": "#/definitions/nope"}}}},
        {"$ref": "https://example.com/schema.json"},
        {"$ref": "other.json"},
        {"$ref": "#missing-anchor"},
        '{"const": NaN}',
    ],
)
def test_json_schema_unresolvable_refs_rejected_at_compile_time(schema):
    with pytest.raises(ValidationError):
        REGISTRY.get("json_schema").params(schema=schema)


def test_json_schema_local_refs_still_work():
    s = {"$defs": {"n": {"type": "integer"}}, "type": "array", "items": {"$ref": "#/$defs/n"}}
    assert check("json_schema", "[1, 2]", schema=s).passed
    assert "at $[1]" in check("json_schema", '[1, "x"]', schema=s).reason
    s = {"$id": "https://example.com/root", "$defs": {"a": {"$id": "a.json", "type": "string"}}, "$ref": "a.json"}
    assert check("json_schema", '"x"', schema=s).passed
    assert check("json_schema", '"x"', schema={"$defs": {"x": {"$anchor": "s", "type": "string"}}, "$ref": "#s"}).passed
    d7 = {"$schema": "http://json-schema.org/draft-07/schema#", "definitions": {"x": {"type": "integer"}}, "$ref": "#/definitions/x"}
    assert check("json_schema", "3", schema=d7).passed
    # a "$ref" key inside instance data is not a reference
    assert check("json_schema", '{"$ref": "#/nope"}', schema={"const": {"$ref": "#/nope"}}).passed


@pytest.mark.parametrize("body", ["NaN", '{"answer": Infinity}', "[-Infinity]"])
def test_json_schema_rejects_non_standard_constants(body):
    v = check("json_schema", body, schema={})
    assert not v.passed and "not allowed in strict JSON" in v.reason


def test_review_reasons_and_table_padding():
    with pytest.raises(ValidationError, match="non-space character"):
        REGISTRY.get("contains").params(phrase=" \t")
    assert check("first_word", "Absolutely!", word="Absolutely").reason == "the first word is 'Absolutely'"
    assert check("first_word", "Yes!", word="Absolutely").reason == "the first word is 'Yes', not 'Absolutely'"
    assert check("sentences_start_with", "Notably a. Notably b.", word="Notably").reason == "all 2 sentences start with 'Notably'"
    assert check("sentences_start_with", "Notably a.", word="Notably").reason == "the only sentence starts with 'Notably'"
    v = check("square_brackets", "[]")
    assert not v.passed and "empty pair of brackets" in v.reason
    assert check("no_double_spaces", "| a  | b |\n|----|---|\n| 1  | 2 |").passed
    assert not check("no_double_spaces", "| a  | b |\n\ntext  here").passed
    assert not check("no_double_spaces", "| a  | b |").passed  # no delimiter row: not a table
