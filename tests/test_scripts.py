"""Text in any script: characters without whitespace, CJK words per character, punctuation
at the edges in any script, markdown inside ```markdown fences. Counts are on fixtures
counted by hand."""
from __future__ import annotations

import pytest

import lsr_dsl
from lsr_dsl.text import Text
from lsr_dsl.text.scripts import char_count, mixed_words, strip_leading_punctuation, strip_trailing_punctuation

# (text, code points, without whitespace, without whitespace and punctuation, cjk words, \w+ words)
FIXTURES = [
    ("你好，世界。", 6, 6, 4, 4, 2),
    ("我爱 Python 3", 11, 9, 9, 4, 3),
    ("春眠不觉晓，\n处处闻啼鸟。", 13, 12, 10, 10, 2),
    ("東京は　雨です。", 8, 7, 6, 6, 2),  # U+3000 ideographic space; Hiragana は/で/す per character
    ("한국어 문장입니다.", 10, 9, 8, 2, 2),  # Hangul is written with spaces: \w+ runs
    ("Hello, world!", 13, 12, 10, 2, 2),
    ("", 0, 0, 0, 0, 0),
]


@pytest.mark.parametrize("text, n, no_ws, no_ws_punct, cjk, words", FIXTURES)
def test_counts_on_fixtures(text, n, no_ws, no_ws_punct, cjk, words):
    t = Text(text)
    assert char_count(t) == n
    assert char_count(t, whitespace=False) == no_ws
    assert char_count(t, whitespace=False, punctuation=False) == no_ws_punct
    assert len(mixed_words(t)) == cjk
    assert t.word_count == words  # IFEval's count is unchanged


@pytest.mark.parametrize("text, n, no_ws, no_ws_punct, cjk, words", FIXTURES)
def test_the_constraints_count_the_same(text, n, no_ws, no_ws_punct, cjk, words):
    def score(src):
        return lsr_dsl.compile(src).score(text)

    assert score(f"chars == {n}") == 1.0
    assert score(f"chars(whitespace=false) == {no_ws}") == 1.0
    assert score(f"chars(whitespace=false, punctuation=false) == {no_ws_punct}") == 1.0
    assert score(f"cjk_words == {cjk}") == 1.0
    assert score(f"cjk_words == {cjk + 1}") == 0.0


def test_the_reason_names_what_was_counted():
    v = lsr_dsl.compile("chars(whitespace=false) <= 3").evaluate("你好 世界").trace
    assert v["reason"] == "found 4 non-space characters; need at most 3"


@pytest.mark.parametrize(
    "src, response, expected",
    [
        ('ends_with_text("生成文本")', "这是生成文本。", 0.0),
        ('ends_with_text("生成文本", punctuation=false)', "这是生成文本。", 1.0),
        ('ends_with_text("生成文本。", punctuation=false)', "这是生成文本", 1.0),
        ('ends_with_text("生成文本", punctuation=false)', "这是生成文本！」\n", 1.0),
        ('ends_with_text("Thanks", punctuation=false)', "Many thanks!", 0.0),  # case still matters
        ('ends_with_text("Thanks", punctuation=false)', "Thanks!!!", 1.0),
        ('starts_with("总之", punctuation=false)', "「总之」，很好。", 1.0),
        ('starts_with("总之")', "「总之」，很好。", 0.0),
        ('starts_with("Summary:", punctuation=false)', "**Summary** it works", 1.0),
        ('starts_with("Summary:", punctuation=false)', "Overview: it works", 0.0),
    ],
)
def test_punctuation_in_any_script(src, response, expected):
    assert lsr_dsl.compile(src).score(response) == expected


def test_strip_punctuation_helpers():
    assert strip_trailing_punctuation("好。」 ") == "好"
    assert strip_leading_punctuation("«¿Qué?»") == "Qué?»"
    assert strip_trailing_punctuation("。。。") == ""


def test_markdown_inside_markdown_fences_counts_in_unfenced():
    fenced = "Here is the table:\n\n```markdown\n| a | b |\n|---|---|\n| 1 | 2 |\n```\n"
    python = "Code:\n\n```python\n| a | b |\n|---|---|\n| 1 | 2 |\n```\n"
    assert lsr_dsl.compile("tables >= 1").score(fenced) == 0.0
    assert lsr_dsl.compile("in unfenced { tables >= 1 }").score(fenced) == 1.0
    assert lsr_dsl.compile("in unfenced { tables >= 1 }").score(python) == 0.0  # only fences labelled markdown
    assert lsr_dsl.compile("in unfenced { for each row { contains(\"2\") } }").score(fenced) == 1.0
    trace = lsr_dsl.compile("in unfenced { tables >= 1 }").evaluate(fenced).trace
    assert trace["reason"] == "the response with 1 markdown fence unwrapped"
