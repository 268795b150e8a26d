"""How far each weight moved between two checkpoints (LsrIF, Eq. 5):
Δ = ‖W_after − W_before‖_F / ‖W_before‖_F × 100, per layer and module.

Tensors are read one pair at a time (:mod:`lsr_dsl.analysis.checkpoint`), so memory holds about
two tensors whatever the size of the checkpoints.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable, List, Optional, Tuple

from lsr_dsl.analysis.checkpoint import Checkpoint
from lsr_dsl.analysis.names import ATTENTION, MLP, MODULES, locate
from lsr_dsl.language.errors import LsrConfigError, closest


@dataclass(frozen=True)
class Change:
    """One tensor (or one third of a fused q/k/v tensor) and how far it moved."""

    name: str
    before_norm: float
    diff_norm: float
    layer: Optional[int] = None  # None: outside the layers x modules grid
    module: Optional[str] = None

    @property
    def delta(self) -> float:
        """Relative change in percent (inf when a zero tensor became non-zero)."""
        if self.before_norm == 0.0:
            return 0.0 if self.diff_norm == 0.0 else math.inf
        return self.diff_norm / self.before_norm * 100.0


@dataclass(frozen=True)
class ParamReport:
    before: str
    after: str
    cells: Tuple[Change, ...]  # in the grid, by layer then module order
    others: Tuple[Change, ...]  # outside the grid (embeddings, norms, biases, unknown names)

    @property
    def layers(self) -> Tuple[int, ...]:
        return tuple(sorted({c.layer for c in self.cells if c.layer is not None}))

    @property
    def modules(self) -> Tuple[str, ...]:
        present = {c.module for c in self.cells}
        return tuple(m for m in MODULES if m in present)

    def mean(self, group: Iterable[str]) -> Optional[float]:
        values = [c.delta for c in self.cells if c.module in set(group)]
        return sum(values) / len(values) if values else None

    @property
    def attention_mean(self) -> Optional[float]:
        return self.mean(ATTENTION)

    @property
    def mlp_mean(self) -> Optional[float]:
        return self.mean(MLP)

    def most_changed(self, n: int = 10) -> Tuple[Change, ...]:
        return tuple(sorted(self.cells, key=lambda c: (-c.delta, c.layer, MODULES.index(c.module or "q")))[:n])


def check_same_architecture(before: Checkpoint, after: Checkpoint) -> None:
    """Raise when the two checkpoints do not hold the same tensors with the same shapes."""
    b, a = set(before.shapes), set(after.shapes)
    for missing, present, side, other in ((b - a, a, "AFTER", "BEFORE"), (a - b, b, "BEFORE", "AFTER")):
        if missing:
            first = sorted(missing)[0]
            guess = closest(first, present)
            more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
            raise LsrConfigError(
                f"BEFORE {before.path} and AFTER {after.path} are different architectures: {side} has no tensor "
                f"{first}, which {other} has{more}" + (f"; did you mean {guess}?" if guess else ""))
    for name in before.names:
        if tuple(before.shapes[name]) != tuple(after.shapes[name]):
            raise LsrConfigError(
                f"BEFORE {before.path} and AFTER {after.path} are different architectures: {name} has shape "
                f"{list(before.shapes[name])} in BEFORE and {list(after.shapes[name])} in AFTER")


def compare(before: Checkpoint, after: Checkpoint,
            progress: Optional[Callable[[str], None]] = None) -> ParamReport:
    """Δ for every tensor of ``before``/``after`` (same names and shapes), one pair in memory at a time."""
    import torch

    check_same_architecture(before, after)
    cells: List[Change] = []
    others: List[Change] = []
    with torch.no_grad():
        for name in before.names:
            if progress is not None:
                progress(name)
            old = before.load(name)
            diff = after.load(name).sub_(old)  # the after tensor becomes the difference, in place
            placed = locate(name, tuple(before.shapes[name]))
            if not placed:
                others.append(Change(name, _norm(old), _norm(diff)))
            for cell in placed:
                if cell.part is None:
                    cells.append(Change(name, _norm(old), _norm(diff), cell.layer, cell.module))
                else:
                    dim, start, stop = cell.part
                    cells.append(Change(f"{name}[{cell.module}]", _norm(old.narrow(dim, start, stop - start)),
                                        _norm(diff.narrow(dim, start, stop - start)), cell.layer, cell.module))
            del old, diff
            _release_freed_memory()
    if not cells:
        sample = ", ".join(before.names[:3])
        raise LsrConfigError(f"{before.path}: no attention or MLP weights recognised (tensor names like {sample}); "
                             "known layouts: Llama/Qwen (model.layers.N.self_attn.q_proj), GPT-2 (transformer.h.N.attn.c_attn)")
    cells.sort(key=lambda c: (c.layer, MODULES.index(c.module or "q")))
    return ParamReport(str(before.path), str(after.path), tuple(cells), tuple(others))


def _release_freed_memory() -> None:
    """Hand the freed tensor buffers back to the system (glibc keeps them otherwise, and the peak
    would grow with the number of tensors read instead of staying near two)."""
    global _MALLOC_TRIM
    if _MALLOC_TRIM is None:
        _MALLOC_TRIM = _find_malloc_trim()
    if _MALLOC_TRIM:
        _MALLOC_TRIM(0)


_MALLOC_TRIM: Any = None


def _find_malloc_trim() -> Any:
    import ctypes
    import ctypes.util

    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return False  # not glibc: nothing to trim with


def _norm(tensor) -> float:
    import torch

    return float(torch.linalg.vector_norm(tensor))


def summary_lines(report: ParamReport, top: int = 10) -> List[str]:
    """The printed summary: attention vs MLP means, the most-changed modules, what lies outside the grid."""
    def fmt(v: Optional[float]) -> str:
        return "n/a" if v is None else f"{v:.4f}%"

    lines = [f"parameter change  {report.before} -> {report.after}",
             f"  {len(report.layers)} layers x {len(report.modules)} modules ({', '.join(report.modules)})",
             f"  attention (q/k/v/o) mean Δ: {fmt(report.attention_mean)}",
             f"  MLP (gate/up/down) mean Δ:  {fmt(report.mlp_mean)}",
             f"  {min(top, len(report.cells))} most changed:"]
    for c in report.most_changed(top):
        lines.append(f"    layer {c.layer:>3} {c.module:<5} {c.delta:10.4f}%  {c.name}")
    if report.others:
        moved = sorted(report.others, key=lambda c: -c.delta)
        lines.append(f"  {len(report.others)} tensors outside the layer x module grid (embeddings, norms, biases, "
                     f"unrecognised names), largest Δ first:")
        for c in moved[:5]:
            lines.append(f"    {c.delta:10.4f}%  {c.name}")
        if len(moved) > 5:
            lines.append(f"    … {len(moved) - 5} more in the CSV")
    return lines
