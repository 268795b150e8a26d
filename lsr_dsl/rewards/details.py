"""What one scored completion says about its spec's parts, and bounded metrics over a batch.

A :class:`RowDetail` is read from a :class:`~lsr_dsl.verifier.program.Result`'s trace:
every constraint that had to hold (active, not an IF condition) as a *leaf* with a stable
label (``words>=3``: the atom as written, spaces removed), the pass/fail of each THEN
step by position, and the spec's structure and depth.

Two consumers:

- :class:`LeafMetrics` (TRL) aggregates a batch into ``lsr/pass/<leaf>``,
  ``lsr/then_step/<k>``, ``lsr/reward/<structure>``, ``lsr/reward/depth/<d>``, keeping the
  number of keys bounded: the ``top_k`` most frequent leaves seen so far get their own key,
  the rest share ``lsr/pass/other``; THEN positions past ``MAX_THEN_STEPS`` share one key.
- :func:`fixed_row_keys` (verl) turns one row into a dict whose key set never changes
  (verl takes the key set from the first row of a batch).
"""
from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

__all__ = [
    "STRUCTURES",
    "MAX_THEN_STEPS",
    "RowDetail",
    "LeafMetrics",
    "leaf_key",
    "row_detail",
    "families",
    "fixed_row_keys",
    "fixed_key_names",
]

STRUCTURES = ("atom", "and", "then", "if", "nested")
#: THEN positions with a key of their own; later positions share ``<MAX+1>+``.
MAX_THEN_STEPS = 4
_MAX_LEAF_CHARS = 60


@functools.lru_cache(maxsize=4096)
def leaf_key(label: str) -> str:
    """A metric-safe, stable label of one atom: its label with whitespace removed, bounded in length."""
    key = re.sub(r"\s+", "", str(label)) or "?"
    return key if len(key) <= _MAX_LEAF_CHARS else key[: _MAX_LEAF_CHARS - 1] + "…"


@dataclass(frozen=True)
class Leaf:
    key: str
    family: str
    passed: bool


@dataclass(frozen=True)
class RowDetail:
    """The parts of one scored completion (all plain data)."""

    score: float
    structure: str
    depth: int
    leaves: Tuple[Leaf, ...]
    then_steps: Tuple[Tuple[int, bool], ...]  # (1-based position in its chain, fully passed)


@functools.lru_cache(maxsize=4096)
def _family(name: str) -> str:
    from lsr_dsl.constraints.registry import REGISTRY

    d = REGISTRY.get(name)
    return d.family if d is not None else "other"


def families() -> Tuple[str, ...]:
    """Every constraint family, sorted (a fixed set per lsr version)."""
    from lsr_dsl.constraints.registry import REGISTRY

    return tuple(sorted({d.family for d in REGISTRY.definitions()} | {"other"}))


def _depth(node: Mapping[str, Any]) -> int:
    kids = node.get("children") or ()
    return 0 if node.get("kind") == "atom" or not kids else 1 + max(_depth(c) for c in kids)


def _passed(node: Mapping[str, Any]) -> bool:
    if node.get("kind") == "atom":
        return bool(node.get("passed"))
    s = node.get("score")
    return s is not None and s >= 1.0


def row_detail(structure: Optional[str], score: float, trace: Mapping[str, Any]) -> RowDetail:
    """Read a result's trace (see :meth:`Result.trace`)."""
    leaves: List[Leaf] = []
    steps: List[Tuple[int, bool]] = []

    def visit(node: Mapping[str, Any], active: bool, condition: bool) -> None:
        active = active and node.get("active", True) and node.get("score", 0.0) is not None
        if node.get("kind") == "atom":
            if active and not condition:
                leaves.append(Leaf(leaf_key(node.get("label") or node.get("name", "?")),
                                   _family(str(node.get("name", ""))), bool(node.get("passed"))))
            return
        kids = node.get("children") or ()
        if node.get("kind") == "then" and active and not condition:
            steps.extend((k, _passed(c)) for k, c in enumerate(kids, 1))
        for c in kids:
            visit(c, active, condition or c.get("role") == "condition")

    visit(trace, True, False)
    return RowDetail(score=float(score), structure=structure or "atom", depth=_depth(trace),
                     leaves=tuple(leaves), then_steps=tuple(steps))


def _step_name(k: int) -> str:
    return str(k) if k <= MAX_THEN_STEPS else f"{MAX_THEN_STEPS + 1}+"


# ---------------------------------------------------------------------------
# TRL: one set of metrics per batch, bounded


class LeafMetrics:
    """Bounded per-leaf / per-step / per-structure / per-depth metrics over batches.

    ``top_k`` leaves (most frequent over every batch seen so far, plus any counts
    seeded by :meth:`seed`, e.g. from ``LsrReward.validate``) get ``lsr/pass/<leaf>``;
    every other leaf counts in ``lsr/pass/other``.
    """

    def __init__(self, top_k: int = 32):
        if top_k < 0:
            raise ValueError("top_k must be >= 0")
        self.top_k = int(top_k)
        self.frequency: Counter = Counter()

    def seed(self, leaf_keys: Iterable[str]) -> None:
        self.frequency.update(leaf_keys)

    def tracked(self) -> List[str]:
        return [k for k, _ in sorted(self.frequency.items(), key=lambda kv: (-kv[1], kv[0]))[: self.top_k]]

    def batch(self, rows: Sequence[RowDetail]) -> Dict[str, float]:
        """The metrics of one batch (rows that scored without error)."""
        for r in rows:
            self.frequency.update(leaf.key for leaf in r.leaves)
        tracked = set(self.tracked())
        out: Dict[str, float] = {}
        passes: Dict[str, List[int]] = {}
        steps: Dict[str, List[int]] = {}
        by_structure: Dict[str, List[float]] = {}
        by_depth: Dict[str, List[float]] = {}
        for r in rows:
            for leaf in r.leaves:
                stat = passes.setdefault(leaf.key if leaf.key in tracked else "other", [0, 0])
                stat[0] += int(leaf.passed)
                stat[1] += 1
            for k, ok in r.then_steps:
                stat = steps.setdefault(_step_name(k), [0, 0])
                stat[0] += int(ok)
                stat[1] += 1
            by_structure.setdefault(r.structure, []).append(r.score)
            by_depth.setdefault(str(r.depth), []).append(r.score)
        for key, (ok, n) in sorted(passes.items()):
            out[f"lsr/pass/{key}"] = ok / n
        for key, (ok, n) in sorted(steps.items()):
            out[f"lsr/then_step/{key}"] = ok / n
        for key, vals in sorted(by_structure.items()):
            out[f"lsr/reward/{key}"] = sum(vals) / len(vals)
        for key, vals in sorted(by_depth.items()):
            out[f"lsr/reward/depth/{key}"] = sum(vals) / len(vals)
        return out


# ---------------------------------------------------------------------------
# verl: one dict per row, with the same keys on every row


def fixed_key_names() -> Tuple[str, ...]:
    """The keys :func:`fixed_row_keys` returns, in order (the same for every row)."""
    names = ["score", "all_pass", "error", "lsrm", "pass_rate", "depth"]
    names += [f"structure/{s}" for s in STRUCTURES]
    names += [f"reward/{s}" for s in STRUCTURES]
    names += [f"then_step/{_step_name(k)}/{v}" for k in range(1, MAX_THEN_STEPS + 2) for v in ("pass", "fail")]
    names += [f"family/{f}/{v}" for f in families() for v in ("pass", "fail")]
    return tuple(names)


def fixed_row_keys(score: float, all_pass: bool, error: bool, detail: Optional[RowDetail]) -> Dict[str, float]:
    """One verl row: every key of :func:`fixed_key_names`, all plain floats, no NaN.

    ``structure/<s>`` is 1 for the row's structure; ``reward/<s>`` is the LsRM score there
    (the batch mean of ``reward/<s>`` over that of ``structure/<s>`` is the structure's mean
    reward). ``then_step/<k>/pass|fail`` and ``family/<f>/pass|fail`` count steps and
    constraints (pass rate = pass / (pass + fail)). A row that errored has only
    ``score``/``error`` set.
    """
    out = dict.fromkeys(fixed_key_names(), 0.0)
    out["score"] = float(score)
    out["all_pass"] = float(bool(all_pass))
    out["error"] = float(bool(error))
    if detail is None:
        return out
    out["lsrm"] = detail.score
    out["depth"] = float(detail.depth)
    if detail.leaves:
        out["pass_rate"] = sum(leaf.passed for leaf in detail.leaves) / len(detail.leaves)
    if detail.structure in STRUCTURES:
        out[f"structure/{detail.structure}"] = 1.0
        out[f"reward/{detail.structure}"] = detail.score
    for k, ok in detail.then_steps:
        out[f"then_step/{_step_name(k)}/{'pass' if ok else 'fail'}"] += 1.0
    for leaf in detail.leaves:
        key = f"family/{leaf.family}/{'pass' if leaf.passed else 'fail'}"
        out[key if key in out else f"family/other/{'pass' if leaf.passed else 'fail'}"] += 1.0
    return out
