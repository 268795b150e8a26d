"""Which layer and which module a weight tensor belongs to, across naming schemes.

Llama-style (Llama, Qwen2/Qwen3, Mistral, Gemma): ``model.layers.N.self_attn.{q,k,v,o}_proj`` and
``model.layers.N.mlp.{gate,up,down}_proj``. GPT-2-style: ``transformer.h.N.attn.c_attn`` (q, k and v
fused, split in thirds), ``attn.c_proj``, ``mlp.c_fc``, ``mlp.c_proj``. Qwen (first generation):
``transformer.h.N.attn.c_attn`` (fused), ``attn.c_proj``, ``mlp.w1`` (up), ``mlp.w2`` (gate),
``mlp.c_proj`` (down). OPT-style ``self_attn.out_proj`` counts as o. Everything else (embeddings,
norms, biases, fused layouts not listed here) is *outside the grid* and reported by name.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Tuple

ATTENTION = ("q", "k", "v", "o")
MLP = ("gate", "up", "down")
MODULES = ATTENTION + MLP

_LAYER = r"(?:^|\.)(?:layers|h|blocks)\.(?P<layer>\d+)\."
_RULES: Tuple[Tuple[re.Pattern, Tuple[str, ...]], ...] = tuple(
    (re.compile(_LAYER + pattern + r"\.weight$"), modules)
    for pattern, modules in (
        (r"(?:self_attn|attention|attn)\.q_proj", ("q",)),
        (r"(?:self_attn|attention|attn)\.k_proj", ("k",)),
        (r"(?:self_attn|attention|attn)\.v_proj", ("v",)),
        (r"(?:self_attn|attention|attn)\.(?:o_proj|out_proj)", ("o",)),
        (r"mlp\.gate_proj", ("gate",)),
        (r"mlp\.up_proj", ("up",)),
        (r"mlp\.down_proj", ("down",)),
        (r"attn\.c_attn", ("q", "k", "v")),
        (r"attn\.c_proj", ("o",)),
        (r"mlp\.c_fc", ("up",)),
        (r"mlp\.w1", ("up",)),
        (r"mlp\.w2", ("gate",)),
        (r"mlp\.c_proj", ("down",)),
    )
)


@dataclass(frozen=True)
class Cell:
    """Where (part of) a tensor goes in the layers x modules grid.

    ``part`` is ``(dim, start, stop)`` for one third of a fused q/k/v tensor, else None.
    """

    layer: int
    module: str
    part: Optional[Tuple[int, int, int]] = None


def locate(name: str, shape: Tuple[int, ...]) -> Tuple[Cell, ...]:
    """The grid cells of tensor ``name`` (empty when it is outside the grid)."""
    for pattern, modules in _RULES:
        m = pattern.search(name)
        if not m:
            continue
        layer = int(m.group("layer"))
        if len(modules) == 1:
            return (Cell(layer, modules[0]),)
        return _fused_thirds(layer, modules, shape)
    return ()


def _fused_thirds(layer: int, modules: Tuple[str, ...], shape: Tuple[int, ...]) -> Tuple[Cell, ...]:
    """q, k, v of a fused projection: the dimension three times the other (GPT-2's Conv1D is
    ``[in, 3*out]``, a Linear ``[3*out, in]``)."""
    if len(shape) != 2:
        return ()
    dim = 1 if shape[1] == 3 * shape[0] else 0 if shape[0] == 3 * shape[1] else None
    if dim is None:
        return ()  # grouped-query fused layouts need the config to split; listed outside the grid
    size = shape[dim] // 3
    return tuple(Cell(layer, m, (dim, i * size, (i + 1) * size)) for i, m in enumerate(modules))
