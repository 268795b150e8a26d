"""Markdown facts of one text, computed once per :class:`~lsr_dsl.text.Text` through ``Text.memo``.

Fenced code (CommonMark fences of three or more backticks or tildes; an unclosed fence runs
to the end), ATX headings, list items, numbered items and GFM tables. Lines inside fences are
not prose: headings, lists and tables are looked for outside them. Every function is total.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import FrozenSet, List, Tuple

import regex

from lsr_dsl.text.analysis import Text

_FENCE_RE = regex.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*([^`\s]*)[^\n]*$")
BULLET_RE = regex.compile(r"^[ \t]*(?:[-*+•]|\d{1,9}[.)])[ \t]+(\S.*)$")
THEMATIC_BREAK_RE = regex.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_NUMBERED_RE = regex.compile(r"^[ \t]*\d{1,9}[.)][ \t]+\S")
HEADING_RE = regex.compile(r"^ {0,3}(#{1,6})(?!#)(?:[ \t]+(.*?))?[ \t]*#*[ \t]*$")
TABLE_DELIM_CELL_RE = regex.compile(r"^[ \t]*:?-+:?[ \t]*$")


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

    return t.memo(("markdown", "markdown"), compute)


def headings(t: Text) -> List[Tuple[int, int, str]]:
    """(line number, level, title) of each ATX heading outside fenced code."""
    def compute(tt: Text) -> List[Tuple[int, int, str]]:
        out = []
        for n, ln in markdown(tt).prose_lines:
            m = HEADING_RE.match(ln)
            if m:
                out.append((n, len(m.group(1)), (m.group(2) or "").strip()))
        return out

    return t.memo(("markdown", "headings"), compute)


def bullets(t: Text) -> List[Tuple[int, str]]:
    """(line number, item text) of each list item (``-``, ``*``, ``+``, ``•``, ``1.``, ``1)``) outside fences."""
    def compute(tt: Text) -> List[Tuple[int, str]]:
        out = []
        for n, ln in markdown(tt).prose_lines:
            m = BULLET_RE.match(ln)
            if m and not THEMATIC_BREAK_RE.match(ln):
                out.append((n, m.group(1).strip()))
        return out

    return t.memo(("markdown", "bullets"), compute)


def numbered_items(t: Text) -> List[int]:
    return t.memo(
        ("markdown", "numbered"),
        lambda tt: [n for n, ln in markdown(tt).prose_lines if _NUMBERED_RE.match(ln)],
    )


def table_cells(line: str) -> List[str]:
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
                hcells = table_cells(head)
                dcells = table_cells(delim)
                if len(hcells) == len(dcells) and all(TABLE_DELIM_CELL_RE.match(c) for c in dcells):
                    out.append((n1, len(hcells)))
                    k += 2
                    while k < len(prose) and prose[k][0] == prose[k - 1][0] + 1 and "|" in prose[k][1] and prose[k][1].strip():
                        k += 1
                    continue
            k += 1
        return out

    return t.memo(("markdown", "tables"), compute)


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

    return t.memo(("markdown", "table_rows"), compute)
