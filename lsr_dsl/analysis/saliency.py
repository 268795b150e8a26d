"""Which prompt tokens a model's answer depends on (LsrIF, Eqs. 7–9).

For a prompt x and a response y, L = Σ_t log P(y_t | y_<t, x), and the saliency of prompt token i
is S_i = |Σ_d ∂L/∂E_{i,d} · E_{i,d}|, the input × gradient attribution over the embedding layer
(captum's ``LayerGradientXActivation`` on the model's input embeddings). Comparing two checkpoints
gives ΔS_i = S_i(after) − S_i(before).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Tuple

from lsr_dsl.analysis.categories import CATEGORIES, WORD, categorize
from lsr_dsl.language.errors import LsrConfigError, LsrDataError


@dataclass(frozen=True)
class TokenScore:
    """One prompt token: its text, its place in the prompt and its attribution Σ_d ∂L/∂E·E."""

    text: str
    start: int
    end: int
    attribution: float
    category: str

    @property
    def score(self) -> float:
        """S_i, the size of the attribution."""
        return abs(self.attribution)


@dataclass(frozen=True)
class Saliency:
    model: str
    prompt: str
    response: str
    tokens: Tuple[TokenScore, ...]
    log_likelihood: float

    @property
    def scores(self) -> Tuple[float, ...]:
        return tuple(t.score for t in self.tokens)


@dataclass(frozen=True)
class SaliencyDiff:
    """ΔS_i = S_i(after) − S_i(before) over the same prompt tokens."""

    before: Saliency
    after: Saliency

    @property
    def tokens(self) -> Tuple[TokenScore, ...]:
        return self.after.tokens

    @property
    def deltas(self) -> Tuple[float, ...]:
        return tuple(a - b for a, b in zip(self.after.scores, self.before.scores))


@dataclass(frozen=True)
class Encoded:
    """Model input: ``input_ids`` = prompt part (chat template included) + response tokens."""

    input_ids: Tuple[int, ...]
    response_start: int
    positions: Tuple[int, ...]  # indices into input_ids of the prompt's own tokens
    spans: Tuple[Tuple[int, int], ...]  # their character spans in the prompt


# ---------------------------------------------------------------- the attribution itself


def attribute(model: Any, input_ids: Sequence[int], response_start: int) -> Tuple[List[float], float]:
    """Σ_d ∂L/∂E_{i,d}·E_{i,d} for every input position i, and L itself.

    ``model`` is any module with ``get_input_embeddings()`` whose call on ``input_ids`` returns an
    object with ``.logits`` ([batch, positions, vocab]); L sums the log-probabilities of the tokens
    from ``response_start`` on, each given everything before it.
    """
    import torch
    from captum.attr import LayerGradientXActivation

    ids = torch.tensor([list(input_ids)], dtype=torch.long, device=_device_of(model))
    n = ids.shape[1]
    if not 0 < response_start < n:
        raise ValueError(f"response_start {response_start} outside 1..{n - 1}")

    def log_likelihood(batch_ids):
        logits = model(input_ids=batch_ids).logits.float()
        logp = torch.log_softmax(logits[:, response_start - 1 : n - 1], dim=-1)
        target = batch_ids[:, response_start:n].unsqueeze(-1)
        return logp.gather(-1, target).squeeze(-1).sum(dim=-1)

    explainer = LayerGradientXActivation(log_likelihood, model.get_input_embeddings())
    attributions = explainer.attribute(ids)
    with torch.no_grad():
        total = float(log_likelihood(ids)[0])
    per_position = attributions[0].sum(dim=-1).detach().double().cpu().tolist()
    return per_position, total


def _device_of(model: Any) -> Any:
    try:
        return next(model.parameters()).device
    except StopIteration:
        return "cpu"


# ---------------------------------------------------------------- text -> tokens


def encode(tokenizer: Any, prompt: str, response: str, *, chat: bool = True, where: str = "") -> Encoded:
    """Token ids for ``prompt`` (inside the chat template when the tokenizer has one and ``chat``)
    followed by ``response``, and which ids are the prompt's own tokens."""
    at = f"{where}: " if where else ""
    if not prompt.strip():
        raise LsrDataError(f"{at}the prompt is empty; saliency is measured over prompt tokens")
    if not response.strip():
        raise LsrDataError(f"{at}the response is empty; saliency needs response tokens to explain")
    if chat and getattr(tokenizer, "chat_template", None):
        text = tokenizer.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False,
                                             add_generation_prompt=True)
        offset = text.find(prompt)
        special = False
    else:
        text, offset, special = prompt, 0, True
    if offset < 0:
        raise LsrConfigError(f"{at}the chat template changes the prompt text; use --no-chat-template")
    try:
        enc = tokenizer(text, add_special_tokens=special, return_offsets_mapping=True)
    except NotImplementedError:
        raise LsrConfigError("saliency needs a fast tokenizer (one that reports character offsets)") from None
    ids = list(enc["input_ids"])
    positions, spans = [], []
    for i, (s, e) in enumerate(enc["offset_mapping"]):
        s, e = max(s, offset), min(e, offset + len(prompt))
        if e > s:
            positions.append(i)
            spans.append((s - offset, e - offset))
    response_ids = list(tokenizer(response, add_special_tokens=False)["input_ids"])
    if not positions:
        raise LsrDataError(f"{at}the prompt has no tokens")
    return Encoded(tuple(ids + response_ids), len(ids), tuple(positions), tuple(spans))


def word_at(text: str, start: int, end: int) -> Optional[str]:
    """The word of ``text`` that the span [start, end) lies in or begins (None: no letters there)."""
    for m in WORD.finditer(text):
        if m.start() < end and m.end() > start:
            return m.group(0)
    return None


def saliency(model: Any, tokenizer: Any, prompt: str, response: str, *, name: str = "model",
             constraint_words: FrozenSet[str] = frozenset(), chat: bool = True, where: str = "") -> Saliency:
    enc = encode(tokenizer, prompt, response, chat=chat, where=where)
    per_position, total = attribute(model, enc.input_ids, enc.response_start)
    tokens = tuple(
        TokenScore(prompt[s:e], s, e, per_position[i], categorize(word_at(prompt, s, e), constraint_words))
        for i, (s, e) in zip(enc.positions, enc.spans)
    )
    return Saliency(name, prompt, response, tokens, total)


def compare(before: Saliency, after: Saliency) -> SaliencyDiff:
    if [(t.start, t.end) for t in before.tokens] != [(t.start, t.end) for t in after.tokens]:
        raise LsrConfigError(f"{before.model} and {after.model} split the prompt into different tokens; "
                             "--compare needs two checkpoints of one model (same tokenizer)")
    return SaliencyDiff(before, after)


def category_means(tokens: Sequence[TokenScore], values: Sequence[float]) -> Dict[str, Optional[float]]:
    """The mean of ``values`` over the tokens of each category (None where a category has no token)."""
    out: Dict[str, Optional[float]] = {}
    for cat in CATEGORIES:
        picked = [v for t, v in zip(tokens, values) if t.category == cat]
        out[cat] = sum(picked) / len(picked) if picked else None
    return out


# ---------------------------------------------------------------- loading models and rows


def pick_device(name: str) -> str:
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise LsrConfigError(f"--device {name}: no CUDA device is available here; use --device cpu")
    if name.split(":")[0] not in ("cpu", "cuda", "mps"):
        raise LsrConfigError(f"--device {name}: expected cpu, cuda, cuda:N or auto")
    return name


def load_model(path: "os.PathLike[str] | str", device: str, *, base: Optional[str] = None, role: str = "MODEL") -> Tuple[Any, Any]:
    """A local causal LM (or a LoRA adapter merged onto its base) and its tokenizer, in eval mode, float32."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    p = Path(path)
    if not p.exists():
        from lsr_dsl.analysis.checkpoint import missing_path

        raise LsrConfigError(missing_path(p, role))
    if not p.is_dir():
        raise LsrConfigError(f"{role} {p}: not a model directory")
    adapter = (p / "adapter_config.json").is_file()
    if not adapter and not (p / "config.json").is_file():
        raise LsrConfigError(f"{role} {p}: no config.json here; expected a model saved with save_pretrained")
    base_dir = p
    if adapter:
        recorded = json.loads((p / "adapter_config.json").read_text(encoding="utf-8")).get("base_model_name_or_path")
        base_dir = Path(base or recorded or "")
        if not base_dir.is_dir():
            raise LsrConfigError(f"{role} {p}: a LoRA adapter whose base model {recorded!r} is not a local folder; "
                                 "name the base with --base DIR")
    from transformers.utils import logging as hf_logging

    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # the weight-loading bar of a small model is noise on stderr
    try:
        model = AutoModelForCausalLM.from_pretrained(str(base_dir), local_files_only=True, dtype=torch.float32)
        tok_dir = p if (p / "tokenizer_config.json").is_file() else base_dir
        tokenizer = AutoTokenizer.from_pretrained(str(tok_dir), local_files_only=True)
        if adapter:
            from peft import PeftModel

            model = PeftModel.from_pretrained(model, str(p)).merge_and_unload()
    except (OSError, ValueError) as exc:
        raise LsrConfigError(f"{role} {p}: cannot load it as a causal language model ({str(exc).splitlines()[0]})") from None
    finally:
        if bars:
            hf_logging.enable_progress_bar()
    model.to(device).eval()
    return model, tokenizer


@dataclass(frozen=True)
class Row:
    prompt: str
    response: str
    spec: Optional[str]
    where: str  # file:line


def read_rows(path: "os.PathLike[str] | str") -> List[Row]:
    """(prompt, response[, spec]) rows of a JSONL file; every bad row is an error naming its line."""
    from lsr_dsl.language.errors import unreadable

    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise LsrDataError(unreadable(p, exc)) from None
    except UnicodeDecodeError as exc:
        raise LsrDataError(f"{p}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    rows = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{p}:{n}"
        try:
            data = json.loads(line)
        except ValueError as exc:
            raise LsrDataError(f"{where}: not JSON ({exc})") from None
        if not isinstance(data, dict):
            raise LsrDataError(f"{where}: expected a JSON object with prompt and response")
        for key in ("prompt", "response"):
            if not isinstance(data.get(key), str):
                from lsr_dsl.language.errors import closest

                guess = closest(key, [k for k in data if isinstance(k, str)])
                raise LsrDataError(f"{where}: no string field {key!r}" + (f"; did you mean {guess!r}?" if guess else ""))
        spec = data.get("spec")
        if spec is not None and not isinstance(spec, str):
            raise LsrDataError(f"{where}: 'spec' must be lsr source text")
        rows.append(Row(data["prompt"], data["response"], spec, where))
    if not rows:
        raise LsrDataError(f"{p}: no rows")
    return rows


def batch_means(results: Iterable[Tuple[Sequence[TokenScore], Sequence[float]]]) -> Dict[str, Dict[str, Any]]:
    """Per category: the mean over rows of each row's category mean, and how many rows had one."""
    sums: Dict[str, float] = {c: 0.0 for c in CATEGORIES}
    counts: Dict[str, int] = {c: 0 for c in CATEGORIES}
    for tokens, values in results:
        for cat, mean in category_means(tokens, values).items():
            if mean is not None:
                sums[cat] += mean
                counts[cat] += 1
    return {c: {"mean": (sums[c] / counts[c]) if counts[c] else None, "rows": counts[c]} for c in CATEGORIES}
