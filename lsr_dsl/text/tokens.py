"""NLTK-compatible word tokens: the Treebank rules of ``word_tokenize`` and a fast count of words in capitals."""
from __future__ import annotations

import re
from typing import Callable, List, Optional

import regex

from lsr_dsl.text.sentences import CTRL_SEPARATORS, punkt_english, punkt_view

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
    if CTRL_SEPARATORS.search(text) is not None:
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


def word_tokenize(text: str) -> List[str]:
    """NLTK's ``word_tokenize(text)`` (English): Punkt sentences, then the Treebank rules on each."""
    out: List[str] = []
    for a, b in punkt_english().nltk_spans(text, punkt_view(text)):
        out.extend(treebank_tokenize(text[a:b]))
    return out
