"""The structure view of ``lsr eval``: LsRM scores and success rates by logic structure.

Everything here reads a row's trace (plain JSON, as :meth:`Program.evaluate` gives it),
so it runs in the worker processes of the runner and needs no compiled program.

- :func:`row_shape` — one row's structure, depth, its score in the three modes, its
  constraints' verdicts and the verdict of every step of every THEN chain.
- :class:`StructureReport` — running totals over rows: mean LsRM / flat / strict score,
  constraint-level and instruction-level success per structure and per depth, and the
  pass rate per step position inside THEN chains; :meth:`~StructureReport.to_dict` and
  :meth:`~StructureReport.render`.

Definitions (``docs/eval.md``):

- **structure** — ``atom`` (one constraint), ``parallel`` (an AND of atoms), ``sequential``
  (a THEN of atoms), ``conditional`` (an IF whose branches are atoms) or ``nested`` (a
  composition inside a composition, an IF's condition excepted);
- **depth** — 0 for an atom, else 1 + the deepest child;
- **constraint-level success** — the share of the *active* constraints (an inactive
  branch and an IF's condition do not count) that hold;
- **instruction-level success** — the share of rows whose every active constraint holds
  (the row's strict score is 1);
- **step position** — the k-th operand of a THEN (counted in every THEN of the spec,
  nested ones too, when the THEN is active): passed when its score is 1.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple

from lsr_dsl.verifier.nodes import ThenV

__all__ = ["STRUCTURES", "row_shape", "trace_scores", "trace_structure", "trace_depth", "StructureReport"]

#: The structures, in reporting order.
STRUCTURES: Tuple[str, ...] = ("atom", "parallel", "sequential", "conditional", "nested")
_KIND_TO_STRUCTURE = {"and": "parallel", "then": "sequential", "if": "conditional"}
MODES: Tuple[str, ...] = ("lsrm", "flat", "strict")


# ---------------------------------------------------------------------------
# One trace


def _is_atom(node: Mapping[str, Any]) -> bool:
    return node.get("kind") == "atom"


def _structural_children(node: Mapping[str, Any]) -> List[Mapping[str, Any]]:
    """The children that make a composition nested: an IF's branches, an AND's or THEN's operands."""
    kids = list(node.get("children", ()))
    if node.get("kind") == "if":
        return [k for k in kids if k.get("role") != "condition"]
    return kids


def trace_structure(trace: Mapping[str, Any]) -> str:
    """``atom``, ``parallel``, ``sequential``, ``conditional`` or ``nested`` (the same rule as
    :attr:`Program.structure`, with the paper's names)."""
    if _is_atom(trace):
        return "atom"
    if any(not _is_atom(k) for k in _structural_children(trace)):
        return "nested"
    return _KIND_TO_STRUCTURE.get(str(trace.get("kind")), "nested")


def trace_depth(trace: Mapping[str, Any]) -> int:
    """0 for an atom, else 1 + the depth of the deepest child (the checker's ``max_depth`` rule)."""
    kids = list(trace.get("children", ()))
    return 0 if not kids else 1 + max(trace_depth(k) for k in kids)


def _lsrm(node: Mapping[str, Any]) -> float:
    kind = node.get("kind")
    if kind == "atom":
        return float(node.get("score") or 0.0)
    if kind in ("scope", "for_each"):  # scored on parts of the text: the trace keeps the result
        return float(node.get("lsrm") or 0.0)
    kids = list(node.get("children", ()))
    if kind == "and":
        return sum(_lsrm(k) for k in kids) / len(kids)
    if kind == "then":
        return ThenV.combine([_lsrm(k) for k in kids], float(node.get("gamma", 0.5)))
    cond = next((k for k in kids if k.get("role") == "condition"), None)
    holds = _holds(cond)
    if holds is None:
        return 0.0
    branch = next((k for k in kids if k.get("role") == ("then" if holds else "else")), None)
    if branch is None:
        return 1.0
    return _lsrm(branch)


def _holds(cond: Optional[Mapping[str, Any]]) -> Optional[bool]:
    if cond is None:
        return None
    if "holds" in cond:
        return cond["holds"]
    s = cond.get("score")
    return None if s is None else s >= 1.0


def _leaves(node: Mapping[str, Any], out: List[float]) -> None:
    """The scores of the active leaves (the verifier's ``flat``/``strict`` rule)."""
    kind = node.get("kind")
    if kind == "atom":
        out.append(float(node.get("score") or 0.0))
        return
    if kind in ("scope", "for_each"):
        out.extend(float(s) for s in node.get("leaves", ()))
        return
    kids = list(node.get("children", ()))
    if kind != "if":
        for k in kids:
            _leaves(k, out)
        return
    holds = _holds(next((k for k in kids if k.get("role") == "condition"), None))
    if holds is None:
        out.append(0.0)
        return
    branch = next((k for k in kids if k.get("role") == ("then" if holds else "else")), None)
    if branch is not None:
        _leaves(branch, out)


def trace_scores(trace: Mapping[str, Any]) -> Dict[str, float]:
    """The score of the trace in each mode: ``{"lsrm", "flat", "strict"}`` (whatever mode
    produced the trace: the atoms' scores do not depend on it)."""
    leaves: List[float] = []
    _leaves(trace, leaves)
    flat = sum(leaves) / len(leaves) if leaves else 1.0
    strict = 1.0 if all(s >= 1.0 for s in leaves) else 0.0
    return {"lsrm": _lsrm(trace), "flat": flat, "strict": strict}


def _active_atoms(node: Mapping[str, Any], out: List[bool]) -> None:
    """Verdicts of the active, non-condition atoms."""
    if node.get("active") is False:
        return
    if _is_atom(node):
        out.append(bool(node.get("passed")))
        return
    for k in node.get("children", ()):
        if k.get("role") == "condition":
            continue
        _active_atoms(k, out)


def _steps(node: Mapping[str, Any], out: List[Tuple[int, bool]]) -> None:
    """``(position, passed)`` for every operand of every active THEN (positions from 1)."""
    if node.get("active") is False:
        return
    kids = list(node.get("children", ()))
    if node.get("kind") == "then":
        for i, k in enumerate(kids, 1):
            out.append((i, _lsrm(k) >= 1.0))
    for k in kids:
        if k.get("role") != "condition":
            _steps(k, out)


def row_shape(trace: Mapping[str, Any], invalid: int = 0) -> Dict[str, Any]:
    """The structure facts of one row, as plain data (it crosses process boundaries).

    ``invalid``: instructions that could not be compiled (counted as failed constraints,
    and the row's scores are unknown).
    """
    constraints: List[bool] = []
    _active_atoms(trace, constraints)
    constraints.extend([False] * invalid)
    steps: List[Tuple[int, bool]] = []
    _steps(trace, steps)
    scores: Optional[Dict[str, float]] = None if invalid else trace_scores(trace)
    return {
        "structure": trace_structure(trace),
        "depth": trace_depth(trace),
        "scores": scores,
        "constraints": constraints,
        "steps": [[i, ok] for i, ok in steps],
    }


# ---------------------------------------------------------------------------
# Totals


@dataclass
class _Group:
    """Totals of one structure (or one depth)."""

    rows: int = 0
    scored: int = 0
    score_sums: Dict[str, float] = field(default_factory=lambda: {m: 0.0 for m in MODES})
    constraints: int = 0
    constraints_passed: int = 0
    rows_passed: int = 0

    def add(self, shape: Mapping[str, Any], row_passed: bool) -> None:
        self.rows += 1
        self.rows_passed += bool(row_passed)
        cons = shape["constraints"]
        self.constraints += len(cons)
        self.constraints_passed += sum(1 for c in cons if c)
        scores = shape.get("scores")
        if scores is not None:
            self.scored += 1
            for m in MODES:
                self.score_sums[m] += scores[m]

    def to_dict(self) -> Dict[str, Any]:
        def mean(m: str) -> Optional[float]:
            return self.score_sums[m] / self.scored if self.scored else None

        return {
            "rows": self.rows,
            "mean_score": mean("lsrm"),
            "mean_flat": mean("flat"),
            "mean_strict": mean("strict"),
            "constraints": self.constraints,
            "constraints_passed": self.constraints_passed,
            "constraint_success": self.constraints_passed / self.constraints if self.constraints else None,
            "rows_passed": self.rows_passed,
            "instruction_success": self.rows_passed / self.rows if self.rows else None,
            "rows_without_score": self.rows - self.scored,
        }


@dataclass
class StructureReport:
    """Running totals by structure, by depth and by THEN step position, plus one line per row
    (``key``, structure, depth, score, passed) for comparing runs."""

    overall: _Group = field(default_factory=_Group)
    by_structure: Dict[str, _Group] = field(default_factory=dict)
    by_depth: Dict[int, _Group] = field(default_factory=dict)
    steps: Dict[int, List[int]] = field(default_factory=dict)  # position -> [n, passed]
    rows: List[Dict[str, Any]] = field(default_factory=list)

    def add(self, key: Any, shape: Mapping[str, Any], row_passed: bool) -> None:
        """Add one row: its :func:`row_shape` and whether all of its instructions passed (strict)."""
        self.overall.add(shape, row_passed)
        self.by_structure.setdefault(shape["structure"], _Group()).add(shape, row_passed)
        self.by_depth.setdefault(int(shape["depth"]), _Group()).add(shape, row_passed)
        for pos, ok in shape["steps"]:
            c = self.steps.setdefault(int(pos), [0, 0])
            c[0] += 1
            c[1] += bool(ok)
        scores = shape.get("scores")
        self.rows.append({
            "key": key,
            "structure": shape["structure"],
            "depth": shape["depth"],
            "score": None if scores is None else scores["lsrm"],
            "passed": bool(row_passed),
        })

    def to_dict(self, rows: bool = True) -> Dict[str, Any]:
        d: Dict[str, Any] = {
            "overall": self.overall.to_dict(),
            "by_structure": {s: self.by_structure[s].to_dict() for s in STRUCTURES if s in self.by_structure},
            "by_depth": {str(k): self.by_depth[k].to_dict() for k in sorted(self.by_depth)},
            "then_steps": {
                str(p): {"n": n, "passed": ok, "pass_rate": ok / n if n else None}
                for p, (n, ok) in sorted(self.steps.items())
            },
        }
        if rows:
            d["rows"] = list(self.rows)
        return d

    def render(self) -> str:
        return render_structure(self.to_dict(rows=False))


def _pct(x: Optional[float]) -> str:
    return "      -" if x is None else f"{100.0 * x:6.1f}%"


def _num(x: Optional[float]) -> str:
    return "     -" if x is None else f"{x:6.3f}"


def render_structure(d: Mapping[str, Any]) -> str:
    """The structure section of the text report, from :meth:`StructureReport.to_dict`."""
    head = f"  {'':<14} {'rows':>6} {'LsRM':>6} {'flat':>6} {'strict':>6} {'constraints':>12} {'instructions':>13}"

    def line(name: str, g: Mapping[str, Any]) -> str:
        return (
            f"  {name:<14} {g['rows']:>6} {_num(g['mean_score'])} {_num(g['mean_flat'])} {_num(g['mean_strict'])} "
            f"{_pct(g['constraint_success']):>12} {_pct(g['instruction_success']):>13}"
        )

    out = ["by structure (mean scores; constraint- and instruction-level success):", head]
    for s, g in d["by_structure"].items():
        out.append(line(s, g))
    out.append(line("all", d["overall"]))
    out.append("")
    out.append("by depth:")
    out.append(head)
    for k, g in d["by_depth"].items():
        out.append(line(f"depth {k}", g))
    if d["then_steps"]:
        out.append("")
        out.append("THEN steps (pass rate by position):")
        out.append("  " + "  ".join(f"step {p}: {s['passed']}/{s['n']} {_pct(s['pass_rate']).strip()}" for p, s in d["then_steps"].items()))
    return "\n".join(out)
