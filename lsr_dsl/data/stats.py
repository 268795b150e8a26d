"""``lsr stats``: what a logic-structured dataset holds, as in the LsrIF paper's table.

Per logic type: instructions (rows), constraints (atoms, conditions included) and
constraint types (distinct constraint names); plus the depth distribution and the count of
each constraint. A row's ``structure``, ``depth`` and ``constraints`` are taken from the
row when ``lsr generate`` wrote them, else computed by compiling its ``spec``.
"""
from __future__ import annotations

import collections
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Set, Tuple

from lsr_dsl.language.errors import LsrDataError, LsrError

__all__ = ["DatasetStats", "dataset_stats", "row_facts"]

_STRUCTURE_NAMES = {"and": "parallel", "then": "sequential", "if": "conditional", "atom": "atom", "nested": "nested"}
ORDER = ("atom", "parallel", "sequential", "conditional", "nested")


def _depth(node: Any) -> int:
    kids = list(getattr(node, "children", ()) or ())
    if hasattr(node, "condition"):
        kids = [node.condition, node.then] + ([node.else_] if node.else_ is not None else [])
    return 0 if not kids else 1 + max(_depth(k) for k in kids)


def row_facts(where: str, row: Mapping[str, Any]) -> Tuple[str, int, List[str]]:
    """``(structure, depth, constraint names)`` of one row."""
    s, d, c = row.get("structure"), row.get("depth"), row.get("constraints")
    if isinstance(s, str) and isinstance(d, int) and isinstance(c, list) and all(isinstance(x, str) for x in c):
        return s, d, list(c)
    spec = row.get("spec")
    if spec is None:
        raise LsrDataError(f"{where}: the row has no 'spec' (nor 'structure', 'depth' and 'constraints')")
    from lsr_dsl.api import compile_any

    try:
        prog = compile_any(spec)
    except LsrError as e:
        raise LsrDataError(f"{where}: the spec does not compile: {str(e).splitlines()[0]}") from None
    root = prog.root
    top = _STRUCTURE_NAMES.get(getattr(root, "kind", "atom"), "nested")
    return top, _depth(root), [a.name for a in prog.atoms()]


@dataclass
class DatasetStats:
    rows: int = 0
    by_structure: Dict[str, List[Any]] = field(default_factory=dict)  # name -> [rows, constraints, set of types]
    depths: collections.Counter = field(default_factory=collections.Counter)
    constraints: collections.Counter = field(default_factory=collections.Counter)
    prompts: Set[str] = field(default_factory=set)

    def add(self, structure: str, depth: int, names: List[str], prompt: Any = None) -> None:
        self.rows += 1
        g = self.by_structure.setdefault(structure, [0, 0, set()])
        g[0] += 1
        g[1] += len(names)
        g[2].update(names)
        self.depths[depth] += 1
        self.constraints.update(names)
        if isinstance(prompt, str):
            self.prompts.add(prompt)

    def to_dict(self) -> Dict[str, Any]:
        order = [s for s in ORDER if s in self.by_structure] + sorted(set(self.by_structure) - set(ORDER))
        all_types: Set[str] = set().union(*(g[2] for g in self.by_structure.values())) if self.by_structure else set()
        return {
            "rows": self.rows,
            "distinct_prompts": len(self.prompts),
            "by_structure": {
                s: {"instructions": g[0], "share": g[0] / self.rows, "constraints": g[1], "constraint_types": len(g[2])}
                for s in order for g in [self.by_structure[s]]
            },
            "total": {"instructions": self.rows, "constraints": sum(g[1] for g in self.by_structure.values()), "constraint_types": len(all_types)},
            "depth": {str(k): self.depths[k] for k in sorted(self.depths)},
            "per_constraint": dict(sorted(self.constraints.items(), key=lambda kv: (-kv[1], kv[0]))),
        }

    def render(self) -> str:
        d = self.to_dict()
        out = [f"{d['rows']} instructions, {d['distinct_prompts']} distinct prompts", ""]
        out.append(f"  {'logic':<12} {'instructions':>12} {'share':>7} {'constraints':>12} {'constraint types':>17}")
        for s, g in d["by_structure"].items():
            out.append(f"  {s:<12} {g['instructions']:>12} {100 * g['share']:>6.1f}% {g['constraints']:>12} {g['constraint_types']:>17}")
        t = d["total"]
        out.append(f"  {'total':<12} {t['instructions']:>12} {'':>7} {t['constraints']:>12} {t['constraint_types']:>17}")
        out.append("")
        out.append("depth: " + ", ".join(f"{k}: {v}" for k, v in d["depth"].items()))
        out.append("")
        out.append("per constraint:")
        items = list(d["per_constraint"].items())
        width = max((len(k) for k, _ in items), default=10)
        for k, v in items:
            out.append(f"  {k:<{width}} {v:>6}")
        return "\n".join(out)


def dataset_stats(rows: Iterable[Tuple[str, Mapping[str, Any]]]) -> DatasetStats:
    """Stats over ``(where, row)`` pairs (:func:`lsr_dsl.data.rowio.read_rows`)."""
    st = DatasetStats()
    for where, row in rows:
        s, d, names = row_facts(where, row)
        st.add(s, d, names, row.get("prompt"))
    if st.rows == 0:
        raise LsrDataError("no rows")
    return st
