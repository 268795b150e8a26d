"""Trainer callbacks: per-step metrics as JSONL, a final checkpoint, the reward curve."""
from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from transformers import TrainerCallback

# TRL log key → metrics.jsonl key
_RENAME = {
    "reward": "reward",
    "reward_std": "reward_std",
    "completions/mean_length": "completion_length",
    "completions/clipped_ratio": "clipped_ratio",
    "frac_reward_zero_std": "frac_reward_zero_std",
    "loss": "loss",
    "kl": "kl",
    "entropy": "entropy",
    "learning_rate": "learning_rate",
    "grad_norm": "grad_norm",
    "lsr/all_pass": "all_pass",
    "lsr/error_rate": "error_rate",
}


def _num(v: Any) -> Any:
    if isinstance(v, bool) or v is None:
        return v
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else f


def metrics_record(logs: Dict[str, Any], step: int, reward_name: str = "lsr") -> Optional[Dict[str, Any]]:
    """One metrics.jsonl row from a TRL ``logs`` dict (``None`` for logs without a reward)."""
    if "reward" not in logs:
        return None
    rec: Dict[str, Any] = {"step": int(step)}
    for src, dst in _RENAME.items():
        if src in logs:
            rec[dst] = _num(logs[src])
    if "epoch" in logs:
        rec["epoch"] = _num(logs["epoch"])
    for key, value in logs.items():
        if key.startswith("lsr/reward/"):
            rec["reward/" + key[len("lsr/reward/"):]] = _num(value)
        elif key.startswith("lsr/pass/"):
            rec["pass/" + key[len("lsr/pass/"):]] = _num(value)
        elif key.startswith("lsr/then_step/"):
            rec["then_step/" + key[len("lsr/then_step/"):]] = _num(value)
        elif key.startswith("rewards/") and key.endswith("/mean"):
            rec["reward_fn/" + key[len("rewards/"):-len("/mean")]] = _num(value)
        elif key.startswith("raif/"):  # superior-CoT and behaviour cloning (training/raif.py)
            rec[key] = _num(value)
    return rec


def read_metrics(path: str | os.PathLike) -> List[Dict[str, Any]]:
    rows = []
    p = Path(path)
    if not p.exists():
        return rows
    for line in p.read_text(encoding="utf-8", errors="replace").splitlines():  # our own file: never fail on it
        line = line.strip()
        if not line:
            continue
        try:
            rows.append(json.loads(line))
        except ValueError:
            continue  # a line cut short by a crash
    return rows


class MetricsJsonlCallback(TrainerCallback):
    """Writes ``metrics.jsonl``: one JSON object per logged step (main process only).

    On a fresh run the file is started anew; when resuming it is kept and
    appended to, dropping only rows for steps after the checkpoint (they are
    logged again by the resumed run, so no step appears twice).
    """

    def __init__(self, path: str | os.PathLike, reward_name: str = "lsr", resume: bool = False):
        self.path = Path(path)
        self.reward_name = reward_name
        self.resume = resume
        self.t0 = time.time()

    def on_train_begin(self, args, state, control, **kwargs):
        if not state.is_world_process_zero:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.resume and self.path.exists():
            keep = [r for r in read_metrics(self.path) if int(r.get("step", 0)) <= state.global_step]
            tmp = self.path.with_suffix(".jsonl.tmp")
            tmp.write_text("".join(json.dumps(r) + "\n" for r in keep), encoding="utf-8")
            os.replace(tmp, self.path)
        else:
            self.path.write_text("", encoding="utf-8")
        self.t0 = time.time()

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not state.is_world_process_zero or not logs:
            return
        rec = metrics_record(logs, state.global_step, self.reward_name)
        if rec is None:
            return
        rec["time_s"] = round(time.time() - self.t0, 3)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(rec) + "\n")


class SaveAtEndCallback(TrainerCallback):
    """Always save a checkpoint at the last step, so ``--resume`` with more steps can continue."""

    def on_step_end(self, args, state, control, **kwargs):
        if state.max_steps and state.global_step >= state.max_steps:
            control.should_save = True
        return control


def reward_start_end(rows: List[Dict[str, Any]], k: Optional[int] = None) -> tuple:
    """Mean reward over the first and the last ``k`` logged steps (k ≈ 10% of rows, 1…10)."""
    vals = [r["reward"] for r in rows if r.get("reward") is not None]
    if not vals:
        return None, None, 0
    if k is None:
        k = max(1, min(10, len(vals) // 10))
    return sum(vals[:k]) / len(vals[:k]), sum(vals[-k:]) / len(vals[-k:]), k


def plot_rewards(rows: List[Dict[str, Any]], out_png: str | os.PathLike, title: str = "lsr GRPO") -> Optional[str]:
    """Reward curve (mean reward, moving average, per-structure rewards) + completion length."""
    if not rows:
        return None
    try:
        import matplotlib

        matplotlib.use("Agg", force=True)
        import matplotlib.pyplot as plt
    except Exception:  # noqa: BLE001 - plotting is optional
        return None
    steps = [r["step"] for r in rows if r.get("reward") is not None]
    rewards = [r["reward"] for r in rows if r.get("reward") is not None]
    if not steps:
        return None
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(8, 6), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    ax.plot(steps, rewards, color="tab:blue", alpha=0.35, lw=1, label="reward")
    w = max(1, len(rewards) // 15)
    if w > 1:
        avg = [sum(rewards[max(0, i - w + 1):i + 1]) / len(rewards[max(0, i - w + 1):i + 1]) for i in range(len(rewards))]
        ax.plot(steps, avg, color="tab:blue", lw=2, label=f"reward (moving avg {w})")
    struct_keys = sorted({k for r in rows for k in r if k.startswith("reward/")})
    for key in struct_keys:
        pts = [(r["step"], r[key]) for r in rows if r.get(key) is not None]
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], lw=1, alpha=0.8, ls="--", label=key)
    ax.set_ylabel("reward")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    lens = [(r["step"], r["completion_length"]) for r in rows if r.get("completion_length") is not None]
    if lens:
        ax2.plot([p[0] for p in lens], [p[1] for p in lens], color="tab:orange", lw=1)
    ax2.set_ylabel("completion len")
    ax2.set_xlabel("step")
    ax2.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out_png, dpi=110)
    plt.close(fig)
    return str(out_png)


def plot_raif(rows: List[Dict[str, Any]], out_png: str | os.PathLike, title: str = "RAIF") -> Optional[str]:
    """Superior-CoT per step: prompts kept and skipped (bars), mean reward with and without
    reasoning and their gap (lines); the expert NLL when behaviour cloning logged one."""
    pts = [r for r in rows if r.get("raif/prompts_kept") is not None]
    bc = [(r["step"], r["raif/bc_nll"]) for r in rows if r.get("raif/bc_nll") is not None]
    if not pts and not bc:
        return None
    try:
        import matplotlib

        matplotlib.use("Agg", force=True)
        import matplotlib.pyplot as plt
    except Exception:  # noqa: BLE001 - plotting is optional
        return None
    n = (1 if pts else 0) * 2 + (1 if bc else 0)
    fig, axes = plt.subplots(n, 1, figsize=(8, 2.6 * n), sharex=True, squeeze=False)
    axes = [a[0] for a in axes]
    i = 0
    if pts:
        steps = [r["step"] for r in pts]
        kept = [r["raif/prompts_kept"] for r in pts]
        skipped = [r.get("raif/prompts_skipped") or 0 for r in pts]
        ax = axes[i]
        ax.bar(steps, kept, color="tab:green", label="prompts kept")
        ax.bar(steps, skipped, bottom=kept, color="tab:red", label="prompts skipped")
        ax.set_ylabel("prompts / step")
        ax.set_title(title)
        ax.legend(fontsize=8, loc="best")
        ax.grid(alpha=0.3)
        ax = axes[i + 1]
        for key, label, style in (("raif/reward_with_reasoning", "reward with reasoning", "-"),
                                  ("raif/reward_without_reasoning", "reward without reasoning", "--"),
                                  ("raif/reasoning_gap", "gap (with - without)", ":")):
            xy = [(r["step"], r[key]) for r in pts if r.get(key) is not None]
            if xy:
                ax.plot([p[0] for p in xy], [p[1] for p in xy], ls=style, lw=1.5, label=label)
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_ylabel("reward")
        ax.legend(fontsize=8, loc="best")
        ax.grid(alpha=0.3)
        i += 2
    if bc:
        ax = axes[i]
        ax.plot([p[0] for p in bc], [p[1] for p in bc], color="tab:purple", lw=1.5)
        ax.set_ylabel("expert NLL")
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("step")
    fig.tight_layout()
    fig.savefig(out_png, dpi=110)
    plt.close(fig)
    return str(out_png)


class CompactProgressCallback(TrainerCallback):
    """A tqdm progress bar showing the latest reward, plus one short line every ~5% of training.

    Replaces transformers' ``ProgressCallback`` (which prints every logged dict in full).
    """

    def __init__(self, lines: int = 20):
        self.lines = max(1, lines)
        self.bar = None
        self.current = 0
        self.last_line_step = -1

    def on_train_begin(self, args, state, control, **kwargs):
        if state.is_world_process_zero:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=state.max_steps, initial=state.global_step, dynamic_ncols=True, desc="grpo")
            self.current = state.global_step

    def on_step_end(self, args, state, control, **kwargs):
        if self.bar is not None:
            self.bar.update(state.global_step - self.current)
            self.current = state.global_step

    def on_log(self, args, state, control, logs=None, **kwargs):
        if self.bar is None or not logs:
            return
        if "reward" in logs:
            r = _num(logs.get("reward"))
            length = _num(logs.get("completions/mean_length"))
            post = {"reward": f"{r:.3f}" if r is not None else "n/a"}
            if length is not None:
                post["len"] = f"{length:.1f}"
            self.bar.set_postfix(post, refresh=False)
            every = max(1, state.max_steps // self.lines)
            if state.global_step // every != self.last_line_step // every or state.global_step >= state.max_steps:
                self.last_line_step = state.global_step
                extra = "  ".join(f"{k.split('/', 2)[-1]}={_num(v):.2f}" for k, v in sorted(logs.items())
                                  if k.startswith("lsr/reward/") and _num(v) is not None)
                self.bar.write(f"step {state.global_step:>5}  reward {post['reward']}"
                               + (f"  len {post['len']}" if "len" in post else "")
                               + (f"  {extra}" if extra else ""))
        elif "train_runtime" in logs:
            self.bar.write(f"train_runtime {float(logs['train_runtime']):.1f}s")

    def on_train_end(self, args, state, control, **kwargs):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class SummaryCallback(TrainerCallback):
    """At the end of training (main process only): ``summary.json`` and ``reward_curve.png``,
    read from the ``metrics.jsonl`` that :class:`MetricsJsonlCallback` wrote — the same files
    ``lsr train`` leaves, for a user's own ``GRPOTrainer`` script."""

    def __init__(self, output_dir: str | os.PathLike, metrics_path: str | os.PathLike | None = None,
                 reward: Any = None, plot: bool = True, title: str = "lsr GRPO"):
        self.output_dir = Path(output_dir)
        self.metrics_path = Path(metrics_path) if metrics_path is not None else self.output_dir / "metrics.jsonl"
        self.reward = reward
        self.plot = plot
        self.title = title
        self.t0 = time.time()

    def on_train_begin(self, args, state, control, **kwargs):
        self.t0 = time.time()

    def on_train_end(self, args, state, control, **kwargs):
        if not state.is_world_process_zero:
            return
        rows = read_metrics(self.metrics_path) if self.metrics_path.exists() else []
        start, end, k = reward_start_end(rows)
        self.output_dir.mkdir(parents=True, exist_ok=True)
        png = plot_rewards(rows, self.output_dir / "reward_curve.png", title=self.title) if self.plot else None
        stats = dict(getattr(self.reward, "stats", {}) or {})
        summary = {
            "reward_start": start, "reward_end": end, "reward_window": k,
            "reward_first": rows[0]["reward"] if rows else None,
            "reward_last": rows[-1]["reward"] if rows else None,
            "steps": int(state.global_step), "logged_steps": len(rows),
            "train_time_s": round(time.time() - self.t0, 2),
            "metrics": str(self.metrics_path), "reward_curve": png,
            "reward_errors": stats.get("errors"), "reward_stats": stats or None,
        }
        (self.output_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


def lsr_callbacks(output_dir: str | os.PathLike, reward: Any = None, *, plot: bool = True,
                  resume: bool = False) -> List[TrainerCallback]:
    """The callbacks for a user's own TRL ``GRPOTrainer``: ``callbacks=lsr_callbacks(out, reward)``
    writes ``out/metrics.jsonl`` every logged step, and ``out/summary.json`` plus
    ``out/reward_curve.png`` at the end (on the main process)."""
    name = getattr(reward, "__name__", "lsr")
    metrics = Path(output_dir) / "metrics.jsonl"
    return [MetricsJsonlCallback(metrics, reward_name=name, resume=resume),
            SummaryCallback(output_dir, metrics, reward=reward, plot=plot)]
