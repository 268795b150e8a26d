"""RAIF's training recipe on TRL's ``GRPOTrainer``: superior-CoT enforcement and behaviour cloning.

:class:`RaifGRPOTrainer` hooks three methods of TRL's trainer:

* ``_generate_and_score_completions`` — with superior-CoT on, each step first generates the
  same number of responses with the reasoning block prefilled empty (``empty_think`` appended
  to the rendered prompt), scores them with the same reward functions, and then lets TRL
  generate and score the reasoning responses as usual.  The keep/skip decision per prompt is
  :func:`lsr_dsl.rewards.shaping.superior_cot_keep` over the first (lsr) reward function's
  values; a dropped response gets advantage 0 and loss mask 0, so it moves nothing.  The
  reasoning-free responses are never trained on.  With behaviour cloning on, the expert
  response of each distinct prompt in the batch is tokenized here (``bc_*`` tensors).
* ``compute_loss`` — adds ``coef`` × :func:`expert_nll` (token-mean NLL of the expert
  responses in the micro-batch) to TRL's GRPO loss.
* checkpoint save/load — the running totals (prompts kept/skipped, expert rows cloned)
  are written to ``raif_state.json`` in each checkpoint and read back on resume.

Everything it logs is under ``raif/`` (see docs/raif.md).
"""
from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import torch
from trl import GRPOTrainer

from lsr_dsl.rewards.shaping import superior_cot_keep

STATE_FILE = "raif_state.json"
TOTALS = ("prompts_kept", "prompts_skipped", "responses_dropped", "bc_rows")


@dataclass(frozen=True)
class RaifSettings:
    """What :class:`RaifGRPOTrainer` does on top of GRPO (both off: plain GRPO)."""

    superior_cot: bool = False
    comparison: str = "pairwise"
    empty_think: str = "<think>\n\n</think>\n\n"
    bc_coef: float = 0.0
    bc_column: Optional[str] = None


def expert_nll(model: Any, input_ids: torch.Tensor, attention_mask: torch.Tensor,
               loss_mask: torch.Tensor) -> torch.Tensor:
    """Token-mean negative log-likelihood of the tokens where ``loss_mask`` is 1 (the expert
    response), each predicted from the tokens before it; a tensor with a gradient."""
    logits = model(input_ids=input_ids, attention_mask=attention_mask).logits[:, :-1, :].float()
    targets = input_ids[:, 1:]
    mask = loss_mask[:, 1:].to(logits.dtype)
    logp = torch.log_softmax(logits, dim=-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    return -(logp * mask).sum() / mask.sum().clamp(min=1.0)


def _has_expert(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _prompt_key(prompt: Any) -> str:
    return prompt if isinstance(prompt, str) else json.dumps(prompt, sort_keys=True)


class RaifGRPOTrainer(GRPOTrainer):
    """``GRPOTrainer`` with RAIF's superior-CoT enforcement and behaviour cloning."""

    def __init__(self, *args: Any, raif: RaifSettings = RaifSettings(), **kwargs: Any):
        self.raif = raif
        self.raif_totals: Dict[str, int] = {k: 0 for k in TOTALS}
        self._raif_prefill: Optional[List[int]] = None  # token ids appended to prompts while set
        self._raif_gen_bucket = "with"
        self._raif_gen_time = {"with": 0.0, "without": 0.0}
        self._raif_last_rewards: Optional[torch.Tensor] = None
        super().__init__(*args, **kwargs)

    def _raif_tokenizer(self) -> Any:
        """The text tokenizer (a processor's ``tokenizer`` for multimodal models)."""
        return getattr(self.processing_class, "tokenizer", self.processing_class)

    # ------------------------------------------------------------------ hooks into generation
    def _tokenize_prompts(self, prompts: list):
        prompt_ids, images, multimodal_fields = super()._tokenize_prompts(prompts)
        if self._raif_prefill:
            prompt_ids = [list(ids) + self._raif_prefill for ids in prompt_ids]
        return prompt_ids, images, multimodal_fields

    def _generate(self, prompts: list):
        t0 = time.perf_counter()
        try:
            return super()._generate(prompts)
        finally:
            self._raif_gen_time[self._raif_gen_bucket] += time.perf_counter() - t0

    def _calculate_rewards(self, inputs, prompts, completions, completion_ids_list):
        rewards = super()._calculate_rewards(inputs, prompts, completions, completion_ids_list)
        self._raif_last_rewards = rewards
        return rewards

    def _generate_and_score_completions(self, inputs):
        training = self.model.training
        without = None
        self._raif_gen_time = {"with": 0.0, "without": 0.0}
        if training and self.raif.superior_cot:
            without = self._score_without_reasoning(inputs)
        output = super()._generate_and_score_completions(inputs)
        if not training:
            return output
        if without is not None:
            with_r = self._raif_last_rewards[:, 0].detach().float().cpu()
            self._apply_superior_cot(output, with_r, without, len(inputs))
        if self.raif.bc_coef > 0 and self.raif.bc_column:
            output.update(self._expert_batch(inputs))
        return output

    def _score_without_reasoning(self, inputs) -> torch.Tensor:
        """Generate and score one reasoning-free response per input row; the lsr reward of
        every row of every process (gathered), in TRL's group order.  Nothing it logs
        reaches TRL's metrics, except ``raif/*``."""
        mode = "train"
        metrics_len = {k: len(v) for k, v in self._metrics[mode].items()}
        pending_metrics = {k: list(v) for k, v in self._pending_metrics.items()}
        pending_extra = {k: list(v) for k, v in self._pending_extra_logs.items()}
        tokens_seen = self.state.num_input_tokens_seen
        tok = self._raif_tokenizer()
        self._raif_prefill = tok(self.raif.empty_think, add_special_tokens=False)["input_ids"]
        self._raif_gen_bucket = "without"
        try:
            prompts = [x["prompt"] for x in inputs]
            _, completion_ids, _, completions, *_ = self._generate(prompts)
            rewards = self._calculate_rewards(inputs, prompts, completions, completion_ids)
        finally:
            self._raif_prefill = None
            self._raif_gen_bucket = "with"
        lengths = self.accelerator.gather(torch.tensor([float(len(c)) for c in completion_ids],
                                                       device=self.accelerator.device))
        # undo what the extra generation and scoring logged into TRL's step metrics
        for k in list(self._metrics[mode]):
            if k in metrics_len:
                del self._metrics[mode][k][metrics_len[k]:]
            else:
                del self._metrics[mode][k]
        self._pending_metrics.clear()
        self._pending_metrics.update(pending_metrics)
        self._pending_extra_logs.clear()
        self._pending_extra_logs.update(pending_extra)
        self.state.num_input_tokens_seen = tokens_seen
        self._metrics[mode]["raif/no_reasoning_length"].append(lengths.mean().item())
        return rewards[:, 0].detach().float().cpu()

    def _apply_superior_cot(self, output: Dict[str, Any], with_r: torch.Tensor, without: torch.Tensor,
                            n_local: int) -> None:
        g = self.num_generations
        keep_rows: List[bool] = []
        kept = skipped = dropped = 0
        for start in range(0, len(with_r), g):
            decision = superior_cot_keep(with_r[start:start + g].tolist(), without[start:start + g].tolist(),
                                         self.raif.comparison)
            keep_rows.extend(decision)
            if any(decision):
                kept += 1
            else:
                skipped += 1
            dropped += decision.count(False)
        mask_all = torch.tensor(keep_rows, dtype=torch.bool)
        lo = self.accelerator.process_index * n_local
        local = mask_all[lo:lo + n_local].to(output["advantages"].device)
        output["advantages"] = output["advantages"] * local.to(output["advantages"].dtype)
        output["completion_mask"] = output["completion_mask"] * local.unsqueeze(1).to(output["completion_mask"].dtype)
        self.raif_totals["prompts_kept"] += kept
        self.raif_totals["prompts_skipped"] += skipped
        self.raif_totals["responses_dropped"] += dropped
        m = self._metrics["train"]
        with_mean, without_mean = _nanmean(with_r), _nanmean(without)
        m["raif/prompts_kept"].append(float(kept))
        m["raif/prompts_skipped"].append(float(skipped))
        m["raif/responses_dropped"].append(float(dropped))
        m["raif/reward_with_reasoning"].append(with_mean)
        m["raif/reward_without_reasoning"].append(without_mean)
        m["raif/reasoning_gap"].append(with_mean - without_mean)
        times = self.accelerator.gather(torch.tensor([self._raif_gen_time["with"], self._raif_gen_time["without"]],
                                                     device=self.accelerator.device)).view(-1, 2).max(dim=0).values
        m["raif/gen_time_with_reasoning_s"].append(float(times[0]))
        m["raif/gen_time_without_reasoning_s"].append(float(times[1]))

    # ------------------------------------------------------------------ behaviour cloning
    def _expert_batch(self, inputs) -> Dict[str, torch.Tensor]:
        """``bc_input_ids``/``bc_attention_mask``/``bc_loss_mask``/``bc_has``, one row per input
        row; only the first row of each distinct prompt with an expert response has ``bc_has`` = 1."""
        tok = self._raif_tokenizer()
        seen = set()
        rows: List[tuple] = []
        for x in inputs:
            expert = x.get(self.raif.bc_column)
            key = _prompt_key(x["prompt"])
            if not _has_expert(expert) or key in seen:
                rows.append(None)
                continue
            seen.add(key)
            prompt_ids = list(super()._tokenize_prompts([x["prompt"]])[0][0])
            answer_ids = tok(expert, add_special_tokens=False)["input_ids"]
            if tok.eos_token_id is not None:
                answer_ids = answer_ids + [tok.eos_token_id]
            rows.append((prompt_ids, answer_ids))
        width = max([len(p) + len(a) for r in rows if r for p, a in [r]] or [1])
        pad = tok.pad_token_id if tok.pad_token_id is not None else 0
        ids = torch.full((len(rows), width), pad, dtype=torch.long)
        attn = torch.zeros((len(rows), width), dtype=torch.long)
        loss_mask = torch.zeros((len(rows), width), dtype=torch.long)
        has = torch.zeros(len(rows), dtype=torch.long)
        for i, r in enumerate(rows):
            if r is None:
                continue
            p, a = r
            seq = p + a
            ids[i, :len(seq)] = torch.tensor(seq)
            attn[i, :len(seq)] = 1
            loss_mask[i, len(p):len(seq)] = 1
            has[i] = 1
        device = self.accelerator.device
        n_rows = int(self.accelerator.gather(has.sum().to(device)).sum().item())
        self.raif_totals["bc_rows"] += n_rows
        return {"bc_input_ids": ids.to(device), "bc_attention_mask": attn.to(device),
                "bc_loss_mask": loss_mask.to(device), "bc_has": has.to(device)}

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        loss = super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        if not (self.raif.bc_coef > 0 and "bc_has" in inputs):
            return loss
        mode = "train" if self.model.training else "eval"
        rows = inputs["bc_has"].nonzero().flatten()
        device = self.accelerator.device
        if rows.numel():
            nll = expert_nll(model, inputs["bc_input_ids"][rows], inputs["bc_attention_mask"][rows],
                             inputs["bc_loss_mask"][rows])
            self._metrics[mode]["raif/grpo_loss"].append(
                self.accelerator.gather(loss.detach().reshape(1)).mean().item())
            loss = loss + self.raif.bc_coef * nll
            value = nll.detach().reshape(1)
        else:
            self._metrics[mode]["raif/grpo_loss"].append(
                self.accelerator.gather(loss.detach().reshape(1)).mean().item())
            value = torch.full((1,), float("nan"), device=device)
        gathered = self.accelerator.gather(value.to(device))
        mean = _nanmean(gathered.float().cpu())
        if not math.isnan(mean):
            self._metrics[mode]["raif/bc_nll"].append(mean)
            self._metrics[mode]["raif/bc_loss"].append(self.raif.bc_coef * mean)
        return loss

    # ------------------------------------------------------------------ logging and checkpoints
    def log(self, logs: Dict[str, float], start_time: Optional[float] = None) -> None:
        if self.model.training and self._metrics["train"].get("reward"):
            if self.raif.superior_cot:
                logs["raif/prompts_kept_total"] = float(self.raif_totals["prompts_kept"])
                logs["raif/prompts_skipped_total"] = float(self.raif_totals["prompts_skipped"])
                logs["raif/responses_dropped_total"] = float(self.raif_totals["responses_dropped"])
            if self.raif.bc_coef > 0:
                logs["raif/bc_rows_total"] = float(self.raif_totals["bc_rows"])
        super().log(logs, start_time)

    def _save_checkpoint(self, model, trial):
        super()._save_checkpoint(model, trial)
        if self.args.should_save:
            from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR

            folder = os.path.join(self._get_output_dir(trial=trial), f"{PREFIX_CHECKPOINT_DIR}-{self.state.global_step}")
            with open(os.path.join(folder, STATE_FILE), "w", encoding="utf-8") as f:
                json.dump({"totals": self.raif_totals, "step": int(self.state.global_step)}, f)

    def _load_optimizer_and_scheduler(self, checkpoint):
        super()._load_optimizer_and_scheduler(checkpoint)
        if checkpoint is None:
            return
        state = read_raif_state(checkpoint)
        if state is not None:
            self.raif_totals.update({k: int(v) for k, v in state.get("totals", {}).items() if k in TOTALS})


def read_raif_state(checkpoint: str | os.PathLike) -> Optional[Dict[str, Any]]:
    """The ``raif_state.json`` of a checkpoint, or None."""
    path = os.path.join(checkpoint, STATE_FILE)
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _nanmean(t: torch.Tensor) -> float:
    t = t.float()
    ok = t[~torch.isnan(t)]
    return float(ok.mean()) if ok.numel() else float("nan")
