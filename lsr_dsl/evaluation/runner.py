"""Batch evaluation of responses: IFEval's four metrics (``lsr eval``).

A data row carries a ``response`` and either

- IFEval fields: ``instruction_id_list`` + ``kwargs``; the instructions are the row's
  instructions; or
- a ``ground_truth`` in any form :func:`lsr_dsl.data.ifeval.spec_of_ground_truth` reads
  (the same reading as the verl adapter): RLVR/IFEval instructions, or an lsr spec; or
- a ``spec``: .lsr source, a path to a ``.lsr``/``.json`` file, or AST JSON; the
  instructions are the top-level operands of the spec's AND (or the root as one
  instruction when the root is not an AND).

Each instruction gets a strict and a loose verdict (loose: IFEval's 8 response
variants, per atom). From those: prompt-level accuracy (a row counts when all of
its instructions pass) and instruction-level accuracy, strict and loose, plus
pass rates per instruction id / atom name.

Counting rules (``docs/eval.md``):

- **Invalid values** (an IFEval instruction whose parameters cannot be checked,
  e.g. ``letter="#"`` for ``keywords:letter_frequency`` — the reference would
  draw a random letter): the instruction counts as *not followed* in both
  modes, the row stays in the denominators, and the instruction is listed under
  ``invalid``. The row's ``score`` in ``--details`` is ``null``.
- **Unknown instruction ids** are invalid instructions too (listed with the id and
  a "did you mean"), so one id lsr lacks does not stop the evaluation.
- **Malformed rows** (not JSON, no ``response``, no instructions, a spec that
  does not compile, kwargs/ids length mismatch):
  evaluation goes on to find them all, then fails with
  :class:`~lsr_dsl.language.errors.LsrDataError` listing ``file:line: reason``.
- **Reference verdicts**: when rows carry ``strict``/``loose`` lists (the
  reference's verdicts, as in ``dev_gpt4_reference.jsonl``) the report compares
  ours to them. Instructions flagged in ``unstable`` (the reference drew a
  random value) are excluded from the agreement and reported separately.

Inputs are streamed; with ``workers > 1`` rows are scored in a process pool over
chunks with a bounded number of chunks in flight, results in input order.
"""
from __future__ import annotations

import collections
import gzip
import io
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Deque, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, TextIO, Tuple, Union

from lsr_dsl.evaluation.structure import StructureReport
from lsr_dsl.language.errors import LsrDataError, LsrError, unreadable

__all__ = ["Report", "evaluate_rows", "evaluate_file", "score_row", "iter_lines", "shorten"]

#: How many offending rows / invalid instructions / disagreements a report lists.
MAX_LISTED = 50
CHUNK = 32


# ---------------------------------------------------------------------------
# Scoring one row (runs in workers: plain data in, plain data out)


def _instruction_nodes(trace: Dict[str, Any], n: Optional[int]) -> List[Dict[str, Any]]:
    """The trace nodes of the instructions: the AND root's children, or the root itself."""
    if n == 1:
        return [trace]
    if trace.get("kind") == "and" and (n is None or len(trace.get("children", ())) == n):
        return list(trace["children"])
    if n is None:
        return [trace]
    raise LsrError(f"internal: expected {n} instructions, the trace has a {trace.get('kind')} root")


def _node_passed(node: Dict[str, Any]) -> bool:
    if node.get("kind") == "atom":
        return bool(node.get("passed"))
    s = node.get("score")
    return s is not None and s >= 1.0


def _node_name(node: Dict[str, Any]) -> str:
    if node.get("kind") == "atom":
        return str(node.get("label") or node.get("name"))
    parts: List[str] = []

    def visit(x: Dict[str, Any]) -> None:
        if x.get("kind") == "atom":
            parts.append(str(x.get("label") or x.get("name")))
        for c in x.get("children", ()):
            visit(c)

    visit(node)
    # The full label: it is a key of the report (per_instruction, --json), so two
    # different instructions must never share one. Only printing shortens it.
    return f"{node.get('kind')}({', '.join(parts)})"


#: How wide an instruction name may be in the printed table (keys are never cut).
PRINT_WIDTH = 60


def shorten(name: str, width: int = PRINT_WIDTH) -> str:
    """``name`` cut to ``width`` characters for printing: its head and its tail around
    ``…``, so that two names with a long common prefix still print differently."""
    if len(name) <= width:
        return name
    tail = (width - 1) // 3
    head = width - 1 - tail
    return name[:head] + "…" + name[len(name) - tail:]


def _bools(v: Any) -> Optional[List[bool]]:
    if isinstance(v, list) and all(isinstance(b, bool) for b in v):
        return list(v)
    return None


def score_row(row: Union[str, Mapping[str, Any]], line: int, *, file: str = "<rows>", mode: Optional[str] = None) -> Dict[str, Any]:
    """Score one row. Returns a plain dict; a malformed row gives ``{"line", "error"}``.

    Result keys: ``line``, ``key``, ``names`` (one per instruction), ``strict``,
    ``loose`` (bools), ``score`` (the spec's score of the strict evaluation, or
    ``None`` when an instruction is invalid), ``invalid`` (``[[index, reason], …]``),
    ``errors`` (verifier errors), and ``ref`` (reference verdicts, when given).
    """
    try:
        return _score_row(row, line, file, mode)
    except LsrDataError as e:
        return {"line": line, "error": str(e)}
    except LsrError as e:
        return {"line": line, "error": _one_line(e)}


def _one_line(e: LsrError) -> str:
    """The error's messages on one line, each with the compiler's hint ("did you mean …?")."""
    if e.errors:
        return "; ".join(dict.fromkeys(d.message + (f" ({d.hint})" if d.hint else "") for d in e.errors))
    return str(e)


def _score_row(row: Union[str, Mapping[str, Any]], line: int, file: str, mode: Optional[str]) -> Dict[str, Any]:
    from lsr_dsl.api import compile as _compile, compile_any
    from lsr_dsl.constraints.registry import REGISTRY
    from lsr_dsl.data import ifbench, ifeval
    from lsr_dsl.text import Text

    row = ifeval.parse_row(row)
    key = ifeval.row_key(row, line)
    response = row.get("response")
    if not isinstance(response, str):
        raise LsrDataError(f"row {key}: 'response' must be a string" + (" (missing)" if response is None else f", not {type(response).__name__}"))
    prompt = ifeval.row_prompt(row)
    invalid: List[List[Any]] = []
    n: Optional[int]
    spec: Any = None
    instructions: List[Tuple[str, Dict[str, Any]]] = []
    if "spec" in row and row["spec"] is not None:
        spec = row["spec"]
    elif "ground_truth" in row and not any(k in row for k in ("instruction_id_list", "instruction_id")):
        # the one reading of ground truth that the trainer adapters share: lsr spec or IFEval/RLVR
        try:
            gt = ifeval.spec_of_ground_truth(row["ground_truth"])
        except ifeval.GroundTruthError as e:
            raise LsrDataError(f"row {key}: ground_truth: {e}") from None
        if gt.instructions is None:
            spec = gt.spec
            prompt = prompt if prompt is not None else gt.prompt
        else:
            instructions = list(gt.instructions)
    else:
        try:
            instructions = ifeval.instructions_of(row)
        except ValueError as e:
            raise LsrDataError(f"row {key}: {e}") from None
    if spec is not None:
        try:
            prog = compile_any(spec, mode=mode)
        except LsrError as e:
            raise LsrDataError(f"row {key}: the spec does not compile: {_one_line(e)}") from None
        n = None
        names: Optional[List[str]] = None
    else:
        # An unknown instruction id is an invalid instruction like a bad value:
        # listed with a "did you mean", counted as not followed (see below).
        names = [i for i, _ in instructions]
        ifbench_row = row.get("suite") == ifbench.IFBENCH_SUITE
        if ifbench_row:
            names = [ifbench.display_id(x) for x in names]  # reported under IFBench's own ids
        n = len(instructions)
        try:
            # The body alone (no key, no prompt) so that rows with the same
            # instructions share one compiled program (the compile cache).
            prog = _compile(_body(instructions), mode=mode)
        except (LsrError, ValueError):
            # Find the invalid instructions and score the valid ones.
            valid = []
            for i, (iid, kw) in enumerate(instructions):
                why = ifeval.check_instruction(iid, kw)
                if why is not None and ifbench_row and iid not in REGISTRY:
                    why = ifbench.unknown_id_message(iid)  # hint among IFBench's ids
                if why is None:
                    valid.append((iid, kw))
                else:
                    invalid.append([i, why])
            if not invalid and instructions:  # pragma: no cover - the whole fails but no part does
                raise
            prog = _compile(_body(valid), mode=mode) if valid else None
            n = len(valid)
    text = Text(response)
    errors: List[Dict[str, Any]] = []
    if prog is not None:
        rs = prog.evaluate(text, prompt=prompt)
        rl = prog.evaluate(text, prompt=prompt, loose=True)
        s_nodes = _instruction_nodes(rs.trace, n)
        l_nodes = _instruction_nodes(rl.trace, n)
        strict = [_node_passed(x) for x in s_nodes]
        loose = [_node_passed(x) for x in l_nodes]
        if names is None:
            names = [_node_name(x) for x in s_nodes]
        score: Optional[float] = rs.score
        errors = list(rs.errors) + [e for e in rl.errors if e not in rs.errors]
    else:
        strict, loose, score = [], [], None
    shape = _shape(rs.trace if prog is not None else None, len(invalid))
    if invalid:
        for i, _ in invalid:  # invalid instructions count as not followed, in place
            strict.insert(i, False)
            loose.insert(i, False)
        score = None
    out: Dict[str, Any] = {"line": line, "key": key, "names": names, "strict": strict, "loose": loose, "score": score, "shape": shape}
    if "ground_truth" in row and "spec" not in row and not any(k in row for k in ("instruction_id_list", "instruction_id")):
        out["rlvr"] = True
    if invalid:
        out["invalid"] = invalid
    if errors:
        out["errors"] = [str(e.get("error", e)) for e in errors]
    rstrict, rloose = _bools(row.get("strict")), _bools(row.get("loose"))
    if rstrict is not None and rloose is not None and len(rstrict) == len(strict) == len(rloose):
        unstable = _bools(row.get("unstable"))
        if unstable is None or len(unstable) != len(strict):
            unstable = [False] * len(strict)
        out["ref"] = {"strict": rstrict, "loose": rloose, "unstable": unstable}
    return out


def _shape(trace: Optional[Dict[str, Any]], invalid: int) -> Dict[str, Any]:
    """The row's structure facts (:func:`lsr_dsl.evaluation.structure.row_shape`)."""
    from lsr_dsl.evaluation.structure import row_shape

    if trace is None:  # every instruction is invalid
        structure = "atom" if invalid == 1 else "parallel"
        return {"structure": structure, "depth": 0 if invalid == 1 else 1, "scores": None, "constraints": [False] * invalid, "steps": []}
    return row_shape(trace, invalid)


def _body(instructions: Sequence[Tuple[str, Dict[str, Any]]]) -> str:
    from lsr_dsl.data.ifeval import instructions_source

    return instructions_source(instructions)


def _score_chunk(args: Tuple[List[Tuple[int, Any]], str, Optional[str]]) -> List[Dict[str, Any]]:
    chunk, file, mode = args
    return [score_row(row, line, file=file, mode=mode) for line, row in chunk]


# ---------------------------------------------------------------------------
# The report


@dataclass
class _Count:
    total: int = 0
    strict: int = 0
    loose: int = 0

    def add(self, s: bool, l: bool) -> None:
        self.total += 1
        self.strict += bool(s)
        self.loose += bool(l)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "total": self.total,
            "strict": self.strict,
            "loose": self.loose,
            "strict_accuracy": self.strict / self.total if self.total else None,
            "loose_accuracy": self.loose / self.total if self.total else None,
        }


@dataclass
class Report:
    """Running totals over scored rows; :meth:`to_dict` / :meth:`render` for output."""

    file: str = "<rows>"
    prompt: _Count = field(default_factory=_Count)
    instruction: _Count = field(default_factory=_Count)
    per_name: Dict[str, _Count] = field(default_factory=dict)
    invalid_instructions: int = 0
    invalid_rows: int = 0
    invalid_list: List[Dict[str, Any]] = field(default_factory=list)
    verifier_errors: int = 0
    # reference comparison
    ref_rows: int = 0
    ref_prompt: _Count = field(default_factory=_Count)
    ref_instruction: _Count = field(default_factory=_Count)
    adj_prompt: _Count = field(default_factory=_Count)
    adj_instruction: _Count = field(default_factory=_Count)
    stable_instructions: int = 0
    agree_strict: int = 0
    agree_loose: int = 0
    unstable_list: List[Dict[str, Any]] = field(default_factory=list)
    unstable_count: int = 0
    disagreements: List[Dict[str, Any]] = field(default_factory=list)
    disagreement_count: int = 0
    # open-instruct's RLVR reward: per ground-truth row, the fraction of instructions followed (strict)
    rlvr_rows: int = 0
    rlvr_reward: float = 0.0
    structure: StructureReport = field(default_factory=StructureReport)

    def add(self, r: Dict[str, Any]) -> None:
        strict, loose, names = r["strict"], r["loose"], r["names"]
        if r.get("rlvr"):
            self.rlvr_rows += 1
            self.rlvr_reward += sum(strict) / max(len(strict), 1)
        self.prompt.add(all(strict), all(loose))
        if r.get("shape") is not None:
            self.structure.add(r["key"], r["shape"], all(strict))
        for name, s, l in zip(names, strict, loose):
            self.instruction.add(s, l)
            self.per_name.setdefault(name, _Count()).add(s, l)
        inv = r.get("invalid")
        if inv:
            self.invalid_rows += 1
            self.invalid_instructions += len(inv)
            for i, why in inv:
                if len(self.invalid_list) < MAX_LISTED:
                    self.invalid_list.append({"key": r["key"], "line": r["line"], "index": i + 1, "instruction": names[i], "reason": why})
        if r.get("errors"):
            self.verifier_errors += len(r["errors"])
        ref = r.get("ref")
        if ref is None:
            return
        self.ref_rows += 1
        rs, rl, un = ref["strict"], ref["loose"], ref["unstable"]
        self.ref_prompt.add(all(rs), all(rl))
        adj_s = [b if u else a for a, b, u in zip(strict, rs, un)]
        adj_l = [b if u else a for a, b, u in zip(loose, rl, un)]
        self.adj_prompt.add(all(adj_s), all(adj_l))
        for i, name in enumerate(names):
            self.ref_instruction.add(rs[i], rl[i])
            self.adj_instruction.add(adj_s[i], adj_l[i])
            item = {"key": r["key"], "line": r["line"], "index": i + 1, "instruction": name,
                    "ours": {"strict": strict[i], "loose": loose[i]}, "reference": {"strict": rs[i], "loose": rl[i]}}
            if un[i]:
                self.unstable_count += 1
                if len(self.unstable_list) < MAX_LISTED:
                    self.unstable_list.append(item)
                continue
            self.stable_instructions += 1
            self.agree_strict += strict[i] == rs[i]
            self.agree_loose += loose[i] == rl[i]
            if strict[i] != rs[i] or loose[i] != rl[i]:
                self.disagreement_count += 1
                if len(self.disagreements) < MAX_LISTED:
                    self.disagreements.append(item)

    # -- output ------------------------------------------------------------
    def to_dict(self) -> Dict[str, Any]:
        d: Dict[str, Any] = {
            "file": self.file,
            "rows": self.prompt.total,
            "instructions": self.instruction.total,
            "prompt_level": self.prompt.to_dict(),
            "instruction_level": self.instruction.to_dict(),
            "per_instruction": {k: self.per_name[k].to_dict() for k in sorted(self.per_name)},
            "invalid": {
                "rows": self.invalid_rows,
                "instructions": self.invalid_instructions,
                "counted_as": "not followed (strict and loose)",
                "listed": self.invalid_list,
            },
            "structure": self.structure.to_dict(),
        }
        if self.verifier_errors:
            d["verifier_errors"] = self.verifier_errors
        if self.rlvr_rows:
            d["rlvr_reward"] = {"rows": self.rlvr_rows, "mean": self.rlvr_reward / self.rlvr_rows}
        if self.ref_rows:
            d["reference"] = {
                "rows": self.ref_rows,
                "prompt_level": self.ref_prompt.to_dict(),
                "instruction_level": self.ref_instruction.to_dict(),
                "ours_with_reference_on_unstable": {
                    "prompt_level": self.adj_prompt.to_dict(),
                    "instruction_level": self.adj_instruction.to_dict(),
                },
                "stable_instructions": self.stable_instructions,
                "agree_strict": self.agree_strict,
                "agree_loose": self.agree_loose,
                "unstable_instructions": self.unstable_count,
                "unstable": self.unstable_list,
                "disagreements": self.disagreement_count,
                "disagreement_list": self.disagreements,
            }
        return d

    def totals(self) -> Dict[str, Tuple[int, int]]:
        """``{"prompt_strict": (passed, total), …}`` for the four metrics."""
        p, i = self.prompt, self.instruction
        return {
            "prompt_strict": (p.strict, p.total),
            "prompt_loose": (p.loose, p.total),
            "instruction_strict": (i.strict, i.total),
            "instruction_loose": (i.loose, i.total),
        }

    def render(self, per_instruction: bool = True, structure: bool = True) -> str:
        def frac(a: int, b: int) -> str:
            pct = f"{100.0 * a / b:6.2f}%" if b else "     -"
            return f"{a:>7}/{b:<7} {pct}"

        out = [f"{self.file}: {self.prompt.total} rows, {self.instruction.total} instructions", ""]
        out.append(f"  {'':<20} {'strict':>22}   {'loose':>22}")
        out.append(f"  {'prompt-level':<20} {frac(self.prompt.strict, self.prompt.total):>22}   {frac(self.prompt.loose, self.prompt.total):>22}")
        out.append(f"  {'instruction-level':<20} {frac(self.instruction.strict, self.instruction.total):>22}   {frac(self.instruction.loose, self.instruction.total):>22}")
        if self.rlvr_rows:
            out.append(
                f"  {'RLVR reward (mean)':<20} {self.rlvr_reward / self.rlvr_rows:>22.4f}   "
                f"(open-instruct's IFEval verifiers: fraction followed per row, {self.rlvr_rows} ground-truth rows)"
            )
        if self.invalid_instructions:
            out.append("")
            out.append(
                f"invalid input: {self.invalid_instructions} instruction{'s' if self.invalid_instructions != 1 else ''} "
                f"in {self.invalid_rows} row{'s' if self.invalid_rows != 1 else ''}, counted as not followed:"
            )
            for x in self.invalid_list:
                out.append(f"  {self.file}:{x['line']}: key {x['key']}, instruction {x['index']} ({shorten(x['instruction'])}): {x['reason']}")
            if self.invalid_instructions > len(self.invalid_list):
                out.append(f"  … and {self.invalid_instructions - len(self.invalid_list)} more")
        if self.verifier_errors:
            out.append("")
            out.append(f"verifier errors: {self.verifier_errors} (counted as not followed; see --details)")
        if self.ref_rows:
            out.append("")
            out.append(f"reference verdicts in the file ({self.ref_rows} rows):")
            out.append(f"  {'reference':<20} {frac(self.ref_prompt.strict, self.ref_prompt.total):>22}   {frac(self.ref_prompt.loose, self.ref_prompt.total):>22}   (prompt)")
            out.append(f"  {'':<20} {frac(self.ref_instruction.strict, self.ref_instruction.total):>22}   {frac(self.ref_instruction.loose, self.ref_instruction.total):>22}   (instruction)")
            out.append(f"  {'ours, ref. unstable':<20} {frac(self.adj_prompt.strict, self.adj_prompt.total):>22}   {frac(self.adj_prompt.loose, self.adj_prompt.total):>22}   (prompt)")
            out.append(f"  {'':<20} {frac(self.adj_instruction.strict, self.adj_instruction.total):>22}   {frac(self.adj_instruction.loose, self.adj_instruction.total):>22}   (instruction)")
            out.append(
                f"  agreement on {self.stable_instructions} stable instructions: strict {self.agree_strict}/{self.stable_instructions}, "
                f"loose {self.agree_loose}/{self.stable_instructions}"
            )
            if self.unstable_count:
                out.append(f"  {self.unstable_count} instruction{'s' if self.unstable_count != 1 else ''} flagged unstable (the reference's verdict was random), excluded from the agreement:")
                for x in self.unstable_list:
                    out.append(f"    key {x['key']}, instruction {x['index']} ({shorten(x['instruction'])}): ours {_sl(x['ours'])}, reference {_sl(x['reference'])}")
            for x in self.disagreements:
                out.append(f"  differs: key {x['key']}, instruction {x['index']} ({shorten(x['instruction'])}): ours {_sl(x['ours'])}, reference {_sl(x['reference'])}")
            if self.disagreement_count > len(self.disagreements):
                out.append(f"  … and {self.disagreement_count - len(self.disagreements)} more differences")
        if structure and self.structure.rows:
            out.append("")
            out.append(self.structure.render())
        if per_instruction and self.per_name:
            width = max(len("instruction"), max(len(shorten(k)) for k in self.per_name))
            out.append("")
            out.append(f"  {'instruction':<{width}} {'n':>7} {'strict':>8} {'loose':>8}")
            for k in sorted(self.per_name):
                c = self.per_name[k]
                out.append(f"  {shorten(k):<{width}} {c.total:>7} {100.0 * c.strict / c.total:>7.1f}% {100.0 * c.loose / c.total:>7.1f}%")
        return "\n".join(out)


def _sl(d: Mapping[str, bool]) -> str:
    return f"{'pass' if d['strict'] else 'fail'}/{'pass' if d['loose'] else 'fail'} (strict/loose)"


# ---------------------------------------------------------------------------
# Streaming driver


def _open_text(path: str) -> TextIO:
    if path == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8")
    try:
        if path.endswith(".gz"):
            return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
        return open(path, "r", encoding="utf-8")
    except OSError as e:
        raise LsrDataError(unreadable(path, e, "JSONL file")) from None


def iter_lines(path: str) -> Iterator[Tuple[int, str]]:
    """``(line number, text)`` for each non-blank line of a JSONL file (``-`` = stdin; ``.gz`` ok)."""
    f = _open_text(path)
    try:
        for n, text in enumerate(f, 1):
            if text.strip():
                yield n, text
    except UnicodeDecodeError as e:
        raise LsrDataError(f"{path}: not UTF-8 text ({e.reason})") from None
    finally:
        if path != "-":
            f.close()


def _count_lines(path: str) -> Optional[int]:
    if path == "-" or path.endswith(".gz"):
        return None
    try:
        n = 0
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                n += block.count(b"\n")
        return n
    except OSError:
        return None


class _Progress:
    def __init__(self, enabled: bool, total: Optional[int]):
        self.bar = None
        self.n = 0
        self.enabled = enabled
        if not enabled:
            return
        try:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="row", file=sys.stderr, dynamic_ncols=True, mininterval=0.2)
        except ImportError:
            self.bar = None

    def update(self, k: int) -> None:
        if not self.enabled:
            return
        self.n += k
        if self.bar is not None:
            self.bar.update(k)
        elif self.n % 1000 < k:
            sys.stderr.write(f"\r{self.n} rows")
            sys.stderr.flush()

    def close(self) -> None:
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.close()
        else:
            sys.stderr.write(f"\r{self.n} rows\n")


def _chunks(items: Iterable[Tuple[int, Any]], size: int) -> Iterator[List[Tuple[int, Any]]]:
    buf: List[Tuple[int, Any]] = []
    for it in items:
        buf.append(it)
        if len(buf) >= size:
            yield buf
            buf = []
    if buf:
        yield buf


def _results(items: Iterable[Tuple[int, Any]], file: str, mode: Optional[str], workers: int,
             judge: Any = None, judge_batch_size: int = 16) -> Iterator[Dict[str, Any]]:
    if judge is not None:  # in this process: soft leaves judged a chunk at a time (evaluation/judging.py)
        from lsr_dsl.evaluation.judging import judged_ahead
        from lsr_dsl.judges.batching import JudgeScheduler

        scheduler = JudgeScheduler(judge, judge_batch_size)
        for chunk in _chunks(items, max(CHUNK, 4 * judge_batch_size)):
            with judged_ahead([row for _, row in chunk], mode, scheduler, _body):
                for line, row in chunk:
                    yield score_row(row, line, file=file, mode=mode)
        return
    if workers <= 1:
        for line, row in items:
            yield score_row(row, line, file=file, mode=mode)
        return
    import multiprocessing as mp

    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context("spawn")
    max_in_flight = workers * 4
    with ctx.Pool(workers) as pool:
        pending: Deque[Any] = collections.deque()
        for chunk in _chunks(items, CHUNK):
            pending.append(pool.apply_async(_score_chunk, ((chunk, file, mode),)))
            while len(pending) >= max_in_flight:
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()


def evaluate_rows(
    rows: Iterable[Any],
    *,
    file: str = "<rows>",
    mode: Optional[str] = None,
    workers: int = 1,
    details: Optional[Callable[[Dict[str, Any]], None]] = None,
    progress: bool = False,
    total: Optional[int] = None,
    judge: Any = None,
    judge_batch_size: int = 16,
    soft_skipped: Optional[List[int]] = None,
) -> Report:
    """Score rows and return the :class:`Report`.

    ``rows``: an iterable (a generator is fine: it is consumed once, lazily) of
    dicts, of JSON strings, or of ``(line number, dict-or-JSON)`` pairs.
    ``details``: called with one dict per row, in input order:
    ``{"key", "strict", "loose", "score"}`` (plus ``invalid`` when present).
    ``workers``: processes (``0`` = all cores). ``judge``: judges soft constraints, their leaves
    judged ahead a chunk of rows at a time in batches of ``judge_batch_size`` (docs/judges.md;
    one process). ``soft_skipped``: a list, given with no ``judge``, to leave out rows whose spec has
    soft constraints; their line numbers are appended to it (``lsr eval --soft skip``). Raises
    :class:`~lsr_dsl.language.errors.LsrDataError` listing every malformed row.
    """
    if workers == 0:
        workers = os.cpu_count() or 1
    if workers < 0:
        raise LsrError(f"--workers must be 0 (all cores) or a positive number, not {workers}")

    def numbered() -> Iterator[Tuple[int, Any]]:
        for n, r in enumerate(rows, 1):
            if isinstance(r, tuple) and len(r) == 2 and isinstance(r[0], int):
                yield r
            else:
                yield n, r

    items: Iterator[Tuple[int, Any]] = numbered()
    if soft_skipped is not None and judge is None:
        from lsr_dsl.evaluation.judging import has_soft

        def without_soft(it: Iterator[Tuple[int, Any]]) -> Iterator[Tuple[int, Any]]:
            for line, row in it:
                if has_soft(row, mode, _body):
                    soft_skipped.append(line)
                else:
                    yield line, row

        items = without_soft(items)
    report = Report(file=file)
    bad: List[str] = []
    bad_count = 0
    bar = _Progress(progress, total)
    try:
        for res in _results(items, file, mode, workers, judge, judge_batch_size):
            bar.update(1)
            if "error" in res:
                bad_count += 1
                if len(bad) < MAX_LISTED:
                    bad.append(f"{file}:{res['line']}: {res['error']}")
                continue
            if bad_count:
                continue
            report.add(res)
            if details is not None:
                d = {"key": res["key"], "strict": res["strict"], "loose": res["loose"], "score": res["score"]}
                if res.get("invalid"):
                    d["invalid"] = [{"index": i + 1, "reason": why} for i, why in res["invalid"]]
                if res.get("errors"):
                    d["errors"] = res["errors"]
                details(d)
    finally:
        bar.close()
    if bad_count:
        more = f"\n  … and {bad_count - len(bad)} more" if bad_count > len(bad) else ""
        raise LsrDataError(
            f"{bad_count} bad row{'s' if bad_count != 1 else ''} in {file} (no metrics reported):\n  " + "\n  ".join(bad) + more
        )
    if report.prompt.total == 0:
        raise LsrDataError(f"{file}: no rows to evaluate")
    return report


def evaluate_file(
    path: str,
    *,
    mode: Optional[str] = None,
    workers: int = 1,
    details: Optional[Callable[[Dict[str, Any]], None]] = None,
    progress: bool = False,
    judge: Any = None,
    judge_batch_size: int = 16,
    soft_skipped: Optional[List[int]] = None,
) -> Report:
    """:func:`evaluate_rows` over a JSONL file, streamed line by line."""
    name = "<stdin>" if path == "-" else path
    total = _count_lines(path) if progress else None
    return evaluate_rows(iter_lines(path), file=name, mode=mode, workers=workers, details=details, progress=progress,
                         total=total, judge=judge, judge_batch_size=judge_batch_size, soft_skipped=soft_skipped)
