"""Pictures and tables of the analyses: the parameter-change heatmap and CSV, the saliency heat
strip (PNG), page (HTML) and CSV. matplotlib is imported inside the functions that draw."""
from __future__ import annotations

import csv
import html
import math
from pathlib import Path
from typing import Optional, Sequence, Tuple

from lsr_dsl.analysis.params import ParamReport
from lsr_dsl.analysis.saliency import Saliency, SaliencyDiff, TokenScore, category_means

# ---------------------------------------------------------------- parameter change


def params_csv(report: ParamReport, path: Path) -> Path:
    """One row per grid cell, then one per tensor outside the grid (layer and module left empty)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["layer", "module", "delta_percent", "before_norm", "diff_norm", "tensor"])
        for c in (*report.cells, *report.others):
            w.writerow(["" if c.layer is None else c.layer, c.module or "", _num(c.delta), _num(c.before_norm),
                        _num(c.diff_norm), c.name])
    return path


def _num(x: float) -> str:
    return "inf" if math.isinf(x) else f"{x:.6g}"


def params_heatmap(report: ParamReport, path: Path, *, title: Optional[str] = None) -> Path:
    """Layers (rows) x modules (columns), coloured by Δ in percent."""
    import numpy as np

    plt = _pyplot()
    layers, modules = report.layers, report.modules
    grid = np.full((len(layers), len(modules)), np.nan)
    for c in report.cells:
        grid[layers.index(c.layer), modules.index(c.module)] = c.delta
    height = min(2.0 + 0.28 * len(layers), 14.0)
    fig, ax = plt.subplots(figsize=(1.2 + 0.9 * len(modules), height))
    finite = grid[np.isfinite(grid)]
    image = ax.imshow(grid, aspect="auto", cmap="viridis", vmin=0.0, vmax=float(finite.max()) if finite.size else 1.0)
    ax.set_xticks(range(len(modules)), modules)
    step = max(1, len(layers) // 24)
    ax.set_yticks(range(0, len(layers), step), [str(layers[i]) for i in range(0, len(layers), step)])
    ax.set_xlabel("module")
    ax.set_ylabel("layer")
    if len(layers) * len(modules) <= 80:
        top = float(finite.max()) if finite.size else 0.0
        for (i, j), v in np.ndenumerate(grid):
            if np.isfinite(v):
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7,
                        color="black" if v > 0.6 * top else "white")
    fig.colorbar(image, ax=ax, label="Δ (%)")
    ax.set_title(title or "Δ = ‖W_after − W_before‖_F / ‖W_before‖_F × 100", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


# ---------------------------------------------------------------- saliency


def _values(result: "Saliency | SaliencyDiff") -> Tuple[Tuple[TokenScore, ...], Tuple[float, ...], str]:
    if isinstance(result, SaliencyDiff):
        return result.tokens, result.deltas, "ΔS = S(after) − S(before)"
    return result.tokens, result.scores, "S = |Σ_d ∂L/∂E·E|"


def saliency_csv(result: "Saliency | SaliencyDiff", path: Path) -> Path:
    tokens, values, _ = _values(result)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        if isinstance(result, SaliencyDiff):
            w.writerow(["index", "token", "start", "end", "category", "s_before", "s_after", "delta_s"])
            for i, (t, b, v) in enumerate(zip(tokens, result.before.scores, values)):
                w.writerow([i, t.text, t.start, t.end, t.category, f"{b:.6g}", f"{t.score:.6g}", f"{v:.6g}"])
        else:
            w.writerow(["index", "token", "start", "end", "category", "attribution", "s"])
            for i, t in enumerate(tokens):
                w.writerow([i, t.text, t.start, t.end, t.category, f"{t.attribution:.6g}", f"{t.score:.6g}"])
    return path


def saliency_strip(result: "Saliency | SaliencyDiff", path: Path, *, per_row: int = 24) -> Path:
    """A heat strip over the prompt tokens, wrapped every ``per_row`` tokens."""
    import numpy as np

    plt = _pyplot()
    tokens, values, label = _values(result)
    rows = max(1, math.ceil(len(tokens) / per_row))
    grid = np.full((rows, per_row), np.nan)
    for i, v in enumerate(values):
        grid[i // per_row, i % per_row] = v
    diverging = isinstance(result, SaliencyDiff)
    top = max((abs(v) for v in values), default=0.0) or 1.0
    fig, ax = plt.subplots(figsize=(min(1.0 + 0.62 * min(per_row, len(tokens)), 18.0), 0.9 + 0.75 * rows))
    cmap = plt.get_cmap("RdBu_r" if diverging else "Reds").with_extremes(bad="white")
    image = ax.imshow(np.ma.masked_invalid(grid), aspect="auto", cmap=cmap,
                      vmin=-top if diverging else 0.0, vmax=top)
    for i, t in enumerate(tokens):
        shown = t.text.replace("\n", "⏎").strip() or "␣"
        ax.text(i % per_row, i // per_row, shown, ha="center", va="center", fontsize=7, rotation=45 if len(shown) > 4 else 0,
                fontweight="bold" if t.category != "other" else "normal",
                color="white" if abs(values[i]) > 0.6 * top else "black")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlim(-0.5, min(per_row, len(tokens)) - 0.5)
    fig.colorbar(image, ax=ax, label=label, fraction=0.04, pad=0.01)
    ax.set_title("prompt-token saliency (bold: connector or constraint word)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _colour(value: float, top: float, diverging: bool) -> str:
    x = 0.0 if top == 0 else max(-1.0, min(1.0, value / top))
    if diverging and x < 0:
        return f"rgba(33, 102, 172, {abs(x):.3f})"
    return f"rgba(214, 39, 40, {abs(x):.3f})"


def saliency_html(result: "Saliency | SaliencyDiff", path: Path) -> Path:
    """The prompt with each token shaded by its (Δ)saliency; hover shows the number and category."""
    tokens, values, label = _values(result)
    diverging = isinstance(result, SaliencyDiff)
    top = max((abs(v) for v in values), default=0.0)
    prompt = result.after.prompt if isinstance(result, SaliencyDiff) else result.prompt
    response = result.after.response if isinstance(result, SaliencyDiff) else result.response
    models = (f"{html.escape(result.before.model)} → {html.escape(result.after.model)}" if diverging
              else html.escape(result.model))
    spans = []
    cursor = 0
    for t, v in zip(tokens, values):
        if t.start > cursor:
            spans.append(html.escape(prompt[cursor:t.start]))
        css = "tok " + t.category
        spans.append(f'<span class="{css}" style="background:{_colour(v, top, diverging)}" '
                     f'title="{html.escape(t.category)}: {v:.4g}">{html.escape(t.text)}</span>')
        cursor = t.end
    spans.append(html.escape(prompt[cursor:]))
    means = category_means(tokens, values)
    rows = "".join(f"<tr><td>{c}</td><td>{'–' if m is None else f'{m:.4g}'}</td>"
                   f"<td>{sum(1 for t in tokens if t.category == c)}</td></tr>" for c, m in means.items())
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>lsr saliency</title>
<style>
body {{ font-family: sans-serif; max-width: 60em; margin: 2em auto; }}
.prompt {{ font-family: monospace; white-space: pre-wrap; line-height: 1.9; border: 1px solid #ccc; padding: 1em; }}
.tok {{ border-radius: 2px; }} .connector, .constraint {{ font-weight: bold; }}
.constraint {{ text-decoration: underline; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ccc; padding: .2em .6em; }}
</style></head><body>
<h1>Prompt-token saliency</h1>
<p>{models}<br>{html.escape(label)}; red: more, {'blue: less, ' if diverging else ''}shade relative to the largest |value| ({top:.4g}).
Bold: logical connector; bold underlined: constraint word of the spec.</p>
<div class="prompt">{''.join(spans)}</div>
<h2>Response</h2><div class="prompt">{html.escape(response)}</div>
<h2>By category</h2>
<table><tr><th>category</th><th>mean</th><th>tokens</th></tr>{rows}</table>
</body></html>
"""
    Path(path).write_text(page, encoding="utf-8")
    return path


def category_lines(tokens: Sequence[TokenScore], values: Sequence[float], label: str) -> list:
    lines = [f"  mean {label} by category:"]
    for cat, mean in category_means(tokens, values).items():
        n = sum(1 for t in tokens if t.category == cat)
        lines.append(f"    {cat:<11} {'n/a' if mean is None else f'{mean:+.6f}'}  ({n} tokens)")
    return lines
