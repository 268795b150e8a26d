"""``lsr ablate CONFIG.yaml``: does the structured reward train better than the flat one?

Trains the same model, from the same initial weights, once per arm (a reward mode and a γ)
and seed, on the training split of an ``lsr train`` config; then generates greedy completions
on a held-out split with every saved checkpoint and scores them with ``lsr eval``'s runner
(:func:`lsr_dsl.evaluation.runner.evaluate_rows`), so the held-out numbers of a checkpoint
are exactly what ``lsr eval`` reports on its completions file.

Layout of ``output_dir``::

    base/heldout.json, base/completions.jsonl    the initial weights (step 0, shared by all arms)
    ARM/seedS/                                   an ``lsr train`` run (checkpoint-N/, summary.json, …)
    ARM/seedS/heldout/step-N.json                the eval report of checkpoint N on the held-out rows
    ARM/seedS/heldout/step-N.completions.jsonl   its completions (``lsr eval`` reads this file)
    ablation.json, ablation.md, ablation.png, curves.png

Arms run one after another. Every finished piece is a file, so running the same command
again after a kill continues where it stopped: a training run resumes from its last
checkpoint (``lsr train --resume``), and evaluated checkpoints are not evaluated again.
"""
from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from lsr_dsl.language.errors import LsrConfigError, LsrDataError
from lsr_dsl.training.config import config_error, resolve_input_path

MODES = ("lsrm", "flat", "strict")
_ABLATION_KEYS = ("train_config", "heldout", "arms", "seeds", "output_dir", "max_new_tokens", "eval_batch_size",
                  "set")


@dataclass(frozen=True)
class Arm:
    """One reward setting: a mode and (optionally) a THEN decay γ."""

    mode: str
    gamma: Optional[float] = None

    @property
    def name(self) -> str:
        return self.mode if self.gamma is None else f"{self.mode}-g{self.gamma:g}"


@dataclass(frozen=True)
class AblationConfig:
    path: str
    train_config: str
    heldout: str
    arms: Tuple[Arm, ...]
    seeds: Tuple[int, ...]
    output_dir: str
    max_new_tokens: Optional[int]
    eval_batch_size: int
    overrides: Tuple[Tuple[str, Any], ...]


# --------------------------------------------------------------------------- config
def _arm(value: Any, where: str, path: str) -> Arm:
    from lsr_dsl.language.errors import closest

    if isinstance(value, str):
        value = {"mode": value}
    if not isinstance(value, dict) or "mode" not in value:
        raise config_error(path, where, "an arm is a mode (lsrm, flat, strict) or {mode: ..., gamma: ...}")
    unknown = sorted(set(value) - {"mode", "gamma"})
    if unknown:
        guess = closest(unknown[0], ["mode", "gamma"])
        raise config_error(path, f"{where}.{unknown[0]}", "not an arm field (mode, gamma)",
                           hint=f"did you mean {guess!r}?" if guess else None)
    mode = value["mode"]
    if mode not in MODES:
        guess = closest(str(mode), MODES)
        raise config_error(path, f"{where}.mode", f"{mode!r} is not a reward mode (lsrm, flat, strict)",
                           hint=f"did you mean {guess!r}?" if guess else None)
    gamma = value.get("gamma")
    if gamma is not None and (isinstance(gamma, bool) or not isinstance(gamma, (int, float))
                              or not 0 <= gamma <= 1):
        raise config_error(path, f"{where}.gamma", f"γ must be a number in [0, 1], not {gamma!r}")
    return Arm(mode=mode, gamma=None if gamma is None else float(gamma))


def load_ablation(path: str | os.PathLike, output_dir: Optional[str] = None) -> AblationConfig:
    """Read an ablation YAML (see ``examples/ablation/cpu.yaml``); errors name the file and key."""
    import yaml

    from lsr_dsl.language.errors import closest

    file = str(path)
    p = Path(path)
    if not p.is_file():
        raise LsrConfigError(f"{file}: no such file")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise config_error(file, "", f"YAML syntax error: {getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(data, dict):
        raise config_error(file, "", "the ablation config must be a YAML mapping")
    for key in data:
        if key not in _ABLATION_KEYS:
            guess = closest(str(key), _ABLATION_KEYS)
            raise config_error(file, str(key), "not an ablation setting",
                               hint=f"did you mean {guess!r}?" if guess else f"settings: {', '.join(_ABLATION_KEYS)}")
    for key in ("train_config", "heldout"):
        if not isinstance(data.get(key), str):
            raise config_error(file, key, "required: a path (relative to this file)")
    resolved = str(p.resolve())
    train_config = resolve_input_path(data["train_config"], resolved)
    heldout = resolve_input_path(data["heldout"], resolved)
    for key, value in (("train_config", train_config), ("heldout", heldout)):
        if not Path(value).is_file():
            raise config_error(file, key, f"no such file: {value}")
    arms_raw = data.get("arms", list(MODES))
    if not isinstance(arms_raw, list) or not arms_raw:
        raise config_error(file, "arms", "a non-empty list of arms")
    arms = tuple(_arm(a, f"arms[{i}]", file) for i, a in enumerate(arms_raw))
    names = [a.name for a in arms]
    if len(set(names)) != len(names):
        raise config_error(file, "arms", f"two arms are the same: {names}")
    seeds_raw = data.get("seeds", [0])
    if not isinstance(seeds_raw, list) or not seeds_raw or not all(
            isinstance(s, int) and not isinstance(s, bool) for s in seeds_raw):
        raise config_error(file, "seeds", "a non-empty list of integers")
    if len(set(seeds_raw)) != len(seeds_raw):
        raise config_error(file, "seeds", "a seed is listed twice")
    overrides = data.get("set") or {}
    if not isinstance(overrides, dict):
        raise config_error(file, "set", "a mapping of dotted training keys to values (e.g. grpo.max_steps: 60)")
    for key in ("mode", "gamma", "seed", "output_dir"):
        if key in overrides:
            raise config_error(file, f"set.{key}", "set by the ablation itself (per arm and seed)")
    mnt = data.get("max_new_tokens")
    if mnt is not None and (not isinstance(mnt, int) or isinstance(mnt, bool) or mnt < 1):
        raise config_error(file, "max_new_tokens", "a positive integer (default: grpo.max_completion_length)")
    ebs = data.get("eval_batch_size", 16)
    if not isinstance(ebs, int) or isinstance(ebs, bool) or ebs < 1:
        raise config_error(file, "eval_batch_size", "a positive integer")
    out = output_dir or data.get("output_dir")
    if not isinstance(out, str) or not out:
        raise config_error(file, "output_dir", "required: where the runs and the report go")
    return AblationConfig(path=resolved, train_config=train_config, heldout=heldout, arms=arms,
                          seeds=tuple(seeds_raw), output_dir=out, max_new_tokens=mnt, eval_batch_size=ebs,
                          overrides=tuple(overrides.items()))


def run_overrides(cfg: AblationConfig, arm: Arm, seed: int) -> Dict[str, Any]:
    """The ``lsr train`` overrides of one run."""
    o: Dict[str, Any] = dict(cfg.overrides)
    o.update({"mode": arm.mode, "seed": seed, "output_dir": str(run_dir(cfg, arm, seed)),
              "save_total_limit": None})
    if arm.gamma is not None:
        o["gamma"] = arm.gamma
    return o


def run_dir(cfg: AblationConfig, arm: Arm, seed: int) -> Path:
    return Path(cfg.output_dir) / arm.name / f"seed{seed}"


# --------------------------------------------------------------------------- held-out rows
def read_heldout(path: str, prompt_column: str, spec_column: str,
                 system_prompt: Optional[str] = None) -> List[Dict[str, Any]]:
    """The held-out rows as ``{"key", "prompt", "spec", "input"}``: ``input`` is what the model is
    given, the prompt with the training config's system prompt as ``lsr train`` gives it; a bad row
    is named by file and line."""
    rows: List[Dict[str, Any]] = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise LsrDataError(f"{path}:{lineno}: invalid JSON: {exc}") from None
            if not isinstance(row, dict):
                raise LsrDataError(f"{path}:{lineno}: each line must be a JSON object")
            for col in (prompt_column, spec_column):
                if row.get(col) in (None, ""):
                    raise LsrDataError(f"{path}:{lineno}: missing column {col!r}")
            prompt = row[prompt_column]
            model_input = prompt
            if system_prompt:
                messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else list(prompt)
                model_input = [{"role": "system", "content": system_prompt}] + messages
            rows.append({"key": row.get("id", row.get("key", lineno)), "prompt": prompt,
                         "spec": row[spec_column], "input": model_input})
    if not rows:
        raise LsrDataError(f"{path}: the held-out split is empty")
    return rows


def check_disjoint(train_rows: Sequence[Mapping[str, Any]], heldout: Sequence[Mapping[str, Any]],
                   heldout_path: str) -> None:
    """No held-out prompt may be a training prompt (compared as the model sees them)."""
    seen = {json.dumps(r["prompt"], sort_keys=True) for r in train_rows}
    shared = [r["key"] for r in heldout if json.dumps(r.get("input", r["prompt"]), sort_keys=True) in seen]
    if shared:
        raise LsrDataError(f"{heldout_path}: {len(shared)} held-out prompts are also in the training split "
                           f"(e.g. row {shared[0]}); make the splits with `lsr generate --split heldout=F`")


# --------------------------------------------------------------------------- generation and evaluation
def generate_completions(model_dir: str, prompts: Sequence[Any], max_new_tokens: int,
                         batch_size: int = 16) -> List[str]:
    """Greedy completions of ``prompts`` (strings, or message lists through the chat template)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # "Loading weights" once per checkpoint
    tok = AutoTokenizer.from_pretrained(model_dir)
    tok.padding_side = "left"
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    model.eval()
    texts = [p if isinstance(p, str) else tok.apply_chat_template(p, tokenize=False, add_generation_prompt=True)
             for p in prompts]
    out: List[str] = []
    with torch.no_grad():
        for i in range(0, len(texts), batch_size):
            batch = tok(texts[i:i + batch_size], return_tensors="pt", padding=True, add_special_tokens=False)
            gen = model.generate(**batch, do_sample=False, max_new_tokens=max_new_tokens,
                                 pad_token_id=tok.pad_token_id)
            new = gen[:, batch["input_ids"].shape[1]:]
            out.extend(tok.batch_decode(new, skip_special_tokens=True))
    return out


def evaluate_checkpoint(model_dir: str, heldout: Sequence[Mapping[str, Any]], dest: Path,
                        max_new_tokens: int, batch_size: int) -> Dict[str, Any]:
    """Generate on the held-out rows, write ``dest.completions.jsonl`` and score it with ``lsr eval``'s
    runner; the report (its ``to_dict``) is written to ``dest.json`` last, so a kill leaves none."""
    from lsr_dsl.evaluation.runner import evaluate_rows

    completions = generate_completions(model_dir, [r["input"] for r in heldout], max_new_tokens, batch_size)
    rows = [{"key": r["key"], "prompt": r["prompt"], "spec": r["spec"], "response": c}
            for r, c in zip(heldout, completions)]
    dest.parent.mkdir(parents=True, exist_ok=True)
    comp = dest.with_name(dest.name + ".completions.jsonl")
    comp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    report = evaluate_rows(rows, file=str(comp)).to_dict()
    tmp = dest.with_name(dest.name + ".json.tmp")
    tmp.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    tmp.replace(dest.with_name(dest.name + ".json"))
    return report


def headline(report: Mapping[str, Any]) -> Dict[str, Any]:
    """The ablation's numbers from one eval report: overall and by structure and depth."""
    st = report["structure"]

    def group(g: Mapping[str, Any]) -> Dict[str, Optional[float]]:
        return {"all_pass": g["instruction_success"], "constraint_pass": g["constraint_success"],
                "lsrm_score": g["mean_score"], "rows": g["rows"]}

    return {"all_pass": report["prompt_level"]["strict_accuracy"],
            "constraint_pass": st["overall"]["constraint_success"],
            "lsrm_score": st["overall"]["mean_score"],
            "by_structure": {k: group(v) for k, v in st["by_structure"].items()},
            "by_depth": {k: group(v) for k, v in st["by_depth"].items()}}


def _checkpoints(d: Path) -> List[Tuple[int, Path]]:
    from lsr_dsl.training.train import checkpoint_complete

    found = []
    for c in d.iterdir() if d.is_dir() else ():
        name = c.name
        if name.startswith("checkpoint-") and name[11:].isdigit() and checkpoint_complete(c):
            found.append((int(name[11:]), c))
    return sorted(found)


# --------------------------------------------------------------------------- aggregation
def _mean_sd(values: Sequence[Optional[float]]) -> Dict[str, Optional[float]]:
    xs = [v for v in values if v is not None]
    if not xs:
        return {"mean": None, "sd": None, "n": 0}
    m = sum(xs) / len(xs)
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1)) if len(xs) > 1 else 0.0
    return {"mean": m, "sd": sd, "n": len(xs)}


def aggregate(per_run: Mapping[str, Mapping[int, Mapping[str, Any]]]) -> Dict[str, Any]:
    """``{arm: {seed: {"final": headline, "curve": {step: all_pass}}}}`` → mean and sd over seeds."""
    out: Dict[str, Any] = {}
    for arm, seeds in per_run.items():
        finals = [s["final"] for s in seeds.values()]
        a: Dict[str, Any] = {k: _mean_sd([f[k] for f in finals]) for k in ("all_pass", "constraint_pass", "lsrm_score")}
        for view in ("by_structure", "by_depth"):
            keys = sorted({k for f in finals for k in f[view]})
            a[view] = {k: {m: _mean_sd([f[view][k][m] for f in finals if k in f[view]])
                           for m in ("all_pass", "constraint_pass", "lsrm_score")} for k in keys}
        steps = sorted({int(st) for s in seeds.values() for st in s["curve"]})
        a["curve"] = {str(st): _mean_sd([s["curve"].get(str(st)) for s in seeds.values()]) for st in steps}
        out[arm] = a
    return out


def _fmt(x: Mapping[str, Any]) -> str:
    return "–" if x["mean"] is None else f"{100 * x['mean']:.1f} ± {100 * x['sd']:.1f}"


def _fmt_score(x: Mapping[str, Any]) -> str:
    return "–" if x["mean"] is None else f"{x['mean']:.3f} ± {x['sd']:.3f}"


def render_markdown(summary: Mapping[str, Any]) -> str:
    arms = summary["arms"]
    lines = [f"Held-out: {summary['heldout_rows']} rows; {summary['seeds']} seed(s) per arm; "
             f"mean ± sd over seeds (all-pass and constraint pass in %).", "",
             "| arm | all-pass | constraint pass | LsRM score |", "|---|---|---|---|"]
    for arm, a in arms.items():
        lines.append(f"| {arm} | {_fmt(a['all_pass'])} | {_fmt(a['constraint_pass'])} | {_fmt_score(a['lsrm_score'])} |")
    for view, title in (("by_structure", "structure"), ("by_depth", "depth")):
        keys = sorted({k for a in arms.values() for k in a[view]})
        lines += ["", f"All-pass by {title} (%):", "", "| arm | " + " | ".join(keys) + " |",
                  "|---|" + "---|" * len(keys)]
        for arm, a in arms.items():
            lines.append(f"| {arm} | " + " | ".join(_fmt(a[view][k]["all_pass"]) if k in a[view] else "–"
                                                   for k in keys) + " |")
    base = summary["base"]
    one = lambda v, pct: "–" if v is None else (f"{100 * v:.1f}%" if pct else f"{v:.3f}")  # noqa: E731
    lines += ["", f"Initial weights (step 0): all-pass {one(base['all_pass'], True)}, "
                  f"constraint pass {one(base['constraint_pass'], True)}, "
                  f"LsRM score {one(base['lsrm_score'], False)}."]
    return "\n".join(lines) + "\n"


def plot(summary: Mapping[str, Any], bars_png: Path, curves_png: Path) -> None:
    from lsr_dsl.evaluation.plots import _pyplot

    plt = _pyplot()
    arms = summary["arms"]
    structures = sorted({k for a in arms.values() for k in a["by_structure"]})
    fig, axes = plt.subplots(1, max(1, len(structures)), figsize=(3.2 * max(1, len(structures)), 3.4), squeeze=False)
    for ax, s in zip(axes[0], structures):
        names = list(arms)
        means = [arms[n]["by_structure"].get(s, {}).get("all_pass", {}).get("mean") or 0.0 for n in names]
        sds = [arms[n]["by_structure"].get(s, {}).get("all_pass", {}).get("sd") or 0.0 for n in names]
        ax.bar(range(len(names)), means, yerr=sds, color=[f"C{i}" for i in range(len(names))], capsize=3)
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels(names, rotation=30, fontsize=8)
        ax.set_ylim(0, 1.05)
        ax.set_title(f"{s}: held-out all-pass", fontsize=9)
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(bars_png, dpi=110)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for i, (name, a) in enumerate(arms.items()):
        steps = [int(s) for s in a["curve"]]
        m = [a["curve"][str(s)]["mean"] or 0.0 for s in steps]
        sd = [a["curve"][str(s)]["sd"] or 0.0 for s in steps]
        ax.plot(steps, m, marker="o", color=f"C{i}", label=name)
        ax.fill_between(steps, [x - y for x, y in zip(m, sd)], [x + y for x, y in zip(m, sd)], color=f"C{i}", alpha=0.15)
    ax.set_xlabel("step")
    ax.set_ylabel("held-out all-pass")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(curves_png, dpi=110)
    plt.close(fig)


# --------------------------------------------------------------------------- main entry
def _cached_or_eval(model_dir: str, heldout: Sequence[Mapping[str, Any]], dest: Path, max_new_tokens: int,
                    batch_size: int) -> Dict[str, Any]:
    done = dest.with_name(dest.name + ".json")
    if done.is_file():
        return json.loads(done.read_text(encoding="utf-8"))
    return evaluate_checkpoint(model_dir, heldout, dest, max_new_tokens, batch_size)


def run_ablation(config: str | os.PathLike, *, output_dir: Optional[str] = None, quiet: bool = False,
                 plots: bool = True) -> Dict[str, Any]:
    """Run (or continue) every arm and seed; returns the summary written to ``ablation.json``."""
    t0 = time.time()
    cfg = load_ablation(config, output_dir)
    import torch

    from lsr_dsl.training.config import load_config
    from lsr_dsl.training.tiny_model import is_tiny_model, make_tiny_model
    from lsr_dsl.training.train import load_rows, run_train

    base_cfg = load_config(cfg.train_config, run_overrides(cfg, cfg.arms[0], cfg.seeds[0]))
    heldout = read_heldout(cfg.heldout, base_cfg.dataset.prompt_column, base_cfg.dataset.spec_column,
                           base_cfg.dataset.system_prompt)
    check_disjoint(load_rows(base_cfg), heldout, cfg.heldout)
    max_new = cfg.max_new_tokens or base_cfg.grpo.max_completion_length or 256
    from lsr_dsl.training.gguf import model_dir_for

    model_path = model_dir_for(resolve_input_path(base_cfg.model.name_or_path, base_cfg.config_path), quiet=quiet)
    if base_cfg.model.create_tiny_if_missing and not Path(model_path).exists():
        make_tiny_model(model_path, seed=base_cfg.model.tiny_seed)
    threads = torch.get_num_threads()
    if is_tiny_model(model_path) and not torch.cuda.is_available():
        torch.set_num_threads(1)  # as lsr train does for the tiny model
    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    say = (lambda m: None) if quiet else (lambda m: print(f"lsr ablate: {m}", flush=True))
    try:
        base = headline(_cached_or_eval(model_path, heldout, out / "base" / "heldout", max_new, cfg.eval_batch_size))
        per_run: Dict[str, Dict[int, Dict[str, Any]]] = {}
        for arm in cfg.arms:
            for seed in cfg.seeds:
                d = run_dir(cfg, arm, seed)
                say(f"{arm.name} seed {seed}: training in {d}")
                run_train(cfg.train_config, resume=True, overrides=run_overrides(cfg, arm, seed), quiet=quiet)
                curve = {"0": base["all_pass"]}
                final = base
                for step, ckpt in _checkpoints(d):
                    rep = _cached_or_eval(str(ckpt), heldout, d / "heldout" / f"step-{step}", max_new,
                                          cfg.eval_batch_size)
                    final = headline(rep)
                    curve[str(step)] = final["all_pass"]
                say(f"{arm.name} seed {seed}: held-out all-pass {100 * final['all_pass']:.1f}%")
                per_run.setdefault(arm.name, {})[seed] = {"final": final, "curve": curve}
    finally:
        torch.set_num_threads(threads)
    summary: Dict[str, Any] = {
        "config": cfg.path, "train_config": cfg.train_config, "heldout": cfg.heldout,
        "heldout_rows": len(heldout), "seeds": len(cfg.seeds), "seed_list": list(cfg.seeds),
        "arm_settings": {a.name: {"mode": a.mode, "gamma": a.gamma if a.gamma is not None else base_cfg.gamma}
                         for a in cfg.arms},
        "max_steps": base_cfg.grpo.max_steps, "base": base,
        "arms": aggregate(per_run), "runs": {a: {str(s): r for s, r in v.items()} for a, v in per_run.items()},
        "wall_time_s": round(time.time() - t0, 1),
    }
    (out / "ablation.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    (out / "ablation.md").write_text(render_markdown(summary), encoding="utf-8")
    if plots:
        plot(summary, out / "ablation.png", out / "curves.png")
    say(f"done in {summary['wall_time_s']:.0f}s; {out / 'ablation.json'}, ablation.md, ablation.png, curves.png")
    return summary
