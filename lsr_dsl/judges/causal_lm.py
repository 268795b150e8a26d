"""A judge that reads P(YES) from a local causal language model's next-token logits (RAIF-style).

``transformers`` and ``torch`` are imported only when such a judge first runs.
"""
from __future__ import annotations

import contextlib
import hashlib
import math
import os
from typing import Any, List, Optional, Sequence

from lsr_dsl.language.errors import LsrRuntimeError


DEFAULT_TEMPLATE = (
    "Read the response below and answer the question about it.\n\n"
    "Response:\n<<<\n{response}\n>>>\n\n"
    "Question: {question}\n"
    "Answer with a single word, YES or NO."
)

_CUT = "\n[…truncated]"
_CONTEXT_ATTRS = ("max_position_embeddings", "n_positions", "max_sequence_length", "seq_length", "n_ctx")

_YES = ("YES", "Yes", "yes", " YES", " Yes", " yes")
_NO = ("NO", "No", "no", " NO", " No", " no")


def template_digest(template: str) -> str:
    """A short, process-independent digest of a prompt template (part of a judge's cache id)."""
    return hashlib.sha256(template.encode("utf-8")).hexdigest()[:12]


def _logsumexp(xs: Sequence[float]) -> float:
    m = max(xs)
    if math.isinf(m):
        return m
    return m + math.log(sum(math.exp(x - m) for x in xs))


class TransformersJudge:
    """P(YES) from a local causal language model's next-token logits.

    The question and response are put into ``template`` (as a user turn of the
    tokenizer's chat template when it has one); the answer's first token is
    compared between YES-like and NO-like tokens:
    ``P(YES) = Σ exp(logit_yes) / (Σ exp(logit_yes) + Σ exp(logit_no))``.

    ``model`` and ``tokenizer`` may be passed in (already loaded, or fakes in
    tests); otherwise they are loaded from ``model_name_or_path`` on first use
    with ``transformers.AutoModelForCausalLM`` / ``AutoTokenizer``.

    The prompt never exceeds the model's context (``max_context_tokens``, else the model
    config's ``max_position_embeddings`` or the like, else the tokenizer's
    ``model_max_length``): the response is cut from its end, marked ``[…truncated]``; the
    template, the question and the answer cue are kept whole.
    """

    def __init__(
        self,
        model_name_or_path: Optional[str] = None,
        *,
        model: Any = None,
        tokenizer: Any = None,
        device: Optional[str] = None,
        template: str = DEFAULT_TEMPLATE,
        max_response_chars: int = 20_000,
        use_chat_template: bool = True,
        model_kwargs: Optional[dict] = None,
        max_context_tokens: Optional[int] = None,
        batch_size: int = 16,
    ) -> None:
        if model_name_or_path is None and (model is None or tokenizer is None):
            raise ValueError("give model_name_or_path, or both model and tokenizer")
        if "{question}" not in template or "{response}" not in template:
            raise ValueError("template must contain {question} and {response}")
        self.model_name_or_path = model_name_or_path
        self.model = model
        self.tokenizer = tokenizer
        self.device = device
        self.template = template
        self.max_response_chars = max_response_chars
        self.use_chat_template = use_chat_template
        self.model_kwargs = dict(model_kwargs or {})
        if max_context_tokens is not None and (isinstance(max_context_tokens, bool) or
                                               not isinstance(max_context_tokens, int) or max_context_tokens < 1):
            raise ValueError(f"max_context_tokens must be a positive integer, not {max_context_tokens!r}")
        self.max_context_tokens = max_context_tokens
        self._ids: Optional[tuple] = None
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, not {batch_size!r}")
        self.batch_size = batch_size
        self.forward_passes = 0
        # stable across processes (the on-disk cache is shared between runs): the template by its digest
        self.judge_id = f"causal:{model_name_or_path or type(model).__name__}|{template_digest(template)}"

    def __repr__(self) -> str:
        return f"TransformersJudge({self.model_name_or_path or type(self.model).__name__!r})"

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        if self.model_name_or_path is not None:  # reload in the new process instead of pickling weights
            state["model"] = state["tokenizer"] = None
            state["_ids"] = None
        return state

    # -- loading -------------------------------------------------------------
    def _load(self) -> None:
        if self.model is not None and self.tokenizer is not None:
            return
        try:
            import transformers  # noqa: WPS433  (lazy by design)
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise LsrRuntimeError("TransformersJudge needs the 'transformers' package (pip install lsr-dsl[train])") from e
        name = str(self.model_name_or_path)
        if name.startswith(("/", "./", "../", "~")) and not os.path.isdir(os.path.expanduser(name)):
            raise LsrRuntimeError(f"judge model not found: {name} is not a directory")
        if self.tokenizer is None:
            self.tokenizer = transformers.AutoTokenizer.from_pretrained(self.model_name_or_path)
        if self.model is None:
            kwargs = {"torch_dtype": "auto", **self.model_kwargs}
            self.model = transformers.AutoModelForCausalLM.from_pretrained(self.model_name_or_path, **kwargs)
            if self.device:
                self.model.to(self.device)
            self.model.eval()

    def _token_ids(self) -> tuple:
        if self._ids is None:
            def ids(words: Sequence[str]) -> List[int]:
                out: List[int] = []
                for w in words:
                    toks = self.tokenizer.encode(w, add_special_tokens=False)
                    if toks and toks[0] not in out:
                        out.append(int(toks[0]))
                return out

            yes, no = ids(_YES), ids(_NO)
            overlap = set(yes) & set(no)
            yes = [i for i in yes if i not in overlap]
            no = [i for i in no if i not in overlap]
            if not yes or not no:
                raise LsrRuntimeError("could not find distinct YES and NO tokens in the judge's vocabulary")
            self._ids = (yes, no)
        return self._ids

    def _render(self, question: str, response: str) -> str:
        user = self.template.format(question=question, response=response)
        tok = self.tokenizer
        if self.use_chat_template and getattr(tok, "chat_template", None) and hasattr(tok, "apply_chat_template"):
            return tok.apply_chat_template(
                [{"role": "user", "content": user}], tokenize=False, add_generation_prompt=True
            )
        return user + "\nAnswer:"

    def context_limit(self) -> Optional[int]:
        """The most tokens the judge model reads (``None``: unknown, no cut)."""
        if self.max_context_tokens is not None:
            return self.max_context_tokens
        config = getattr(self.model, "config", None)
        for attr in _CONTEXT_ATTRS:
            value = getattr(config, attr, None)
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                return value
        value = getattr(self.tokenizer, "model_max_length", None)
        if isinstance(value, int) and 0 < value < 1_000_000:  # tokenizers without a limit say 1e30
            return value
        return None

    def _n_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False))

    def prompt(self, question: str, response: str) -> str:
        """The exact text fed to the model, within the model's context."""
        if len(response) > self.max_response_chars:
            response = response[: self.max_response_chars] + _CUT
        text = self._render(question, response)
        limit = self.context_limit()
        if limit is None:
            return text
        n = self._n_tokens(text)
        if n <= limit:
            return text
        overhead = self._n_tokens(self._render(question, _CUT))
        if overhead >= limit:
            raise LsrRuntimeError(f"the judge's template and question take {overhead} tokens, "
                                  f"more than the judge model's context of {limit}; shorten the question or the template")
        ids = self.tokenizer.encode(response, add_special_tokens=False)
        keep = limit - overhead - 1
        for _ in range(8):  # decode/encode may not round-trip exactly: shrink until it fits
            cut = self.tokenizer.decode(ids[: max(keep, 0)], skip_special_tokens=True) + _CUT
            text = self._render(question, cut)
            n = self._n_tokens(text)
            if n <= limit:
                return text
            keep -= n - limit + 1
        raise LsrRuntimeError(f"could not fit the judge prompt into {limit} tokens")  # pragma: no cover

    # -- scoring -------------------------------------------------------------
    def __call__(self, question: str, response: str) -> float:
        return self.judge_batch([(question, response)])[0]

    def judge_batch(self, pairs: Sequence[tuple]) -> List[float]:
        """P(YES) for every ``(question, response)``: ``ceil(len(pairs) / batch_size)`` forward passes,
        prompts left-padded so that each row's last position is its answer cue."""
        pairs = list(pairs)
        if not pairs:
            return []
        self._load()
        out: List[float] = []
        for start in range(0, len(pairs), self.batch_size):
            out.extend(self._forward([self.prompt(q, r) for q, r in pairs[start:start + self.batch_size]]))
        return out

    def _forward(self, texts: List[str]) -> List[float]:
        yes, no = self._token_ids()
        try:
            import torch  # noqa: WPS433

            no_grad: Any = torch.no_grad()
        except ImportError:  # fakes in tests run without torch
            no_grad = contextlib.nullcontext()
        tok = self.tokenizer
        if len(texts) == 1:
            enc = tok(texts[0], return_tensors="pt", add_special_tokens=False)
        else:
            if getattr(tok, "pad_token_id", None) is None:
                tok.pad_token = tok.eos_token if getattr(tok, "eos_token", None) is not None else tok.convert_ids_to_tokens(0)
            side = getattr(tok, "padding_side", "right")
            tok.padding_side = "left"
            try:
                enc = tok(texts, return_tensors="pt", add_special_tokens=False, padding=True)
            finally:
                tok.padding_side = side
            mask = enc.get("attention_mask") if hasattr(enc, "get") else None
            if mask is not None and hasattr(mask, "cumsum"):  # left padding: positions count real tokens only
                enc["position_ids"] = (mask.long().cumsum(-1) - 1).clamp(min=0)
        target = self.device or getattr(self.model, "device", None)
        if target is not None and hasattr(enc, "to"):
            enc = enc.to(target)
        with no_grad:
            out = self.model(**enc)
        self.forward_passes += 1
        logits = getattr(out, "logits", None)
        if logits is None and isinstance(out, dict):
            logits = out.get("logits")
        if logits is None:
            raise LsrRuntimeError("the judge model returned no logits")
        answers = []
        for b in range(len(texts)):
            row = logits[b][-1]
            if hasattr(row, "float"):
                row = row.float()
            values = row.tolist() if hasattr(row, "tolist") else list(row)
            answers.append(_p_yes(values, yes, no))
        return answers


def _p_yes(values: Sequence[float], yes: Sequence[int], no: Sequence[int]) -> float:
    ly = _logsumexp([float(values[i]) for i in yes])
    ln = _logsumexp([float(values[i]) for i in no])
    if math.isinf(ly) and math.isinf(ln):
        return 0.5
    return 1.0 / (1.0 + math.exp(min(700.0, max(-700.0, ln - ly))))
