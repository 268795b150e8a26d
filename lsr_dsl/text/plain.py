"""Plain-string views of a text that IFBench's checkers build with ``str`` methods.

IFBench removes or strips ASCII punctuation (``string.punctuation``) before most of its
counts; these views are computed once per response through :meth:`Text.memo`.
"""
from __future__ import annotations

import string
from typing import List

from lsr_dsl.text.analysis import Text

#: ``string.punctuation``: the 32 ASCII punctuation characters.
ASCII_PUNCT = string.punctuation
#: ASCII punctuation and the space: what IFBench strips from the ends of a word.
PUNCT_AND_SPACE = ASCII_PUNCT + " "
_DROP_PUNCT = str.maketrans("", "", ASCII_PUNCT)


def drop_ascii_punct(s: str) -> str:
    """``s`` without any ASCII punctuation character."""
    return s.translate(_DROP_PUNCT)


def without_ascii_punct(t: Text) -> str:
    """The response with every ASCII punctuation character removed."""
    return t.memo("plain.without_ascii_punct", lambda x: drop_ascii_punct(x.text))


def lower_without_ascii_punct(t: Text) -> str:
    """The response lower-cased, then ASCII punctuation removed."""
    return t.memo("plain.lower_without_ascii_punct", lambda x: drop_ascii_punct(x.text.lower()))


def split_words(t: Text) -> List[str]:
    """``text.split()``: whitespace-separated pieces, punctuation attached."""
    return t.memo("plain.split", lambda x: x.text.split())


def sentences_of(s: str) -> List[str]:
    """English Punkt sentences of any string (NLTK's ``sent_tokenize``)."""
    return Text(s).sentences


def word_tokens_of(s: str) -> List[str]:
    """NLTK ``word_tokenize`` tokens of any string."""
    return Text(s).treebank_tokens
