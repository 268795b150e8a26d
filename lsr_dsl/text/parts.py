"""Parts of a text: the n-th paragraph, section, list, item or table row, the text under a
heading, between or after markers, a regex match, the first or last lines, a quoted or fenced
passage. The ``in <part> { … }`` scopes and ``for each <unit> { … }`` of the language read
their text from here.

Every part is stripped of surrounding whitespace. Positions count from 1; a negative
position counts from the end (``-1`` is the last). A part that is not there is a
:class:`Selection` with no text and a reason ("no section 2: the response has 1").
Markdown structure (headings, list items, tables) is looked for outside fenced code,
as :mod:`lsr_dsl.text.markdown` finds it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

import regex

from lsr_dsl.text.analysis import Text
from lsr_dsl.text.markdown import BULLET_RE, THEMATIC_BREAK_RE, bullets, headings, markdown, table_cells, tables

_BLANK_LINES = regex.compile(r"\n[ \t\r]*\n")


def _paragraphs(t: Text) -> List[str]:
    """Blocks of text separated by blank lines (fenced code is not split)."""
    return [p.strip() for p in _BLANK_LINES.split(t.text) if p.strip()]


def _sections(t: Text) -> List[str]:
    """The text under each markdown heading, up to the next heading of any level."""
    lines = t.text.split("\n")
    heads = headings(t)
    out = []
    for k, (line, _level, _title) in enumerate(heads):
        end = heads[k + 1][0] - 1 if k + 1 < len(heads) else len(lines)
        out.append("\n".join(lines[line:end]).strip())
    return out


def _lists(t: Text) -> List[str]:
    """Runs of list items (bulleted or numbered) that only blank lines or indented
    continuation lines separate."""
    lines = t.text.split("\n")
    item_lines = [n for n, _ in bullets(t)]
    out: List[str] = []
    start = prev = None
    for n in item_lines:
        if prev is not None and all(not lines[i - 1].strip() or lines[i - 1][:1] in " \t" for i in range(prev + 1, n)):
            prev = n
            continue
        if start is not None:
            out.append("\n".join(lines[start - 1 : prev]).strip())
        start = prev = n
    if start is not None:
        out.append("\n".join(lines[start - 1 : prev]).strip())
    return out


def _items(t: Text) -> List[str]:
    """The text of each list item, without its bullet or number."""
    return [text for _, text in bullets(t)]


def _rows(t: Text) -> List[str]:
    """The body rows of every markdown table (header and delimiter rows left out), as
    their cells joined by `` | ``."""
    prose = markdown(t).prose_lines
    index = {n: k for k, (n, _) in enumerate(prose)}
    out = []
    for head, _cols in tables(t):
        k = index[head] + 2
        while k < len(prose) and prose[k][0] == prose[k - 1][0] + 1 and "|" in prose[k][1] and prose[k][1].strip():
            out.append(" | ".join(c.strip() for c in table_cells(prose[k][1])))
            k += 1
    return out


def _lines(t: Text) -> List[str]:
    """Non-blank lines."""
    return [ln.strip() for ln in t.text.split("\n") if ln.strip()]


def _sentences(t: Text) -> List[str]:
    return [s.strip() for s in t.sentences if s.strip()]


_QUOTE_PAIRS = regex.compile(r'"([^"\n]+)"|“([^”]+)”|«([^»]+)»|「([^」]+)」|『([^』]+)』')


def _quoted(t: Text) -> List[str]:
    """Quoted passages in the order they start: ``>`` blockquote blocks and text between
    paired quotes ("…", “…”, «…», 「…」, 『…』)."""
    found: List[Tuple[int, str]] = []
    lines = t.text.split("\n")
    offset = 0
    block: List[str] = []
    block_at = 0
    for ln in lines + [""]:
        s = ln.strip()
        if s.startswith(">"):
            if not block:
                block_at = offset
            block.append(s[1:].strip())
        elif block:
            found.append((block_at, "\n".join(block).strip()))
            block = []
        offset += len(ln) + 1
    for m in _QUOTE_PAIRS.finditer(t.text):
        found.append((m.start(), next(g for g in m.groups() if g is not None).strip()))
    return [text for _, text in sorted(found, key=lambda p: p[0]) if text]


_TRIPLE_QUOTED = regex.compile(r'"""(.*?)"""', regex.S)


def _fenced(t: Text) -> List[str]:
    """Bodies of fenced code blocks (``` or ~~~) and of \"\"\"…\"\"\" blocks, in order."""
    found: List[Tuple[int, str]] = []
    line_starts = [0]
    for ln in t.text.split("\n"):
        line_starts.append(line_starts[-1] + len(ln) + 1)
    for block in markdown(t).code_blocks:
        found.append((line_starts[block.line - 1], block.body.strip()))
    for m in _TRIPLE_QUOTED.finditer(t.text):
        found.append((m.start(), m.group(1).strip()))
    return [text for _, text in sorted(found, key=lambda p: p[0])]


#: Units a text divides into: name → (the function, the plural used in messages).
UNITS: Dict[str, Tuple[Callable[[Text], List[str]], str, str]] = {
    "paragraph": (_paragraphs, "paragraph", "paragraphs"),
    "section": (_sections, "section", "sections"),
    "list": (_lists, "list", "lists"),
    "item": (_items, "list item", "list items"),
    "row": (_rows, "table row", "table rows"),
    "line": (_lines, "non-blank line", "non-blank lines"),
    "sentence": (_sentences, "sentence", "sentences"),
    "quoted": (_quoted, "quoted passage", "quoted passages"),
    "fenced": (_fenced, "fenced block", "fenced blocks"),
}


def count_phrase(unit: str, n: int) -> str:
    """``"1 section"``, ``"3 table rows"``."""
    _, one, many = UNITS[unit]
    return f"{n} {one if n == 1 else many}"


def units(unit: str, t: Text) -> List[str]:
    """Every part of one unit (``units("row", t)``: the table rows), computed once per text."""
    fn = UNITS[unit][0]
    return t.memo(("parts", unit), fn)


@dataclass(frozen=True)
class Selection:
    """What a part selector found: the part's text, or None with the reason it is missing."""

    text: Optional[str]
    reason: str


def _nth(unit: str, n: int, t: Text, whose: str) -> Selection:
    found = units(unit, t)
    if n == 0 or abs(n) > len(found):
        return Selection(None, f"no {UNITS[unit][1]} {n}: the {whose} has {count_phrase(unit, len(found))}")
    text = found[n - 1] if n > 0 else found[n]
    return Selection(text, f"{UNITS[unit][1]} {n} of {len(found)}")


def _under_heading(title: str, t: Text, whose: str) -> Selection:
    heads = headings(t)
    lines = t.text.split("\n")
    wanted = title.casefold()
    for k, (line, level, text) in enumerate(heads):
        if wanted in text.casefold():
            end = len(lines)
            for line2, level2, _ in heads[k + 1 :]:
                if level2 <= level:
                    end = line2 - 1
                    break
            return Selection("\n".join(lines[line:end]).strip(), f"under the heading {text!r}")
    titles = ", ".join(repr(h[2]) for h in heads[:5]) or "none"
    return Selection(None, f"no heading containing {title!r} in the {whose} (headings: {titles})")


def _after(marker: str, t: Text, whose: str) -> Selection:
    i = t.text.find(marker)
    if i < 0:
        return Selection(None, f"no {marker!r} in the {whose}")
    return Selection(t.text[i + len(marker) :].strip(), f"after {marker!r}")


def _before(marker: str, t: Text, whose: str) -> Selection:
    i = t.text.find(marker)
    if i < 0:
        return Selection(None, f"no {marker!r} in the {whose}")
    return Selection(t.text[:i].strip(), f"before {marker!r}")


def _between(start: str, end: str, t: Text, whose: str) -> Selection:
    i = t.text.find(start)
    if i < 0:
        return Selection(None, f"no {start!r} in the {whose}")
    j = t.text.find(end, i + len(start))
    if j < 0:
        return Selection(None, f"no {end!r} after {start!r} in the {whose}")
    return Selection(t.text[i + len(start) : j].strip(), f"between {start!r} and {end!r}")


def _match(pattern: str, t: Text, whose: str) -> Selection:
    m = compile_pattern(pattern).search(t.text)
    if m is None:
        return Selection(None, f"nothing in the {whose} matches /{pattern}/")
    text = m.group(1) if m.re.groups and m.group(1) is not None else m.group(0)
    return Selection(text.strip(), f"the match of /{pattern}/")


def _first_lines(k: int, t: Text, whose: str) -> Selection:
    found = units("line", t)
    if not found:
        return Selection(None, f"the {whose} has no non-blank line")
    return Selection("\n".join(found[:k]), f"the first {min(k, len(found))} non-blank lines")


def _last_lines(k: int, t: Text, whose: str) -> Selection:
    found = units("line", t)
    if not found:
        return Selection(None, f"the {whose} has no non-blank line")
    return Selection("\n".join(found[-k:]), f"the last {min(k, len(found))} non-blank lines")


_MARKDOWN_FENCE = regex.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*(?:markdown|md)\b[^\n]*\n(.*?)^ {0,3}\1[ \t]*$\n?", regex.M | regex.S | regex.I)


def _unfenced(t: Text, whose: str) -> Selection:
    """The whole text, with every closed fence labelled markdown (or md) unwrapped: its fence
    lines dropped and its body kept, so the markdown inside counts."""
    text, n = _MARKDOWN_FENCE.subn(lambda m: m.group(2), t.text)
    return Selection(text.strip(), f"the {whose} with {n} markdown fence{'s' if n != 1 else ''} unwrapped")


def compile_pattern(pattern: str) -> Any:
    """The compiled regex of a ``match(…)`` part (raises ``regex.error`` when malformed)."""
    return regex.compile(pattern, regex.M)


@dataclass(frozen=True)
class PartKind:
    """One kind of part: its argument types, what it selects, and how."""

    args: Tuple[type, ...]
    meaning: str
    example: str


PART_KINDS: Dict[str, PartKind] = {
    **{u: PartKind((int,), f"the n-th {UNITS[u][1]} (1 is the first, -1 the last)", f"{u}(1)") for u in UNITS},
    "heading": PartKind((str,), "the text under the first heading whose title contains the text (case-insensitive), up to the next heading of the same or a higher level", 'heading("Poem")'),
    "after": PartKind((str,), "the text after the first occurrence of the marker", 'after("Poem:")'),
    "before": PartKind((str,), "the text before the first occurrence of the marker", 'before("---")'),
    "between": PartKind((str, str), "the text between the first start marker and the next end marker", 'between("<poem>", "</poem>")'),
    "match": PartKind((str,), "the first match of the regex (its first group, when it has groups); ^ and $ match at line ends", 'match("Title: (.*)")'),
    "first_lines": PartKind((int,), "the first k non-blank lines (all of them when there are fewer)", "first_lines(3)"),
    "last_lines": PartKind((int,), "the last k non-blank lines (all of them when there are fewer)", "last_lines(2)"),
    "unfenced": PartKind((), "the whole text with every fence labelled markdown (```markdown, ```md) unwrapped, so the markdown inside counts", "unfenced"),
}
#: Kinds whose one argument defaults when the part is written without parentheses: ``in quoted { … }``.
DEFAULT_ARGS: Dict[str, Tuple[Any, ...]] = {u: (1,) for u in UNITS}


@dataclass(frozen=True)
class PartSpec:
    """A checked part selector: its kind and arguments, and the text it was written as."""

    kind: str
    args: Tuple[Any, ...]
    label: str

    def select(self, t: Text, whose: str = "response") -> Selection:
        """The part of ``t``; never raises for any text."""
        k, a = self.kind, self.args
        if k in UNITS:
            return _nth(k, a[0], t, whose)
        if k == "heading":
            return _under_heading(a[0], t, whose)
        if k == "after":
            return _after(a[0], t, whose)
        if k == "before":
            return _before(a[0], t, whose)
        if k == "between":
            return _between(a[0], a[1], t, whose)
        if k == "match":
            return _match(a[0], t, whose)
        if k == "first_lines":
            return _first_lines(a[0], t, whose)
        if k == "last_lines":
            return _last_lines(a[0], t, whose)
        if k == "unfenced":
            return _unfenced(t, whose)
        raise KeyError(k)
