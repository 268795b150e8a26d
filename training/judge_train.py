"""``lsr train-judge DATA.jsonl -o DIR``: fine-tune a classifier judge on ``{response, constraint, label}`` rows.

Defaults follow the LsrIF paper's appendix A.2 (full fine-tuning, learning rate 5e-6, 3 epochs,
batch size 1); every one can be overridden. A held-out split (``eval_fraction``) is scored after
training: accuracy, precision, recall and a calibration summary (expected calibration error over
10 bins). The written directory loads as ``classifier:DIR`` (:class:`lsr_dsl.judges.ClassifierJudge`).
"""
from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from lsr_dsl.language.errors import LsrDataError

Example = Tuple[str, str, int]


@dataclass(frozen=True)
class JudgeTrainConfig:
    base: str
    output_dir: str
    lr: float = 5e-6
    epochs: int = 3
    batch_size: int = 1
    max_length: int = 1024
    eval_fraction: float = 0.1
    seed: int = 0
    max_steps: Optional[int] = None
    device: Optional[str] = None


def read_examples(path: str) -> List[Example]:
    """The rows of a JSONL file; a bad row is an error naming its line."""
    out: List[Example] = []
    try:
        with open(path, encoding="utf-8") as f:
            lines = list(f)
    except OSError as e:
        raise LsrDataError(f"{path}: cannot read: {e.strerror or e}") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise LsrDataError(f"{path}:{n}:{e.colno}: not JSON: {e.msg}") from None
        if not isinstance(row, dict):
            raise LsrDataError(f"{path}:{n}: a row must be a JSON object")
        resp, cons, label = row.get("response"), row.get("constraint"), row.get("label")
        for key, value in (("response", resp), ("constraint", cons)):
            if not isinstance(value, str):
                raise LsrDataError(f"{path}:{n}: '{key}' must be a string" + (" (missing)" if value is None else ""))
        if label not in (0, 1, True, False):
            raise LsrDataError(f"{path}:{n}: 'label' must be 0 or 1, not {label!r}")
        out.append((cons, resp, int(label)))
    if len(out) < 2:
        raise LsrDataError(f"{path}: need at least 2 rows (one to train on, one held out), found {len(out)}")
    return out


def split(examples: Sequence[Example], fraction: float, seed: int) -> Tuple[List[Example], List[Example]]:
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    n_eval = min(len(order) - 1, max(1, round(len(order) * fraction)))
    return [examples[i] for i in order[n_eval:]], [examples[i] for i in order[:n_eval]]


def metrics(probs: Sequence[float], labels: Sequence[int], bins: int = 10) -> Dict[str, float]:
    """Accuracy, precision, recall (at 0.5) and expected calibration error."""
    pred = [1 if p >= 0.5 else 0 for p in probs]
    tp = sum(1 for p, y in zip(pred, labels) if p == 1 and y == 1)
    fp = sum(1 for p, y in zip(pred, labels) if p == 1 and y == 0)
    fn = sum(1 for p, y in zip(pred, labels) if p == 0 and y == 1)
    n = len(labels)
    ece = 0.0
    for b in range(bins):
        idx = [i for i, p in enumerate(probs) if (b / bins <= p < (b + 1) / bins) or (b == bins - 1 and p == 1.0)]
        if idx:
            conf = sum(probs[i] for i in idx) / len(idx)
            freq = sum(labels[i] for i in idx) / len(idx)
            ece += len(idx) / n * abs(conf - freq)
    return {"n": float(n), "accuracy": sum(1 for p, y in zip(pred, labels) if p == y) / n,
            "precision": tp / (tp + fp) if tp + fp else float("nan"),
            "recall": tp / (tp + fn) if tp + fn else float("nan"),
            "ece": ece, "mean_p": sum(probs) / n, "positive_rate": sum(labels) / n}


def train_judge(cfg: JudgeTrainConfig, examples: Sequence[Example]) -> Dict[str, Any]:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from lsr_dsl.judges.classifier import ClassifierJudge

    torch.manual_seed(cfg.seed)
    train, held = split(examples, cfg.eval_fraction, cfg.seed)
    tok = AutoTokenizer.from_pretrained(cfg.base)
    if tok.pad_token_id is None and tok.eos_token is not None:
        tok.pad_token = tok.eos_token
    model = AutoModelForSequenceClassification.from_pretrained(cfg.base, num_labels=2)
    model.config.pad_token_id = tok.pad_token_id
    if cfg.device:
        model.to(cfg.device)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr)
    rng = random.Random(cfg.seed)
    steps, losses = 0, []
    model.train()
    for _ in range(cfg.epochs):
        order = list(train)
        rng.shuffle(order)
        for start in range(0, len(order), cfg.batch_size):
            if cfg.max_steps is not None and steps >= cfg.max_steps:
                break
            batch = order[start:start + cfg.batch_size]
            enc = tok([c for c, _, _ in batch], [r for _, r, _ in batch], return_tensors="pt", padding=True,
                      truncation="only_second", max_length=cfg.max_length).to(model.device)
            out = model(**enc, labels=torch.tensor([y for _, _, y in batch], device=model.device))
            out.loss.backward()
            opt.step()
            opt.zero_grad()
            losses.append(out.loss.item())
            steps += 1
    model.eval()
    model.save_pretrained(cfg.output_dir)
    tok.save_pretrained(cfg.output_dir)
    judge = ClassifierJudge(cfg.output_dir, device=cfg.device, batch_size=16, max_length=cfg.max_length)
    probs = judge.judge_batch([(c, r) for c, r, _ in held])
    report = {"steps": steps, "train_rows": len(train), "held_out_rows": len(held),
              "final_loss": losses[-1] if losses else None, "held_out": metrics(probs, [y for _, _, y in held])}
    with open(f"{cfg.output_dir}/lsr_judge_report.json", "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
    return report


def render_report(report: Dict[str, Any], output_dir: str) -> str:
    m = report["held_out"]

    def f(x: float) -> str:
        return "n/a" if isinstance(x, float) and math.isnan(x) else f"{x:.3f}"

    return (f"trained {report['steps']} steps on {report['train_rows']} rows; held out {report['held_out_rows']}\n"
            f"held-out accuracy {f(m['accuracy'])}  precision {f(m['precision'])}  recall {f(m['recall'])}\n"
            f"calibration: ECE {f(m['ece'])} (10 bins), mean P {f(m['mean_p'])} vs positive rate {f(m['positive_rate'])}\n"
            f"wrote {output_dir} (use it as --judge classifier:{output_dir})")
