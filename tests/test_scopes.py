"""Parts of the text as scopes (``in section(2) { … }``) and ``for each`` over items."""
from __future__ import annotations

import json

import pytest

import lsr_dsl
from lsr_dsl import LsrError, parse
from lsr_dsl.language.formatter import format_module
from lsr_dsl.language.interchange import from_json, to_json
from lsr_dsl.text import Text
from lsr_dsl.text.parts import PartSpec, units
from lsr_dsl.verifier.trace import render_trace

POEM = """# Outline
Roses, then thorns.

# Poem
Roses climb the wall
and thorns keep the time

# Notes
- first note
- second note here
- third
"""

TABLE = """Results:

| task | done |
|---|---|
| parse | yes |
| check | no |
| lower | yes |
| trace | yes |
"""


def score(src, response, mode="lsrm", prompt=None):
    return lsr_dsl.compile(src, mode=mode).score(response, prompt=prompt)


# ---------------------------------------------------------------------------
# the parts a text divides into


def test_units_of_a_markdown_text():
    t = Text(POEM)
    assert units("section", t) == ["Roses, then thorns.", "Roses climb the wall\nand thorns keep the time", "- first note\n- second note here\n- third"]
    assert units("item", t) == ["first note", "second note here", "third"]
    assert units("list", t) == ["- first note\n- second note here\n- third"]
    assert units("row", Text(TABLE)) == ["parse | yes", "check | no", "lower | yes", "trace | yes"]
    assert units("paragraph", Text("a\n\n  \nb\nc")) == ["a", "b\nc"]
    assert units("quoted", Text('He said "go now" and\n> quoted block\n> more\n「你好」')) == ["go now", "quoted block\nmore", "你好"]
    assert units("fenced", Text('x\n```py\nprint(1)\n```\nand """raw text"""')) == ["print(1)", "raw text"]


def test_selectors_and_their_reasons():
    t = Text(POEM)
    assert PartSpec("section", (-1,), "").select(t).text.startswith("- first")
    assert PartSpec("heading", ("poem",), "").select(t).text == "Roses climb the wall\nand thorns keep the time"
    assert PartSpec("between", ("Roses", "wall"), "").select(t).text == ", then thorns.\n\n# Poem\nRoses climb the"
    assert PartSpec("after", ("# Notes",), "").select(t).text.startswith("- first note")
    assert PartSpec("match", (r"^# (\w+)$",), "").select(t).text == "Outline"
    assert PartSpec("first_lines", (2,), "").select(t).text == "# Outline\nRoses, then thorns."
    assert PartSpec("last_lines", (99,), "").select(t).text.count("\n") == 8
    missing = PartSpec("section", (4,), "").select(t)
    assert missing.text is None and missing.reason == "no section 4: the response has 3 sections"
    assert PartSpec("section", (2,), "").select(Text("# one\nx"), "prompt").reason == "no section 2: the prompt has 1 section"
    assert PartSpec("heading", ("Missing",), "").select(t).reason.startswith("no heading containing 'Missing'")
    assert PartSpec("between", ("Roses", "zzz"), "").select(t).reason == "no 'zzz' after 'Roses' in the response"


@pytest.mark.parametrize("text", ["", "   \n\n", "#", "|", "> ", '"', "```", "- ", "| a |\n|---|"])
def test_every_selector_is_total(text):
    t = Text(text)
    for spec in [PartSpec(k, (1,), "") for k in ("paragraph", "section", "list", "item", "row", "line", "sentence", "quoted", "fenced", "first_lines", "last_lines")]:
        sel = spec.select(t)
        assert sel.text is None or isinstance(sel.text, str)
        assert sel.reason


# ---------------------------------------------------------------------------
# scopes: scores, missing parts, traces


def test_scope_scores_the_part_only():
    src = 'in section(2) { starts_with("Roses") AND lines <= 2 }'
    assert score(src, POEM) == 1.0
    assert score('starts_with("Roses")', POEM) == 0.0  # the whole response starts with '# Outline'
    # the part under 'Poem' has no comma; the whole response has one
    assert score('in heading("Poem") { no_comma }', POEM) == 1.0
    assert score("no_comma", POEM) == 0.0


def test_a_missing_part_is_a_traced_failure_in_every_mode():
    src = 'in section(2) { no_comma AND words <= 5 } AND no_comma'
    text = "# Only\nshort text"
    for mode, expected in (("lsrm", 0.5), ("flat", 0.5), ("strict", 0.0)):
        assert score(src, text, mode) == pytest.approx(expected)
    result = lsr_dsl.compile(src).evaluate(text)
    scope = result.trace["children"][0]
    assert scope["kind"] == "scope" and scope["found"] is False
    assert scope["reason"] == "no section 2: the response has 1 section"
    assert result.errors == []
    rendered = "\n".join(render_trace(result.trace))
    assert "✗ in section(2): no section 2: the response has 1 section" in rendered
    assert "not evaluated: the part is missing" in rendered


def test_then_over_scopes_decays_later_parts():
    src = 'in heading("Outline") { words <= 3 } THEN[gamma=0.5] in heading("Poem") { lines <= 2 }'
    # outline has 3 words: 1.0; poem has 2 lines: 1.0
    assert score(src, POEM) == 1.0
    long_outline = POEM.replace("Roses, then thorns.", "Roses, then thorns, then more.")
    # step 1 fails (0.0), step 2 passes but decays by 0.5^1: (0 + 0.5) / 2
    assert score(src, long_outline) == pytest.approx(0.25)


def test_in_order_checks_that_parts_come_in_order():
    src = 'in_order(["# Outline", "# Poem"]) AND in heading("Poem") { lines <= 2 }'
    assert score(src, POEM) == 1.0
    swapped = "# Poem\nRoses climb the wall\n\n# Outline\nRoses, then thorns.\n"
    assert score(src, swapped) == 0.5
    reason = lsr_dsl.compile(src).evaluate(swapped).trace["children"][0]["reason"]
    assert reason == "1 of 2 markers in order; '# Poem' does not occur after '# Outline'"


def test_prompt_scope_reads_the_quoted_part_only():
    src = 'IF prompt in quoted { words > 5 } THEN words <= 3 ELSE words <= 20'
    long_quote = 'Summarise this: "one two three four five six seven". Mention words.'
    short_quote = 'Summarise this text, which has many words before the quote: "one two".'
    assert score(src, "Seven numbers.", prompt=long_quote) == 1.0
    assert score(src, "It lists two numbers in order here.", prompt=long_quote) == 0.0
    assert score(src, "It lists two numbers in order here.", prompt=short_quote) == 1.0
    # no quoted passage: the condition does not hold, ELSE applies
    assert score(src, "Fine.", prompt="no quotes at all") == 1.0
    # the whole prompt mentions 'Paris', the passage does not
    cond = 'IF prompt in after("Passage:") { contains("Paris") } THEN contains("France") ELSE words <= 3'
    prompt = "Mention Paris if the passage does.\nPassage: Rome is old."
    assert score(cond, "It is old.", prompt=prompt) == 1.0
    assert score('IF prompt contains("Paris") THEN contains("France") ELSE words <= 3', "It is old.", prompt=prompt) == 0.0


def test_prompt_scope_without_a_prompt_is_undecided_not_else():
    prog = lsr_dsl.compile('IF prompt in quoted { words > 5 } THEN no_comma ELSE no_comma')
    result = prog.evaluate("a, b")
    assert result.score == 0.0
    assert result.errors and "no prompt" in result.errors[0]["error"]


# ---------------------------------------------------------------------------
# for each: reductions, LsRM and flat scores against hand-computed values


@pytest.mark.parametrize(
    "reduction, lsrm, flat, strict",
    [
        ("", 0.75, 0.75, 0.0),  # 3 of 4 rows contain 'yes'
        (" mean", 0.75, 0.75, 0.0),
        (" all", 0.0, 0.0, 0.0),
        (" any", 1.0, 1.0, 1.0),
        (" at_least(3)", 1.0, 1.0, 1.0),
        (" at_least(4)", 0.75, 0.75, 0.0),
    ],
)
def test_for_each_row_reductions(reduction, lsrm, flat, strict):
    src = f'for each row{reduction} {{ contains("yes") }}'
    assert score(src, TABLE, "lsrm") == pytest.approx(lsrm)
    assert score(src, TABLE, "flat") == pytest.approx(flat)
    assert score(src, TABLE, "strict") == pytest.approx(strict)


def test_for_each_mean_of_an_and_body_by_hand():
    # items: 'first note' (2 words, no 'here'), 'second note here' (3, here), 'third' (1, no)
    src = 'for each item { words <= 2 AND contains("here") }'
    # item scores: (1+0)/2, (0+1)/2, (1+0)/2 → mean 0.5; flat: 6 leaves, 3 pass → 0.5
    assert score(src, POEM) == pytest.approx(0.5)
    assert score(src, POEM, "flat") == pytest.approx(0.5)
    # next to another atom, LsRM weighs the for each as one child: (0.5 + 1) / 2
    assert score(src + " AND lines >= 1", POEM) == pytest.approx(0.75)
    # flat: 6 item leaves + 1 → 4/7
    assert score(src + " AND lines >= 1", POEM, "flat") == pytest.approx(4 / 7)


def test_fraction_gives_no_partial_credit_within_an_item():
    src = 'for each item{} {{ words <= 2 AND contains("here") }}'
    # no item passes both: the mean gives 0.5 (half of each item), fraction 0.0
    assert score(src.format(""), POEM) == pytest.approx(0.5)
    assert score(src.format(" fraction"), POEM) == 0.0
    # two of the three items have at most 2 words
    assert score("for each item fraction { words <= 2 }", POEM) == pytest.approx(2 / 3)
    assert score("for each item fraction { words <= 2 } AND no_comma", POEM, "flat") == pytest.approx((2 / 3 + 0) / 2)


def test_prompt_parts_fenced_triple_quoted_and_regex():
    fenced = 'IF prompt in fenced { contains("def ") } THEN code_blocks >= 1 ELSE words <= 5'
    assert score(fenced, "Short answer.", prompt='Explain:\n```python\ndef f(): pass\n```') == 0.0
    assert score(fenced, "Short answer.", prompt='Explain:\n"""\nplain text\n"""') == 1.0
    assert score(fenced, "```python\ndef f(): pass\n```", prompt='Explain this def:\n"""\ndef f(): pass\n"""') == 1.0
    regex_part = r'IF prompt in match("Topic: (\\w+)") { contains("cats") } THEN contains("meow") ELSE no_comma'
    assert score(regex_part, "meow, meow", prompt="Topic: cats\nWrite about dogs too.") == 1.0
    assert score(regex_part, "woof, woof", prompt="Topic: dogs\nWrite about cats too.") == 0.0
    # for each over the prompt's quoted passages: every passage is short
    each = 'IF prompt for each quoted all { words <= 3 } THEN words <= 5 ELSE words <= 50'
    assert score(each, "one two three four five six", prompt='Compare "a b" and "c d e".') == 0.0
    assert score(each, "one two three four five six", prompt='Compare "a b" and "c d e f g".') == 1.0


def test_for_each_without_items_is_a_traced_failure():
    result = lsr_dsl.compile('for each row all { contains("yes") }').evaluate("no table here")
    assert result.score == 0.0
    node = result.trace
    assert node["kind"] == "for_each" and node["reason"] == "0 table rows in the response"
    rendered = "\n".join(render_trace(result.trace))
    assert "not evaluated: there is no row" in rendered


def test_for_each_trace_lists_items():
    result = lsr_dsl.compile('for each row { contains("yes") }').evaluate(TABLE)
    items = result.trace["children"]
    assert [c["item"] for c in items] == [1, 2, 3, 4]
    assert [c["passed"] for c in items] == [True, False, True, True]
    assert items[1]["text"] == "check | no"
    assert result.trace["passed_items"] == 3


def test_nested_scopes_and_for_each():
    src = 'in heading("Notes") { for each item { words <= 3 } AND bullets == 3 }'
    assert score(src, POEM) == 1.0
    assert score('for each section { in first_lines(1) { words <= 4 } }', POEM) == 1.0


def test_tree_json_and_structure():
    prog = lsr_dsl.compile('in section(1) { no_comma } AND for each row at_least(2) { no_comma }')
    tree = prog.tree_json()["root"]
    assert tree["children"][0] == {"kind": "scope", "part": "section(1)", "children": [{"kind": "atom", "name": "no_comma", "label": "no_comma", "params": {}}]}
    assert tree["children"][1]["k"] == 2 and tree["children"][1]["reduction"] == "at_least"
    assert lsr_dsl.compile('in section(1) { no_comma }').structure == "atom"


# ---------------------------------------------------------------------------
# syntax: round trips and positioned errors


ROUND_TRIPS = [
    'in section(2) { words <= 250 AND starts_with("Roses") }',
    "in quoted { no_comma }",
    'in between("<a>", "</a>") { no_comma THEN lowercase }',
    'IF prompt in quoted(2) { words > 200 } THEN words <= 50',
    "for each row { no_comma }",
    "for each item all { no_comma }",
    "for each section at_least(2) { for each paragraph any { no_comma } }",
    'language("en") AND in last_lines(2) { no_comma }',
]


def test_names_that_start_with_the_scope_words_stay_names():
    src = "let in_short = words <= 9\n\nlet for_each_x = no_comma\n\nlet each = lowercase\n\nin_short AND for_each_x AND each AND in line(1) { each }\n"
    m = parse(src)
    assert format_module(m) == src
    assert lsr_dsl.compile(src).score("the cat sat on the mat") == 1.0


@pytest.mark.parametrize("src", ROUND_TRIPS)
def test_round_trip(src):
    m = parse(src)
    assert format_module(m).strip() == src
    assert parse(format_module(m)) == m
    assert from_json(json.dumps(to_json(m))) == m
    lsr_dsl.compile(src)


@pytest.mark.parametrize(
    "src, line, column, message, hint",
    [
        ("in sectoin(2) { no_comma }", 1, 4, "unknown part 'sectoin'", "did you mean 'section'?"),
        ("in section(0) { no_comma }", 1, 4, "names nothing", "the first is section(1)"),
        ('in section("2") { no_comma }', 1, 4, "needs a whole number", "usage: in section(1)"),
        ('in between("a") { no_comma }', 1, 4, "takes 2 arguments, not 1", "usage"),
        ('no_comma AND\n  in match("(unclosed") { no_comma }', 2, 6, "bad regex", None),
        ('in after("") { no_comma }', 1, 4, "non-empty marker", None),
        ("for each rows { no_comma }", 1, 10, "unknown unit 'rows'", "did you mean 'row'?"),
        ("for each row bogus { no_comma }", 1, 14, "unknown reduction 'bogus'", None),
        ("for each row at_least(0) { no_comma }", 1, 14, "at_least needs one positive whole number", "for each row at_least(2)"),
        ("for each row all(2) { no_comma }", 1, 14, "takes no arguments", None),
    ],
)
def test_malformed_scopes_are_positioned_errors(src, line, column, message, hint):
    with pytest.raises(LsrError) as info:
        lsr_dsl.compile(src)
    d = info.value.diagnostics[0]
    assert message in d.message
    assert (d.span.line, d.span.column) == (line, column)
    if hint:
        assert hint in (d.hint or "")


@pytest.mark.parametrize(
    "src, expected, hint",
    [
        ("in section(2) no_comma", "expected '{'", "the body goes in braces"),
        ("for each row at_least(2) no_comma", "expected '{'", "the body goes in braces"),
        ("in section(2) { no_comma", "'}'", None),
        ("for row { no_comma }", "'each'", "write: for each row"),
        ("in { no_comma }", "a constraint name", "name the part"),
        ("for each { no_comma }", "a constraint name", "name the unit"),
    ],
)
def test_scope_syntax_errors_say_what_was_expected(src, expected, hint):
    with pytest.raises(LsrError) as info:
        parse(src)
    d = info.value.diagnostics[0]
    assert expected in d.message
    assert d.span.line == 1
    if hint:
        assert hint in (d.hint or "")


@pytest.mark.parametrize(
    "src",
    [
        'in section(2) { starts_with("Roses") AND lines <= 1 } AND for each item all { words <= 2 }',
        'for each item { words <= 2 AND contains("here") } THEN in section(9) { no_comma }',
        'IF in heading("Notes") { bullets >= 3 } THEN for each section at_least(2) { lines <= 2 } ELSE no_comma',
    ],
)
def test_lsr_eval_recomputes_every_mode_from_the_trace(src):
    """``lsr eval`` rescores traces in three modes; scopes and for each keep what it needs."""
    from lsr_dsl.evaluation.structure import trace_scores

    for response in (POEM, TABLE, ""):
        trace = lsr_dsl.compile(src).evaluate(response).trace
        got = trace_scores(trace)
        for mode in ("lsrm", "flat", "strict"):
            assert got[mode] == pytest.approx(score(src, response, mode)), (mode, response)


def test_loose_mode_reads_each_part_loosely():
    src = 'in section(2) { starts_with("Roses") }'
    text = "# A\nx\n\n# B\n*Roses* bloom"
    assert lsr_dsl.compile(src).score(text) == 0.0
    assert lsr_dsl.compile(src).score(text, loose=True) == 1.0
