"""PNG charts of ``lsr eval`` reports and comparisons (matplotlib, imported only when drawing).

- :func:`plot_report` — by structure (mean LsRM, constraint- and instruction-level
  success), by depth, and the pass rate by THEN step position.
- :func:`plot_comparison` — the same three panels with A and B side by side, and the
  headline metric deltas.
"""
from __future__ import annotations

from typing import Any, List, Mapping, Optional, Sequence

from lsr_dsl.language.errors import LsrError

__all__ = ["plot_report", "plot_comparison"]


def _pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise LsrError("drawing a chart needs matplotlib; hint: pip install 'lsr-dsl[data]' (or matplotlib)") from None
    return plt


def _v(x: Optional[float]) -> float:
    return 0.0 if x is None else float(x)


def _bars(ax: Any, labels: Sequence[str], series: Sequence[Sequence[Optional[float]]], names: Sequence[str], title: str) -> None:
    n = max(1, len(series))
    width = 0.8 / n
    for i, (vals, name) in enumerate(zip(series, names)):
        xs = [j + (i - (n - 1) / 2) * width for j in range(len(labels))]
        ax.bar(xs, [_v(v) for v in vals], width=width, label=name)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=0)
    ax.set_ylim(0, 1.05)
    ax.set_title(title)
    ax.legend(fontsize=7)
    ax.grid(axis="y", alpha=0.3)


def _save(plt: Any, fig: Any, path: str) -> None:
    try:
        fig.savefig(path, dpi=110)
    except OSError as e:
        raise LsrError(f"{path}: cannot write the chart: {e.strerror}") from None
    finally:
        plt.close(fig)


def plot_report(report: Mapping[str, Any], path: str) -> None:
    """Draw the structure view of one report (``lsr eval --json``'s dict) into ``path``."""
    plt = _pyplot()
    s = report["structure"]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    structs = list(s["by_structure"])
    _bars(
        axes[0], structs,
        [[s["by_structure"][k][f] for k in structs] for f in ("mean_score", "constraint_success", "instruction_success")],
        ["mean LsRM", "constraint-level", "instruction-level"], "by structure",
    )
    depths = list(s["by_depth"])
    _bars(
        axes[1], [f"depth {d}" for d in depths],
        [[s["by_depth"][k][f] for k in depths] for f in ("mean_score", "constraint_success", "instruction_success")],
        ["mean LsRM", "constraint-level", "instruction-level"], "by depth",
    )
    steps = list(s["then_steps"])
    if steps:
        _bars(axes[2], [f"step {p}" for p in steps], [[s["then_steps"][p]["pass_rate"] for p in steps]], ["pass rate"], "THEN steps by position")
    else:
        axes[2].set_axis_off()
        axes[2].text(0.5, 0.5, "no THEN chains", ha="center", va="center")
    fig.suptitle(f"{report.get('file', '')}: {report.get('rows', 0)} rows")
    fig.tight_layout()
    _save(plt, fig, path)


def plot_comparison(cmp: Mapping[str, Any], path: str) -> None:
    """Draw a comparison (:func:`lsr_dsl.evaluation.compare.compare_reports`) into ``path``."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    names = [f"A: {cmp['a']}", f"B: {cmp['b']}"]
    m = cmp["metrics"]
    keys: List[str] = [k for k in m if m[k]["delta"] is not None]
    ax = axes[0]
    ax.barh(range(len(keys)), [m[k]["delta"] for k in keys], color=["tab:green" if m[k]["delta"] >= 0 else "tab:red" for k in keys])
    ax.set_yticks(range(len(keys)))
    ax.set_yticklabels([k.replace("_", " ") for k in keys], fontsize=7)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_title("B − A")
    for ax, groups, title, fmt in (
        (axes[1], cmp["by_structure"], "mean LsRM by structure", str),
        (axes[2], cmp["by_depth"], "mean LsRM by depth", lambda d: f"depth {d}"),
    ):
        labels = list(groups)
        _bars(ax, [fmt(g) for g in labels], [[groups[g]["mean_score"]["a"] for g in labels], [groups[g]["mean_score"]["b"] for g in labels]], names, title)
    fl = cmp["flipped"]
    fig.suptitle(f"{fl['fixed']} rows fixed, {fl['broken']} broken")
    fig.tight_layout()
    _save(plt, fig, path)
