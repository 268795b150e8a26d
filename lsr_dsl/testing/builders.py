"""Build responses that satisfy, or violate, a spec of hard constraints, constructively.

:func:`build_response` turns a spec's verifier tree into goals, alternatives of "these atoms
must hold, those must fail" (an IF gives one alternative per branch; a failing AND or THEN
needs only one failing child), then repairs a plain English sentence until every goal of one
alternative is met: each supported atom has a *satisfy* and a *violate* edit (reach a word
count by adding words, drop every comma for ``no_comma``, wrap the text in JSON, …), and
counting atoms share one engine that measures the count with the constraint's own check and
adds or removes units. The result is always scored with the compiled program before it is
returned: a text that does not get the outcome asked for is never returned; the builder raises
:class:`CannotBuild` instead, saying why (a soft leaf, an atom with no edit, a contradiction).

No hypothesis here: the randomness is a :class:`random.Random`; ``strategies.py`` wraps this.
"""
from __future__ import annotations

import itertools
import json
import random
import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from lsr_dsl.api import compile as compile_source
from lsr_dsl.constraints.registry import REGISTRY, Params, Relation
from lsr_dsl.language.errors import LsrError
from lsr_dsl.testing import family_edits
from lsr_dsl.testing.family_edits import Counted
from lsr_dsl.text import Text
from lsr_dsl.verifier.nodes import AndV, AtomV, IfV, ThenV, VNode
from lsr_dsl.verifier.program import Program


class CannotBuild(LsrError):
    """No text with the asked-for outcome could be built for this spec (the message says why)."""


Edit = Callable[[Any, str, random.Random], str]

# ---------------------------------------------------------------------------
# plain material

BASE_SENTENCES = (
    "The river runs past the old stone mill.",
    "A small boat waits near the quiet harbor.",
    "The garden behind the house is full of tall green plants.",
    "Our train leaves the station early in the morning.",
)
VOCAB = (
    "river", "garden", "window", "meadow", "candle", "harbor", "ticket", "marble", "jacket",
    "violin", "planet", "button", "pencil", "valley", "forest", "bridge", "orange", "lantern",
    "kettle", "basket", "pillow", "silver", "tunnel", "wagon", "yellow", "zebra", "helmet",
)  # fmt: skip
FILLER_SENTENCES = (
    "The sky is clear today.",
    "Birds sing in the tall trees.",
    "People walk along the road.",
    "Rain falls on the roof at night.",
    "Children read books in the library.",
)
LANGUAGE_SAMPLES = {
    "en": "The weather is pleasant today and we are going for a long walk in the park.",
    "fr": "Le temps est agréable aujourd'hui et nous allons faire une longue promenade dans le parc.",
    "de": "Das Wetter ist heute angenehm und wir machen einen langen Spaziergang im Park.",
    "es": "El tiempo es agradable hoy y vamos a dar un largo paseo por el parque.",
    "it": "Il tempo è piacevole oggi e andiamo a fare una lunga passeggiata nel parco.",
    "pt": "O tempo está agradável hoje e vamos dar um longo passeio no parque.",
    "nl": "Het weer is vandaag aangenaam en we gaan een lange wandeling maken in het park.",
}


def _words(rng: random.Random, k: int) -> str:
    return " ".join(rng.choice(VOCAB) for _ in range(k))


def _insert(text: str, piece: str, *, sentence: bool = False) -> str:
    """``piece`` added to the end of the first line, inside its last sentence (before a final
    ``.``, ``!`` or ``?``), so no new sentence starts; with ``sentence=True``, after it."""
    if not text.strip():
        return piece
    head, sep, tail = text.partition("\n")
    head = head.rstrip()
    if not sentence and head[-1:] in (".", "!", "?") and not head.endswith("..."):
        return head[:-1] + " " + piece + head[-1] + sep + tail
    return head + " " + piece + sep + tail


def _append_line(text: str, line: str) -> str:
    return (text.rstrip("\n") + "\n" + line) if text.strip() else line


def _append_block(text: str, block: str) -> str:
    return (text.rstrip("\n") + "\n\n" + block) if text.strip() else block


def _ci(case_sensitive: bool) -> int:
    return 0 if case_sensitive else re.IGNORECASE


def _remove_phrase(text: str, phrase: str, *, case_sensitive: bool = True, whole_word: bool = False) -> str:
    body = re.escape(phrase)
    if whole_word:
        body = r"(?<!\w)" + body + r"(?!\w)"
    return re.sub(body, "", text, flags=_ci(case_sensitive))


# ---------------------------------------------------------------------------
# strings from a regular expression (for regex, keywords given as patterns, …)

try:  # Python 3.11+
    import re._parser as _sre  # type: ignore[import-not-found]
    from re import _constants as _sre_c  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _sre_c  # type: ignore[no-redef]
    import sre_parse as _sre  # type: ignore[no-redef]


def string_matching(pattern: str, rng: random.Random, flags: int = 0) -> Optional[str]:
    """A short string that ``pattern`` matches (checked), or None when the pattern is beyond
    this little generator (lookarounds it cannot honour, back-references it cannot follow)."""
    try:
        tree = _sre.parse(pattern, flags)
    except Exception:
        return None
    groups: Dict[int, str] = {}
    try:
        out = _gen(tree, rng, groups)
    except _Unsupported:
        return None
    try:
        return out if re.search(pattern, out, flags) else None
    except re.error:
        return None


class _Unsupported(Exception):
    pass


_CATEGORY = {
    "CATEGORY_DIGIT": "7",
    "CATEGORY_NOT_DIGIT": "a",
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": "a",
    "CATEGORY_WORD": "w",
    "CATEGORY_NOT_WORD": " ",
}
_POOL = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .-_"


def _class_char(items: Sequence[Any]) -> str:
    negate = any(str(op) == "NEGATE" for op, _ in items)
    for ch in _POOL:
        hit = False
        for op, av in items:
            name = str(op)
            if name == "LITERAL" and ord(ch) == av:
                hit = True
            elif name == "RANGE" and av[0] <= ord(ch) <= av[1]:
                hit = True
            elif name == "CATEGORY" and re.fullmatch(_category_regex(str(av)), ch):
                hit = True
        if hit != negate:
            return ch
    raise _Unsupported("character class")


def _category_regex(name: str) -> str:
    return {"CATEGORY_DIGIT": r"\d", "CATEGORY_NOT_DIGIT": r"\D", "CATEGORY_SPACE": r"\s", "CATEGORY_NOT_SPACE": r"\S", "CATEGORY_WORD": r"\w", "CATEGORY_NOT_WORD": r"\W"}.get(name, r"(?!)")


def _gen(tree: Any, rng: random.Random, groups: Dict[int, str]) -> str:
    out: List[str] = []
    for op, av in tree:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(av))
        elif name == "NOT_LITERAL":
            out.append("a" if chr(av) != "a" else "b")
        elif name == "ANY":
            out.append("a")
        elif name == "IN":
            out.append(_class_char(av))
        elif name == "CATEGORY":
            out.append(_CATEGORY.get(str(av), "a"))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            lo, hi, sub = av
            top = lo + 2 if hi is _sre_c.MAXREPEAT else min(hi, lo + 2)
            n = rng.randint(lo, max(lo, top))
            out.append("".join(_gen(sub, rng, groups) for _ in range(n)))
        elif name == "SUBPATTERN":
            gid, sub = av[0], av[-1]
            s = _gen(sub, rng, groups)
            if gid is not None:
                groups[gid] = s
            out.append(s)
        elif name == "BRANCH":
            out.append(_gen(rng.choice(av[1]), rng, groups))
        elif name == "GROUPREF":
            if av not in groups:
                raise _Unsupported("back-reference")
            out.append(groups[av])
        elif name in ("AT", "ASSERT", "ASSERT_NOT"):
            continue  # anchors and lookarounds: the final check decides
        elif name == "ATOMIC_GROUP":
            out.append(_gen(av, rng, groups))
        else:
            raise _Unsupported(name)
    return "".join(out)


# ---------------------------------------------------------------------------
# counting atoms: measure with the constraint's own check, then add or remove units


def _holds(atom: AtomV, params: Params, text: Text) -> bool:
    try:
        return atom.constraint.check(params, text).score >= 1.0
    except Exception:
        return False


def measure(atom: AtomV, text: str) -> Optional[int]:
    """The count a counting atom sees in ``text`` (found with its own check at ``>= k``)."""
    c = atom.constraint
    rp, cp = c.relation_param, c.count_param
    if rp is None or cp is None:
        return None
    t = Text(text)

    def at_least(k: int) -> bool:
        return _holds(atom, atom.params.model_copy(update={rp: Relation.GE, cp: k}), t)

    if not at_least(0):
        return None
    hi = 1
    while at_least(hi):
        hi *= 2
        if hi > 1 << 20:
            return None
    lo = hi // 2  # at_least(lo) holds, at_least(hi) does not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if at_least(mid):
            lo = mid
        else:
            hi = mid
    return lo


def _target(relation: Relation, n: float, have: int, want: bool, rng: random.Random) -> Optional[int]:
    """A count near ``have`` for which ``relation(count, n)`` is ``want``."""
    base = int(n)
    candidates = [v for v in range(max(0, base - 3), base + 4) if relation.holds(v, n) == want]
    if relation.holds(have, n) == want:
        return have
    if not candidates:
        return None
    best = min(abs(v - have) for v in candidates)
    return rng.choice([v for v in candidates if abs(v - have) == best])


@dataclass(frozen=True)
class Units:
    """How to change a counting atom's count by ``k`` (``remove`` None: it cannot go down)."""

    add: Callable[[Any, str, int, random.Random], str]
    remove: Optional[Callable[[Any, str, int, random.Random], str]] = None


def _count_edit(atom: AtomV, text: str, want: bool, rng: random.Random) -> str:
    units = COUNT_UNITS[atom.name]
    c = atom.constraint
    relation = Relation(getattr(atom.params, c.relation_param))
    n = getattr(atom.params, c.count_param)
    for _ in range(8):
        have = measure(atom, text)
        if have is None:
            return text
        goal = _target(relation, n, have, want, rng)
        if goal is None or goal == have:
            return text
        if goal > have:
            text = units.add(atom.params, text, goal - have, rng)
        elif units.remove is not None:
            text = units.remove(atom.params, text, have - goal, rng)
        else:
            return text
    return text


def _drop_last(pattern: str, flags: int = re.MULTILINE) -> Callable[[Any, str, int, random.Random], str]:
    def remove(p: Any, text: str, k: int, rng: random.Random) -> str:
        for _ in range(k):
            hits = list(re.finditer(pattern, text, flags))
            if not hits:
                break
            m = hits[-1]
            text = text[: m.start()] + text[m.end() :]
        return text

    return remove


def _add_words(p: Any, text: str, k: int, rng: random.Random) -> str:
    return _insert(text, _words(rng, k))


def _add_lines(line: Callable[[Any, random.Random, int], str]) -> Callable[[Any, str, int, random.Random], str]:
    def add(p: Any, text: str, k: int, rng: random.Random) -> str:
        for i in range(k):
            text = _append_line(text, line(p, rng, i))
        return text

    return add


def _add_blocks(block: Callable[[Any, random.Random, int], str]) -> Callable[[Any, str, int, random.Random], str]:
    def add(p: Any, text: str, k: int, rng: random.Random) -> str:
        for i in range(k):
            text = _append_block(text, block(p, rng, i))
        return text

    return add


def _add_sentences(p: Any, text: str, k: int, rng: random.Random) -> str:
    return _insert(text, " ".join(rng.choice(FILLER_SENTENCES) for _ in range(k)), sentence=True)


def _drop_sentences(p: Any, text: str, k: int, rng: random.Random) -> str:
    for _ in range(k):
        head, sep, tail = text.partition("\n")
        parts = re.split(r"(?<=[.!?])\s+", head.strip())
        if len(parts) > 1:
            head = " ".join(parts[:-1])
        elif tail.strip():
            lines = text.rstrip("\n").split("\n")
            text = "\n".join(lines[:-1])
            continue
        else:
            return text
        text = head + sep + tail
    return text


def _add_phrase_times(phrase_of: Callable[[Any], Optional[str]]) -> Callable[[Any, str, int, random.Random], str]:
    def add(p: Any, text: str, k: int, rng: random.Random) -> str:
        phrase = phrase_of(p)
        if phrase is None:
            return text
        return _insert(text, " ".join([phrase] * k))

    return add


def _drop_phrase_times(pattern_of: Callable[[Any], Optional[Tuple[str, int]]]) -> Callable[[Any, str, int, random.Random], str]:
    def remove(p: Any, text: str, k: int, rng: random.Random) -> str:
        got = pattern_of(p)
        if got is None:
            return text
        return _drop_last(got[0], got[1])(p, text, k, rng)

    return remove


def _keyword_text(p: Any) -> Optional[str]:
    kw = p.keyword
    return kw if (p.literal or re.escape(kw) == kw or re.fullmatch(kw, kw, re.IGNORECASE)) else None


def _keyword_pattern(p: Any) -> Optional[Tuple[str, int]]:
    body = re.escape(p.keyword) if p.literal else p.keyword
    if p.whole_word:
        body = r"\b(?:" + body + r")\b"
    return body, re.IGNORECASE


def _phrase_pattern(p: Any) -> Tuple[str, int]:
    body = re.escape(p.phrase)
    if p.whole_word:
        body = r"(?<!\w)" + body + r"(?!\w)"
    return body, _ci(p.case_sensitive)


def _upper_words(p: Any, text: str, k: int, rng: random.Random) -> str:
    return _insert(text, " ".join(rng.choice(VOCAB).upper() for _ in range(k)))


def _lower_upper_word(p: Any, text: str, k: int, rng: random.Random) -> str:
    for _ in range(k):
        hits = [m for m in re.finditer(r"\b[A-Z][A-Z]+\b|\bI\b", text)]
        if not hits:
            break
        m = hits[-1]
        text = text[: m.start()] + m.group().lower() + text[m.end() :]
    return text


def _letters(p: Any, text: str, k: int, rng: random.Random) -> str:
    return _insert(text, " ".join([p.letter] * k))


def _drop_letter(p: Any, text: str, k: int, rng: random.Random) -> str:
    return _drop_last(re.escape(p.letter), re.IGNORECASE)(p, text, k, rng)


def _add_chars(p: Any, text: str, k: int, rng: random.Random) -> str:
    if k >= 2:
        word = "".join(rng.choice("abcdefghij") for _ in range(k - 1))
        return _insert(text, word)
    head, sep, tail = text.partition("\n")
    return head + "a" + sep + tail if head else "a" + text


def _drop_chars(p: Any, text: str, k: int, rng: random.Random) -> str:
    return text[: max(0, len(text) - k)]


def _unique_add(p: Any, text: str, k: int, rng: random.Random) -> str:
    have = {w.lower() for w in re.findall(r"\w+", text)}
    fresh = [w for w in VOCAB if w not in have]
    i = 0
    while len(fresh) < k:
        i += 1
        fresh.append(f"{rng.choice(VOCAB)}{i}")
    return _insert(text, " ".join(fresh[:k]))


def _drop_last_word(p: Any, text: str, k: int, rng: random.Random) -> str:
    return _drop_last(r"\s*\b\w+\b", 0)(p, text, k, rng)


def _heading(p: Any, rng: random.Random, i: int) -> str:
    level = getattr(p, "level", None) or 2
    return "#" * level + " " + rng.choice(VOCAB).capitalize() + f" notes {i + 1}"


def _code(p: Any, rng: random.Random, i: int) -> str:
    lang = getattr(p, "language", None) or "python"
    return f"```{lang}\nprint({i + 1})\n```"


COUNT_UNITS: Dict[str, Units] = {
    "words": Units(_add_words, _drop_last_word),
    "word_count_range": Units(_add_words, _drop_last_word),
    "cjk_words": Units(_add_words, _drop_last_word),  # the builder writes English words: one each
    "sentences": Units(_add_sentences, _drop_sentences),
    "paragraphs": Units(_add_lines(lambda p, r, i: "***\n" + r.choice(FILLER_SENTENCES)), _drop_last(r"\n?\*\*\*\n[^\n]*$", 0)),
    "bullets": Units(_add_lines(lambda p, r, i: "* " + _words(r, 3)), _drop_last(r"\n?^[ \t]*[-*][^\n]*$")),
    "highlights": Units(_add_phrase_times(lambda p: None), None),
    "placeholders": Units(lambda p, t, k, r: _insert(t, " ".join(f"[{w}]" for w in [r.choice(VOCAB) for _ in range(k)])), _drop_last(r"\[[^\]\n]*\]", 0)),
    "sections": Units(_add_lines(lambda p, r, i: f"{p.section_spliter} {i + 1}\n{r.choice(FILLER_SENTENCES)}"), None),
    "capital_words": Units(_upper_words, _lower_upper_word),
    "letter_frequency": Units(_letters, _drop_letter),
    "keyword_frequency": Units(_add_phrase_times(_keyword_text), _drop_phrase_times(_keyword_pattern)),
    "count": Units(_add_phrase_times(lambda p: p.phrase), _drop_phrase_times(_phrase_pattern)),
    "chars": Units(_add_chars, _drop_chars),
    "lines": Units(_add_lines(lambda p, r, i: r.choice(FILLER_SENTENCES)), _drop_last(r"\n[^\n]*$", 0)),
    "blank_line_paragraphs": Units(_add_blocks(lambda p, r, i: r.choice(FILLER_SENTENCES)), _drop_last(r"\n\s*\n[^\n]*$", 0)),
    "code_blocks": Units(_add_blocks(_code), _drop_last(r"\n*^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$", re.MULTILINE)),
    "headings": Units(_add_blocks(_heading), _drop_last(r"\n*^#{1,6} [^\n]*$")),
    "numbered_list": Units(_add_lines(lambda p, r, i: f"{i + 1}. {_words(r, 3)}"), _drop_last(r"\n?^[ \t]*\d+[.)] [^\n]*$")),
    "tables": Units(_add_blocks(lambda p, r, i: "| item | count |\n| --- | --- |\n| " + r.choice(VOCAB) + " | 3 |"), None),
    "emojis": Units(lambda p, t, k, r: _insert(t, " ".join(["🙂"] * k)), _drop_last("🙂|[\U0001F300-\U0001FAFF]", 0)),
    "lowercase_words": Units(lambda p, t, k, r: _insert(t, _words(r, k)), _drop_last(r"\s*\b[a-z]+\b", 0)),
    "unique_words": Units(_unique_add, None),
}
COUNTED: Dict[str, Counted] = dict(family_edits.COUNTED)


def measure_counted(atom: AtomV, counted: Counted, text: str, limit: int = 1 << 12) -> Optional[int]:
    """The count ``counted`` reads in ``text``, probing the atom's own check with the count
    parameter varied (and ``probe_update`` making the check read "at least", where it has a
    quantifier): largest k passing for ``ge``, smallest for ``le`` and ``eq``."""
    t = Text(text)
    extra = counted.probe_update or {}

    def passes(k: int) -> bool:
        return _holds(atom, atom.params.model_copy(update={**extra, counted.count_param: k}), t)

    if counted.probe == "eq":
        return next((k for k in range(0, 400) if passes(k)), None)
    if counted.probe == "le":
        hi = 1
        while not passes(hi):
            hi *= 2
            if hi > limit:
                return None
        if passes(0):
            return 0
        lo = hi // 2 if hi > 1 else 0  # passes(hi) holds, passes(lo) does not
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if passes(mid):
                hi = mid
            else:
                lo = mid
        return hi
    if not passes(0):
        return None
    hi = 1
    while passes(hi):
        hi *= 2
        if hi > limit:
            return None
    lo = hi // 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if passes(mid):
            lo = mid
        else:
            hi = mid
    return lo


def _counted_edit(atom: AtomV, counted: Counted, text: str, want: bool, rng: random.Random) -> str:
    n = int(getattr(atom.params, counted.count_param))
    for _ in range(8):
        have = measure_counted(atom, counted, text)
        if have is None or counted.holds(atom.params, have) == want:
            return text
        options = [v for v in range(max(0, n - 12), n + 13) if counted.holds(atom.params, v) == want]
        if not options:
            return text
        best = min(abs(v - have) for v in options)
        goal = rng.choice([v for v in options if abs(v - have) == best])
        try:
            if goal > have:
                text = counted.add(atom.params, text, goal - have, rng)
            elif counted.remove is not None:
                text = counted.remove(atom.params, text, have - goal, rng)
            else:
                return text
        except Exception:  # an edit that cannot apply to these parameters: the final check decides
            return text
    return text


COUNT_UNITS["highlights"] = Units(lambda p, t, k, r: _insert(t, " ".join(f"*{r.choice(VOCAB)}*" for _ in range(k))), _drop_last(r"\*[^\n*]+\*", 0))

# ---------------------------------------------------------------------------
# the other atoms: one satisfy and one violate edit each


def _prepend(text: str, piece: str) -> str:
    return piece + " " + text.lstrip() if text.strip() else piece


def _append(text: str, piece: str) -> str:
    return text.rstrip() + " " + piece if text.strip() else piece


def _other_word(word: str) -> str:
    return "Zebra" if word.lower() != "zebra" else "Lantern"


def _json_instance(schema: Any, depth: int = 0) -> Any:
    """A small JSON value that conforms to common JSON Schema keywords (checked by the caller)."""
    if not isinstance(schema, dict) or depth > 8:
        return {}
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("allOf", "anyOf", "oneOf"):
        if schema.get(key):
            merged = {k: v for k, v in schema.items() if k != key}
            first = schema[key][0] if key != "allOf" else {k: v for s in schema[key] if isinstance(s, dict) for k, v in s.items()}
            return _json_instance({**merged, **first}, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = kind[0] if kind else None
    if kind is None:
        kind = "object" if "properties" in schema or "required" in schema else "array" if "items" in schema else "string"
    if kind == "object":
        props = schema.get("properties", {})
        out = {}
        for name in list(schema.get("required", [])) + [n for n in props if n not in schema.get("required", [])][:0]:
            out[name] = _json_instance(props.get(name, {}), depth + 1)
        return out
    if kind == "array":
        n = schema.get("minItems", 1)
        return [_json_instance(schema.get("items", {}), depth + 1) for _ in range(n)]
    if kind == "string":
        n = max(schema.get("minLength", 0), 4)
        s = ("text" * (n // 4 + 1))[:n]
        return s[: schema["maxLength"]] if "maxLength" in schema else s
    if kind == "integer":
        return int(schema.get("minimum", schema.get("exclusiveMinimum", -1) + 1 if "exclusiveMinimum" in schema else 1))
    if kind == "number":
        return schema.get("minimum", 1.5)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return {}


def _schema_of(p: Any) -> Any:
    schema = p.schema_
    return json.loads(schema) if isinstance(schema, str) else schema


def _word_range(p: Any, text: str, rng: random.Random, inside: bool) -> str:
    from lsr_dsl.text.prose import count_words

    n = count_words(text)
    lo = p.min_words if p.min_words is not None else 0
    hi = p.max_words
    goal = rng.randint(int(lo), int(hi) if hi is not None else int(lo) + 5) if inside else (hi + 1 if hi is not None else max(lo - 1, 0))
    if goal > n:
        return _insert(text, _words(rng, goal - n))
    return _drop_last_word(p, text, n - goal, rng)


def _fence_free(text: str) -> str:
    return text.replace("```", "")


def _json_wrap(text: str) -> str:
    return json.dumps({"answer": _fence_free(text).strip()}, ensure_ascii=False)


def _rebuild_pairs(text: str) -> str:
    toks = re.findall(r"[^\s<>]+", text)
    if not toks:
        toks = ["plain", "text"]
    groups = [" ".join(toks[i : i + 2]) for i in range(0, len(toks), 2)]
    return " ".join(f"<<{g}>>" for g in groups)


def _bracket_all(text: str) -> str:
    toks = re.findall(r"[^\s\[\]]+", text) or ["word"]
    return " ".join(f"[{t}]" for t in toks)


def _dedupe_words(text: str) -> str:
    seen = set()

    def keep(m: "re.Match[str]") -> str:
        w = m.group().lower()
        if w in seen:
            return ""
        seen.add(w)
        return m.group()

    out = re.sub(r"\w+", keep, text)
    return re.sub(r"[ \t]{2,}", " ", out)


def _no_clash(text: str) -> str:
    for _ in range(200):
        words = list(re.finditer(r"\w+", text))
        clash = next((b for a, b in zip(words, words[1:]) if a.group()[0].isalpha() and a.group()[0].lower() == b.group()[0].lower()), None)
        if clash is None:
            return text
        text = text[: clash.start()].rstrip(" ") + text[clash.end() :]
    return text


def _same_ends(text: str) -> str:
    first = re.search(r"\w+", text)
    if first is None:
        return "echo and echo"
    body = re.sub(r"[^\w\s]+$", "", text.rstrip())
    return body + " " + first.group()


def _start_sentences(p: Any, text: str) -> str:
    from lsr_dsl.text.prose import sentences

    word = p.word
    for s in sorted(set(sentences(Text(text))), key=len, reverse=True):
        if not s.lower().startswith(word.lower()):
            text = text.replace(s, f"{word} {s[0].lower()}{s[1:]}" if s else word, 1)
    return text


def _sentence_bounds(p: Any, text: str, rng: random.Random) -> str:
    from lsr_dsl.text.prose import count_words, sentences

    if not text.strip():
        text = rng.choice(BASE_SENTENCES)
    for s in sentences(Text(text)):
        n = count_words(s)
        if p.max_words is not None and n > p.max_words:
            words = s.split()
            cut = " ".join(words[: max(p.max_words, 1)]).rstrip(".!?,;:") + "."
            text = text.replace(s, cut, 1)
        elif p.min_words is not None and n < p.min_words:
            body = s.rstrip(".!?")
            text = text.replace(s, body + " " + _words(rng, p.min_words - n) + ".", 1)
    return text


def _sentence_violate(p: Any, text: str, rng: random.Random) -> str:
    if p.max_words is not None:
        return _append(text, "The " + _words(rng, p.max_words + 1) + ".")
    if p.min_words and p.min_words > 1:
        return _append(text, "Yes.")
    return text


def _bullet_bounds(p: Any, text: str, rng: random.Random) -> str:
    from lsr_dsl.text.prose import count_words

    lo = p.min_words or 1
    hi = p.max_words if p.max_words is not None else lo + 3
    size = max(1, min(max(lo, 3), hi)) if hi >= 1 else 0
    lines = text.split("\n")
    out = []
    for ln in lines:
        m = re.match(r"^(\s*(?:[-*+•]|\d+[.)]) )(.*)$", ln)
        if m:
            n = count_words(m.group(2))
            if (p.min_words is not None and n < p.min_words) or (p.max_words is not None and n > p.max_words):
                ln = m.group(1) + _words(rng, size)
        out.append(ln)
    text = "\n".join(out)
    if not re.search(r"^\s*(?:[-*+•]|\d+[.)]) ", text, re.MULTILINE) and not p.allow_none:
        text = _append_block(text, "- " + _words(rng, size))
    return text


def _bullet_violate(p: Any, text: str, rng: random.Random) -> str:
    if p.max_words is not None:
        return _append_block(text, "- " + _words(rng, p.max_words + 1))
    if p.min_words and p.min_words > 1:
        return _append_block(text, "- " + _words(rng, p.min_words - 1))
    return text


def _paragraph_bounds(p: Any, text: str, rng: random.Random) -> str:
    from lsr_dsl.text.prose import count_words, paragraph_sentences, prose

    if not text.strip():
        text = rng.choice(BASE_SENTENCES)
    for para in prose(Text(text)):
        block = para.blocks[0] if para.blocks else None
        if block is None or block not in text:
            continue
        words = sum(count_words(b) for b in para.blocks)
        sents = len(paragraph_sentences(para))
        new = block
        if p.min_sentences is not None and sents < p.min_sentences:
            new = new + " " + " ".join(rng.choice(FILLER_SENTENCES) for _ in range(p.min_sentences - sents))
        if p.max_sentences is not None and sents > p.max_sentences and len(para.blocks) == 1:
            parts = re.split(r"(?<=[.!?])\s+", new)
            keep = max(p.max_sentences, 1)
            new = " ".join(parts[: keep - 1] + [" and ".join(x.rstrip(".!?") for x in parts[keep - 1 :]) + "."])
        words_now = words + count_words(new) - count_words(block)
        if p.min_words is not None and words_now < p.min_words:
            new = new.rstrip(".!?") + " " + _words(rng, p.min_words - words_now) + "."
        if p.max_words is not None and words_now > p.max_words and len(para.blocks) == 1:
            toks = new.split()
            new = " ".join(toks[: p.max_words]).rstrip(".!?,") + "."
        text = text.replace(block, new, 1)
    return text


def _paragraph_violate(p: Any, text: str, rng: random.Random) -> str:
    if p.max_words is not None:
        return _append_block(text, "The " + _words(rng, p.max_words + 1) + ".")
    if p.max_sentences is not None:
        return _append_block(text, " ".join(rng.choice(FILLER_SENTENCES) for _ in range(p.max_sentences + 1)))
    if p.min_words and p.min_words > 1:
        return _append_block(text, "Yes.")
    if p.min_sentences and p.min_sentences > 1:
        return _append_block(text, "Yes.")
    return text


def _nth_paragraph(p: Any, text: str, rng: random.Random) -> str:
    paras = [x.strip() for x in text.split("\n\n") if x.strip()] or [rng.choice(BASE_SENTENCES)]
    while len(paras) < p.num_paragraphs:
        paras.append(rng.choice(FILLER_SENTENCES))
    if len(paras) > p.num_paragraphs:
        paras = paras[: p.num_paragraphs - 1] + [" ".join(paras[p.num_paragraphs - 1 :]).replace("\n", " ")]
    i = p.nth_paragraph - 1
    if i < len(paras):
        first = re.split(r"[\s.,?!'\"]", paras[i].lstrip("'\""), maxsplit=1)[0].lower()
        if first != p.first_word:
            paras[i] = p.first_word.capitalize() + " " + paras[i]
    return "\n\n".join(paras)


def _regex_satisfy(p: Any, text: str, rng: random.Random) -> str:
    flags = re.IGNORECASE if "i" in p.flags else 0
    flags |= re.MULTILINE if "m" in p.flags else 0
    flags |= re.DOTALL if "s" in p.flags else 0
    m = string_matching(p.pattern, rng, flags)
    if m is None:
        return text
    if getattr(p, "mode", "search") == "fullmatch":
        return m
    for _ in range(getattr(p, "min_matches", 1)):
        text = _append_line(text, m)
    return text


def _regex_remove(p: Any, text: str, rng: random.Random) -> str:
    flags = 0
    for f, bit in (("i", re.IGNORECASE), ("m", re.MULTILINE), ("s", re.DOTALL), ("x", re.VERBOSE)):
        if f in p.flags:
            flags |= bit
    for _ in range(20):
        try:
            new = re.sub(p.pattern, "", text, flags=flags)
        except re.error:
            return text
        if new == text:
            break
        text = new
    return text


def _language(p: Any, text: str, rng: random.Random) -> str:
    sample = LANGUAGE_SAMPLES.get(p.language)
    return sample if sample is not None else text


def _forbidden_remove(p: Any, text: str, rng: random.Random) -> str:
    for w in p.forbidden_words:
        body = re.escape(w) if p.literal else w
        if p.whole_word:
            body = r"\b" + body + r"\b"
        try:
            text = re.sub(body, "", text, flags=re.IGNORECASE)
        except re.error:
            text = re.sub(re.escape(w), "", text, flags=re.IGNORECASE)
    return text


def _keywords_add(p: Any, text: str, rng: random.Random) -> str:
    for k in p.keywords:
        text = _insert(text, k if (p.literal or re.escape(k) == k) else (string_matching(k, rng, re.IGNORECASE) or k))
    return text


def _keywords_remove(p: Any, text: str, rng: random.Random) -> str:
    k = rng.choice(list(p.keywords))
    body = re.escape(k) if p.literal else k
    if p.whole_word:
        body = r"\b(?:" + body + r")\b"
    try:
        return re.sub(body, "", text, flags=re.IGNORECASE)
    except re.error:
        return text


def _postscript_remove(p: Any, text: str, rng: random.Random) -> str:
    marker = re.escape(p.postscript_marker.lower()).replace(r"\.", r"\.\s?")
    return "\n".join(ln for ln in text.split("\n") if not re.search(marker.replace(r"\ ", r"\s?"), ln.lower()))


def _capitalise_sentences(text: str) -> str:
    text = re.sub(r"(^|[.!?]\s+|\n\s*(?:[-*+•#]+\s+|\d+[.)]\s+)?)([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)
    return text


SATISFY: Dict[str, Edit] = {
    "no_comma": lambda p, t, r: t.replace(",", ""),
    "lowercase": lambda p, t, r: t.lower(),
    "uppercase": lambda p, t, r: t.upper(),
    "contains": lambda p, t, r: _insert(t, p.phrase),
    "in_order": lambda p, t, r: _append(t, "\n".join(p.markers)),
    "excludes": lambda p, t, r: _remove_phrase(t, p.phrase, case_sensitive=p.case_sensitive, whole_word=p.whole_word),
    "starts_with": lambda p, t, r: _prepend(t, p.phrase.strip() if p.strip else p.phrase),
    "ends_with_text": lambda p, t, r: _append(t, p.phrase.strip() if p.strip else p.phrase),
    "ends_with": lambda p, t, r: _append_line(t.rstrip().rstrip('"'), p.end_phrase),
    "first_word": lambda p, t, r: _prepend(t, p.word),
    "last_word": lambda p, t, r: _append(t, p.word + "."),
    "forbidden_words": _forbidden_remove,
    "keywords": _keywords_add,
    "json_format": lambda p, t, r: _json_wrap(t),
    "json_schema": lambda p, t, r: json.dumps(_json_instance(_schema_of(p)), ensure_ascii=False),
    "word_count_range": lambda p, t, r: _word_range(p, t, r, True),
    "quotation": lambda p, t, r: '"' + t.strip().strip('"') + '"',
    "title": lambda p, t, r: "<<" + r.choice(VOCAB) + " notes>>\n" + t,
    "two_responses": lambda p, t, r: t.replace("******", "").rstrip() + "\n******\n" + r.choice(FILLER_SENTENCES),
    "postscript": lambda p, t, r: _append_block(t, p.postscript_marker + " " + r.choice(FILLER_SENTENCES)),
    "constrained_response": lambda p, t, r: _append_line(t, p.options[0]),
    "copy_text": lambda p, t, r: p.text,
    "repeat_prompt": lambda p, t, r: p.prompt_to_repeat.strip() + " " + t.lstrip(),
    "language": _language,
    "nth_paragraph_first_word": _nth_paragraph,
    "capitalized_sentences": lambda p, t, r: _capitalise_sentences(t),
    "no_double_spaces": lambda p, t, r: re.sub(r"(?<=\S)[ \t]{2,}(?=\S)", " ", t),
    "all_words_unique": lambda p, t, r: _dedupe_words(t),
    "no_consecutive_first_letter": lambda p, t, r: _no_clash(t),
    "bigram_wrapping": lambda p, t, r: _rebuild_pairs(t),
    "square_brackets": lambda p, t, r: _bracket_all(t),
    "start_end_same_word": lambda p, t, r: _same_ends(t),
    "sentences_start_with": lambda p, t, r: _start_sentences(p, t),
    "each_sentence": _sentence_bounds,
    "each_bullet": _bullet_bounds,
    "each_paragraph": _paragraph_bounds,
    "regex": _regex_satisfy,
    "not_regex": _regex_remove,
}

VIOLATE: Dict[str, Edit] = {
    "no_comma": lambda p, t, r: _insert(t, "yes, indeed"),
    "lowercase": lambda p, t, r: _insert(t, "Hello"),
    "uppercase": lambda p, t, r: _insert(t, "hello"),
    "contains": lambda p, t, r: _remove_phrase(t, p.phrase, case_sensitive=p.case_sensitive, whole_word=p.whole_word),
    "excludes": lambda p, t, r: _insert(t, p.phrase),
    "starts_with": lambda p, t, r: _prepend(t, _other_word(p.phrase.split()[0] if p.phrase.split() else "x")),
    "ends_with_text": lambda p, t, r: _append(t, _other_word(p.phrase) + "."),
    "ends_with": lambda p, t, r: _append(t, _other_word(p.end_phrase) + "."),
    "first_word": lambda p, t, r: _prepend(t, _other_word(p.word)),
    "last_word": lambda p, t, r: _append(t, _other_word(p.word) + "."),
    "forbidden_words": lambda p, t, r: _insert(t, p.forbidden_words[0]) if (p.literal or re.escape(p.forbidden_words[0]) == p.forbidden_words[0]) else t,
    "keywords": _keywords_remove,
    "json_format": lambda p, t, r: t + " {" if t.strip() else "{",
    "json_schema": lambda p, t, r: "not json {",
    "word_count_range": lambda p, t, r: _word_range(p, t, r, False),
    "quotation": lambda p, t, r: t.strip().strip('"') + " end",
    "title": lambda p, t, r: re.sub(r"<<[^\n]+>>", "", t),
    "two_responses": lambda p, t, r: t.replace("******", ""),
    "postscript": _postscript_remove,
    "constrained_response": lambda p, t, r: functools_reduce_remove(t, p.options),
    "copy_text": lambda p, t, r: p.text + " zebra extra",
    "repeat_prompt": lambda p, t, r: "Zebra " + t,
    "language": lambda p, t, r: LANGUAGE_SAMPLES["de" if p.language != "de" else "fr"],
    "capitalized_sentences": lambda p, t, r: _append(t, "zebra runs fast."),
    "no_double_spaces": lambda p, t, r: _insert(t, "two  spaces"),
    "all_words_unique": lambda p, t, r: _insert(t, "echo echo"),
    "no_consecutive_first_letter": lambda p, t, r: _insert(t, "apple apricot"),
    "bigram_wrapping": lambda p, t, r: _append(t, "loose"),
    "square_brackets": lambda p, t, r: _append(t, "loose"),
    "start_end_same_word": lambda p, t, r: _append(t, _other_word(re.search(r"\w+", t).group() if re.search(r"\w+", t) else "x")),
    "sentences_start_with": lambda p, t, r: _append(t, _other_word(p.word) + " runs fast."),
    "each_sentence": _sentence_violate,
    "each_bullet": _bullet_violate,
    "each_paragraph": _paragraph_violate,
    "regex": lambda p, t, r: _regex_remove(p, t, r),
    "not_regex": lambda p, t, r: _regex_satisfy(p.model_copy(update={}), t, r),
    "nth_paragraph_first_word": lambda p, t, r: _append_block(t, r.choice(FILLER_SENTENCES)),
}


SATISFY.update(family_edits.SATISFY)
VIOLATE.update(family_edits.VIOLATE)


def _generic_violations(text: str, rng: random.Random) -> List[str]:
    """Plain mutations tried, in order, on an atom with no violate edit of its own."""
    base = text if text.strip() else rng.choice(BASE_SENTENCES)
    return [
        base + " zebra",
        "Zebra " + base,
        base + "\n\nZebra, 7 zebras! Why?",
        base.upper(),
        base.lower(),
        " ".join(base.split()[:-1]) or "x",
        "",
        "The " + base,
        base + " " + base,
    ]


def _generic_violation(atom: AtomV, text: str, rng: random.Random) -> str:
    for candidate in _generic_violations(text, rng):
        if not _holds(atom, atom.params, Text(candidate)):
            return candidate
    return text


def functools_reduce_remove(text: str, options: Sequence[str]) -> str:
    for o in options:
        text = text.replace(o, "")
    return text


def supported(name: str) -> bool:
    """Whether the builder has edits for this constraint (its canonical name)."""
    c = REGISTRY.get(name)
    return c is not None and c.kind == "hard" and (c.name in SATISFY or c.name in COUNT_UNITS or c.name in COUNTED)


# ---------------------------------------------------------------------------
# goals and the repair loop

Goal = Tuple[AtomV, bool]  # the atom, and whether it must hold
MAX_ALTERNATIVES = 64


def _alternatives(node: VNode, want: bool) -> List[List[Goal]]:
    """Ways to give ``node`` the outcome ``want`` (True: score 1.0), each a list of atom goals."""
    if isinstance(node, AtomV):
        return [[(node, want)]]
    if isinstance(node, (AndV, ThenV)):
        kids = [_alternatives(c, want) for c in node.children]
        if want:
            out: List[List[Goal]] = []
            for combo in itertools.product(*kids):
                out.append([g for part in combo for g in part])
                if len(out) >= MAX_ALTERNATIVES:
                    break
            return out
        return [alt for k in kids for alt in k][:MAX_ALTERNATIVES]
    if isinstance(node, IfV):
        holds = _alternatives(node.condition, True)
        fails = _alternatives(node.condition, False)
        then = _alternatives(node.then, want)
        other = _alternatives(node.else_, want) if node.else_ is not None else ([[]] if want else [])
        out = [a + b for a in holds for b in then] + [a + b for a in fails for b in other]
        return out[:MAX_ALTERNATIVES]
    raise TypeError(type(node).__name__)


def _atom_holds(atom: AtomV, text: str, prompt: Optional[str]) -> Optional[bool]:
    source = prompt if atom.target == "prompt" else text
    if source is None:
        return None
    return _holds(atom, atom.params, Text(source))


def _edit(atom: AtomV, text: str, want: bool, rng: random.Random) -> str:
    name = atom.name
    if name in COUNT_UNITS and atom.constraint.count_param is not None and atom.constraint.relation_param is not None:
        return _count_edit(atom, text, want, rng)
    if name in COUNTED:
        return _counted_edit(atom, COUNTED[name], text, want, rng)
    table = SATISFY if want else VIOLATE
    fn = table.get(name)
    if fn is None:
        return _generic_violation(atom, text, rng) if not want else text
    try:
        return fn(atom.params, text, rng)
    except Exception:  # an edit that cannot apply to these parameters: the final check decides
        return text


def _repair(goals: Sequence[Goal], base: str, prompt: Optional[str], rng: random.Random, rounds: int = 5) -> Optional[str]:
    text = base
    for _ in range(rounds):
        pending = [(a, w) for a, w in goals if _atom_holds(a, text, prompt) is not w]
        if not pending:
            return text
        for atom, want in pending:
            if atom.target == "prompt":
                return None  # the prompt is given: a goal on it cannot be edited into being
            text = _edit(atom, text, want, rng)
    return text if all(_atom_holds(a, text, prompt) is w for a, w in goals) else None


def _program(spec: Union[str, Program]) -> Program:
    if isinstance(spec, Program):
        return spec
    if isinstance(spec, str):
        return compile_source(spec)
    raise TypeError(f"spec must be .lsr source or a Program, not {type(spec).__name__}")


def _edits_for(atom: AtomV, want: bool) -> bool:
    if atom.target == "prompt":
        return True
    if atom.name in COUNT_UNITS and atom.constraint.count_param and atom.constraint.relation_param:
        return True
    if atom.name in COUNTED or not want:
        return True  # without a violate edit of its own, an atom gets the generic violations
    return atom.name in SATISFY


def build_response(
    spec: Union[str, Program],
    *,
    satisfying: bool = True,
    prompt: Optional[str] = None,
    rng: Optional[random.Random] = None,
    base: Optional[str] = None,
) -> str:
    """A response that satisfies the spec fully (``satisfying=True``: score 1.0) or does not
    (score below 1.0), checked with the compiled program before it is returned.

    ``prompt`` defaults to the spec's ``prompt`` field (conditions on the prompt read it).
    Raises :class:`CannotBuild` for a spec with a soft constraint, when no way through the spec
    has edits for all its atoms, or when the edits cannot meet every goal at once (a
    contradiction such as ``words >= 10 AND words < 5``).
    """
    program = _program(spec)
    rng = rng or random.Random(0)
    soft = sorted({a.label for a in program.atoms() if a.constraint.kind != "hard"})
    if soft:
        raise CannotBuild(f"spec '{program.name}': cannot build a response for soft constraints ({', '.join(soft)}): a model judges them")
    if prompt is None and isinstance(program.meta.get("prompt"), str):
        prompt = program.meta["prompt"]
    scoped = sorted({n.kind for n in program.root.walk() if n.kind in ("scope", "for_each")})
    if scoped:
        raise CannotBuild(f"spec '{program.name}': cannot build a response for parts of the text ({', '.join(scoped)}) yet")
    if prompt is None and any(a.target == "prompt" for a in program.atoms()):
        raise CannotBuild(f"spec '{program.name}' has a condition on the prompt, and no prompt was given: pass prompt=… or give the spec a prompt field")
    alts = _alternatives(program.root, satisfying)
    workable = [alt for alt in alts if all(_edits_for(a, w) for a, w in alt)]
    if not workable:
        missing = sorted({a.label for alt in alts for a, w in alt if not _edits_for(a, w)})
        what = "satisfy" if satisfying else "violate"
        raise CannotBuild(f"spec '{program.name}': no way to {what} it: the builder has no edit for {', '.join(missing) or 'these atoms'}")
    rng.shuffle(workable)
    start = base if base is not None else rng.choice(BASE_SENTENCES)
    for alt in workable[:16]:
        text = _repair(alt, start, prompt, rng)
        if text is None:
            continue
        score = program.score(text, prompt=prompt)
        if (score >= 1.0) == satisfying:
            return text
    outcome = "satisfies" if satisfying else "violates"
    raise CannotBuild(
        f"spec '{program.name}': could not build a response that {outcome} it "
        f"({len(workable)} way{'s' if len(workable) != 1 else ''} tried; the goals may contradict each other, e.g. words >= 10 AND words < 5)"
    )


def coverage(names: Optional[Iterable[str]] = None, seeds: int = 3) -> Tuple[List[str], List[Tuple[str, str]]]:
    """Which hard constraints ``build_response(…, satisfying=True)`` supports, tried on each one's
    catalogue example: ``(supported, [(unsupported, why), …])``."""
    supported: List[str] = []
    missing: List[Tuple[str, str]] = []
    for c in REGISTRY.definitions():
        if c.kind != "hard" or (names is not None and c.name not in names):
            continue
        program = compile_source(c.example)
        try:
            for seed in range(seeds):
                build_response(program, satisfying=True, rng=random.Random(seed))
            supported.append(c.name)
        except CannotBuild as e:
            missing.append((c.name, str(e)))
    return supported, missing
