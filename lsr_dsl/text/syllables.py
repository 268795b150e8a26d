"""Syllable-count parity of a word, as the ``syllapy`` package (IFBench's choice) counts syllables.

syllapy normalises a word (strip whitespace, lower-case, strip ASCII punctuation), gives 0
to an empty word or one with a digit, looks the word up in its dictionary, splits a
hyphenated word at its first hyphen and adds the parts (0 if a part counts 0), and
otherwise counts vowel groups with two adjustments for a final ``e`` / ``le``.

IFBench only asks whether counts are odd or even, so lsr needs, of the dictionary, only
the words whose count has the other parity than the rules give (``syllable_table``,
generated from syllapy by ``tools/make_ifbench_tables.py``). This module imports nothing
from lsr so that the generator can load it on its own.
"""
from __future__ import annotations

import re
import string

_VOWELS = "aeiouy"
_DIGIT = re.compile(r"\d")
_COMPOUND = re.compile(r"([^-]+)-(.+)")


def normalise(word: str) -> str:
    return word.strip().lower().strip(string.punctuation)


def vowel_group_syllables(word: str) -> int:
    """syllapy's rule for a word outside its dictionary (``word`` normalised, non-empty)."""
    n = 1 if word[0] in _VOWELS else 0
    for prev, ch in zip(word, word[1:]):
        if ch in _VOWELS and prev not in _VOWELS:
            n += 1
    if word.endswith("e"):
        n -= 1
    if word.endswith("le") and len(word) > 2 and word[-3] not in _VOWELS:
        n += 1
    return n if n != 0 else 1


def _parity(word: str) -> tuple:
    """(count is zero, count parity) of syllapy's ``count(word)``."""
    w = normalise(word)
    if not w or _DIGIT.search(w):
        return True, 0
    zero, parity = rule_parity(w)
    from lsr_dsl.text.syllable_table import PARITY_FLIPPED

    if w in PARITY_FLIPPED:  # a dictionary word: its count is >= 1
        return False, 1 - parity
    return zero, parity


def rule_parity(w: str) -> tuple:
    """(zero, parity) of the count syllapy gives a normalised word when it is not in its dictionary."""
    m = _COMPOUND.match(w)
    if m:
        z1, p1 = _parity(m.group(1))
        z2, p2 = _parity(m.group(2))
        if z1 or z2:
            return True, 0
        return False, (p1 + p2) % 2
    return False, vowel_group_syllables(w) % 2


def syllable_parity(word: str) -> int:
    """``syllapy.count(word) % 2``."""
    return _parity(word)[1]
