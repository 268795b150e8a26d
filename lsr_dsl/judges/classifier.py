"""A reward-model judge: ``AutoModelForSequenceClassification`` over (constraint, response) → P(satisfied).

The LsrIF recipe (a model fine-tuned as a binary classifier over response + constraint): the
question and the response are encoded as a text pair, truncated from the response's end to
``max_length`` tokens; with two labels P(satisfied) is the softmax of label 1, with one label
the sigmoid of its logit. ``transformers`` and ``torch`` are imported when the judge first runs.
"""
from __future__ import annotations

import os
from typing import Any, List, Optional, Sequence, Tuple

from lsr_dsl.language.errors import LsrRuntimeError


class ClassifierJudge:
    """P(satisfied) from a sequence-classification model; ``batch_size`` pairs per forward pass."""

    def __init__(self, model_name_or_path: Optional[str] = None, *, model: Any = None, tokenizer: Any = None,
                 device: Optional[str] = None, dtype: Optional[str] = None, batch_size: int = 16,
                 max_length: int = 1024) -> None:
        if model_name_or_path is None and (model is None or tokenizer is None):
            raise ValueError("give model_name_or_path, or both model and tokenizer")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, not {batch_size!r}")
        self.model_name_or_path = model_name_or_path
        self.model = model
        self.tokenizer = tokenizer
        self.device = device
        self.dtype = dtype
        self.batch_size = batch_size
        self.max_length = int(max_length)
        self.forward_passes = 0
        self.judge_id = f"classifier:{model_name_or_path or type(model).__name__}"

    def __repr__(self) -> str:
        return f"ClassifierJudge({self.model_name_or_path or type(self.model).__name__!r})"

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        if self.model_name_or_path is not None:
            state["model"] = state["tokenizer"] = None
        return state

    def _load(self) -> None:
        if self.model is not None and self.tokenizer is not None:
            return
        try:
            import transformers  # noqa: WPS433  (lazy by design)
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise LsrRuntimeError("ClassifierJudge needs the 'transformers' package (pip install lsr-dsl[train])") from e
        name = str(self.model_name_or_path)
        if name.startswith(("/", "./", "../", "~")) and not os.path.isdir(os.path.expanduser(name)):
            raise LsrRuntimeError(f"judge classifier:{name} failed: no such directory")
        try:
            if self.tokenizer is None:
                self.tokenizer = transformers.AutoTokenizer.from_pretrained(name)
            if self.model is None:
                kwargs = {"torch_dtype": self.dtype or "auto"}
                self.model = transformers.AutoModelForSequenceClassification.from_pretrained(name, **kwargs)
                if self.device:
                    self.model.to(self.device)
                self.model.eval()
        except (OSError, ValueError) as e:
            raise LsrRuntimeError(f"judge classifier:{name} failed to load: {e}") from e
        if getattr(self.tokenizer, "pad_token_id", None) is None and getattr(self.tokenizer, "eos_token", None):
            self.tokenizer.pad_token = self.tokenizer.eos_token
        if getattr(self.model.config, "pad_token_id", None) is None:
            self.model.config.pad_token_id = self.tokenizer.pad_token_id

    def __call__(self, question: str, response: str) -> float:
        return self.judge_batch([(question, response)])[0]

    def judge_batch(self, pairs: Sequence[Tuple[str, str]]) -> List[float]:
        pairs = list(pairs)
        if not pairs:
            return []
        self._load()
        out: List[float] = []
        for start in range(0, len(pairs), self.batch_size):
            out.extend(self._forward(pairs[start:start + self.batch_size]))
        return out

    def _forward(self, pairs: List[Tuple[str, str]]) -> List[float]:
        import torch  # noqa: WPS433

        enc = self.tokenizer([q for q, _ in pairs], [r for _, r in pairs], return_tensors="pt", padding=True,
                             truncation="only_second", max_length=self.max_length)
        target = self.device or getattr(self.model, "device", None)
        if target is not None:
            enc = enc.to(target)
        with torch.no_grad():
            logits = self.model(**enc).logits.float()
        self.forward_passes += 1
        if logits.shape[-1] == 1:
            probs = torch.sigmoid(logits[:, 0])
        else:
            probs = torch.softmax(logits, -1)[:, 1]
        return [float(p) for p in probs.cpu()]
