"""``lsr eval --compare A.json B.json`` (also ``lsr diff``): what changed between two runs.

Both inputs are reports written by ``lsr eval --json``. The comparison has

- ``metrics``: IFEval's four accuracies and the structure view's headline numbers
  (mean LsRM / flat / strict score, constraint- and instruction-level success),
  each as ``{"a", "b", "delta"}`` (``delta`` = b − a; ``None`` when either is missing);
- ``by_structure`` and ``by_depth``: the same for each group present in either run;
- ``per_instruction``: strict accuracy per instruction name;
- ``flipped``: the rows (joined on their key; a repeated key is matched by occurrence)
  whose prompt-level strict verdict differs, ``fixed`` (fail → pass) and ``broken``
  (pass → fail), with both scores; rows found in one run only are counted.
"""
from __future__ import annotations

import json
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from lsr_dsl.evaluation.runner import shorten
from lsr_dsl.evaluation.structure import STRUCTURES
from lsr_dsl.language.errors import LsrDataError, unreadable

__all__ = ["load_report", "compare_reports", "render_comparison"]

#: The group fields compared (structure view), with their printed names.
GROUP_FIELDS: Tuple[Tuple[str, str], ...] = (
    ("mean_score", "mean LsRM score"),
    ("mean_flat", "mean flat score"),
    ("mean_strict", "mean strict score"),
    ("constraint_success", "constraint-level success"),
    ("instruction_success", "instruction-level success"),
)
MAX_FLIPPED = 200


def load_report(path: str) -> Dict[str, Any]:
    """Read a report written by ``lsr eval --json``; a clear error for anything else."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise LsrDataError(unreadable(path, e, "report")) from None
    try:
        d = json.loads(text)
    except json.JSONDecodeError as e:
        raise LsrDataError(f"{path}:{e.lineno}:{e.colno}: not JSON ({e.msg}); hint: write the report with 'lsr eval DATA --json > {path}'") from None
    missing = [k for k in ("prompt_level", "instruction_level", "structure") if not isinstance(d, dict) or k not in d]
    if missing:
        raise LsrDataError(
            f"{path}: not an 'lsr eval --json' report (no {', '.join(repr(m) for m in missing)}); "
            f"hint: write it with 'lsr eval DATA --json > {path}'"
        )
    return d


def _delta(a: Optional[float], b: Optional[float]) -> Dict[str, Optional[float]]:
    return {"a": a, "b": b, "delta": None if a is None or b is None else b - a}


def _groups(a: Mapping[str, Any], b: Mapping[str, Any], order: Iterable[str]) -> Dict[str, Dict[str, Any]]:
    out: Dict[str, Dict[str, Any]] = {}
    for name in order:
        ga, gb = a.get(name), b.get(name)
        if ga is None and gb is None:
            continue
        out[name] = {
            "rows": _delta((ga or {}).get("rows"), (gb or {}).get("rows")),
            **{f: _delta((ga or {}).get(f), (gb or {}).get(f)) for f, _ in GROUP_FIELDS},
        }
    return out


def _keyed(rows: Iterable[Mapping[str, Any]]) -> Dict[Tuple[str, int], Mapping[str, Any]]:
    """Rows by (key, occurrence): a key repeated in a file is matched by its order."""
    seen: Dict[str, int] = {}
    out: Dict[Tuple[str, int], Mapping[str, Any]] = {}
    for r in rows:
        k = json.dumps(r.get("key"), sort_keys=True)
        i = seen.get(k, 0)
        seen[k] = i + 1
        out[(k, i)] = r
    return out


def compare_reports(a: Mapping[str, Any], b: Mapping[str, Any], *, a_name: str = "A", b_name: str = "B") -> Dict[str, Any]:
    """The comparison of two ``lsr eval --json`` reports (see the module docstring)."""
    sa, sb = a["structure"], b["structure"]
    metrics = {
        "prompt_strict": _delta(a["prompt_level"].get("strict_accuracy"), b["prompt_level"].get("strict_accuracy")),
        "prompt_loose": _delta(a["prompt_level"].get("loose_accuracy"), b["prompt_level"].get("loose_accuracy")),
        "instruction_strict": _delta(a["instruction_level"].get("strict_accuracy"), b["instruction_level"].get("strict_accuracy")),
        "instruction_loose": _delta(a["instruction_level"].get("loose_accuracy"), b["instruction_level"].get("loose_accuracy")),
    }
    for f, _ in GROUP_FIELDS:
        metrics[f] = _delta(sa["overall"].get(f), sb["overall"].get(f))
    structures = [s for s in STRUCTURES if s in sa["by_structure"] or s in sb["by_structure"]]
    depths = sorted(set(sa["by_depth"]) | set(sb["by_depth"]), key=int)
    pa, pb = a.get("per_instruction", {}), b.get("per_instruction", {})
    per_instruction = {
        k: {**_delta((pa.get(k) or {}).get("strict_accuracy"), (pb.get(k) or {}).get("strict_accuracy")),
            "n_a": (pa.get(k) or {}).get("total", 0), "n_b": (pb.get(k) or {}).get("total", 0)}
        for k in sorted(set(pa) | set(pb))
    }
    ra, rb = _keyed(sa.get("rows", ())), _keyed(sb.get("rows", ()))
    fixed: List[Dict[str, Any]] = []
    broken: List[Dict[str, Any]] = []
    for k in ra:
        if k not in rb:
            continue
        x, y = ra[k], rb[k]
        if bool(x["passed"]) == bool(y["passed"]):
            continue
        item = {"key": x.get("key"), "structure": y.get("structure"), "score_a": x.get("score"), "score_b": y.get("score")}
        (fixed if y["passed"] else broken).append(item)
    return {
        "a": a_name,
        "b": b_name,
        "rows": _delta(a.get("rows"), b.get("rows")),
        "metrics": metrics,
        "by_structure": _groups(sa["by_structure"], sb["by_structure"], structures),
        "by_depth": _groups(sa["by_depth"], sb["by_depth"], depths),
        "per_instruction": per_instruction,
        "flipped": {
            "fixed": len(fixed),
            "broken": len(broken),
            "fixed_rows": fixed[:MAX_FLIPPED],
            "broken_rows": broken[:MAX_FLIPPED],
            "only_in_a": len(set(ra) - set(rb)),
            "only_in_b": len(set(rb) - set(ra)),
        },
    }


def _f(x: Optional[float], pct: bool) -> str:
    if x is None:
        return "-"
    return f"{100.0 * x:.1f}%" if pct else f"{x:.3f}"


def _d(x: Optional[float], pct: bool) -> str:
    if x is None:
        return "-"
    return f"{100.0 * x:+.1f} pt" if pct else f"{x:+.3f}"


_PCT = {"mean_score": False, "mean_flat": False, "mean_strict": False}


def render_comparison(c: Mapping[str, Any], per_instruction: bool = True) -> str:
    """The comparison as text tables."""
    out = [f"A = {c['a']}  ({c['rows']['a']} rows)", f"B = {c['b']}  ({c['rows']['b']} rows)", ""]
    names = {
        "prompt_strict": "prompt-level strict", "prompt_loose": "prompt-level loose",
        "instruction_strict": "instruction-level strict", "instruction_loose": "instruction-level loose",
        **dict(GROUP_FIELDS),
    }
    out.append(f"  {'metric':<26} {'A':>9} {'B':>9} {'B − A':>10}")
    for k, v in c["metrics"].items():
        pct = _PCT.get(k, True)
        out.append(f"  {names[k]:<26} {_f(v['a'], pct):>9} {_f(v['b'], pct):>9} {_d(v['delta'], pct):>10}")
    for title, groups in (("by structure", c["by_structure"]), ("by depth", c["by_depth"])):
        if not groups:
            continue
        out.append("")
        out.append(f"{title} (A → B):")
        out.append(f"  {'':<12} {'rows':>9} {'LsRM':>22} {'instruction-level':>26}")
        for g, v in groups.items():
            label = g if title == "by structure" else f"depth {g}"
            rows = f"{v['rows']['a'] or 0}/{v['rows']['b'] or 0}"
            ls = f"{_f(v['mean_score']['a'], False)}→{_f(v['mean_score']['b'], False)} ({_d(v['mean_score']['delta'], False)})"
            ins = f"{_f(v['instruction_success']['a'], True)}→{_f(v['instruction_success']['b'], True)} ({_d(v['instruction_success']['delta'], True)})"
            out.append(f"  {label:<12} {rows:>9} {ls:>22} {ins:>26}")
    fl = c["flipped"]
    out.append("")
    out.append(f"rows that flipped (prompt-level strict): {fl['fixed']} fixed (fail → pass), {fl['broken']} broken (pass → fail)")
    if fl["only_in_a"] or fl["only_in_b"]:
        out.append(f"  not compared: {fl['only_in_a']} rows only in A, {fl['only_in_b']} only in B")
    for tag, rows in (("fixed", fl["fixed_rows"]), ("broken", fl["broken_rows"])):
        for r in rows[:20]:
            out.append(f"  {tag:<6} key {r['key']} ({r['structure']}): score {_f(r['score_a'], False)} → {_f(r['score_b'], False)}")
        if len(rows) > 20:
            out.append(f"  … and {len(rows) - 20} more {tag} (see --json)")
    changed = {k: v for k, v in c["per_instruction"].items() if v["delta"] is None or v["delta"] != 0}
    if per_instruction and changed:
        width = max(len("instruction"), max(len(shorten(k)) for k in changed))
        out.append("")
        out.append("per instruction, strict accuracy (changed only):")
        out.append(f"  {'instruction':<{width}} {'A':>7} {'B':>7} {'B − A':>10}")
        for k, v in sorted(changed.items(), key=lambda kv: (kv[1]["delta"] is None, kv[1]["delta"] or 0.0, kv[0])):
            out.append(f"  {shorten(k):<{width}} {_f(v['a'], True):>7} {_f(v['b'], True):>7} {_d(v['delta'], True):>10}")
    return "\n".join(out)
