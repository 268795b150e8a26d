"""Words, lines, paragraphs, blocks and sentences of the prose of one text.

Every fact here is computed once per :class:`~lsr_dsl.text.Text` through
``Text.memo`` so several leaves of one spec share the work. All functions are
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
from typing import FrozenSet, List, Tuple

import regex

from lsr_dsl.text.analysis import Text
from lsr_dsl.text.markdown import (
    BULLET_RE,
    HEADING_RE,
    TABLE_DELIM_CELL_RE,
    THEMATIC_BREAK_RE,
    markdown,
    table_cells,
    table_rows,
)

WORD_RE = regex.compile(r"[\p{L}\p{N}\p{M}]+(?:['’\-][\p{L}\p{N}\p{M}]+)*")


# -- words ---------------------------------------------------------------------

def words(t: Text) -> List[str]:
    return t.memo(("prose", "words"), lambda tt: WORD_RE.findall(tt.text))


def word_spans(t: Text) -> List[Tuple[int, int, str]]:
    return t.memo(("prose", "word_spans"), lambda tt: [(m.start(), m.end(), m.group()) for m in WORD_RE.finditer(tt.text)])


def count_words(s: str) -> int:
    return sum(1 for _ in WORD_RE.finditer(s))


# -- lines, paragraphs, sentences ---------------------------------------------

def nonblank_lines(t: Text) -> List[Tuple[int, str]]:
    """(1-based line number, line) for each line holding non-whitespace."""
    def compute(tt: Text) -> List[Tuple[int, str]]:
        return [(i + 1, ln) for i, ln in enumerate(tt.text.split("\n")) if ln.strip()]

    return t.memo(("prose", "nonblank_lines"), compute)


# -- prose: paragraphs, blocks, sentences ----------------------------------------

@dataclass(frozen=True)
class Paragraph:
    line: int  # 1-based number of its first line
    text: str  # its lines joined by "\n", stripped
    blocks: Tuple[str, ...]  # sentence blocks, markers removed (see the module docstring)


def _row_text(line: str) -> str:
    return " | ".join(c.strip() for c in table_cells(line))


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
            if not all(TABLE_DELIM_CELL_RE.match(c) for c in table_cells(ln)):
                blocks.append(_row_text(ln))
            open_ = False
            continue
        if THEMATIC_BREAK_RE.match(ln):
            flush()
            open_ = False
            continue
        m = HEADING_RE.match(ln)
        if m:
            flush()
            if (m.group(2) or "").strip():
                blocks.append(m.group(2).strip())
            open_ = False
            continue
        m = BULLET_RE.match(ln)
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

    return t.memo(("prose", "prose"), compute)


def paragraphs(t: Text) -> List[str]:
    """Paragraph texts (stripped): blank-line separated, fenced code removed and separating."""
    return [p.text for p in prose(t)]


def _block_sentences(block: str) -> List[str]:
    return [p.strip() for p in Text(block).sentences if WORD_RE.search(p)]


def paragraph_sentences(para: Paragraph) -> List[str]:
    return [s for b in para.blocks for s in _block_sentences(b)]


def sentences(t: Text) -> List[str]:
    """Punkt sentences of every prose block, in order (see the module docstring)."""
    return t.memo(("prose", "sentences"), lambda tt: [s for p in prose(tt) for s in paragraph_sentences(p)])


def prose_words(t: Text) -> List[str]:
    """Words of the prose blocks in order: fenced code, list/heading markers and table pipes left out."""
    return t.memo(
        ("prose", "prose_words"),
        lambda tt: [w for p in prose(tt) for b in p.blocks for w in WORD_RE.findall(b)],
    )
