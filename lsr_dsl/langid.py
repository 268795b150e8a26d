"""Language identification with langdetect's answers, deterministically.

``detect(text)`` returns exactly what ``langdetect.detect(text)`` returns with
``DetectorFactory.seed = 0`` (the setting IFEval's reference numbers were
produced with), or ``None`` where langdetect raises ``LangDetectException``
(no usable features in the text, e.g. digits or symbols only).

We use our own factory instance with the seed set on it, so the global
``langdetect.DetectorFactory.seed`` of the host process is left alone.
"""
from __future__ import annotations

import threading
from typing import List, Optional

SEED = 0

_lock = threading.Lock()
_factory = None


def _get_factory():
    global _factory
    if _factory is None:
        with _lock:
            if _factory is None:
                from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

                f = DetectorFactory()
                f.load_profile(PROFILES_DIRECTORY)
                f.set_seed(SEED)
                _factory = f
    return _factory


def languages() -> List[str]:
    """Every code langdetect can answer (``en``, ``fr``, ``zh-cn`` …)."""
    return sorted(_get_factory().get_lang_list())


def detect_reference(text: str) -> Optional[str]:
    """langdetect itself (slow, pure Python): the oracle for :func:`detect`."""
    from langdetect.lang_detect_exception import LangDetectException

    d = _get_factory().create()
    d.append(text)
    try:
        return d.detect()
    except LangDetectException:
        return None


def detect(text: str) -> Optional[str]:
    """langdetect's answer for ``text`` (seed 0), or None when it cannot tell.

    Uses the fast reimplementation below; the pure-Python langdetect is the
    fallback if numpy is missing or the fast path fails its start-up check.
    """
    if _fast_ok():
        return _detect_fast(text)
    return detect_reference(text)


_FAST: Optional[bool] = None


def _fast_ok() -> bool:
    """Check once that our decoding of the random stream matches ``random.Random``."""
    global _FAST
    if _FAST is None:
        try:
            model = _get_model()
            ref = _random.Random(SEED)
            st = _Stream(model.rng_state, 1)
            ok = True
            for _ in range(3):  # gauss draws two numbers from two random() calls
                x2pi = st.random() * _TWOPI
                g2rad = math.sqrt(-2.0 * math.log(1.0 - st.random()))
                ok &= ref.gauss(0.0, 1.0) == 0.0 + math.cos(x2pi) * g2rad
                ok &= ref.gauss(0.0, 1.0) == 0.0 + math.sin(x2pi) * g2rad
            for n in (1, 3, 1000, 2**20 + 1):
                st2 = _Stream(ref.getstate(), n)
                ok &= ref.choice(range(n)) == int(st2.choices(1)[0])
            ok &= sum([1e16, 1.0, -1e16]) in (0.0, 1.0)
            _FAST = bool(ok)
        except Exception:  # pragma: no cover - numpy missing or profiles unreadable
            _FAST = False
    return _FAST

# ---------------------------------------------------------------------------
# Fast exact reimplementation.
#
# langdetect's Detector: (1) cleans the text, (2) lists its character 1-3-grams
# that occur in the profiles, (3) runs 7 trials of a random walk: each trial
# draws alpha = 0.5 + 0.05 * gauss() and then n-grams with random.choice,
# multiplying every language's probability by (alpha / 10000 + P(ngram | lang)),
# normalising after the first draw and after every 5th, until the top
# probability exceeds 0.99999 or 1000 draws; (4) averages the 7 results.
#
# We reproduce every step bit for bit: the same profiles in the same language
# order, the same n-gram list, the same Mersenne Twister words consumed in the
# same order (taken from a ``random.Random(0)`` in bulk and decoded the way
# ``gauss``/``choice`` decode them), the same floating-point operations per
# language (numpy element-wise ops are IEEE-exact like Python's), and Python's
# own ``sum`` for the normalising sum, whose order matters.

import math
import os
import random as _random
import re as _re

import numpy as _np

_ALPHA_DEFAULT = 0.5
_ALPHA_WIDTH = 0.05
_ITERATION_LIMIT = 1000
_PROB_THRESHOLD = 0.1
_CONV_THRESHOLD = 0.99999
_BASE_FREQ = 10000
_N_TRIAL = 7
_MAX_TEXT_LENGTH = 10000


class _Model:
    """langdetect's profiles as one matrix: row = n-gram, column = language."""

    def __init__(self) -> None:
        import json

        from langdetect.detector import Detector
        from langdetect.detector_factory import PROFILES_DIRECTORY
        from langdetect.utils.ngram import NGram

        names = []
        index = {}
        cols = []  # per language: (rows, values)
        files = [f for f in os.listdir(PROFILES_DIRECTORY) if not f.startswith(".")]
        files = [f for f in files if os.path.isfile(os.path.join(PROFILES_DIRECTORY, f))]
        for li, fn in enumerate(files):
            with open(os.path.join(PROFILES_DIRECTORY, fn), encoding="utf-8") as fh:
                data = json.load(fh)
            names.append(data["name"])
            n_words = data["n_words"]
            rows, vals = [], []
            for gram, freq in data["freq"].items():
                r = index.get(gram)
                if r is None:
                    r = index[gram] = len(index)
                length = len(gram)
                if 1 <= length <= 3:
                    rows.append(r)
                    vals.append(1.0 * freq / n_words[length - 1])
            cols.append((rows, vals))
        m = _np.zeros((len(index), len(names)), dtype=_np.float64)
        for li, (rows, vals) in enumerate(cols):
            m[_np.asarray(rows, dtype=_np.int64), li] = _np.asarray(vals, dtype=_np.float64)
        self.langlist = names
        self.index = index
        self.matrix = m
        self.url_re = Detector.URL_RE
        self.mail_re = Detector.MAIL_RE
        self.normalize_vi = NGram.normalize_vi
        self.norm_table = _NormTable(NGram.normalize)
        self.word_cache: dict = {}
        state = _random.Random(SEED).getstate()
        self.rng_state = state


class _NormTable(dict):
    """str.translate table applying langdetect's per-character normalisation."""

    def __init__(self, fn) -> None:
        super().__init__()
        self._fn = fn

    def __missing__(self, code: int) -> str:
        v = self._fn(chr(code))
        self[code] = v
        return v


_model = None


def _get_model() -> _Model:
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = _Model()
    return _model


_SPACES_RE = _re.compile(" {2,}")
_LATIN_RE = _re.compile("[A-z]")
_NON_LATIN_RE = _re.compile("[\u0300-\u1dff\u1f00-\U0010ffff]")
_SPLIT_RE = _re.compile(" +")


def _clean(model: _Model, text: str) -> str:
    text = model.url_re.sub(" ", text)
    text = model.mail_re.sub(" ", text)
    text = model.normalize_vi(text)
    text = _SPACES_RE.sub(" ", text[:_MAX_TEXT_LENGTH])
    latin = len(_LATIN_RE.findall(text))
    non_latin = len(_NON_LATIN_RE.findall(text))
    if latin * 2 < non_latin:
        text = _LATIN_RE.sub("", text)
    return text


def _word_grams(model: _Model, word: str, trailing_space: bool) -> list:
    """Row indices of the n-grams langdetect emits for one space-delimited word."""
    key = (word, trailing_space)
    hit = model.word_cache.get(key)
    if hit is not None:
        return hit
    index = model.index
    out = []
    padded = " " + word
    prev_upper = False
    for i, ch in enumerate(word):
        up = ch.isupper()
        if not (up and prev_upper):  # langdetect skips n-grams inside CAPITAL words
            for g in (ch, padded[i : i + 2], padded[i - 1 : i + 2] if i >= 1 else None):
                if g is not None:
                    r = index.get(g)
                    if r is not None:
                        out.append(r)
        prev_upper = up
    if trailing_space:
        for g in (padded[-1:] + " ", padded[-2:] + " "):
            r = index.get(g)
            if r is not None:
                out.append(r)
    if len(model.word_cache) < 200_000:
        model.word_cache[key] = out
    return out


def _ngram_rows(model: _Model, text: str) -> list:
    norm = text.translate(model.norm_table)
    pieces = norm.split(" ")
    rows: list = []
    extend = rows.extend
    get = model.word_cache.get
    for w in pieces[:-1]:  # each followed by a space
        if w:
            g = get((w, True))
            extend(g if g is not None else _word_grams(model, w, True))
    w = pieces[-1]
    if w:
        extend(_word_grams(model, w, False))
    return rows


_TWOPI = 2.0 * math.pi
_RECIP_BPF = 1.0 / 9007199254740992.0  # 2 ** -53


class _Stream:
    """The 32-bit Mersenne Twister words of random.Random(seed), in order, in bulk.

    ``choice(seq)`` draws words until ``word >> (32 - k) < len(seq)`` (k the
    bit length of len(seq)); ``random()`` uses two words. We keep the raw
    words and, for the choice decoding, the positions and values of the
    accepted draws, so that a trial can take its draws as array slices.
    """

    __slots__ = ("rng", "n", "shift", "words", "acc_pos", "acc_val", "pos", "j")

    def __init__(self, state, n: int) -> None:
        self.rng = _random.Random()
        self.rng.setstate(state)
        self.n = n
        self.shift = 32 - n.bit_length()
        self.words = _np.empty(0, dtype=_np.uint32)
        self.acc_pos = _np.empty(0, dtype=_np.int64)
        self.acc_val = _np.empty(0, dtype=_np.int64)
        self.pos = 0  # next raw word
        self.j = 0  # next accepted draw (acc_pos[j] >= pos)

    def _grow(self, count: int) -> None:
        raw = self.rng.getrandbits(32 * count).to_bytes(4 * count, "little")
        fresh = _np.frombuffer(raw, dtype="<u4")
        base = len(self.words)
        cand = (fresh >> self.shift).astype(_np.int64)
        ok = _np.flatnonzero(cand < self.n)
        self.words = _np.concatenate([self.words, fresh])
        self.acc_pos = _np.concatenate([self.acc_pos, ok + base])
        self.acc_val = _np.concatenate([self.acc_val, cand[ok]])

    def random(self) -> float:
        while self.pos + 2 > len(self.words):
            self._grow(1024)
        a = int(self.words[self.pos]) >> 5
        b = int(self.words[self.pos + 1]) >> 6
        self.pos += 2
        acc_pos = self.acc_pos
        j = self.j
        while j < len(acc_pos) and acc_pos[j] < self.pos:
            j += 1
        self.j = j
        return (a * 67108864.0 + b) * _RECIP_BPF

    def choices(self, count: int):
        """The next ``count`` choice indices (an int64 array)."""
        while self.j + count > len(self.acc_val):
            self._grow(max(1024, 2 * count))
        j = self.j
        out = self.acc_val[j : j + count]
        self.j = j + count
        self.pos = int(self.acc_pos[j + count - 1]) + 1
        return out


_CHUNK = 64


def _detect_fast(text: str) -> Optional[str]:
    model = _get_model()
    rows = _ngram_rows(model, _clean(model, text))
    if not rows:
        return None
    n = len(rows)
    rows_arr = _np.asarray(rows, dtype=_np.int64)
    matrix = model.matrix
    nlang = len(model.langlist)
    stream = _Stream(model.rng_state, n)
    langprob = _np.zeros(nlang, dtype=_np.float64)
    init = 1.0 / nlang
    gauss_next = None
    buf = _np.empty((6, nlang), dtype=_np.float64)
    mul_reduce = _np.multiply.reduce
    for _t in range(_N_TRIAL):
        prob = _np.full(nlang, init, dtype=_np.float64)
        z = gauss_next
        gauss_next = None
        if z is None:
            x2pi = stream.random() * _TWOPI
            g2rad = math.sqrt(-2.0 * math.log(1.0 - stream.random()))
            z = math.cos(x2pi) * g2rad
            gauss_next = math.sin(x2pi) * g2rad
        alpha = _ALPHA_DEFAULT + (0.0 + z * 1.0) * _ALPHA_WIDTH
        weight = alpha / _BASE_FREQ
        # Draws are taken from the stream in chunks; a chunk's unused draws are
        # handed back (stream.j/pos rewound) when the trial converges.
        j0 = stream.j
        chunk = weight + matrix[rows_arr[stream.choices(1)]]
        used = 0
        i = 0
        while True:
            need = 1 if i == 0 else 5
            if used + need > len(chunk):
                stream.j = j0 + used
                chunk = weight + matrix[rows_arr[stream.choices(_CHUNK)]]
                j0, used = j0 + used, 0
            if need == 1:
                prob *= chunk[used]
            else:  # ((prob * w1) * w2) ... * w5: a reduction over axis 0 runs row by row
                buf[0] = prob
                buf[1:] = chunk[used : used + 5]
                prob = mul_reduce(buf, axis=0)
            used += need
            i += need - 1
            lst = prob.tolist()
            s = sum(lst)  # Python's own sum: its rounding is part of the result
            prob /= s
            # max(p / s) == max(p) / s: correctly rounded division is monotonic
            if max(lst) / s > _CONV_THRESHOLD or i >= _ITERATION_LIMIT:
                break
            i += 1
        stream.j = j0 + used
        stream.pos = int(stream.acc_pos[stream.j - 1]) + 1
        langprob += prob / _N_TRIAL
    best = None
    bestp = _PROB_THRESHOLD
    for lang, p in zip(model.langlist, langprob.tolist()):
        if p > bestp:
            best, bestp = lang, p
    return best if best is not None else "unknown"
