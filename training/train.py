"""``lsr train CONFIG.yaml [--resume]``: GRPO with LsRM rewards on TRL's ``GRPOTrainer``.

Outputs in ``output_dir``: ``checkpoint-N/`` (every ``save_steps`` and at the
end), ``metrics.jsonl`` (one row per logged step), ``reward_curve.png``,
``summary.json`` and the final model.  TensorBoard event files go to
``output_dir/runs`` when tensorboard is installed (``report_to: auto``).
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import random
import re
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from lsr_dsl.language.errors import LsrDataError
from lsr_dsl.training.config import TrainConfig, config_error, load_config, resolve_input_path


# --------------------------------------------------------------------------- data
MAX_LISTED = 20  # bad dataset rows listed in one error (then a count)


def load_rows(cfg: TrainConfig, stage: str = "grpo") -> List[Dict[str, Any]]:
    """Read the JSONL dataset; every row needs the prompt and spec columns, and every spec must compile.

    All bad rows are reported together (the first ``MAX_LISTED``, then a count), each as
    ``FILE:LINE: reason``."""
    path = resolve_input_path(cfg.dataset.path, cfg.config_path)
    pc, sc = cfg.dataset.prompt_column, cfg.dataset.spec_column
    p = Path(path)
    if p.is_dir():
        raise config_error(cfg.config_path, "dataset.path", f"{path} is a directory, not a JSONL file")
    if not p.is_file():
        raise config_error(cfg.config_path, "dataset.path", f"no such file: {path}")
    rows: List[Dict[str, Any]] = []
    bad: List[str] = []
    n_bad = 0
    compiled: Dict[str, Optional[str]] = {}  # spec → compile error (None: compiles)
    try:
        f = open(path, "rb")
    except OSError as exc:
        raise LsrDataError(f"{path}: cannot read: {exc.strerror or exc}") from None
    with f:
        for lineno, raw in enumerate(f, 1):
            try:
                line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise LsrDataError(f"{path}: not UTF-8 text ({exc.reason}, line {lineno})") from None
            if not line.strip():
                continue
            why = _row_problem(line, pc, sc, cfg, compiled, stage)
            if isinstance(why, str):
                n_bad += 1
                if len(bad) < MAX_LISTED:
                    bad.append(f"{path}:{lineno}: {why}")
                continue
            rows.append(why)
            if cfg.dataset.limit and len(rows) >= cfg.dataset.limit:
                break
    if n_bad == 1:
        raise LsrDataError(bad[0])
    if n_bad:
        more = f"\n  … and {n_bad - len(bad)} more" if n_bad > len(bad) else ""
        raise LsrDataError(f"{n_bad} bad rows in {path}:\n  " + "\n  ".join(bad) + more)
    if not rows:
        raise LsrDataError(f"{path}: the dataset is empty")
    expert_col = expert_column(cfg, stage)
    if expert_col is not None and not any(isinstance(r.get(expert_col), str) and r[expert_col].strip()
                                          for r in rows):
        from lsr_dsl.language.errors import closest

        seen = sorted({k for r in rows for k in r})
        guess = closest(expert_col, seen)
        where = "sft.column" if stage == "sft" and (cfg.sft is None or cfg.sft.column or
                                                    cfg.behaviour_cloning is None) else "behaviour_cloning.column"
        raise config_error(cfg.config_path, where,
                           f"no row of {path} has an expert response in column {expert_col!r}"
                           + (f" (did you mean {guess!r}?)" if guess else f" (columns: {', '.join(seen)})"))
    return _normalise_rows(rows, cfg, stage)


def expert_column(cfg: TrainConfig, stage: str = "grpo") -> Optional[str]:
    """The dataset column with expert responses that ``stage`` needs, or None when it needs none:
    ``grpo`` → ``behaviour_cloning.column`` (when set); ``sft`` → ``sft.column``, else
    ``behaviour_cloning.column``, else ``expert``."""
    if stage == "sft":
        if cfg.sft is not None and cfg.sft.column:
            return cfg.sft.column
        return cfg.behaviour_cloning.column if cfg.behaviour_cloning is not None else "expert"
    return cfg.behaviour_cloning.column if cfg.behaviour_cloning is not None else None


def _row_problem(line: str, pc: str, sc: str, cfg: TrainConfig,
                 compiled: Dict[str, Optional[str]], stage: str = "grpo") -> Any:
    """The row (a dict), or why it is bad (a string)."""
    from lsr_dsl.api import compile_any
    from lsr_dsl.language.errors import LsrError

    try:
        row = json.loads(line)
    except ValueError as exc:
        return f"invalid JSON: {exc}"
    if not isinstance(row, dict):
        return "each line must be a JSON object"
    for col in (pc, sc):
        if col not in row or row[col] in (None, ""):
            return (f"missing column {col!r} "
                    f"(set dataset.{'prompt' if col == pc else 'spec'}_column)")
    expert_col = expert_column(cfg, stage)
    if expert_col is not None and row.get(expert_col) is not None and not isinstance(row[expert_col], str):
        return (f"column {expert_col!r} (the expert response) must be a string or null, "
                f"not {_describe(row[expert_col])}")
    prompt = row[pc]
    if not (isinstance(prompt, str) or (isinstance(prompt, list) and prompt and all(
            isinstance(m, dict) and "role" in m and "content" in m for m in prompt))):
        return (f"column {pc!r} must be a string or a list of messages "
                f"([{{\"role\": ..., \"content\": ...}}]), not {_describe(prompt)}")
    spec = row[sc]
    key = spec if isinstance(spec, str) else json.dumps(spec, sort_keys=True)
    if key not in compiled:
        try:
            compile_any(spec, mode=cfg.mode, gamma=cfg.gamma)
            compiled[key] = None
        except LsrError as exc:
            compiled[key] = _one_line(exc)
    if compiled[key] is not None:
        return f"the spec does not compile: {compiled[key]}"
    return row


def _describe(value: Any) -> str:
    if isinstance(value, list):
        return "an empty list" if not value else "a list of something else"
    return type(value).__name__


def _one_line(e: Any) -> str:
    """An LsrError on one line, with the compiler's hints ("did you mean …?")."""
    if e.errors:
        return "; ".join(dict.fromkeys(d.message + (f" ({d.hint})" if d.hint else "") for d in e.errors))
    return str(e)


def _normalise_rows(rows: List[Dict[str, Any]], cfg: TrainConfig, stage: str = "grpo") -> List[Dict[str, Any]]:
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
        expert_col = expert_column(cfg, stage)
        if expert_col is not None:  # every row has the column (Arrow needs one schema)
            new[expert_col] = row.get(expert_col)
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
    if not _cuda_available() and _launched_world_size() > 1 and "use_cpu" in fields:
        # Under a launcher (accelerate launch, torchrun) without a GPU: one data-parallel run over
        # gloo. Without this each process would train a separate copy into the same output_dir.
        kwargs["use_cpu"] = True
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


_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "adapter_model.safetensors", "adapter_model.bin",
                 "model.safetensors.index.json", "pytorch_model.bin.index.json")


def checkpoint_complete(ckpt: str | os.PathLike) -> bool:
    """Whether a checkpoint folder was written to the end: weights and ``trainer_state.json``
    (the Trainer writes the state last, so a run killed while saving leaves none)."""
    d = Path(ckpt)
    return (d / "trainer_state.json").is_file() and any((d / f).is_file() for f in _WEIGHT_FILES)


def last_checkpoint(output_dir: str | os.PathLike) -> Optional[str]:
    """The newest complete ``checkpoint-N`` in ``output_dir`` (incomplete ones, left by a run
    killed while saving, are skipped with a note on stderr), or None."""
    d = Path(output_dir)
    if not d.is_dir():
        return None
    found = []
    for c in d.iterdir():
        m = re.fullmatch(r"checkpoint-(\d+)", c.name)
        if m and c.is_dir():
            found.append((int(m.group(1)), c))
    for step, c in sorted(found, reverse=True):
        if checkpoint_complete(c):
            return str(c)
        if _is_main_process():
            print(f"lsr: --resume: skipping {c.name}: incomplete (no weights or trainer_state.json; "
                  f"the run was stopped while saving it)", file=sys.stderr, flush=True)
    return None


def _checkpoint_step(ckpt: str) -> Optional[int]:
    """``global_step`` of a checkpoint (from its trainer_state.json, else its name)."""
    try:
        state = json.loads((Path(ckpt) / "trainer_state.json").read_text(encoding="utf-8"))
        return int(state["global_step"])
    except (OSError, ValueError, KeyError, TypeError):
        tail = Path(ckpt).name.rpartition("-")[2]
        return int(tail) if tail.isdigit() else None


def _check_model_path(cfg: TrainConfig, model_path: str, will_create: bool = False) -> None:
    """A local model path must be a directory with a ``config.json`` (a hub id is left to transformers)."""
    mp = Path(model_path)
    if not mp.exists():
        if will_create:
            return
        if mp.is_absolute() or model_path.startswith((".", "~")) or model_path.count("/") > 1:
            raise config_error(cfg.config_path, "model.name_or_path",
                               f"no such model directory: {model_path} (neither next to the config nor in the "
                               f"current directory); use `lsr make-tiny-model DIR` or a hub id")
        return
    if not mp.is_dir():
        raise config_error(cfg.config_path, "model.name_or_path",
                           f"{model_path} is a file, not a model directory (one with config.json and weights)")
    if not (mp / "config.json").is_file() and not (mp / "adapter_config.json").is_file():
        raise config_error(cfg.config_path, "model.name_or_path",
                           f"{model_path} has no config.json: not a Hugging Face model directory"
                           + (" (it is empty)" if not any(mp.iterdir()) else ""))


def _cuda_available() -> bool:
    try:
        import torch

        return torch.cuda.is_available()
    except Exception:  # noqa: BLE001
        return False


def _launched_world_size() -> int:
    """The number of processes a launcher started (``WORLD_SIZE``; 1 when run directly)."""
    try:
        return int(os.environ.get("WORLD_SIZE", "1"))
    except ValueError:
        return 1


def _is_main_process() -> bool:
    return int(os.environ.get("RANK", "0")) == 0


# --------------------------------------------------------------------------- main entry
def run_train(config: str | os.PathLike | TrainConfig, *, resume: bool = False,
              overrides: Optional[Dict[str, Any]] = None, quiet: bool = False,
              dry_run: bool = False, override_labels: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    """Train with GRPO; returns the summary dict (also written to ``output_dir/summary.json``).

    ``dry_run``: validate the config and dataset and build TRL's ``GRPOConfig``, but load no
    model and train nothing; returns the resolved settings.  ``override_labels`` name where
    each override came from (``{"grpo.beta": "--set grpo.beta=abc"}``) for error messages.

    ``resume`` when the last checkpoint is already at ``grpo.max_steps`` or beyond trains
    nothing: it says so on stderr and returns ``{"nothing_to_train": True, "steps": N, …}``
    (``summary.json`` is left as it was)."""
    t_start = time.time()
    cfg = config if isinstance(config, TrainConfig) else load_config(config, overrides, override_labels)
    if isinstance(config, TrainConfig) and overrides:
        raise TypeError("overrides are only applied when loading a config file")

    import torch  # noqa: F401 - heavy imports only from here on
    from trl import GRPOTrainer

    from lsr_dsl.rewards import LsrReward, ThinkFormatReward
    from lsr_dsl.training.tiny_model import is_tiny_model, make_tiny_model

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

    if not dry_run and _is_main_process():
        from lsr_dsl.training.gguf import model_dir_for

        model_path = model_dir_for(model_path, quiet=quiet)  # a .gguf file: its converted folder
    elif not dry_run:
        from lsr_dsl.training.gguf import default_converted_dir, is_gguf_source

        if is_gguf_source(model_path):  # other ranks wait for rank 0 to convert it
            model_path = str(default_converted_dir(model_path))
            for _ in range(1200):
                if (Path(model_path) / "model.safetensors").is_file():
                    break
                time.sleep(0.5)
    from lsr_dsl.training.gguf import is_gguf_source as _is_gguf

    if not (dry_run and _is_gguf(model_path)):
        _check_model_path(cfg, model_path, will_create=dry_run and cfg.model.create_tiny_if_missing)
    if Path(cfg.output_dir).exists() and not Path(cfg.output_dir).is_dir():
        raise config_error(cfg.config_path, "output_dir", f"{cfg.output_dir} exists and is not a directory")
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
        done = _checkpoint_step(ckpt) if ckpt else None
        if done is not None and done >= cfg.grpo.max_steps:
            import sys

            print(f"lsr: --resume: {Path(ckpt).name} is already at step {done} >= max_steps "
                  f"{cfg.grpo.max_steps}: nothing to train (raise --max-steps above {done} to continue)",
                  file=sys.stderr, flush=True)
            if not dry_run:
                return {"nothing_to_train": True, "steps": done, "max_steps": cfg.grpo.max_steps,
                        "resumed_from": ckpt, "output_dir": str(out)}
    elif last_checkpoint(out) is not None and not quiet:
        print(f"lsr: note: {out} already has checkpoints; this run starts fresh (use --resume to continue)",
              flush=True)

    judge = None
    if cfg.reward.judge:
        from lsr_dsl.judges.config import make_judge

        spec = cfg.reward.judge
        if not spec.startswith(("http://", "https://", "entrypoint:", "py:")):
            kind, sep, rest = spec.partition(":")
            if sep and kind in ("causal", "classifier"):
                spec = f"{kind}:{resolve_input_path(rest, cfg.config_path)}"
            else:
                spec = str(resolve_input_path(spec, cfg.config_path))
        judge = make_judge(spec, device=cfg.reward.judge_device, batch_size=cfg.reward.judge_batch_size)
    reward = LsrReward(spec_column=cfg.dataset.spec_column, mode=cfg.mode, gamma=cfg.gamma,
                       on_error=cfg.reward.on_error, strip_think=cfg.reward.strip_think,
                       raif_tiers=cfg.reward.raif_tiers, prompt_column="prompt", judge=judge,
                       judge_batch_size=cfg.reward.judge_batch_size, judge_cache=cfg.reward.judge_cache,
                       soft=cfg.reward.soft)
    reward.validate(dataset)  # rows were checked above; this seeds which leaves get a metric key of their own
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
                "lora": peft_config is not None, "reward_funcs": [f.__name__ for f in reward_funcs],
                "superior_cot": cfg.superior_cot.model_dump() if cfg.superior_cot_on else None,
                "behaviour_cloning": cfg.behaviour_cloning.model_dump() if cfg.behaviour_cloning else None}

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
        _end_process_group()


def _end_process_group() -> None:
    """Tear down a multi-process run's process group before the interpreter exits: gloo's
    threads otherwise abort a process at exit ('terminate called without an active exception')."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


_MISSING_KEYS = "There were missing keys in the checkpoint model loaded: "


class _TiedHeadFilter:
    """Drops transformers' "missing keys in the checkpoint model loaded: ['lm_head.weight']" on
    ``--resume`` when the model ties its output layer to the input embeddings
    (``tie_word_embeddings``, as the tiny model does): ``save_pretrained`` leaves the tied
    copy out of the checkpoint, and loading the embeddings restores it, so nothing is lost."""

    def __init__(self, trainer: Any):
        self.trainer = trainer

    def filter(self, record: Any) -> bool:
        msg = record.getMessage()
        if not msg.startswith(_MISSING_KEYS):
            return True
        return not _only_tied_keys_missing(self.trainer.model, msg[len(_MISSING_KEYS):])


def _sum_over_processes(trainer: Any, values: List[int]) -> List[int]:
    """``values`` summed over all training processes (a collective: every process calls it)."""
    import torch

    t = torch.tensor(values, dtype=torch.long, device=trainer.accelerator.device)
    return [int(v) for v in trainer.accelerator.reduce(t, reduction="sum").tolist()]


def _only_tied_keys_missing(model: Any, listed: str) -> bool:
    import ast

    try:
        missing = ast.literal_eval(listed.rstrip(". "))
    except (ValueError, SyntaxError):
        return False
    try:
        out_emb = model.get_output_embeddings()
        in_emb = model.get_input_embeddings()
    except Exception:  # noqa: BLE001
        return False
    tied = out_emb is not None and in_emb is not None and out_emb.weight is in_emb.weight
    return tied and bool(missing) and all(str(k).endswith("lm_head.weight") for k in missing)


@contextlib.contextmanager
def _quiet_known_noise(trainer: Any):
    """Silence two harmless messages around training, and nothing else:

    * transformers 5's ``FutureWarning`` that ``is_gradient_checkpointing`` is deprecated,
      raised by TRL/peft at every checkpoint save;
    * the "missing keys … lm_head.weight" warning on resume of a tied-embedding model
      (see :class:`_TiedHeadFilter`)."""
    import logging
    import warnings

    log = logging.getLogger("transformers.trainer")
    flt = _TiedHeadFilter(trainer)
    log.addFilter(flt)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r".*`?is_gradient_checkpointing`? is deprecated",
                                    category=FutureWarning)
            yield
    finally:
        log.removeFilter(flt)


def _train_with(GRPOTrainer, cfg, args, model_path, reward, reward_funcs, dataset, peft_config,
                metrics_path, ckpt, out, rows, precision, quiet, t_start) -> Dict[str, Any]:
    from lsr_dsl.training.callbacks import (
        CompactProgressCallback,
        MetricsJsonlCallback,
        SaveAtEndCallback,
        plot_raif,
        plot_rewards,
        read_metrics,
        reward_start_end,
    )
    from lsr_dsl.training.tiny_model import is_tiny_model

    extra: Dict[str, Any] = {}
    if cfg.superior_cot_on or cfg.behaviour_cloning is not None:
        from lsr_dsl.training.raif import RaifGRPOTrainer, RaifSettings

        GRPOTrainer = RaifGRPOTrainer
        sc, bc = cfg.superior_cot, cfg.behaviour_cloning
        extra["raif"] = RaifSettings(
            superior_cot=cfg.superior_cot_on,
            comparison=sc.comparison if sc else "pairwise",
            empty_think=sc.empty_think if sc else RaifSettings.empty_think,
            bc_coef=bc.coef if bc else 0.0,
            bc_column=bc.column if bc else None)
    try:
        trainer = GRPOTrainer(
            model=model_path,
            reward_funcs=reward_funcs,
            args=args,
            train_dataset=dataset,
            peft_config=peft_config,
            callbacks=[MetricsJsonlCallback(metrics_path, reward_name=reward.__name__, resume=bool(ckpt)),
                       SaveAtEndCallback()],
            **extra,
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
    with _quiet_known_noise(trainer):
        try:
            trainer.train(resume_from_checkpoint=ckpt)
        except ValueError as exc:
            if ckpt and "valid checkpoint" in str(exc):  # e.g. a run killed while saving
                raise config_error(cfg.config_path, "output_dir",
                                   f"--resume: {ckpt} is not a complete checkpoint (no model weights); "
                                   f"delete it to resume from the one before") from None
            raise
        finally:
            if one_thread:
                _torch.set_num_threads(threads)
        train_s = time.time() - t_train
        trainer.save_model(str(out))
    # every process scores its own completions: these sums count each completion once
    completions, errors = _sum_over_processes(trainer, [reward.stats.get("completions", 0),
                                                        reward.stats.get("errors", 0)])

    summary: Dict[str, Any] = {}
    if trainer.is_world_process_zero():
        rows_m = read_metrics(metrics_path)
        start, end, k = reward_start_end(rows_m)
        png = plot_rewards(rows_m, out / "reward_curve.png",
                           title=f"lsr GRPO ({cfg.mode}) — {Path(model_path).name}") if cfg.plot else None
        raif_png = plot_raif(rows_m, out / "raif_curve.png",
                             title=f"RAIF — {Path(model_path).name}") if cfg.plot else None
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
            "raif_curve": raif_png,
            "world_size": int(trainer.accelerator.num_processes),
            "reward_completions": completions,
            "reward_errors": errors,
        }
        totals = getattr(trainer, "raif_totals", None)
        if totals is not None:
            summary["raif"] = dict(totals)
        (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        if not quiet:
            fmt = lambda v: "n/a" if v is None else f"{v:.3f}"  # noqa: E731
            print(f"lsr: {summary['steps']} steps in {summary['wall_time_s']:.1f}s; "
                  f"mean reward {fmt(start)} (first {k} steps) -> {fmt(end)} (last {k} steps); "
                  f"outputs in {out}", flush=True)
    return summary
