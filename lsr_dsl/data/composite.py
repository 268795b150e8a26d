"""Import the LsrIF paper's composite-constraint JSON into specs.

An input item::

    {"id": "…", "instruction": "…",            # or "prompt"
     "type": "And" | "Chain" | "Selection",
     "sub_constraints": {"c1": {"constraint": "…"}, "c2": {…}, "c3": {…}}}

(``sub_constraints`` may also be a list, and an entry may be a bare string.)
``And`` becomes ``c1 AND c2 AND …``, ``Chain`` ``c1 THEN c2 THEN …``, ``Selection``
``IF c1 THEN c2 ELSE c3`` (``c3`` optional). Each free-text constraint becomes a hard
constraint when one of the rules below recognises it ("Use fewer than 120 words" →
``words < 120``), else a soft ``judge("…")`` that a model answers. :class:`ImportCounts`
tells how many of each.

The rules look for a requirement's key phrase (a relation and a number with its unit, a
quoted phrase after "start with" / "include" / "do not use", "no commas", "in JSON" …);
the first rule that matches wins. They read one requirement per text: a text that asks
for two things keeps only the first as a hard check, so review the import's hard/soft
counts and the specs (``lsr render`` reads them back as prose).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from lsr_dsl.language.errors import LsrDataError

__all__ = ["ImportCounts", "constraint_from_text", "composite_to_spec", "RULES"]

_NUM_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "a single": 1}
_REL_WORDS = (
    (r"at least|no fewer than|no less than|a minimum of|minimum of", ">="),
    (r"at most|no more than|not more than|a maximum of|maximum of|up to", "<="),
    (r"fewer than|less than|under|below", "<"),
    (r"more than|over|above|greater than", ">"),
    (r"exactly|precisely", "=="),
)
_REL = "(?P<rel>" + "|".join(w for w, _ in _REL_WORDS) + ")"
_NUM = r"(?P<n>\d+|one|two|three|four|five|six|seven|eight|nine|ten|a single)"
_QUOTED = r"[\"“'‘](?P<q>[^\"”'’]+)[\"”'’]"
_LANGS = {"english": "en", "french": "fr", "german": "de", "spanish": "es", "italian": "it", "portuguese": "pt", "dutch": "nl",
          "russian": "ru", "japanese": "ja", "chinese": "zh", "korean": "ko", "arabic": "ar", "hindi": "hi", "swedish": "sv"}


def _rel(word: Optional[str]) -> str:
    if not word:
        return "=="
    w = word.lower()
    for words, op in _REL_WORDS:
        if re.fullmatch(words, w):
            return op
    return "=="


def _n(s: str) -> int:
    s = s.lower()
    return _NUM_WORDS[s] if s in _NUM_WORDS else int(s)


def _q(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def _count(unit: str, target: str) -> Tuple[str, Callable[[re.Match], str]]:
    pattern = rf"\b(?:{_REL}\s+)?{_NUM}\s+(?:{unit})\b"
    return pattern, lambda m: f"{target} {_rel(m.group('rel'))} {_n(m.group('n'))}"


#: (regular expression searched in the lower-cased text, source builder). First match wins.
RULES: List[Tuple[str, Callable[[re.Match], str]]] = [
    (r"\b(?:do not|don't|never|avoid|without)\b[^.]*\bcommas?\b", lambda m: "no_comma"),
    (r"\b(?:all |entirely |only )?(?:in )?lower[- ]?case\b", lambda m: "lowercase"),
    (r"\b(?:all |entirely |only )?(?:in )?(?:upper[- ]?case|all capital letters|all caps)\b", lambda m: "uppercase"),
    _count(r"words?", "words"),
    _count(r"sentences?", "sentences"),
    _count(r"paragraphs?", "blank_line_paragraphs"),
    _count(r"bullet points?|bullets?", "bullets"),
    _count(r"(?:markdown )?headings?|headers?", "headings"),
    _count(r"numbered (?:items?|points?|steps?)", "numbered_list"),
    (r"\bnumbered list\b", lambda m: "numbered_list >= 1"),
    (r"\b(?:markdown )?table\b", lambda m: "tables >= 1"),
    (r"\btitle\b[^.]*(?:<<|double angular)", lambda m: "title"),
    (r"\b(?:in|as|valid) json\b|\bjson format\b", lambda m: "json_format"),
    (r"\b(?:start|begin|open)s?\b[^.\"“']*?\bwith\b\s*(?:the (?:phrase|word|words)\s*)?" + _QUOTED, lambda m: f"starts_with({_q(m.group('q'))}, case_sensitive=false)"),
    (r"\b(?:end|finish|close|conclude)s?\b[^.\"“']*?\bwith\b\s*(?:the (?:phrase|word|words)\s*)?" + _QUOTED, lambda m: f"ends_with_text({_q(m.group('q'))}, case_sensitive=false)"),
    (r"\b(?:do not|don't|never|avoid)\b[^.\"“']*?(?:use|include|mention|say|write)?[^.\"“']*?" + _QUOTED, lambda m: f"excludes({_q(m.group('q'))}, case_sensitive=false)"),
    (r"\b(?:include|mention|use|contain)s?\b[^.\"“']*?" + _QUOTED, lambda m: f"contains({_q(m.group('q'))}, case_sensitive=false)"),
    (r"\b(?:write|respond|answer|reply)\b[^.]*\bin (?P<lang>" + "|".join(_LANGS) + r")\b", lambda m: f"language({_q(_LANGS[m.group('lang')])})"),
    (r"\bpostscript\b|\bp\.s\.", lambda m: "postscript(postscript_marker=\"P.S.\")"),
]


@dataclass
class ImportCounts:
    hard: int = 0
    soft: int = 0
    items: int = 0
    by_type: Dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> Dict[str, Any]:
        return {"items": self.items, "hard": self.hard, "soft": self.soft, "by_type": dict(self.by_type)}


def constraint_from_text(text: str) -> Tuple[str, bool]:
    """``(atom source, hard?)`` for one free-text constraint."""
    low = " ".join(text.strip().lower().split())
    original = " ".join(text.strip().split())
    for pattern, build in RULES:
        m = re.search(pattern, low)
        if m is None:
            continue
        if "q" in m.groupdict() and m.group("q") is not None:
            # keep the quoted phrase as written (the search ran on the lower-cased text)
            m2 = re.search(pattern, original, flags=re.IGNORECASE)
            if m2 is not None:
                m = m2
        try:
            return build(m), True
        except (ValueError, KeyError):
            continue
    return f"judge({_q(original)})", False


_TYPES = {"and": "and", "chain": "chain", "selection": "selection"}


def _subs(item: Mapping[str, Any], where: str) -> List[str]:
    subs = item.get("sub_constraints")
    if isinstance(subs, Mapping):
        keys = sorted(subs, key=lambda k: (len(str(k)), str(k)))
        values = [subs[k] for k in keys]
    elif isinstance(subs, list):
        values = list(subs)
    else:
        raise LsrDataError(f"{where}: 'sub_constraints' must be an object (c1, c2, …) or a list")
    out: List[str] = []
    for i, v in enumerate(values, 1):
        text = v.get("constraint") if isinstance(v, Mapping) else v
        if not isinstance(text, str) or not text.strip():
            raise LsrDataError(f"{where}: sub-constraint {i} has no 'constraint' text")
        out.append(text)
    if not out:
        raise LsrDataError(f"{where}: no sub-constraints")
    return out


def composite_to_spec(item: Mapping[str, Any], where: str, counts: Optional[ImportCounts] = None) -> Dict[str, Any]:
    """One paper item → a row ``{id, prompt, spec, structure, constraints}``."""
    if not isinstance(item, Mapping):
        raise LsrDataError(f"{where}: an item must be a JSON object")
    kind = str(item.get("type", "")).strip().lower()
    if kind not in _TYPES:
        from lsr_dsl.language.errors import closest

        guess = closest(str(item.get("type", "")), ["And", "Chain", "Selection"])
        raise LsrDataError(f"{where}: 'type' must be And, Chain or Selection, not {item.get('type')!r}" + (f" (did you mean {guess!r}?)" if guess else ""))
    texts = _subs(item, where)
    atoms = [constraint_from_text(t) for t in texts]
    srcs = [s for s, _ in atoms]
    if kind == "and":
        spec, structure = " AND ".join(srcs), "parallel" if len(srcs) > 1 else "atom"
    elif kind == "chain":
        spec, structure = " THEN ".join(srcs), "sequential" if len(srcs) > 1 else "atom"
    else:
        if len(srcs) not in (2, 3):
            raise LsrDataError(f"{where}: a Selection needs 2 or 3 sub-constraints (condition, then, else), not {len(srcs)}")
        spec = f"IF {srcs[0]} THEN {srcs[1]}" + (f" ELSE {srcs[2]}" if len(srcs) == 3 else "")
        structure = "conditional"
    from lsr_dsl.api import compile as compile_spec
    from lsr_dsl.language.errors import LsrError

    try:
        prog = compile_spec(spec)
    except LsrError as e:
        raise LsrDataError(f"{where}: the imported spec does not compile ({str(e).splitlines()[0]}): {spec}") from None
    if counts is not None:
        counts.items += 1
        counts.hard += sum(1 for _, h in atoms if h)
        counts.soft += sum(1 for _, h in atoms if not h)
        counts.by_type[item.get("type")] = counts.by_type.get(item.get("type"), 0) + 1
    prompt = next((item[k] for k in ("instruction", "prompt", "query") if isinstance(item.get(k), str)), None)
    return {
        "id": str(item.get("id", where)),
        "prompt": prompt,
        "spec": spec,
        "structure": structure,
        "constraints": [a.name for a in prog.atoms()],
        "hard": [h for _, h in atoms],
    }
