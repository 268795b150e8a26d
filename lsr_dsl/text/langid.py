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
            _get_model()
            ref = _random.Random(SEED)
            st = _Stream(1)
            ok = True
            for _ in range(3):  # gauss draws two numbers from two random() calls
                x2pi = st.random() * _TWOPI
                g2rad = math.sqrt(-2.0 * math.log(1.0 - st.random()))
                ok &= ref.gauss(0.0, 1.0) == 0.0 + math.cos(x2pi) * g2rad
                ok &= ref.gauss(0.0, 1.0) == 0.0 + math.sin(x2pi) * g2rad
            for n in (1, 3, 1000, 2**20 + 1):
                st2 = _Stream(n)
                st2.skip(st.pos)  # where ``ref`` stands after the gauss() calls
                ok &= ref.choice(range(n)) == int(st2.choices(1)[0])
                st.pos = st2.pos
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
# Steps (1) and (2) and the random stream are reproduced exactly: the same
# profiles in the same language order, the same n-gram list, the same Mersenne
# Twister words consumed in the same order (taken from ``random.Random(0)`` in
# bulk, once per process, and decoded the way ``gauss``/``choice`` decode them).
#
# Step (3) has two implementations:
#
# - ``_walk_exact`` repeats langdetect's floating-point operations one by one
#   (numpy element-wise products are IEEE-exact like Python's; the normalising
#   sum is Python's own ``sum``, whose order matters). Slow: ~8 numpy calls per
#   checkpoint.
# - ``_walk_blocked`` evaluates a whole block of draws at once in log space:
#   log-weights, a cumulative sum, then every checkpoint's top probability
#   1 / S with S = sum(exp(L - max L)). That differs from the exact products by
#   rounding only: every probability ratio is within ~3e-9 relative (1001 draws
#   x a few ulps of log sums <= 1.2e4 in size; ~1e-13 for langdetect's own
#   products and divisions), so S - 1 (the losers' share, ~1e-5 near the
#   convergence test) is within ~3e-14, and langdetect's own rounding of its sum
#   adds ~1e-14. Every decision taken from these numbers is taken only with a
#   wide margin: 1e-11 on S for the convergence test of each checkpoint, 1e-7 on
#   the final probabilities for "> 0.1" and the arg-max;
#   inside the margin, or when a probability could have gone subnormal in
#   langdetect's arithmetic and come back to matter (see ``_LOW``), the text is
#   redone with ``_walk_exact``. So both give the same draws consumed per trial
#   and the same answer; the identity test compares them on every text too.

import array as _array
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
        self.vi_marks = frozenset(NGram.DMARK_CLASS)
        self.norm_table = _NormTable(NGram.normalize)
        # ASCII characters normalise to themselves (letters) or to a space.
        self.ascii_table = bytes(ord(NGram.normalize(chr(c))) for c in range(128)) + b" " * 128
        self.grams_mid = _GramCache(self, True)  # word followed by a space
        self.grams_end = _GramCache(self, False)  # the text's last word


class _NormTable(dict):
    """str.translate table applying langdetect's per-character normalisation."""

    def __init__(self, fn) -> None:
        super().__init__()
        self._fn = fn

    def __missing__(self, code: int) -> str:
        v = self._fn(chr(code))
        self[code] = v
        return v


class _GramCache(dict):
    """word -> the row indices (int32 bytes) of the n-grams langdetect emits for it."""

    _MAX = 200_000

    def __init__(self, model: _Model, trailing_space: bool) -> None:
        super().__init__()
        self._index = model.index
        self._trailing = trailing_space

    def __missing__(self, word: str) -> bytes:
        v = _array.array("i", _word_grams(self._index, word, self._trailing)).tobytes()
        if len(self) < self._MAX:
            self[word] = v
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


def _clean(model: _Model, text: str) -> str:
    if "http" in text:
        text = model.url_re.sub(" ", text)
    if "@" in text:
        text = model.mail_re.sub(" ", text)
    if not text.isascii() and not model.vi_marks.isdisjoint(text):
        text = model.normalize_vi(text)
    text = text[:_MAX_TEXT_LENGTH]
    if "  " in text:
        text = _SPACES_RE.sub(" ", text)
    if not text.isascii():
        non_latin = len(_NON_LATIN_RE.findall(text))
        if non_latin:
            # langdetect drops Latin letters when latin * 2 < non_latin: count
            # the Latin letters only as far as that needs.
            need = (non_latin + 1) // 2
            latin = 0
            for _ in _LATIN_RE.finditer(text):
                latin += 1
                if latin >= need:
                    break
            if latin * 2 < non_latin:
                text = _LATIN_RE.sub("", text)
    return text


def _word_grams(index: dict, word: str, trailing_space: bool) -> list:
    """Row indices of the n-grams langdetect emits for one space-delimited word."""
    out = []
    if not word:
        return out
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
    return out


def _ngram_rows(model: _Model, text: str):
    """Row indices of the text's n-grams, in langdetect's order (an int32 array)."""
    if text.isascii():
        norm = text.encode("ascii").translate(model.ascii_table).decode("ascii")
    else:
        norm = text.translate(model.norm_table)
    pieces = norm.split(" ")
    last = pieces.pop()
    raw = b"".join(map(model.grams_mid.__getitem__, pieces)) + model.grams_end[last]
    return _np.frombuffer(raw, dtype=_np.intc)


_TWOPI = 2.0 * math.pi
_RECIP_BPF = 1.0 / 9007199254740992.0  # 2 ** -53


class _Words:
    """The 32-bit words of ``random.Random(SEED)``, generated once and shared."""

    def __init__(self) -> None:
        self._rng = _random.Random(SEED)
        self.words = _np.empty(0, dtype=_np.uint32)
        self._shifted: dict = {}

    def upto(self, count: int):
        """The stream's first ``count`` (or more) words."""
        words = self.words
        if len(words) < count:
            with _lock:
                words = self.words
                if len(words) < count:
                    extra = max(count - len(words), len(words), 1 << 14)
                    raw = self._rng.getrandbits(32 * extra).to_bytes(4 * extra, "little")
                    words = _np.concatenate([words, _np.frombuffer(raw, dtype="<u4")])
                    self.words = words
        return words

    def shifted(self, shift: int, count: int):
        """``words >> shift`` as int64 for the first ``count`` (or more) words, cached per shift.

        ``choice`` over n items keeps a word when ``word >> shift < n``: texts
        whose n-gram counts have the same bit length share these candidates.
        """
        cached = self._shifted.get(shift)
        if cached is None or len(cached) < count:
            words = self.upto(count)
            cached = (words >> _np.uint32(shift)).astype(_np.int64)
            self._shifted[shift] = cached
        return cached


_WORDS = _Words()


class _Stream:
    """``random.Random(SEED)`` as langdetect consumes it, for ``choice`` over ``n`` items.

    ``choice(seq)`` draws words until ``word >> (32 - k) < len(seq)`` (k the
    bit length of len(seq)); ``random()`` uses two words. We decode the words
    in bulk, keeping the positions and values of the accepted draws, so that a
    trial can take its draws as array slices.
    """

    __slots__ = ("n", "shift", "acc_pos", "acc_val", "scanned", "pos", "j")

    def __init__(self, n: int) -> None:
        self.n = n
        self.shift = 32 - n.bit_length()
        self.acc_pos = _np.empty(0, dtype=_np.int64)
        self.acc_val = _np.empty(0, dtype=_np.int64)
        self.scanned = 0  # words decoded so far
        self.pos = 0  # next raw word
        self.j = 0  # next accepted draw (acc_pos[j] >= pos)

    def _grow(self, count: int) -> None:
        start = self.scanned
        cand = _WORDS.shifted(self.shift, start + count)[start : start + count]
        ok = _np.flatnonzero(cand < self.n)
        if start:
            self.acc_pos = _np.concatenate([self.acc_pos, ok + start])
            self.acc_val = _np.concatenate([self.acc_val, cand[ok]])
        else:
            self.acc_pos = ok
            self.acc_val = cand[ok]
        self.scanned = start + count

    def skip(self, pos: int) -> None:
        """Go to raw word ``pos`` (not before the current position)."""
        while pos + 1 > self.scanned:
            self._grow(2048)
        self.pos = pos
        self.j = int(_np.searchsorted(self.acc_pos, pos))

    def random(self) -> float:
        pos = self.pos
        while pos + 3 > self.scanned:
            self._grow(2048)
        a, b = _WORDS.words[pos : pos + 2].tolist()
        a >>= 5
        b >>= 6
        pos += 2
        self.pos = pos
        acc_pos = self.acc_pos
        j = self.j
        while j < len(acc_pos) and acc_pos[j] < pos:  # skip the (at most 2) accepted draws just consumed
            j += 1
        self.j = j
        return (a * 67108864.0 + b) * _RECIP_BPF

    def gauss_pair(self) -> tuple:
        """``random.gauss``'s two numbers (the second is what it caches)."""
        x2pi = self.random() * _TWOPI
        g2rad = math.sqrt(-2.0 * math.log(1.0 - self.random()))
        return math.cos(x2pi) * g2rad, math.sin(x2pi) * g2rad

    def choices(self, count: int):
        """The next ``count`` choice indices (an int64 array)."""
        while self.j + count > len(self.acc_val):
            self._grow(max(2048, 2 * count))
        j = self.j
        out = self.acc_val[j : j + count]
        self.j = j + count
        self.pos = int(self.acc_pos[j + count - 1]) + 1
        return out

    def rewind(self, j: int) -> None:
        """Hand back the draws from accepted draw ``j`` on (j > 0)."""
        self.j = j
        self.pos = int(self.acc_pos[j - 1]) + 1


def _detect_fast(text: str) -> Optional[str]:
    model = _get_model()
    rows = _ngram_rows(model, _clean(model, text))
    if not len(rows):
        return None
    walked = _walk_blocked(model, rows)
    if isinstance(walked, int):
        return model.langlist[walked]  # decided before the 7th trial
    if walked is not None:
        best = _decide(model, walked, _DECISION_MARGIN)
        if best is not _UNSURE:
            return best
    return _decide(model, _walk_exact(model, rows), 0.0)


_UNSURE = object()
_DECISION_MARGIN = 1e-7


def _decide(model: _Model, langprob, margin: float):
    """langdetect's answer: the first language of highest probability above 0.1.

    With ``margin`` > 0, ``_UNSURE`` where a change of ``margin`` in any
    probability could change the answer.
    """
    probs = langprob.tolist()
    best = None
    bestp = _PROB_THRESHOLD
    for i, p in enumerate(probs):
        if p > bestp:
            best, bestp = i, p
    if margin:
        top = max(probs)
        if abs(top - _PROB_THRESHOLD) <= margin:
            return _UNSURE
        if best is not None and sum(1 for p in probs if p >= bestp - margin) > 1:
            return _UNSURE
    return model.langlist[best] if best is not None else "unknown"


def _decided_early(totals, trials_run: int) -> Optional[int]:
    """The answer's index when the trials still to run cannot change it, else None.

    ``totals`` sums the probabilities of the ``trials_run`` trials so far. The
    remaining trials add at most ``7 - trials_run`` to any language's total (each
    trial's probabilities sum to 1), so a leader ahead of every other language by
    more than that (and already above 7 x 0.1 on its own) is langdetect's answer
    whatever they draw: with four trials that agree, the last three need not run.
    """
    rest = _N_TRIAL - trials_run
    if rest >= _N_TRIAL - 3:  # a lead over 4 needs 4 trials at least
        return None
    lead = int(totals.argmax())
    top = float(totals[lead])
    others = totals.copy()
    others[lead] = -1.0
    if top - float(others.max()) > rest + _DECISION_MARGIN and top > _N_TRIAL * _PROB_THRESHOLD + _DECISION_MARGIN:
        return lead
    return None


def _alpha(stream: _Stream, cached: Optional[float]) -> tuple:
    """(alpha, gauss value cached for the next trial), as ``random.gauss`` caches it."""
    if cached is None:
        z, cached = stream.gauss_pair()
    else:
        z, cached = cached, None
    return _ALPHA_DEFAULT + (0.0 + z * 1.0) * _ALPHA_WIDTH, cached


def _walk_exact(model: _Model, rows):
    """The 7 trials, with langdetect's floating-point operations in its order."""
    n = len(rows)
    rows = rows.astype(_np.int64)
    matrix = model.matrix
    nlang = len(model.langlist)
    stream = _Stream(n)
    langprob = _np.zeros(nlang, dtype=_np.float64)
    init = 1.0 / nlang
    gauss_next = None
    buf = _np.empty((6, nlang), dtype=_np.float64)
    mul_reduce = _np.multiply.reduce
    for _t in range(_N_TRIAL):
        prob = _np.full(nlang, init, dtype=_np.float64)
        alpha, gauss_next = _alpha(stream, gauss_next)
        weight = alpha / _BASE_FREQ
        # Draws are taken from the stream in chunks; a chunk's unused draws are
        # handed back when the trial converges.
        j0 = stream.j
        chunk = weight + matrix[rows[stream.choices(1)]]
        used = 0
        i = 0
        while True:
            need = 1 if i == 0 else 5
            if used + need > len(chunk):
                stream.j = j0 + used
                chunk = weight + matrix[rows[stream.choices(_CHUNK)]]
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
        stream.rewind(j0 + used)
        langprob += prob / _N_TRIAL
    return langprob


_CHUNK = 64

# Blocked walk. A trial stops at checkpoint k (after 1 + 5k draws) when the top
# probability 1 / S_k exceeds 0.99999, i.e. S_k < _S_CONV, or at k = 200.
_S_CONV = 1.0 / _CONV_THRESHOLD
_S_MARGIN = 1e-11  # see above: the error on S is ~4e-14
_LAST_CHECKPOINT = _ITERATION_LIMIT // 5
# A language more than e^600 below the leader at a checkpoint may go subnormal
# (within 5 draws it can lose another e^61 at most, for alpha >= 0.05; the
# smallest normal double is e^-708): from then on langdetect's value of it is
# only approximately ours. That is harmless while it stays below e^-100 of the
# leader (its share of any sum is then far below every margin); otherwise we
# redo the text exactly.
_LOW = math.exp(-600.0)
_BACK = math.exp(-100.0)
_MIN_WEIGHT = 0.05 / _BASE_FREQ


def _walk_blocked(model: _Model, rows, decide_early: bool = True):
    """The 7 trials in log space, a block of checkpoints at a time; None if unsure.

    Returns the averaged probabilities, or (with ``decide_early``) the answer's
    index, an int, as soon as the trials run so far decide it (see
    ``_decided_early``): usually after 4 of the 7.
    """
    n = len(rows)
    matrix = model.matrix
    nlang = len(model.langlist)
    stream = _Stream(n)
    finals = []  # per trial: the probabilities where it stopped, their sum
    totals = None  # the sum of the trials' probabilities so far
    gauss_next = None
    guess = 12  # checkpoints in a trial's first block
    log, exp, accumulate = _np.log, _np.exp, _np.add.accumulate
    for _t in range(_N_TRIAL):
        alpha, gauss_next = _alpha(stream, gauss_next)
        weight = alpha / _BASE_FREQ
        if not weight >= _MIN_WEIGHT:
            return None
        j0 = stream.j
        done = 0  # draws evaluated in earlier blocks of this trial
        base = None  # cumulative log-weights after those draws
        low = None  # languages that have been below _LOW
        while True:
            # Draw counts 1 + 5k at the checkpoints: the first block ends at one.
            k_first = 0 if done == 0 else (done - 1) // 5 + 1
            if done == 0:
                guess = min(guess, _LAST_CHECKPOINT)
                count = 1 + 5 * guess
            else:
                count = 5 * min(max(guess, 8), _LAST_CHECKPOINT + 1 - k_first)
            g = matrix.take(rows.take(stream.choices(count)), axis=0)
            g += weight
            # Log of each checkpoint's product of weights (1 or 5 draws; no
            # overflow or underflow: weights lie in [5e-6, 1.0001]), then the
            # running sum over the checkpoints: the cumulative log-weights.
            if done == 0:
                c = _np.empty((guess + 1, nlang))
                c[0] = g[0]
                g[1:].reshape(guess, 5, nlang).prod(axis=1, out=c[1:])
            else:
                c = g.reshape(count // 5, 5, nlang).prod(axis=1)
            log(c, out=c)
            accumulate(c, axis=0, out=c)
            if base is not None:
                c += base
            e = c - c.max(axis=1, keepdims=True)
            exp(e, out=e)
            sums = e.sum(axis=1).tolist()
            stop = False
            for k, s in enumerate(sums):
                if s < _S_CONV + _S_MARGIN:
                    if s > _S_CONV - _S_MARGIN:
                        return None  # too close to the threshold to tell
                    stop = True
                    break
            else:
                stop = k_first + k >= _LAST_CHECKPOINT
            seen = e[: k + 1]
            if low is not None or seen.min() < _LOW:
                below = _np.logical_or.accumulate(seen < _LOW, axis=0)
                if low is not None:
                    below |= low
                if (below & (seen > _BACK)).any():
                    return None
                low = below[-1]
            if stop:
                stream.rewind(j0 + 1 + 5 * (k_first + k))  # the draws this trial used
                finals.append((e[k], s))
                if decide_early:
                    totals = e[k] / s if totals is None else totals + e[k] / s
                    early = _decided_early(totals, len(finals))
                    if early is not None:
                        return early
                guess = max(4, k_first + k + 4)
                break
            done += count
            base = c[-1]
    probs = _np.array([p for p, _ in finals])
    sums = _np.array([s * _N_TRIAL for _, s in finals])
    return (probs / sums[:, None]).sum(axis=0)
