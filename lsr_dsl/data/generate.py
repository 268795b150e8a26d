"""``lsr generate``: logic-structured instructions over the registry, attached to seed tasks.

For each row: a logic type is drawn to match the mix exactly (largest remainders, then
shuffled), a spec of that type is sampled (atoms from :mod:`lsr_dsl.data.samplers`, one
per property group; with ``max_depth >= 2`` an operand may itself be a composition), the
spec is compiled and kept only if the checker has nothing to say (no unsatisfiable AND,
no branch that can never run), a seed task is drawn, and the instruction is rendered
(:func:`lsr_dsl.data.render.render`). Rows::

    {"id", "prompt", "spec", "structure", "depth", "constraints", "task_id", "instruction"}

``structure`` is the root's logic type (``atom``, ``parallel``, ``sequential``,
``conditional``), ``depth`` the nesting depth (1 = a flat composition), ``constraints``
the registry names of the atoms (a condition's included). Everything is drawn from
``random.Random(seed)``: the same arguments give the same rows.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Set, Tuple

from lsr_dsl.api import compile as compile_spec
from lsr_dsl.constraints.registry import REGISTRY
from lsr_dsl.data.render import render
from lsr_dsl.data.samplers import CONDITIONS, SAMPLERS, Sampler
from lsr_dsl.language.errors import LsrDataError, LsrError, closest, unreadable

__all__ = ["GenerateOptions", "SeedTask", "read_seeds", "parse_mix", "generate", "split_rows", "LOGIC_TYPES", "PAPER_MIX"]

LOGIC_TYPES: Tuple[str, ...] = ("atom", "parallel", "sequential", "conditional")
PAPER_MIX: Dict[str, float] = {"parallel": 0.45, "sequential": 0.27, "conditional": 0.28}
#: How often an operand becomes a composition of its own when the depth allows it.
NEST_PROBABILITY = 0.3
MAX_TRIES = 200


@dataclass(frozen=True)
class SeedTask:
    id: str
    task: str


@dataclass(frozen=True)
class GenerateOptions:
    n: int
    mix: Mapping[str, float] = field(default_factory=lambda: dict(PAPER_MIX))
    max_depth: int = 2
    families: Optional[Tuple[str, ...]] = None
    soft: bool = False
    seed: int = 0
    language: str = "en"


def read_seeds(path: str) -> List[SeedTask]:
    """Seed tasks from a JSONL file: ``{"id", "task"}`` per line (``prompt`` or ``instruction``
    are accepted for ``task``; a missing id becomes the line number)."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.readlines()
    except OSError as e:
        raise LsrDataError(unreadable(path, e, "seed file")) from None
    seeds: List[SeedTask] = []
    seen: Dict[str, int] = {}
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise LsrDataError(f"{path}:{i}:{e.colno}: not JSON ({e.msg})") from None
        if not isinstance(row, dict):
            raise LsrDataError(f"{path}:{i}: a seed must be a JSON object with a 'task'")
        task = next((row[k] for k in ("task", "prompt", "instruction") if isinstance(row.get(k), str) and row[k].strip()), None)
        if task is None:
            raise LsrDataError(f"{path}:{i}: no 'task' text (keys: {', '.join(row) or 'none'})")
        sid = str(row.get("id", i))
        if sid in seen:
            raise LsrDataError(f"{path}:{i}: duplicate id {sid!r} (first on line {seen[sid]})")
        seen[sid] = i
        seeds.append(SeedTask(sid, task.strip()))
    if not seeds:
        raise LsrDataError(f"{path}: no seed tasks")
    return seeds


def parse_mix(text: str) -> Dict[str, float]:
    """``"parallel=0.45,sequential=0.27,conditional=0.28"`` → weights (normalised to sum 1)."""
    mix: Dict[str, float] = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep:
            raise LsrError(f"--mix: {part!r} is not NAME=WEIGHT; hint: --mix parallel=0.45,sequential=0.27,conditional=0.28")
        if name not in LOGIC_TYPES:
            guess = closest(name, LOGIC_TYPES)
            raise LsrError(f"--mix: unknown logic type {name!r}" + (f"; did you mean {guess!r}?" if guess else f"; one of {', '.join(LOGIC_TYPES)}"))
        try:
            w = float(value)
        except ValueError:
            raise LsrError(f"--mix: the weight of {name} must be a number, not {value!r}") from None
        if w < 0:
            raise LsrError(f"--mix: the weight of {name} must not be negative")
        mix[name] = w
    total = sum(mix.values())
    if not mix or total <= 0:
        raise LsrError("--mix: give at least one positive weight, e.g. parallel=1")
    return {k: v / total for k, v in mix.items()}


def _quotas(mix: Mapping[str, float], n: int) -> Dict[str, int]:
    """Row counts per logic type: largest remainders, so they sum to ``n``."""
    raw = {k: mix[k] * n for k in LOGIC_TYPES if k in mix}
    counts = {k: int(v) for k, v in raw.items()}
    rest = n - sum(counts.values())
    for k in sorted(raw, key=lambda k: (-(raw[k] - counts[k]), LOGIC_TYPES.index(k)))[:rest]:
        counts[k] += 1
    return counts


# ---------------------------------------------------------------------------
# Sampling one spec


class _Pool:
    """The samplers allowed by the options; draws atoms without repeating a group."""

    def __init__(self, opts: GenerateOptions):
        def allowed(s: Sampler) -> bool:
            c = REGISTRY.get(s.name)
            if c is None:
                return False
            if s.soft and not opts.soft:
                return False
            return opts.families is None or c.family in opts.families

        self.atoms = [s for s in SAMPLERS if allowed(s)]
        self.conditions = [s for s in CONDITIONS if allowed(s)]
        if len(self.atoms) < 2:
            fams = sorted({REGISTRY.get(s.name).family for s in SAMPLERS if REGISTRY.get(s.name)})
            raise LsrError(
                f"--constraints leaves {len(self.atoms)} constraint{'s' if len(self.atoms) != 1 else ''} to sample from; "
                f"need at least 2; families with samplers: {', '.join(fams)}"
            )

    def atom(self, rng: random.Random, used: Set[str]) -> str:
        return _take([s for s in self.atoms if used.isdisjoint(s.groups)], rng, used)

    def condition(self, rng: random.Random, used: Set[str]) -> str:
        return _take([s for s in (self.conditions or self.atoms) if used.isdisjoint(s.groups)], rng, used)


class _Retry(Exception):
    pass


def _take(free: List[Sampler], rng: random.Random, used: Set[str]) -> str:
    if not free:
        raise _Retry()
    s = rng.choice(free)
    used.update(s.groups)
    return s.draw(rng)


def _paren(s: str) -> str:
    return f"({s})"


def _expr(kind: str, rng: random.Random, pool: _Pool, used: Set[str], depth_left: int) -> str:
    """Source of a composition of ``kind`` whose subtrees are at most ``depth_left`` deep."""
    if kind == "atom" or depth_left <= 0:
        return pool.atom(rng, used)

    def operand(allowed: Sequence[str]) -> str:
        if depth_left >= 2 and rng.random() < NEST_PROBABILITY:
            return _paren(_expr(rng.choice(list(allowed)), rng, pool, used, depth_left - 1))
        return pool.atom(rng, used)

    if kind == "parallel":
        k = rng.choice((2, 2, 3, 3, 4))
        return " AND ".join(operand(("sequential", "conditional")) for _ in range(k))
    if kind == "sequential":
        k = rng.choice((2, 3, 3, 4))
        return " THEN ".join(operand(("parallel", "conditional")) for _ in range(k))
    cond = pool.condition(rng, used)
    then = operand(("parallel", "sequential"))
    if rng.random() < 0.8:
        return f"IF {cond} THEN {then} ELSE {operand(('parallel', 'sequential'))}"
    return f"IF {cond} THEN {then}"


def sample_spec(kind: str, rng: random.Random, pool: _Pool, max_depth: int) -> Tuple[str, Any]:
    """A spec of ``kind`` that compiles with no checker warning: ``(source, program)``."""
    for _ in range(MAX_TRIES):
        used: Set[str] = set()
        try:
            src = _expr(kind, rng, pool, used, max_depth)
        except _Retry:
            continue
        try:
            prog = compile_spec(src)
        except LsrError:
            continue
        if prog.warnings:
            continue
        return src, prog
    raise LsrError(f"could not sample a {kind} spec in {MAX_TRIES} tries with these constraints; widen --constraints or --max-depth")


def _depth(node: Any) -> int:
    kids = list(getattr(node, "children", ()) or ())
    if hasattr(node, "condition"):
        kids = [node.condition, node.then] + ([node.else_] if node.else_ is not None else [])
    return 0 if not kids else 1 + max(_depth(k) for k in kids)


# ---------------------------------------------------------------------------
# Rows


def generate(seeds: Sequence[SeedTask], opts: GenerateOptions, progress: Optional[Callable[[int], None]] = None) -> Iterator[Dict[str, Any]]:
    """Yield ``opts.n`` rows (see the module docstring), deterministically for ``opts.seed``."""
    if opts.n < 1:
        raise LsrError(f"--n must be at least 1, not {opts.n}")
    if opts.max_depth < 1:
        raise LsrError(f"--max-depth must be at least 1, not {opts.max_depth}")
    if not seeds:
        raise LsrError("no seed tasks")
    if opts.families is not None:
        known = sorted({c.family for c in REGISTRY._canonical.values()})
        for f in opts.families:
            if f not in known:
                guess = closest(f, known)
                raise LsrError(f"--constraints: unknown family {f!r}" + (f"; did you mean {guess!r}?" if guess else f"; families: {', '.join(known)}"))
    pool = _Pool(opts)
    rng = random.Random(opts.seed)
    kinds = [k for k, c in _quotas(opts.mix, opts.n).items() for _ in range(c)]
    rng.shuffle(kinds)
    for i, kind in enumerate(kinds):
        row_rng = random.Random(rng.getrandbits(64))
        src, prog = sample_spec(kind, row_rng, pool, opts.max_depth)
        task = seeds[row_rng.randrange(len(seeds))]
        instruction = render(prog, seed=row_rng.getrandbits(32), language=opts.language)
        yield {
            "id": f"lsr-{opts.seed}-{i:06d}",
            "prompt": f"{task.task}\n\n{instruction}",
            "spec": src,
            "structure": kind,
            "depth": _depth(prog.root),
            "constraints": [a.name for a in prog.atoms()],
            "task_id": task.id,
            "instruction": instruction,
        }
        if progress is not None:
            progress(1)


def split_rows(rows: Sequence[Mapping[str, Any]], seeds: Sequence[SeedTask], fraction: float, seed: int) -> Tuple[List[Mapping[str, Any]], List[Mapping[str, Any]]]:
    """``(train, heldout)``: the seed tasks are split first (``fraction`` of them held out,
    drawn from ``random.Random(seed)``), then each row follows its task, so the two parts
    share no seed task."""
    if not 0.0 < fraction < 1.0:
        raise LsrError(f"--split heldout=F needs 0 < F < 1, not {fraction}")
    ids = sorted(s.id for s in seeds)
    random.Random(f"split-{seed}").shuffle(ids)
    k = max(1, round(fraction * len(ids)))
    held: Set[str] = set(ids[:k])
    train = [r for r in rows if r["task_id"] not in held]
    heldout = [r for r in rows if r["task_id"] in held]
    return train, heldout
