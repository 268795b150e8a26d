"""Each of IFEval's 25 instruction types: passing and failing texts, edge cases, totality."""
import pytest
from hypothesis import given, settings, strategies as st
from pydantic import ValidationError

from lsr_dsl.constraints.registry import REGISTRY, Relation, Verdict
from lsr_dsl.constraints.ifeval import IFEVAL_IDS, ifeval_kwargs_to_params
from lsr_dsl.text import Text

EN = "This is a short answer written in plain English about the weather and the sea."


def run(name, text, **kw):
    c = REGISTRY.get(name)
    assert c is not None, name
    v = c.check(c.params(**kw), Text(text))
    assert isinstance(v, Verdict) and 0.0 <= v.score <= 1.0 and v.reason
    return v.passed


# (name, kwargs, passing texts, failing texts)
CASES = [
    ("no_comma", {}, ["no commas here"], ["a, b"]),
    ("lowercase", {}, [EN.lower()], [EN, "ceci est une phrase en français, écrite en minuscules pour le test."]),
    ("uppercase", {}, [EN.upper()], [EN, "123"]),
    ("capital_words", {"capital_relation": "at least", "capital_frequency": 2}, ["I LOVE it"], ["I love it"]),
    ("capital_words", {"capital_relation": "less than", "capital_frequency": 2}, ["I love it"], ["DON'T"]),
    ("language", {"language": "fr"}, ["Bonjour, je suis très content de vous voir aujourd'hui.", "1234"], [EN]),
    ("words", {"relation": "at least", "num_words": 3}, ["one two three"], ["one two"]),
    ("words", {"relation": "less than", "num_words": 3}, ["one two"], ["one two three"]),
    ("sentences", {"relation": "less than", "num_sentences": 2}, ["One sentence."], ["One. Two."]),
    ("paragraphs", {"num_paragraphs": 2}, ["a\n***\nb", "***\na *** b\n***"], ["a", "a\n***\n\n***\nb"]),
    (
        "nth_paragraph_first_word",
        {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "Second"},
        ["First.\n\n\"Second,\" he said."],
        ["First.\n\nThird.", "First.\n\nSecond.\n\nThird.", "only one"],
    ),
    ("keywords", {"keywords": ["cat", "Dog"]}, ["a dog and a category"], ["a dog"]),
    ("keywords", {"keywords": ["cat"], "whole_word": True}, ["a cat"], ["a category"]),
    ("forbidden_words", {"forbidden_words": ["cat"]}, ["a category"], ["a Cat!"]),
    ("forbidden_words", {"forbidden_words": ["cat"], "whole_word": False}, ["a dog"], ["a category"]),
    ("keyword_frequency", {"keyword": "the", "frequency": 2}, ["the theme"], ["the end"]),
    ("keyword_frequency", {"keyword": "the", "frequency": 2, "relation": "less than"}, ["the end"], ["the the"]),
    ("letter_frequency", {"letter": "Z", "let_frequency": 2}, ["zZ"], ["z"]),
    ("letter_frequency", {"letter": "z", "let_frequency": 1, "let_relation": "less than"}, ["abc"], ["z"]),
    ("placeholders", {"num_placeholders": 2}, ["[name] at [address]"], ["[name]", "[na\nme] [x"]),
    ("bullets", {"num_bullets": 2}, ["* a\n* b", "- a\n- b"], ["* a", "* a\n* b\n* c", "**a**\n**b**"]),
    ("bullets", {"num_bullets": 1}, ["-5 degrees"], []),
    ("bullets", {"num_bullets": 1, "strict_markdown": True}, ["- a\n---\n-5"], ["-5 degrees"]),
    ("highlights", {"num_highlights": 2}, ["*a* and **b**", "*a* *b*"], ["*a*", "** **"]),
    ("sections", {"num_sections": 2}, ["Section 1\nx\nSection 2\ny"], ["Section 1 only", "SECTION 1 SECTION 2"]),
    ("sections", {"num_sections": 2, "section_spliter": "SECTION"}, ["SECTION 1 a SECTION 2 b"], ["Section 1 Section 2"]),
    ("title", {}, ["<<My Title>>\ntext"], ["<< >>", "<<no\nnewline>>", "no title"]),
    ("json_format", {}, ['{"a": 1}', '```json\n{"a": [1, 2]}\n```', "[1]"], ["{a: 1}", "```json\n{\n```x", "[" * 100000]),
    ("postscript", {"postscript_marker": "P.S."}, ["Hi.\n\nP.S. bye", "hi\np. s. x"], ["Hi. PS bye"]),
    ("postscript", {"postscript_marker": "P.P.S"}, ["x\nP.P.S y"], ["x\nP.S. y"]),
    ("postscript", {"postscript_marker": "Note:"}, ["x\nnote: y"], ["x y"]),
    ("ends_with", {"end_phrase": "Any other questions?"}, ["ok. any other questions?\"  "], ["Any other questions? Yes"]),
    ("ends_with", {"end_phrase": "Any other questions?", "case_sensitive": True}, ["Any other questions?"], ["any other questions?"]),
    ("quotation", {}, ['"quoted"', '  "a"\n'], ['"', 'a"', '"a']),
    ("repeat_prompt", {"prompt_to_repeat": "Write a poem."}, ["write a poem. Roses are red."], ["Poem: write a poem."]),
    ("two_responses", {}, ["A\n******\nB", "******A******B******"], ["A\n******\nA", "A", "A******\n******B", "A******B******C"]),
    ("constrained_response", {}, ["My answer is yes."], ["Yes."]),
    ("constrained_response", {"options": ["Yes", "No"]}, ["No"], ["Maybe"]),
]


@pytest.mark.parametrize("name,kw,good,bad", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_pass_and_fail(name, kw, good, bad):
    for text in good:
        assert run(name, text, **kw), (name, kw, text)
    for text in bad:
        assert not run(name, text, **kw), (name, kw, text)


def test_all_25_registered():
    assert len(IFEVAL_IDS) == 25
    for iid, name in IFEVAL_IDS.items():
        c = REGISTRY.get(iid)
        assert c is REGISTRY.get(name) and c.ifeval_id == iid and c.family == "ifeval"
        assert c.example and c.summary
        assert REGISTRY.by_ifeval_id(iid) is c
    assert {c[0] for c in CASES} == set(IFEVAL_IDS.values())


@pytest.mark.parametrize("name", sorted(set(c[0] for c in CASES)))
@pytest.mark.parametrize("text", ["", "   ", "\n\t\n"])
def test_blank_response_fails(name, text):
    kw = next(c[1] for c in CASES if c[0] == name)
    assert not run(name, text, **kw)


def test_letter_must_be_one_ascii_letter():
    c = REGISTRY.get("keywords:letter_frequency")
    for bad in ["#", "ab", "", "é", "1", " a"]:
        with pytest.raises(ValidationError, match="single ASCII letter"):
            c.params(letter=bad, let_frequency=1, let_relation="at least")
    assert c.params(letter="Q", let_frequency=1).letter == "q"


def test_param_validation():
    with pytest.raises(ValidationError):
        REGISTRY.get("words").params(num_words=-1)
    with pytest.raises(ValidationError):
        REGISTRY.get("words").params(num_words=3, relation="about")
    with pytest.raises(ValidationError, match="unknown language code"):
        REGISTRY.get("language").params(language="xx")
    with pytest.raises(ValidationError):
        REGISTRY.get("nth_paragraph_first_word").params(num_paragraphs=0, nth_paragraph=1, first_word="a")
    with pytest.raises(ValidationError):
        REGISTRY.get("keywords").params(keywords=[])
    with pytest.raises(ValidationError):
        REGISTRY.get("no_comma").params(foo=1)
    assert REGISTRY.get("language").params(language="ZH-CN").language == "zh-cn"


def test_relation_sugar_names():
    # DSL sugar supplies `relation` and the count parameter
    for name in ("words", "sentences", "paragraphs", "capital_words", "letter_frequency", "keyword_frequency",
                 "placeholders", "bullets", "highlights", "sections"):
        c = REGISTRY.get(name)
        assert c.count_param in c.params.model_fields, name
    p = REGISTRY.get("capital_words").params(relation=">=", capital_frequency=3)
    assert p.capital_relation is Relation.GE
    p = REGISTRY.get("letter_frequency").params(relation="<", let_frequency=3, letter="a")
    assert p.let_relation is Relation.LT


def test_deterministic_defaults():
    assert REGISTRY.get("sections").params(num_sections=2).section_spliter == "Section"
    assert REGISTRY.get("postscript").params().postscript_marker == "P.S."
    assert REGISTRY.get("words").params(num_words=5).relation is Relation.GE
    with pytest.raises(ValidationError):
        REGISTRY.get("ends_with").params()


def test_kwargs_mapping_drops_none():
    assert ifeval_kwargs_to_params("punctuation:no_comma", {"num_words": None}) == {}
    assert ifeval_kwargs_to_params("length_constraints:number_words", {"num_words": 3, "relation": "less than", "x": None}) == {
        "num_words": 3, "relation": "less than"}
    with pytest.raises(KeyError):
        ifeval_kwargs_to_params("nope:nope", {})


def test_reasons_have_specifics():
    c = REGISTRY.get("no_comma")
    v = c.check(c.params(), Text("ok\nfine, then, yes"))
    assert v.reason == "found 2 commas; the first at line 2, column 5"
    c = REGISTRY.get("words")
    v = c.check(c.params(relation="at least", num_words=300), Text("one two"))
    assert v.reason == "found 2 words; needs at least 300"


def _example_params():
    out = []
    for iid, name in sorted(IFEVAL_IDS.items()):
        c = REGISTRY.get(name)
        kw = next(k for n, k, _, _ in CASES if n == name)
        out.append((c, c.params(**kw)))
    return out


EXAMPLES = _example_params()


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300) | st.sampled_from(["", " ", "***", "******", "<<>>", "```json\n```", "*", "-", "P.S.", "[", "\n\n"]))
def test_total_on_any_text(s):
    t = Text(s)
    for c, p in EXAMPLES:
        v = c.check(p, t)
        assert isinstance(v, Verdict) and 0.0 <= v.score <= 1.0 and isinstance(v.reason, str)
        for lv in t.loose_variants():
            assert 0.0 <= c.check(p, lv).score <= 1.0
