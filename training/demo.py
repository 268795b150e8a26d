"""The CPU demo: build the tiny model (if absent) and GRPO-train it on ``examples/train/tiny.yaml``.

``run_demo(outdir)`` prints the mean reward at the start and at the end and
returns the run's summary dict (also in ``OUTDIR/run/summary.json``).
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Dict, Optional

from lsr_dsl.training import _demo_data

_REPO_EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "train" / "tiny.yaml"


def demo_config_path(outdir: Path) -> Path:
    """``examples/train/tiny.yaml`` in a source checkout; otherwise a bundled copy written to ``outdir``."""
    if _REPO_EXAMPLE.is_file() and (_REPO_EXAMPLE.parent / "tiny.jsonl").is_file():
        return _REPO_EXAMPLE
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "tiny.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in _demo_data.ROWS), encoding="utf-8")
    cfg = outdir / "tiny.yaml"
    cfg.write_text(_demo_data.TINY_YAML, encoding="utf-8")
    return cfg


def run_demo(outdir: str = "runs/demo", *, max_steps: Optional[int] = None, quiet: bool = False) -> Dict[str, Any]:
    """Make the tiny model in ``OUTDIR/tiny-model`` if absent, train into ``OUTDIR/run``, report the rewards."""
    from lsr_dsl.training.tiny_model import make_tiny_model
    from lsr_dsl.training.train import run_train

    t0 = time.time()
    out = Path(outdir)
    model_dir = out / "tiny-model"
    info = make_tiny_model(model_dir)
    if not quiet:
        state = "built" if info["created"] else "found"
        print(f"lsr demo: {state} tiny model at {model_dir} ({info['params']:,} params) "
              f"in {time.time() - t0:.1f}s", flush=True)
    overrides: Dict[str, Any] = {"model.name_or_path": str(model_dir.resolve()),
                                 "output_dir": str(out / "run")}
    if max_steps is not None:
        overrides["grpo.max_steps"] = max_steps
    cfg_path = demo_config_path(out)
    summary = run_train(cfg_path, overrides=overrides, quiet=quiet)
    summary["demo_wall_time_s"] = round(time.time() - t0, 2)
    if not quiet and summary:
        s, e = summary.get("reward_start"), summary.get("reward_end")
        print(f"lsr demo: reward at start {s:.3f} -> at end {e:.3f} "
              f"({summary['steps']} steps, {summary['demo_wall_time_s']:.0f}s total); "
              f"curve: {summary.get('reward_curve')}", flush=True)
    return summary
