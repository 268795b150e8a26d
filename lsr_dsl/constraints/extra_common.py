"""Shared helpers for the constraints beyond IFEval (``extra_*`` modules).

Every fact here is computed once per :class:`~lsr_dsl.text.Text` through
``Text.memo`` so several leaves of one spec share the work. All helpers are
total: any ``str`` gives a result, never an exception.

Definitions used throughout (documented in the catalogue):

- *word*: a maximal run of letters/digits, with inner apostrophes or hyphens
  kept (``don't``, ``well-known`` are one word each). Word and character
  counts see the whole response, fenced code included (as IFEval counts).
- *fenced code*: CommonMark fences of three or more backticks or tildes (an
  unclosed fence runs to the end). Markdown checks (headings, lists, tables)
  and the prose checks below ignore lines inside fences.
- *paragraph*: a run of non-blank lines outside fenced code, separated from
  the next by one or more blank lines (lines holding only whitespace) or by a
  fenced code block.
- *block*: the unit sentences are split in. A paragraph is cut into blocks:
  each ATX heading (its title, ``#`` marks removed), each list item (``-``,
  ``*``, ``+``, ``•``, ``1.``, ``1)`` marker removed; following plain lines
  continue the item) and each markdown table row (outer pipes removed; the
  ``---`` delimiter row dropped) is a block of its own; thematic breaks
  (``---``) separate blocks; the remaining consecutive lines form one block.
- *sentence*: an English Punkt sentence (the splitter of the ``sentences``
  constraint, IFEval's ``number_sentences``) of one block; pieces without any
  letter or digit are ignored. A single line break inside a block does not
  end a sentence. So ``"one two\n\nthree four"``, ``"- one two\n- three four"``
  and ``"# Title here\nBody text is long."`` each hold two sentences, where
  ``sentences`` (which runs Punkt over the whole raw text) may count fewer.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import FrozenSet, List, Optional, Tuple

import regex

from ..text import Text
from .registry import Relation, Verdict

WORD_RE = regex.compile(r"[\p{L}\p{N}\p{M}]+(?:['’\-][\p{L}\p{N}\p{M}]+)*")

_FENCE_RE = regex.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*([^`\s]*)[^\n]*$")
_BULLET_RE = regex.compile(r"^[ \t]*(?:[-*+•]|\d{1,9}[.)])[ \t]+(\S.*)$")
_THEMATIC_BREAK_RE = regex.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_NUMBERED_RE = regex.compile(r"^[ \t]*\d{1,9}[.)][ \t]+\S")
_HEADING_RE = regex.compile(r"^ {0,3}(#{1,6})(?!#)(?:[ \t]+(.*?))?[ \t]*#*[ \t]*$")
_TABLE_DELIM_CELL_RE = regex.compile(r"^[ \t]*:?-+:?[ \t]*$")


def quote(s: str, limit: int = 40) -> str:
    """A short, repr-quoted excerpt of ``s`` for reasons."""
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return repr(s)


def plural(n: int, word: str, words: Optional[str] = None) -> str:
    return f"{n} {word if n == 1 else (words or word + 's')}"


def all_of(n: int, word: str) -> str:
    """'the only paragraph is' / 'all 3 paragraphs are'."""
    return f"the only {word} is" if n == 1 else f"all {n} {word}s are"


def relation_reason(actual: int, rel: Relation, target: float, what: str, whats: Optional[str] = None) -> Verdict:
    """Pass/fail for ``actual rel target`` with a reason like 'found 3 lines; need at least 5'."""
    ok = rel.holds(actual, target)
    tgt = int(target) if float(target).is_integer() else target
    return Verdict.of(ok, f"found {plural(actual, what, whats)}; need {rel.words} {tgt}")


# -- words ---------------------------------------------------------------------

def words(t: Text) -> List[str]:
    return t.memo(("extra", "words"), lambda tt: WORD_RE.findall(tt.text))


def word_spans(t: Text) -> List[Tuple[int, int, str]]:
    return t.memo(("extra", "word_spans"), lambda tt: [(m.start(), m.end(), m.group()) for m in WORD_RE.finditer(tt.text)])


def count_words(s: str) -> int:
    return sum(1 for _ in WORD_RE.finditer(s))


# -- lines, paragraphs, sentences ---------------------------------------------

def nonblank_lines(t: Text) -> List[Tuple[int, str]]:
    """(1-based line number, line) for each line holding non-whitespace."""
    def compute(tt: Text) -> List[Tuple[int, str]]:
        return [(i + 1, ln) for i, ln in enumerate(tt.text.split("\n")) if ln.strip()]

    return t.memo(("extra", "nonblank_lines"), compute)


# -- markdown ------------------------------------------------------------------

@dataclass(frozen=True)
class CodeBlock:
    line: int  # 1-based line of the opening fence
    language: str
    body: str
    closed: bool


@dataclass(frozen=True)
class MarkdownFacts:
    prose_lines: Tuple[Tuple[int, str], ...]  # lines outside fenced code, 1-based numbers
    code_blocks: Tuple[CodeBlock, ...]


def markdown(t: Text) -> MarkdownFacts:
    def compute(tt: Text) -> MarkdownFacts:
        prose: List[Tuple[int, str]] = []
        blocks: List[CodeBlock] = []
        lines = tt.text.split("\n")
        i = 0
        while i < len(lines):
            m = _FENCE_RE.match(lines[i])
            if m and not (m.group(1)[0] == "`" and "`" in lines[i].strip()[len(m.group(1)):]):
                fence = m.group(1)
                lang = m.group(2).lower()
                body: List[str] = []
                j = i + 1
                closed = False
                while j < len(lines):
                    stripped = lines[j].strip()
                    if (
                        stripped
                        and len(lines[j]) - len(lines[j].lstrip(" ")) <= 3
                        and set(stripped) == {fence[0]}
                        and len(stripped) >= len(fence)
                    ):
                        closed = True
                        break
                    body.append(lines[j])
                    j += 1
                blocks.append(CodeBlock(i + 1, lang, "\n".join(body), closed))
                i = j + 1
                continue
            prose.append((i + 1, lines[i].rstrip("\r")))
            i += 1
        return MarkdownFacts(tuple(prose), tuple(blocks))

    return t.memo(("extra", "markdown"), compute)


def headings(t: Text) -> List[Tuple[int, int, str]]:
    """(line number, level, title) of each ATX heading outside fenced code."""
    def compute(tt: Text) -> List[Tuple[int, int, str]]:
        out = []
        for n, ln in markdown(tt).prose_lines:
            m = _HEADING_RE.match(ln)
            if m:
                out.append((n, len(m.group(1)), (m.group(2) or "").strip()))
        return out

    return t.memo(("extra", "headings"), compute)


def bullets(t: Text) -> List[Tuple[int, str]]:
    """(line number, item text) of each list item (``-``, ``*``, ``+``, ``•``, ``1.``, ``1)``) outside fences."""
    def compute(tt: Text) -> List[Tuple[int, str]]:
        out = []
        for n, ln in markdown(tt).prose_lines:
            m = _BULLET_RE.match(ln)
            if m and not _THEMATIC_BREAK_RE.match(ln):
                out.append((n, m.group(1).strip()))
        return out

    return t.memo(("extra", "bullets"), compute)


def numbered_items(t: Text) -> List[int]:
    return t.memo(
        ("extra", "numbered"),
        lambda tt: [n for n, ln in markdown(tt).prose_lines if _NUMBERED_RE.match(ln)],
    )


def _table_cells(line: str) -> List[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    return regex.split(r"(?<!\\)\|", s)


def tables(t: Text) -> List[Tuple[int, int]]:
    """(line number of the header row, number of columns) of each GFM table outside fences."""
    def compute(tt: Text) -> List[Tuple[int, int]]:
        prose = markdown(tt).prose_lines
        out = []
        k = 0
        while k + 1 < len(prose):
            (n1, head), (n2, delim) = prose[k], prose[k + 1]
            if n2 == n1 + 1 and "|" in head and "-" in delim and ("|" in delim or head.strip().startswith("|")):
                hcells = _table_cells(head)
                dcells = _table_cells(delim)
                if len(hcells) == len(dcells) and all(_TABLE_DELIM_CELL_RE.match(c) for c in dcells):
                    out.append((n1, len(hcells)))
                    k += 2
                    while k < len(prose) and prose[k][0] == prose[k - 1][0] + 1 and "|" in prose[k][1] and prose[k][1].strip():
                        k += 1
                    continue
            k += 1
        return out

    return t.memo(("extra", "tables"), compute)


def table_rows(t: Text) -> FrozenSet[int]:
    """Line numbers of every row (header, delimiter and body rows) of the tables ``tables`` finds."""
    def compute(tt: Text) -> FrozenSet[int]:
        prose = markdown(tt).prose_lines
        nums = [n for n, _ in prose]
        index = {n: k for k, n in enumerate(nums)}
        rows = set()
        for head, _cols in tables(tt):
            k = index[head]
            rows.update((nums[k], nums[k + 1]))
            k += 2
            while k < len(prose) and prose[k][0] == prose[k - 1][0] + 1 and "|" in prose[k][1] and prose[k][1].strip():
                rows.add(nums[k])
                k += 1
        return frozenset(rows)

    return t.memo(("extra", "table_rows"), compute)


# -- prose: paragraphs, blocks, sentences ----------------------------------------

@dataclass(frozen=True)
class Paragraph:
    line: int  # 1-based number of its first line
    text: str  # its lines joined by "\n", stripped
    blocks: Tuple[str, ...]  # sentence blocks, markers removed (see the module docstring)


def _row_text(line: str) -> str:
    return " | ".join(c.strip() for c in _table_cells(line))


def _paragraph(lines: List[Tuple[int, str]], rows: FrozenSet[int]) -> Paragraph:
    blocks: List[str] = []
    cur: List[str] = []
    open_ = False  # whether plain lines may continue the current block

    def flush() -> None:
        nonlocal cur
        if cur:
            blocks.append("\n".join(cur))
        cur = []

    for n, ln in lines:
        if n in rows:
            flush()
            if not all(_TABLE_DELIM_CELL_RE.match(c) for c in _table_cells(ln)):
                blocks.append(_row_text(ln))
            open_ = False
            continue
        if _THEMATIC_BREAK_RE.match(ln):
            flush()
            open_ = False
            continue
        m = _HEADING_RE.match(ln)
        if m:
            flush()
            if (m.group(2) or "").strip():
                blocks.append(m.group(2).strip())
            open_ = False
            continue
        m = _BULLET_RE.match(ln)
        if m:
            flush()
            cur = [m.group(1).strip()]
            open_ = True
            continue
        if not open_:
            flush()
            open_ = True
        cur.append(ln.strip())
    flush()
    text = "\n".join(ln for _, ln in lines).strip()
    return Paragraph(lines[0][0], text, tuple(b for b in blocks if b.strip()))


def prose(t: Text) -> Tuple[Paragraph, ...]:
    """The paragraphs of the response outside fenced code (see the module docstring)."""
    def compute(tt: Text) -> Tuple[Paragraph, ...]:
        rows = table_rows(tt)
        out: List[Paragraph] = []
        group: List[Tuple[int, str]] = []
        last = None
        for n, ln in markdown(tt).prose_lines:
            blank = not ln.strip()
            if group and (blank or last is None or n != last + 1):
                out.append(_paragraph(group, rows))
                group = []
            if not blank:
                group.append((n, ln))
            last = n
        if group:
            out.append(_paragraph(group, rows))
        return tuple(out)

    return t.memo(("extra", "prose"), compute)


def paragraphs(t: Text) -> List[str]:
    """Paragraph texts (stripped): blank-line separated, fenced code removed and separating."""
    return [p.text for p in prose(t)]


def _block_sentences(block: str) -> List[str]:
    return [p.strip() for p in Text(block).sentences if WORD_RE.search(p)]


def paragraph_sentences(para: Paragraph) -> List[str]:
    return [s for b in para.blocks for s in _block_sentences(b)]


def sentences(t: Text) -> List[str]:
    """Punkt sentences of every prose block, in order (see the module docstring)."""
    return t.memo(("extra", "sentences"), lambda tt: [s for p in prose(tt) for s in paragraph_sentences(p)])


def prose_words(t: Text) -> List[str]:
    """Words of the prose blocks in order: fenced code, list/heading markers and table pipes left out."""
    return t.memo(
        ("extra", "prose_words"),
        lambda tt: [w for p in prose(tt) for b in p.blocks for w in WORD_RE.findall(b)],
    )
