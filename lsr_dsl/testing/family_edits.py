"""Edits for the families merged after the builder (``ifevalg``, ``ifbench``, ``if_functions``).

Each entry is either a satisfy/violate edit ``(params, text, rng) -> text`` or a
:class:`Counted` description: how to read a count off the constraint's own check and how to add
or remove one unit. Edits are grouped by kind so that one edit serves several constraints where
their semantics agree (``validate_no_commas`` and ``no_comma``; ``verify_bullet_points`` and the
other line counts; …). Nothing here decides whether a text is right: :mod:`.builders` scores
every built text with the compiled program before returning it.
"""
from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional

from lsr_dsl.constraints.registry import Relation

Edit = Callable[[Any, str, random.Random], str]
Step = Callable[[Any, str, int, random.Random], str]

WORDS = ("river", "garden", "window", "meadow", "candle", "harbor", "ticket", "marble", "jacket", "violin", "planet", "button")
FILLER = ("The sky is clear today.", "Birds sing in the tall trees.", "People walk along the road.", "Rain falls on the roof at night.")


# ---------------------------------------------------------------------------
# small text helpers (the builder's own, kept local so this module imports nothing of it)


def _words(rng: random.Random, k: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(k))


def _insert(text: str, piece: str) -> str:
    """``piece`` inside the first line's last sentence (before its final ``.``/``!``/``?``)."""
    if not text.strip():
        return piece
    head, sep, tail = text.partition("\n")
    head = head.rstrip()
    if head[-1:] in (".", "!", "?"):
        return head[:-1] + " " + piece + head[-1] + sep + tail
    return head + " " + piece + sep + tail


def _append(text: str, piece: str) -> str:
    return text.rstrip() + " " + piece if text.strip() else piece


def _append_line(text: str, line: str) -> str:
    return (text.rstrip("\n") + "\n" + line) if text.strip() else line


def _prepend(text: str, piece: str) -> str:
    return piece + " " + text.lstrip() if text.strip() else piece


def _other(word: str) -> str:
    return "Zebra" if word.lower() != "zebra" else "Lantern"


def _drop_last(pattern: str, flags: int = 0) -> Step:
    def remove(p: Any, text: str, k: int, rng: random.Random) -> str:
        for _ in range(k):
            hits = list(re.finditer(pattern, text, flags))
            if not hits:
                break
            m = hits[-1]
            text = text[: m.start()] + text[m.end() :]
        return text

    return remove


def _repeat(piece_of: Callable[[Any, random.Random], str]) -> Step:
    def add(p: Any, text: str, k: int, rng: random.Random) -> str:
        return _insert(text, " ".join(piece_of(p, rng) for _ in range(k)))

    return add


def _lines(line_of: Callable[[Any, random.Random, int], str]) -> Step:
    def add(p: Any, text: str, k: int, rng: random.Random) -> str:
        for i in range(k):
            text = _append_line(text, line_of(p, rng, i))
        return text

    return add


# ---------------------------------------------------------------------------
# counts: read with the check, moved one unit at a time


@dataclass(frozen=True)
class Counted:
    """A count the builder moves: ``probe`` says how the check reads the count parameter
    (``"ge"``: it passes when count >= k, ``"le"``: count <= k, ``"eq"``: count == k); ``probe_update``
    gives extra parameter values that make the check read that way (a quantifier); ``holds`` says
    whether a count satisfies the atom as written; ``add``/``remove`` change the count by k."""

    count_param: str
    probe: str
    holds: Callable[[Any, int], bool]
    add: Step
    remove: Optional[Step] = None
    probe_update: Optional[Dict[str, Any]] = None


def _quantified(p: Any, n: int, tolerance: int) -> bool:
    if p.quantifier == "at least":
        return n >= p.N
    if p.quantifier == "at most":
        return n <= p.N
    return abs(n - p.N) <= tolerance


def _ten_percent(n: int) -> int:
    return max(round(n * 0.1), 1)


def _at_least(attr: str) -> Callable[[Any, int], bool]:
    return lambda p, n: n >= getattr(p, attr)


def _exactly(attr: str) -> Callable[[Any, int], bool]:
    return lambda p, n: n == getattr(p, attr)


def _drop_last_token(p: Any, text: str, k: int, rng: random.Random) -> str:
    return _drop_last(r"\s*\S+(?=\s*$)")(p, text, k, rng)


def _drop_word(p: Any, text: str, k: int, rng: random.Random) -> str:
    return _drop_last(r"\s+[a-z]+\b(?=[^\n]*$)")(p, text, k, rng)


def _bullet_remove(p: Any, text: str, k: int, rng: random.Random) -> str:
    return _drop_last(r"\n?^[ \t]*[-*][^\n]*$", re.MULTILINE)(p, text, k, rng)


def _paragraph_divided(sep: str) -> Step:
    def add(p: Any, text: str, k: int, rng: random.Random) -> str:
        for _ in range(k):
            text = (text.rstrip() + "\n" + sep + "\n" + rng.choice(FILLER)) if text.strip() else rng.choice(FILLER)
        return text

    return add


def _sentence_split_add(p: Any, text: str, k: int, rng: random.Random) -> str:
    return _append(text, " ".join(rng.choice(FILLER) for _ in range(k)))


def _sentence_split_remove(p: Any, text: str, k: int, rng: random.Random) -> str:
    for _ in range(k):
        parts = re.split(r"(?<=[.!?])\s+", text.strip())
        if len(parts) <= 1:
            break
        text = " ".join(parts[:-2] + [parts[-2].rstrip(".!?") + " and " + parts[-1][:1].lower() + parts[-1][1:]])
    return text


def _keyword_piece(attr: str) -> Callable[[Any, random.Random], str]:
    return lambda p, r: getattr(p, attr)


def _remove_ci(attr: str, whole_word: bool = False) -> Step:
    def remove(p: Any, text: str, k: int, rng: random.Random) -> str:
        body = re.escape(getattr(p, attr))
        if whole_word:
            body = r"\b" + body + r"\b"
        return _drop_last(body, re.IGNORECASE)(p, text, k, rng)

    return remove


def _section_add(p: Any, text: str, k: int, rng: random.Random) -> str:
    for i in range(k):
        text = _append_line(text, f"{p.section_splitter} {i + 1}: {rng.choice(FILLER)}")
    return text


def _names_add(p: Any, text: str, k: int, rng: random.Random) -> str:
    from lsr_dsl.constraints.ifbench import PERSON_NAMES

    fresh = [n for n in PERSON_NAMES if not re.search(r"\b" + n + r"\b", text)]
    return _insert(text, "with " + " and ".join(fresh[:k])) if fresh else text


PRONOUNS = ("they", "we", "she", "he", "it", "you", "them", "us")
CONJUNCTIONS = ("and", "but", "or", "so", "yet", "nor", "for")


def _conjunctions_add(p: Any, text: str, k: int, rng: random.Random) -> str:
    have = {w.strip(".,!?;:").lower() for w in text.split()}
    fresh = [c for c in CONJUNCTIONS if c not in have]
    return _insert(text, " ".join(f"{c} {rng.choice(WORDS)}" for c in fresh[:k]))


def _numbers_add(p: Any, text: str, k: int, rng: random.Random) -> str:
    return _insert(text, " ".join(str(rng.randint(2, 99)) for _ in range(k)))


COUNTED: Dict[str, Counted] = {
    # letters and characters
    "ascii_letter_count": Counted("N", "ge", lambda p, n: Relation(p.relation).holds(n, p.N), _repeat(lambda p, r: r.choice(WORDS)), _drop_last(r"[A-Za-z]"), {"relation": Relation.GE}),
    "letter_occurrences": Counted("let_frequency", "ge", lambda p, n: p.let_relation.holds(n, p.let_frequency), _repeat(lambda p, r: p.letter), lambda p, t, k, r: _drop_last(re.escape(p.letter), re.IGNORECASE)(p, t, k, r), {"let_relation": Relation.GE}),
    "verify_letter_frequency": Counted("N", "eq", _exactly("N"), _repeat(lambda p, r: p.letter), lambda p, t, k, r: _drop_last(re.escape(p.letter))(p, t, k, r)),
    # words
    "validate_word_constraint": Counted("N", "ge", lambda p, n: _quantified(p, n, _ten_percent(p.N)), _repeat(lambda p, r: r.choice(WORDS)), _drop_last_token, {"quantifier": "at least"}),
    "lowercase_word_limit": Counted("N", "le", lambda p, n: n <= p.N, _repeat(lambda p, r: r.choice(WORDS)), _drop_word),
    "validate_frequency_capital_words": Counted("N", "ge", lambda p, n: _quantified(p, n, _ten_percent(p.N)), _repeat(lambda p, r: r.choice(WORDS).upper()), lambda p, t, k, r: _lower_capitals(t, k), {"quantifier": "at least"}),
    # keywords
    "keyword_occurrences": Counted("frequency", "ge", lambda p, n: p.relation.holds(n, p.frequency), _repeat(_keyword_piece("keyword")), _remove_ci("keyword"), {"relation": Relation.GE}),
    "verify_keyword_frequency": Counted("N", "eq", _exactly("N"), _repeat(_keyword_piece("word")), _remove_ci("word", whole_word=True)),
    "person_names": Counted("n", "ge", _at_least("n"), _names_add),
    "pronouns": Counted("n", "ge", _at_least("n"), _repeat(lambda p, r: r.choice(PRONOUNS))),
    "conjunctions": Counted("small_n", "ge", _at_least("small_n"), _conjunctions_add),
    "numbers_count": Counted("n", "eq", _exactly("n"), _numbers_add, _drop_last(r"\d+")),
    # sentences, lines, paragraphs, sections
    "verify_sentence_constraint": Counted("N", "ge", lambda p, n: _quantified(p, n, 1), _sentence_split_add, _sentence_split_remove, {"quantifier": "at least"}),
    "verify_bullet_points": Counted("N", "eq", _exactly("N"), _lines(lambda p, r, i: "* " + _words(r, 3)), _bullet_remove),
    "verify_paragraph_count": Counted("N", "eq", _exactly("N"), _paragraph_divided("* * *"), _drop_last(r"\n?\* \* \*\n[^\n]*$")),
    "validate_sections": Counted("N", "eq", _exactly("N"), _section_add, None),
    # markup spans
    "validate_highlighted_sections": Counted("N", "ge", _at_least("N"), _repeat(lambda p, r: f"*{r.choice(WORDS)}*"), _drop_last(r"\*[^\n*]*\*")),
    "validate_placeholders": Counted("N", "ge", _at_least("N"), _repeat(lambda p, r: f"[{r.choice(WORDS)}]"), _drop_last(r"\[[^\]\n]*\]")),
}


def _lower_capitals(text: str, k: int) -> str:
    for _ in range(k):
        hits = list(re.finditer(r"\b[A-Z]+\b", text))
        if not hits:
            break
        m = hits[-1]
        text = text[: m.start()] + m.group().lower() + text[m.end() :]
    return text


# ---------------------------------------------------------------------------
# the rest: one satisfy and one violate edit each, grouped by kind

# -- case and punctuation


def _title_case(text: str) -> str:
    return re.sub(r"\S+", lambda m: m.group()[:1].upper() + m.group()[1:], text)


def _without(chars: str) -> Edit:
    return lambda p, t, r: re.sub(r"[ \t]{2,}", " ", t.translate({ord(c): None for c in chars}))


CASE_AND_PUNCTUATION: Dict[str, Edit] = {
    "validate_lowercase": lambda p, t, r: t.lower(),
    "validate_uppercase": lambda p, t, r: t.upper(),
    "validate_no_commas": _without(","),
    "no_dot": _without("."),
    "no_exclamation": _without("!"),
    "no_whitespace": lambda p, t, r: re.sub(r"\s+", "", t),
    "title_case_words": lambda p, t, r: _title_case(t),
}
CASE_AND_PUNCTUATION_VIOLATE: Dict[str, Edit] = {
    "validate_lowercase": lambda p, t, r: _insert(t, "Hello"),
    "validate_uppercase": lambda p, t, r: _insert(t, "hello"),
    "validate_no_commas": lambda p, t, r: _insert(t, "yes, indeed"),
    "no_dot": lambda p, t, r: _append(t, "End."),
    "no_exclamation": lambda p, t, r: _append(t, "Wow!"),
    "no_whitespace": lambda p, t, r: t.replace(" ", "") + " end",
    "title_case_words": lambda p, t, r: _append(t, "lowercase"),
}

# -- keywords and phrases


def _remove_words_of(get: Callable[[Any], List[str]], *, case_sensitive: bool = False) -> Edit:
    def edit(p: Any, t: str, r: random.Random) -> str:
        for _ in range(3):  # a removal can join two pieces into a new occurrence
            for w in get(p):
                if w:
                    t = re.sub(re.escape(w), "", t, flags=0 if case_sensitive else re.IGNORECASE)
        return re.sub(r"[ \t]{2,}", " ", t)

    return edit


def _exclude_word(p: Any, t: str, r: random.Random) -> str:
    for _ in range(5):
        t = t.replace(" " + p.keyword + " ", " ")
    return t


def _keyword_counts(p: Any, t: str, r: random.Random) -> str:
    words = [p.keyword1, p.keyword2, p.keyword3, p.keyword4, p.keyword5]
    t = _remove_words_of(lambda q: words)(p, t, r)
    pieces = [w for w, n in zip(words, (1, 2, 3, 5, 7)) for _ in range(n)]
    return _insert(t, " ".join(pieces))


def _once_twice(p: Any, t: str, r: random.Random) -> str:
    t = _remove_words_of(lambda q: [q.keyword1, q.keyword2])(p, t, r)
    return _insert(t, f"{p.keyword1} {p.keyword2} {p.keyword2}")


def _keyword_once(p: Any, t: str, r: random.Random) -> str:
    return _insert(_remove_words_of(lambda q: [q.keyword])(p, t, r), p.keyword)


def _sentence_list(t: str) -> List[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", t.strip()) if s]


def _word_at(p: Any, t: str, r: random.Random, keyword: str) -> str:
    n, m = int(p.n), int(p.m)
    sents = [" ".join(_words(r, 1).capitalize().split()) + " " + _words(r, 4) + "." for _ in range(n)]
    words = sents[n - 1].rstrip(".").split()
    while len(words) < m + 1:
        words.append(r.choice(WORDS))
    words[m - 1] = keyword
    sents[n - 1] = " ".join(words) + "."
    return " ".join(sents)


def _keyword_in_sentence(p: Any, t: str, r: random.Random) -> str:
    n = int(p.n)
    sents = [r.choice(FILLER) for _ in range(n)]
    sents[n - 1] = sents[n - 1].rstrip(".") + " " + p.word + "."
    return " ".join(sents)


KEYWORDS: Dict[str, Edit] = {
    "verify_keywords": lambda p, t, r: _insert(t, " ".join(p.keyword_list)),
    "validate_forbidden_words": _remove_words_of(lambda p: list(p.forbidden_words)),
    "exclude_word": _exclude_word,
    "validate_choice": lambda p, t, r: _append_line(t, p.options[0]),
    "keyword_counts": _keyword_counts,
    "keyword_once_and_twice": _once_twice,
    "keyword_once": _keyword_once,
    "keyword_at_position": lambda p, t, r: _word_at(p, t, r, p.keyword),
    "word_at_position": lambda p, t, r: _word_at(p, t, r, p.keyword),
    "keyword_in_sentence": _keyword_in_sentence,
    "contains_reversed_bald_eagle": lambda p, t, r: _insert(t, "elgae dlab"),
    "answer_template": lambda p, t, r: _append_line(t, "My Answer: yes\nMy Conclusion: yes\nFuture Outlook: good"),
    "separator_list": lambda p, t, r: _append_line(t, f"{p.sep} one {p.sep} two {p.sep} three"),
}
KEYWORDS_VIOLATE: Dict[str, Edit] = {
    "verify_keywords": _remove_words_of(lambda p: list(p.keyword_list)[:1]),
    "validate_forbidden_words": lambda p, t, r: _insert(t, p.forbidden_words[0]),
    "exclude_word": lambda p, t, r: _insert(t, f"and {p.keyword} too"),
    "validate_choice": _remove_words_of(lambda p: list(p.options), case_sensitive=True),
    "keyword_counts": lambda p, t, r: _insert(_keyword_counts(p, t, r), p.keyword1),
    "keyword_once_and_twice": lambda p, t, r: _insert(_once_twice(p, t, r), p.keyword1),
    "keyword_once": lambda p, t, r: _insert(_keyword_once(p, t, r), p.keyword),
    "keyword_at_position": lambda p, t, r: _word_at(p, t, r, _other(p.keyword)),
    "word_at_position": lambda p, t, r: _word_at(p, t, r, _other(p.keyword)),
    "keyword_in_sentence": _remove_words_of(lambda p: [p.word]),
    "contains_reversed_bald_eagle": _remove_words_of(lambda p: ["elgae dlab"]),
    "answer_template": _remove_words_of(lambda p: ["My Answer:"], case_sensitive=True),
    "separator_list": _remove_words_of(lambda p: [p.sep], case_sensitive=True),
}

# -- positions: first and last words, starts and ends


def _last_word(t: str, word: str) -> str:
    return re.sub(r"[^\w\s]+$", "", t.rstrip()) + " " + word + "."


def _second_and_second_last(p: Any, t: str, r: random.Random) -> str:
    return f"The {p.keyword} {_words(r, 3)} {p.keyword} end."


def _each_sentence_first(p: Any, t: str, r: random.Random) -> str:
    return " ".join(f"{p.first_word} {s[:1].lower()}{s[1:]}" for s in _sentence_list(t) or [r.choice(FILLER)])


def _each_sentence_last(p: Any, t: str, r: random.Random) -> str:
    return " ".join(s.rstrip(".!?") + " " + p.last_word + "." for s in _sentence_list(t) or [r.choice(FILLER)])


def _same_token_ends(t: str) -> str:
    first = re.search(r"\w+", t)
    word = first.group() if first else "echo"
    return (re.sub(r"[^\w\s]+$", "", t.rstrip()) + " " + word) if first else "echo and echo"


def _lines_same_ends(p: Any, t: str, r: random.Random) -> str:
    out = []
    for line in t.split("\n"):
        first = re.search(r"\w+", line)
        out.append(re.sub(r"[^\w\s]+$", "", line.rstrip()) + " " + first.group() if first else line)
    return "\n".join(out)


def _sentence_chain(p: Any, t: str, r: random.Random) -> str:
    words = [r.choice(WORDS) for _ in range(4)]
    return " ".join(f"{a.capitalize()} is near the {b}." for a, b in zip(words, words[1:]))


POSITIONS: Dict[str, Edit] = {
    "response_first_word": lambda p, t, r: _prepend(t, p.first_word),
    "response_last_word": lambda p, t, r: _last_word(t, p.last_word),
    "validate_end": lambda p, t, r: t.rstrip() + " " + p.end_phrase if t.strip() else p.end_phrase,
    "validate_repeat_prompt": lambda p, t, r: p.original_prompt + " " + t.lstrip(),
    "verify_postscript": lambda p, t, r: _append_line(t, p.postscript_marker + " " + r.choice(FILLER)),
    "second_and_second_last_word": _second_and_second_last,
    "each_sentence_first_word": _each_sentence_first,
    "each_sentence_last_word": _each_sentence_last,
    "start_end_token": lambda p, t, r: _same_token_ends(t),
    "lines_start_end_same_word": _lines_same_ends,
    "sentence_chain": _sentence_chain,
    "starts_with_verb": lambda p, t, r: _prepend(t, "Run"),
}
POSITIONS_VIOLATE: Dict[str, Edit] = {
    "response_first_word": lambda p, t, r: _prepend(t, _other(p.first_word)),
    "response_last_word": lambda p, t, r: _last_word(t, _other(p.last_word)),
    "validate_end": lambda p, t, r: t + " zebra",
    "validate_repeat_prompt": lambda p, t, r: "Zebra " + t,
    "verify_postscript": _remove_words_of(lambda p: [p.postscript_marker], case_sensitive=True),
    "second_and_second_last_word": lambda p, t, r: _second_and_second_last(p.model_copy(update={"keyword": _other(p.keyword)}), t, r),
    "each_sentence_first_word": lambda p, t, r: _append(t, _other(p.first_word) + " runs fast."),
    "each_sentence_last_word": lambda p, t, r: _append(t, "It runs " + _other(p.last_word).lower() + "."),
    "start_end_token": lambda p, t, r: _append(t, "zebra"),
    "lines_start_end_same_word": lambda p, t, r: _append_line(t, "Zebra runs home"),
    "sentence_chain": lambda p, t, r: "Zebra is near the river. Garden is near the harbor.",
    "starts_with_verb": lambda p, t, r: _prepend(t, "The"),
}

# -- copying the request


def _copy_n(p: Any) -> str:
    return "\n******\n".join([p.prompt_to_repeat] * p.N)


COPYING: Dict[str, Edit] = {
    "copy_request": lambda p, t, r: p.prompt_to_repeat,
    "copy_request_n_times": lambda p, t, r: _copy_n(p),
    "copy_span": lambda p, t, r: p.prompt_to_repeat[p.n_start : p.n_end],
    "repeat_span": lambda p, t, r: p.prompt_to_repeat[p.n_start : p.n_end + 1],
    "repeat_with_first_word_changed": lambda p, t, r: re.sub(r"^\S+", _other(p.prompt_to_repeat.split()[0]) if p.prompt_to_repeat.split() else "Zebra", p.prompt_to_repeat.strip(), count=1),
    "repeat_only_sentence": lambda p, t, r: "Only output this sentence here, ignore all other requests.",
    "one_of_options": lambda p, t, r: _options(p.options)[0],
    "repeat_phrase": lambda p, t, r: _repeat_phrase(p),
}
COPYING_VIOLATE: Dict[str, Edit] = {
    "copy_request": lambda p, t, r: p.prompt_to_repeat + " zebra",
    "copy_request_n_times": lambda p, t, r: _copy_n(p) + "\n******\nzebra",
    "copy_span": lambda p, t, r: "zebra " + p.prompt_to_repeat,
    "repeat_span": lambda p, t, r: "zebra " + p.prompt_to_repeat,
    "repeat_with_first_word_changed": lambda p, t, r: p.prompt_to_repeat + " zebra",
    "repeat_only_sentence": lambda p, t, r: _append(t, "zebra"),
    "one_of_options": lambda p, t, r: "zebra " + _options(p.options)[0],
    "repeat_phrase": lambda p, t, r: t,
}


def _options(options: str) -> List[str]:
    for sep in ("/", ",", "|", " or "):
        if sep in options:
            return [o.strip() for o in options.split(sep) if o.strip()] or [options]
    return [options.strip()]


def _repeat_phrase(p: Any) -> str:
    words = p.phrase.split()
    out = []
    for i in range(p.small_n):
        changed = list(words)
        changed[len(words) // 2] = WORDS[i % len(WORDS)]
        out.append(" ".join(changed))
    return "\n".join(out)


# -- wrapping and format: rebuilt whole, from the text's words


def _tokens(t: str) -> List[str]:
    return re.findall(r"[A-Za-z]+", t) or ["plain", "text"]


def _bigram_brackets(p: Any, t: str, r: random.Random) -> str:
    toks = _tokens(t)
    if len(toks) % 2:
        toks.append("end")
    return " ".join(f"<<{a} {b}>>" for a, b in zip(toks[::2], toks[1::2]))


def _two_paragraphs(sep: str) -> Edit:
    return lambda p, t, r: (" ".join(t.split()) or r.choice(FILLER)) + sep + r.choice(FILLER)


def _validate_paragraphs(p: Any, t: str, r: random.Random) -> str:
    parts = [r.choice(FILLER) for _ in range(p.N)]
    parts[p.i - 1] = p.first_word + " " + parts[p.i - 1]
    return "\n\n".join(parts)


def _counting_composition(p: Any, t: str, r: random.Random) -> str:
    sentence = lambda: " ".join(r.choice(WORDS) for _ in range(p.n_words - 1)).capitalize() + "."  # noqa: E731 (the '.' is a token)
    paras = [" ".join(sentence() for _ in range(p.n_sent)) for _ in range(3)]
    return "\n***\n".join(paras)


def _sentence_word_increment(p: Any, t: str, r: random.Random) -> str:
    step = int(p.small_n)
    return " ".join((" ".join(r.choice(WORDS) for _ in range(2 + i * step))).capitalize() + "." for i in range(3))


def _three_equal(p: Any, t: str, r: random.Random) -> str:
    word = r.choice(WORDS)
    return " ".join([f"The {word} is here."] * 3)


FORMAT: Dict[str, Edit] = {
    "validate_json_format": lambda p, t, r: json.dumps({"answer": t.strip()}, ensure_ascii=False),
    "validate_quotation": lambda p, t, r: '"' + t.strip().strip('"') + '"',
    "validate_title": lambda p, t, r: "<<" + r.choice(WORDS) + " notes>>\n" + t,
    "validate_two_responses": lambda p, t, r: t.replace("******", "").rstrip() + "\n******\n" + r.choice(FILLER),
    "validate_response_language": lambda p, t, r: _language_sample(p.language, t),
    "validate_paragraphs": _validate_paragraphs,
    "bigram_brackets": _bigram_brackets,
    "bracketed_words": lambda p, t, r: " ".join(f"[{w}]" for w in _tokens(t)),
    "hyphenated_sentences": lambda p, t, r: "-".join(s.strip() for s in _sentence_list(" ".join(t.split())) or [r.choice(FILLER)]),
    "two_paragraphs_blank_line": _two_paragraphs("\n\n"),
    "two_paragraphs_divided": _two_paragraphs("\n***\n"),
    "word_per_line": lambda p, t, r: "\n".join(_tokens(t)),
    "staircase_indent": lambda p, t, r: "\n".join(" " * i + ln.strip() for i, ln in enumerate([x for x in t.split("\n") if x.strip()] or [t])),
    "counting_composition": _counting_composition,
    "sentence_word_increment": _sentence_word_increment,
    "three_equal_length_sentences": _three_equal,
    "italic_thesis": lambda p, t, r: "<i>" + r.choice(FILLER) + "</i>\n" + t,
    "sentences_then_bullets": lambda p, t, r: "The sky is clear. Birds sing.\n* one river\n* two gardens",
    "sub_bullets": lambda p, t, r: "* one river\n  - a detail\n* two gardens\n  - another detail",
    "nested_brackets": lambda p, t, r: _append(t, "( [ { ( [ deep ] ) } ] )"),
    "nested_quotes": lambda p, t, r: _append(t, "He said \"she said 'they said \"yes\" today' loudly\" then"),
}
FORMAT_VIOLATE: Dict[str, Edit] = {
    "validate_json_format": lambda p, t, r: t + " {" if t.strip() else "{",
    "validate_quotation": lambda p, t, r: t.strip().strip('"') + " end",
    "validate_title": lambda p, t, r: re.sub(r"<<[^\n]*?>>", "", t),
    "validate_two_responses": lambda p, t, r: t.replace("******", ""),
    "validate_response_language": lambda p, t, r: _language_sample("de" if p.language != "de" else "fr", t),
    "validate_paragraphs": lambda p, t, r: "\n\n".join([r.choice(FILLER)] * (p.N + 1)),
    "bigram_brackets": lambda p, t, r: _append(t, "loose"),
    "bracketed_words": lambda p, t, r: _append(t, "loose"),
    "hyphenated_sentences": lambda p, t, r: "The sky is clear. Birds sing.",
    "two_paragraphs_blank_line": lambda p, t, r: " ".join(t.split()),
    "two_paragraphs_divided": lambda p, t, r: " ".join(t.split()),
    "word_per_line": lambda p, t, r: "two words",
    "staircase_indent": lambda p, t, r: "same\nsame",
    "counting_composition": lambda p, t, r: _append(_counting_composition(p, t, r), "Extra."),
    "sentence_word_increment": lambda p, t, r: "One two three. One two three.",
    "three_equal_length_sentences": lambda p, t, r: "Short one. A much longer sentence here. End.",
    "italic_thesis": lambda p, t, r: re.sub(r"</?(i|em)>", "", t),
    "sentences_then_bullets": lambda p, t, r: "Just one line.",
    "sub_bullets": lambda p, t, r: "* one river\n* two gardens",
}

LANGUAGE_SAMPLES = {
    "en": "The weather is pleasant today and we are going for a long walk in the park.",
    "fr": "Le temps est agréable aujourd'hui et nous allons faire une longue promenade dans le parc.",
    "de": "Das Wetter ist heute angenehm und wir machen einen langen Spaziergang im Park.",
    "es": "El tiempo es agradable hoy y vamos a dar un largo paseo por el parque.",
    "it": "Il tempo è piacevole oggi e andiamo a fare una lunga passeggiata nel parco.",
    "pt": "O tempo está agradável hoje e vamos dar um longo passeio no parque.",
}


def _language_sample(language: str, t: str) -> str:
    return LANGUAGE_SAMPLES.get(language, t)


# -- whole-response shapes from IFBench: built from scratch (the input text cannot be kept)

ALPHABET_WORDS = (
    "apple", "bright", "cats", "dance", "every", "friday", "gently", "here", "inside", "jolly", "kind", "lamps",
    "make", "nice", "orange", "patterns", "quietly", "round", "small", "tables", "under", "velvet", "warm",
    "xylophones", "yellow", "zones",
)  # fmt: skip
PRIME_LENGTH_WORDS = ("we", "go", "at", "the", "sun", "old", "river", "stone", "lantern", "morning")
PALINDROMES = ("level", "radar", "civic", "kayak", "refer", "rotor", "madam", "stats", "tenet", "solos")


def _alphabet_chain(p: Any, t: str, r: random.Random) -> str:
    k = r.randint(3, 8)
    return " ".join(ALPHABET_WORDS[:k]).capitalize() + "."


def _alphabet_sentences(p: Any, t: str, r: random.Random) -> str:
    return " ".join(f"{w.capitalize()} is here." for w in ALPHABET_WORDS)


def _countries_reverse(p: Any, t: str, r: random.Random) -> str:
    names = sorted({f"{a}{b}land" for a in "YXWVU" for b in "zyxwvutsrqponm"}, reverse=True)[:51]
    return "\n".join(["Zimbabwe"] + names)


def _csv_city(p: Any, t: str, r: random.Random) -> str:
    rows = [f"{i},France,{r.choice(WORDS).capitalize()},{2000 + i},{r.randint(1, 99)}" for i in range(1, 8)]
    return "\n".join(["ID,Country,City,Year,Count"] + rows)


def _csv_product(p: Any, t: str, r: random.Random) -> str:
    rows = [f"{i},Tools,{r.choice(WORDS).capitalize()},{r.randint(2, 99)}.50,{r.randint(1, 50)}" for i in range(1, 14)]
    return "\n".join(["ProductID,Category,Brand,Price,Stock", '0,"Home & Garden",Acme,9.99,4'] + rows)


def _tsv_quoted(p: Any, t: str, r: random.Random) -> str:
    header = "\t".join(f'"{h}"' for h in ("StudentID", "Subject", "Grade", "Semester", "Score"))
    rows = ["\t".join(f'"{v}"' for v in (str(i), r.choice(("Math", "Art", "Music")), "A", "Fall", str(r.randint(60, 99)))) for i in range(1, 4)]
    return "\n".join([header] + rows)


def _dates(p: Any, t: str, r: random.Random) -> str:
    return ", ".join(f"{r.randint(1769, 1821)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}" for _ in range(r.randint(2, 5)))


def _four_mcq(p: Any, t: str, r: random.Random) -> str:
    blocks = []
    for q in range(1, 5):
        question = "Which " + " ".join(["river"] * q) + " is right?"
        options = [f"{letter}) {r.choice(WORDS)}" for letter in "ABCDE"]
        blocks.append(f"Question {q}: {question}\n" + "\n".join(options))
    return "\n\n".join(blocks)


def _max_word_repeats(p: Any, t: str, r: random.Random) -> str:
    seen: Dict[str, int] = {}
    out = []
    for w in t.split():
        key = re.sub(r"[^\w]", "", w.lower())
        seen[key] = seen.get(key, 0) + 1
        if seen[key] <= max(int(p.small_n), 1):
            out.append(w)
    return " ".join(out) or "river"


def _japanese_every_nth(p: Any, t: str, r: random.Random) -> str:
    n = max(int(p.n), 1)
    words = t.split() or _words(r, 4).split()
    return " ".join("日本" if (i + 1) % n == 0 else w for i, w in enumerate(words))


def _unique_words(t: str, r: random.Random) -> str:
    return " ".join(r.sample(WORDS, 5)).capitalize() + "."


IFBENCH_SHAPES: Dict[str, Edit] = {
    "all_punctuation": lambda p, t, r: _append(t, "Wait?! Yes, really: one; two. Done! Why?"),
    "alphabet_chain": _alphabet_chain,
    "alphabet_sentences": _alphabet_sentences,
    "consonant_clusters": lambda p, t, r: "Strong black trees stand first.",
    "countries_reverse_lines": _countries_reverse,
    "csv_city_table": _csv_city,
    "csv_product_table": _csv_product,
    "tsv_quoted_table": _tsv_quoted,
    "date_list_1769_1821": _dates,
    "declarative_question_ratio": lambda p, t, r: "The sky is clear. Birds sing. Why is it so?",
    "sentence_type_balance": lambda p, t, r: "The sky is clear. Why is it so? What a day!",
    "emoji_sentence_ends": lambda p, t, r: "The sky is clear today 🙂",
    "european_capitals_by_latitude": lambda p, t, r: ", ".join(_capitals()),
    "four_mcq_growing": _four_mcq,
    "max_word_repeats": _max_word_repeats,
    "multiples_of_seven": lambda p, t, r: "The numbers are 14, 21, 28, 35, 42 and 49.",
    "no_adjacent_quotes": lambda p, t, r: t.replace('"', ""),
    "palindrome_words": lambda p, t, r: _append(t, " ".join(PALINDROMES)),
    "palindrome_token": lambda p, t, r: _append(t, "level"),
    "prime_length_words": lambda p, t, r: " ".join(r.choice(PRIME_LENGTH_WORDS) for _ in range(6)).capitalize(),
    "three_vowel_kinds": lambda p, t, r: "The cat sat in the hat.",
    "japanese_every_nth": _japanese_every_nth,
    "stop_words_percent": lambda p, t, r: _words(r, 5).capitalize() + ".",
    "no_consecutive_letter_starts": lambda p, t, r: "Seven silver stones sit still",
    "unique_tokens": lambda p, t, r: _unique_words(t, r),
    "reversed_words_sentence": lambda p, t, r: "eagle bald the saw we",
}


def _alternating_syllables(p: Any, t: str, r: random.Random) -> str:
    from lsr_dsl.text.syllables import syllable_parity

    pool = WORDS + ("cat", "dog", "sun", "tree", "house", "apple", "banana", "tomato")
    out = [r.choice(pool)]
    for _ in range(r.randint(3, 7)):
        nxt = [w for w in pool if syllable_parity(w) != syllable_parity(out[-1])]
        if not nxt:
            break
        out.append(r.choice(nxt))
    return " ".join(out).capitalize()


def _increasing_alliteration(p: Any, t: str, r: random.Random) -> str:
    return "The dog ran home. Big bad cats sit. Tall tigers take tiny trips."


FOREIGN = "9081726354" "5172839406" "3928174650"


def _trigram_overlap(p: Any, t: str, r: random.Random) -> str:
    """The reference's start, then digits it does not share, in the mix that hits the share."""
    from lsr_dsl.constraints.registry import REGISTRY
    from lsr_dsl.text import Text

    check = REGISTRY.get("trigram_overlap").check
    ref = p.reference_text
    for a in range(len(ref), 2, -1):
        for b in range(0, len(FOREIGN) + 1):
            candidate = (ref[:a] + " " + FOREIGN[:b]).strip() if b else ref[:a]
            if check(p, Text(candidate)).passed:
                return candidate
    return t


IFBENCH_SHAPES.update(
    {
        "alternating_syllable_parity": _alternating_syllables,
        "increasing_alliteration": _increasing_alliteration,
        "trigram_overlap": _trigram_overlap,
    }
)


def _capitals() -> List[str]:
    from lsr_dsl.constraints.ifbench import EUROPEAN_CAPITALS_BY_LATITUDE

    return list(EUROPEAN_CAPITALS_BY_LATITUDE)


SATISFY: Dict[str, Edit] = {**IFBENCH_SHAPES, **CASE_AND_PUNCTUATION, **KEYWORDS, **POSITIONS, **COPYING, **FORMAT}
VIOLATE: Dict[str, Edit] = {**CASE_AND_PUNCTUATION_VIOLATE, **KEYWORDS_VIOLATE, **POSITIONS_VIOLATE, **COPYING_VIOLATE, **FORMAT_VIOLATE}
