"""``lsr train CONFIG --stage sft``: RAIF's cold start, supervised fine-tuning on expert responses.

The same config file and dataset as ``lsr train``: every row with a non-empty expert response
(``sft.column``, else ``behaviour_cloning.column``, else ``expert``) becomes one
prompt-completion example for TRL's ``SFTTrainer`` (loss on the completion tokens only); rows
without one are left out.  The model and tokenizer are saved to ``sft.output_dir`` (default
``OUTPUT_DIR-sft``), a directory that ``model.name_or_path`` of the GRPO stage can point at.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from lsr_dsl.training.config import TrainConfig, config_error, load_config, resolve_input_path


def sft_output_dir(cfg: TrainConfig) -> str:
    if cfg.sft is not None and cfg.sft.output_dir:
        return cfg.sft.output_dir
    return str(cfg.output_dir).rstrip("/\\") + "-sft"


def sft_examples(rows: List[Dict[str, Any]], column: str) -> List[Dict[str, Any]]:
    """Prompt-completion examples from normalised rows (rows without an expert response are skipped)."""
    out = []
    for row in rows:
        expert = row.get(column)
        if not (isinstance(expert, str) and expert.strip()):
            continue
        prompt = row["prompt"]
        if isinstance(prompt, str):
            out.append({"prompt": prompt, "completion": expert})
        else:
            out.append({"prompt": prompt, "completion": [{"role": "assistant", "content": expert}]})
    return out


def run_sft(config: str | os.PathLike | TrainConfig, *, overrides: Optional[Dict[str, Any]] = None,
            quiet: bool = False, dry_run: bool = False, override_labels: Optional[Dict[str, str]] = None,
            resume: bool = False) -> Dict[str, Any]:
    """Supervised cold start; returns the summary (also ``summary.json`` in the SFT output dir)."""
    from lsr_dsl.training.train import (
        _check_model_path,
        _is_main_process,
        expert_column,
        last_checkpoint,
        load_rows,
        pick_precision,
    )

    t_start = time.time()
    cfg = config if isinstance(config, TrainConfig) else load_config(config, overrides, override_labels)
    column = expert_column(cfg, "sft")
    sft = cfg.sft
    out = Path(sft_output_dir(cfg))
    model_path = resolve_input_path(cfg.model.name_or_path, cfg.config_path)
    if cfg.model.create_tiny_if_missing and not Path(model_path).exists() and not dry_run and _is_main_process():
        from lsr_dsl.training.tiny_model import make_tiny_model

        make_tiny_model(model_path, seed=cfg.model.tiny_seed)
    _check_model_path(cfg, model_path, will_create=dry_run and cfg.model.create_tiny_if_missing)
    rows = load_rows(cfg, stage="sft")
    examples = sft_examples(rows, column)
    precision = pick_precision(cfg.precision)
    settings = {
        "max_steps": sft.max_steps if sft else 50,
        "learning_rate": sft.learning_rate if sft else 2e-5,
        "per_device_train_batch_size": sft.per_device_train_batch_size if sft else 8,
        "gradient_accumulation_steps": sft.gradient_accumulation_steps if sft else 1,
    }
    if dry_run:
        return {"dry_run": True, "stage": "sft", "model": model_path, "column": column, "examples": len(examples),
                "output_dir": str(out), "precision": precision, **settings}

    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    kwargs: Dict[str, Any] = dict(settings)
    if sft is not None:
        if sft.max_length is not None:
            kwargs["max_length"] = sft.max_length
        if sft.lr_scheduler_type is not None:
            kwargs["lr_scheduler_type"] = sft.lr_scheduler_type
        if sft.warmup_steps is not None:
            kwargs["warmup_steps"] = sft.warmup_steps
        if sft.gradient_checkpointing is not None:
            import dataclasses

            name = ("activation_checkpointing" if "activation_checkpointing" in
                    {f.name for f in dataclasses.fields(SFTConfig)} else "gradient_checkpointing")
            kwargs[name] = sft.gradient_checkpointing
        kwargs.update(sft.extra)
    kwargs.update(
        output_dir=str(out), seed=cfg.seed, data_seed=cfg.seed, bf16=precision == "bf16", fp16=precision == "fp16",
        save_strategy="steps", save_steps=(sft.save_steps if sft and sft.save_steps else cfg.save_steps),
        save_total_limit=cfg.save_total_limit, logging_steps=cfg.logging_steps, report_to="none",
        disable_tqdm=quiet, completion_only_loss=True, dataloader_pin_memory=False,
        model_init_kwargs={"dtype": cfg.model.dtype or "float32"},
    )
    try:
        args = SFTConfig(**kwargs)
    except (TypeError, ValueError) as exc:
        raise config_error(cfg.config_path, "sft", f"TRL rejected the SFT settings: {exc}") from None
    losses: List[float] = []

    from transformers import TrainerCallback

    class _Losses(TrainerCallback):
        def on_log(self, a, state, control, logs=None, **kw):
            if logs and "loss" in logs:
                losses.append(float(logs["loss"]))

    trainer = SFTTrainer(model=model_path, args=args, train_dataset=Dataset.from_list(examples),
                         callbacks=[_Losses()])
    ckpt = last_checkpoint(out) if resume else None
    trainer.train(resume_from_checkpoint=ckpt)
    trainer.save_model(str(out))
    summary: Dict[str, Any] = {}
    if trainer.is_world_process_zero():
        summary = {"stage": "sft", "model": model_path, "output_dir": str(out), "column": column,
                   "examples": len(examples), "steps": int(trainer.state.global_step),
                   "loss_first": losses[0] if losses else None, "loss_last": losses[-1] if losses else None,
                   "resumed_from": ckpt, "wall_time_s": round(time.time() - t_start, 2)}
        (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        if not quiet:
            print(f"lsr: SFT cold start: {summary['steps']} steps on {len(examples)} expert responses; "
                  f"loss {summary['loss_first']} -> {summary['loss_last']}; model in {out} "
                  f"(set model: {out} for the GRPO stage)", flush=True)
    return summary
