"""``lsr train CONFIG.yaml [--resume]``: GRPO with LsRM rewards on TRL's ``GRPOTrainer``.

Outputs in ``output_dir``: ``checkpoint-N/`` (every ``save_steps`` and at the
end), ``metrics.jsonl`` (one row per logged step), ``reward_curve.png``,
``summary.json`` and the final model.  TensorBoard event files go to
``output_dir/runs`` when tensorboard is installed (``report_to: auto``).
"""
from __future__ import annotations

import dataclasses
import json
import os
import random
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from ..errors import LsrDataError
from .config import TrainConfig, config_error, load_config, resolve_input_path


# --------------------------------------------------------------------------- data
def load_rows(cfg: TrainConfig) -> List[Dict[str, Any]]:
    """Read the JSONL dataset; every row needs the prompt and spec columns, and every spec must compile."""
    path = resolve_input_path(cfg.dataset.path, cfg.config_path)
    pc, sc = cfg.dataset.prompt_column, cfg.dataset.spec_column
    if not Path(path).is_file():
        raise config_error(cfg.config_path, "dataset.path", f"no such file: {path}")
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
            for col in (pc, sc):
                if col not in row or row[col] in (None, ""):
                    raise LsrDataError(f"{path}:{lineno}: missing column {col!r} "
                                       f"(set dataset.{'prompt' if col == pc else 'spec'}_column)")
            rows.append(row)
            if cfg.dataset.limit and len(rows) >= cfg.dataset.limit:
                break
    if not rows:
        raise LsrDataError(f"{path}: the dataset is empty")
    _check_specs(rows, sc, path, cfg)
    return _normalise_rows(rows, cfg)


def _check_specs(rows: List[Dict[str, Any]], sc: str, path: str, cfg: TrainConfig) -> None:
    from .. import compile_any
    from ..errors import LsrError

    seen: Dict[str, int] = {}
    for i, row in enumerate(rows, 1):
        spec = row[sc]
        key = spec if isinstance(spec, str) else json.dumps(spec, sort_keys=True)
        if key in seen:
            continue
        seen[key] = i
        try:
            compile_any(spec, mode=cfg.mode, gamma=cfg.gamma)
        except LsrError as exc:
            raise LsrDataError(f"{path}: row {i}: the spec does not compile: {exc}") from None


def _normalise_rows(rows: List[Dict[str, Any]], cfg: TrainConfig) -> List[Dict[str, Any]]:
    pc, sc = cfg.dataset.prompt_column, cfg.dataset.spec_column
    out = []
    for row in rows:
        prompt = row[pc]
        if cfg.dataset.system_prompt:
            if isinstance(prompt, str):
                prompt = [{"role": "user", "content": prompt}]
            prompt = [{"role": "system", "content": cfg.dataset.system_prompt}] + list(prompt)
        spec = row[sc]
        if not isinstance(spec, str):  # AST JSON: keep the column one Arrow type
            spec = json.dumps(spec)
        new = {k: v for k, v in row.items() if k not in (pc, sc, "prompt")}
        new["prompt"] = prompt
        new[sc] = spec
        out.append(new)
    return out


# --------------------------------------------------------------------------- precision / devices
def pick_precision(precision: str) -> str:
    """``auto`` → ``bf16`` on a bf16-capable GPU, ``fp16`` on an older GPU, ``fp32`` on CPU."""
    if precision != "auto":
        return precision
    try:
        import torch

        if torch.cuda.is_available():
            return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return "fp32"
    except Exception:  # noqa: BLE001
        pass
    return "fp32"


def _report_to(value: Any) -> List[str] | str:
    if value == "auto":
        try:
            import tensorboard  # noqa: F401

            return ["tensorboard"]
        except Exception:  # noqa: BLE001
            try:
                import tensorboardX  # noqa: F401

                return ["tensorboard"]
            except Exception:  # noqa: BLE001
                return "none"
    if value == "none":
        return "none"
    return [value] if isinstance(value, str) else list(value)


def build_grpo_args(cfg: TrainConfig, precision: str, model_dtype: Optional[str], quiet: bool = False):
    from trl import GRPOConfig

    g = cfg.grpo
    kwargs: Dict[str, Any] = {}
    skip = {"extra"}
    for name in type(g).model_fields:
        if name in skip:
            continue
        value = getattr(g, name)
        if value is not None:
            kwargs[name] = value
    fields = {f.name for f in dataclasses.fields(GRPOConfig)}
    if "gradient_checkpointing" in kwargs and "activation_checkpointing" in fields:
        kwargs["activation_checkpointing"] = kwargs.pop("gradient_checkpointing")  # transformers >= 5 name
    kwargs.update(g.extra)
    if cfg.reward.weights is not None:
        kwargs["reward_weights"] = cfg.reward.weights
    mik: Dict[str, Any] = {"dtype": model_dtype or "float32"}
    if cfg.model.trust_remote_code:
        mik["trust_remote_code"] = True
    if cfg.model.revision:
        mik["revision"] = cfg.model.revision
    if cfg.model.attn_implementation:
        mik["attn_implementation"] = cfg.model.attn_implementation
    report_to = _report_to(cfg.report_to)
    kwargs.update(
        output_dir=str(cfg.output_dir),
        seed=cfg.seed,
        data_seed=cfg.seed,
        bf16=precision == "bf16",
        fp16=precision == "fp16",
        save_strategy="steps",
        save_steps=cfg.save_steps,
        save_total_limit=cfg.save_total_limit,
        logging_strategy="steps",
        logging_steps=cfg.logging_steps,
        report_to=report_to,
        model_init_kwargs=mik,
        disable_tqdm=quiet,
    )
    if precision == "fp32" and not _cuda_available():
        kwargs.setdefault("dataloader_pin_memory", False)
    try:
        return GRPOConfig(**kwargs)
    except (TypeError, ValueError) as exc:
        raise config_error(cfg.config_path, "grpo", f"TRL rejected the GRPO settings: {exc}") from None


def _lora(cfg: TrainConfig):
    if cfg.lora is None:
        return None
    try:
        from peft import LoraConfig
    except ImportError:
        raise config_error(cfg.config_path, "lora", "LoRA needs peft: pip install peft") from None
    return LoraConfig(r=cfg.lora.r, lora_alpha=cfg.lora.alpha, lora_dropout=cfg.lora.dropout,
                      target_modules=cfg.lora.target_modules, bias=cfg.lora.bias, task_type="CAUSAL_LM")


def last_checkpoint(output_dir: str | os.PathLike) -> Optional[str]:
    d = Path(output_dir)
    if not d.is_dir():
        return None
    from transformers.trainer_utils import get_last_checkpoint

    return get_last_checkpoint(str(d))


def _cuda_available() -> bool:
    try:
        import torch

        return torch.cuda.is_available()
    except Exception:  # noqa: BLE001
        return False


def _is_main_process() -> bool:
    return int(os.environ.get("RANK", "0")) == 0


# --------------------------------------------------------------------------- main entry
def run_train(config: str | os.PathLike | TrainConfig, *, resume: bool = False,
              overrides: Optional[Dict[str, Any]] = None, quiet: bool = False,
              dry_run: bool = False) -> Dict[str, Any]:
    """Train with GRPO; returns the summary dict (also written to ``output_dir/summary.json``).

    ``dry_run``: validate the config and dataset and build TRL's ``GRPOConfig``, but load no
    model and train nothing; returns the resolved settings."""
    t_start = time.time()
    cfg = config if isinstance(config, TrainConfig) else load_config(config, overrides)
    if isinstance(config, TrainConfig) and overrides:
        raise TypeError("overrides are only applied when loading a config file")

    import torch  # noqa: F401 - heavy imports only from here on
    from trl import GRPOTrainer

    from ..reward import LsrReward, ThinkFormatReward
    from .tiny_model import is_tiny_model, make_tiny_model

    random.seed(cfg.seed)
    out = Path(cfg.output_dir)
    model_path = resolve_input_path(cfg.model.name_or_path, cfg.config_path)
    if cfg.model.create_tiny_if_missing and not Path(model_path).exists() and not dry_run:
        if _is_main_process():
            info = make_tiny_model(model_path, seed=cfg.model.tiny_seed)
            if not quiet:
                print(f"lsr: built tiny model at {model_path} ({info['params']:,} params)", flush=True)
        else:  # other ranks wait for rank 0 to write it
            for _ in range(600):
                if is_tiny_model(model_path):
                    break
                time.sleep(0.5)

    mp = Path(model_path)
    if not mp.exists() and (mp.is_absolute() or model_path.startswith((".", "~")) or model_path.count("/") > 1):
        raise config_error(cfg.config_path, "model.name_or_path",
                           f"no such model directory: {model_path} (neither next to the config nor in the "
                           f"current directory); use `lsr make-tiny-model DIR` or a hub id")
    rows = load_rows(cfg)
    from datasets import Dataset

    dataset = Dataset.from_list(rows)

    precision = pick_precision(cfg.precision)
    if precision in ("bf16", "fp16"):
        import torch as _t

        if not _t.cuda.is_available():
            raise config_error(cfg.config_path, "precision", f"{precision} needs a GPU; use fp32 or auto on CPU")
    # fp32 master weights + bf16/fp16 autocast unless model.dtype says otherwise
    model_dtype = cfg.model.dtype or "float32"
    args = build_grpo_args(cfg, precision, model_dtype, quiet=quiet)

    ckpt = None
    if resume:
        ckpt = last_checkpoint(out)
        if ckpt is None and not quiet:
            print(f"lsr: --resume: no checkpoint in {out}, starting from scratch", flush=True)
    elif last_checkpoint(out) is not None and not quiet:
        print(f"lsr: note: {out} already has checkpoints; this run starts fresh (use --resume to continue)",
              flush=True)

    judge = None
    if cfg.reward.judge:
        from lsr_dsl.judge import TransformersJudge

        judge = TransformersJudge(resolve_input_path(cfg.reward.judge, cfg.config_path), device=cfg.reward.judge_device)
    reward = LsrReward(spec_column=cfg.dataset.spec_column, mode=cfg.mode, gamma=cfg.gamma,
                       on_error=cfg.reward.on_error, strip_think=cfg.reward.strip_think,
                       raif_tiers=cfg.reward.raif_tiers, prompt_column="prompt", judge=judge)
    reward_funcs: List[Any] = [reward]
    if cfg.reward.format_reward:
        reward_funcs.append(ThinkFormatReward(require_answer_tag=cfg.reward.require_answer_tag))
    if cfg.reward.weights is not None and len(cfg.reward.weights) != len(reward_funcs):
        raise config_error(cfg.config_path, "reward.weights",
                           f"{len(cfg.reward.weights)} weights for {len(reward_funcs)} reward functions")

    peft_config = _lora(cfg)
    if dry_run:
        return {"dry_run": True, "model": model_path, "num_rows": len(rows), "precision": precision,
                "resume_from": ckpt, "grpo_args": {k: getattr(args, k) for k in (
                    "learning_rate", "num_generations", "per_device_train_batch_size",
                    "gradient_accumulation_steps", "max_completion_length", "max_steps", "beta", "loss_type",
                    "scale_rewards", "temperature", "bf16", "fp16", "use_vllm", "output_dir")},
                "lora": peft_config is not None, "reward_funcs": [f.__name__ for f in reward_funcs]}

    metrics_path = out / "metrics.jsonl"
    from transformers.utils import logging as hf_logging

    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # "Loading weights" / "Writing model shards" bars; ours stays
    try:
        return _train_with(GRPOTrainer, cfg, args, model_path, reward, reward_funcs, dataset, peft_config,
                           metrics_path, ckpt, out, rows, precision, quiet, t_start)
    finally:
        if bars:
            hf_logging.enable_progress_bar()


def _train_with(GRPOTrainer, cfg, args, model_path, reward, reward_funcs, dataset, peft_config,
                metrics_path, ckpt, out, rows, precision, quiet, t_start) -> Dict[str, Any]:
    from .callbacks import (CompactProgressCallback, MetricsJsonlCallback, SaveAtEndCallback, plot_rewards,
                            read_metrics, reward_start_end)
    from .tiny_model import is_tiny_model

    try:
        trainer = GRPOTrainer(
            model=model_path,
            reward_funcs=reward_funcs,
            args=args,
            train_dataset=dataset,
            peft_config=peft_config,
            callbacks=[MetricsJsonlCallback(metrics_path, reward_name=reward.__name__, resume=bool(ckpt)),
                       SaveAtEndCallback()],
        )
    except OSError as exc:  # missing local dir, no network for a hub id, …
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise config_error(cfg.config_path, "model.name_or_path",
                           f"cannot load model {model_path!r}: {first}") from None
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    trainer.remove_callback(ProgressCallback)
    trainer.remove_callback(PrinterCallback)  # prints every logged dict in full
    if not quiet:
        trainer.add_callback(CompactProgressCallback())
    # A ~100k-parameter model gains nothing from intra-op threads, and on a shared small CPU
    # they make each step 3-10x slower (threads spin waiting for each other): use one.
    import torch as _torch

    threads = _torch.get_num_threads()
    one_thread = is_tiny_model(model_path) and not _cuda_available()
    if one_thread:
        _torch.set_num_threads(1)
    t_train = time.time()
    try:
        trainer.train(resume_from_checkpoint=ckpt)
    finally:
        if one_thread:
            _torch.set_num_threads(threads)
    train_s = time.time() - t_train
    trainer.save_model(str(out))

    summary: Dict[str, Any] = {}
    if trainer.is_world_process_zero():
        rows_m = read_metrics(metrics_path)
        start, end, k = reward_start_end(rows_m)
        png = plot_rewards(rows_m, out / "reward_curve.png",
                           title=f"lsr GRPO ({cfg.mode}) — {Path(model_path).name}") if cfg.plot else None
        summary = {
            "reward_start": start,
            "reward_end": end,
            "reward_window": k,
            "reward_first": rows_m[0]["reward"] if rows_m else None,
            "reward_last": rows_m[-1]["reward"] if rows_m else None,
            "steps": int(trainer.state.global_step),
            "resumed_from": ckpt,
            "logged_steps": len(rows_m),
            "wall_time_s": round(time.time() - t_start, 2),
            "train_time_s": round(train_s, 2),
            "precision": precision,
            "mode": cfg.mode,
            "gamma": cfg.gamma,
            "model": model_path,
            "dataset": resolve_input_path(cfg.dataset.path, cfg.config_path),
            "num_rows": len(rows),
            "output_dir": str(out),
            "metrics": str(metrics_path),
            "reward_curve": png,
            "reward_errors": reward.stats.get("errors", 0),
        }
        (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        if not quiet:
            fmt = lambda v: "n/a" if v is None else f"{v:.3f}"  # noqa: E731
            print(f"lsr: {summary['steps']} steps in {summary['wall_time_s']:.1f}s; "
                  f"mean reward {fmt(start)} (first {k} steps) -> {fmt(end)} (last {k} steps); "
                  f"outputs in {out}", flush=True)
    return summary
