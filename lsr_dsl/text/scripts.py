"""Counting text in any script: characters without whitespace or punctuation, words with
CJK text segmented per character, and punctuation at the edges of a text in any script."""
from __future__ import annotations

import unicodedata

import regex

from lsr_dsl.text.analysis import Text

#: One CJK character that counts as one word: Han ideographs (with their extensions and
#: compatibility forms), Hiragana and Katakana (the prolonged sound mark included).
CJK_CHAR = r"[\p{Han}\p{Hiragana}\p{Katakana}ー]"
#: Words in any script: each CJK character alone, else a run of word characters
#: (letters, digits, marks, connector punctuation) with no CJK character in it.
_MIXED_WORDS = regex.compile(CJK_CHAR + r"|(?:(?!" + CJK_CHAR + r")\w)+")


def is_punctuation(ch: str) -> bool:
    """Unicode punctuation (general category P*): . , 。 ， ！ ？ 、 「 」 … ¿ and the like."""
    return unicodedata.category(ch).startswith("P")


def char_count(t: Text, *, whitespace: bool = True, punctuation: bool = True) -> int:
    """Code points of the text; without whitespace (``str.isspace``: spaces, tabs, newlines,
    the ideographic space U+3000 …) and/or punctuation (category P*) when asked."""
    if whitespace and punctuation:
        return len(t.text)

    def compute(tt: Text) -> int:
        return sum(1 for ch in tt.text if (whitespace or not ch.isspace()) and (punctuation or not is_punctuation(ch)))

    return t.memo(("scripts", "chars", whitespace, punctuation), compute)


def mixed_words(t: Text) -> list:
    """Words with CJK text segmented per character: ``"我爱 Python 3"`` → 我, 爱, Python, 3."""
    return t.memo(("scripts", "mixed_words"), lambda tt: _MIXED_WORDS.findall(tt.text))


def strip_trailing_punctuation(s: str) -> str:
    """``s`` without the punctuation and whitespace at its end (any script: ``"好。"`` → ``"好"``)."""
    end = len(s)
    while end and (s[end - 1].isspace() or is_punctuation(s[end - 1])):
        end -= 1
    return s[:end]


def strip_leading_punctuation(s: str) -> str:
    """``s`` without the punctuation and whitespace at its start (``"「总之」"`` → ``"总之」"``)."""
    start = 0
    while start < len(s) and (s[start].isspace() or is_punctuation(s[start])):
        start += 1
    return s[start:]
