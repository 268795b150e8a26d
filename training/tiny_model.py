"""``lsr make-tiny-model DIR``: a tiny random Llama model + a locally trained tokenizer.

Everything is built offline: a byte-level BPE tokenizer is trained with
``tokenizers`` on a small bundled corpus, wrapped as ``PreTrainedTokenizerFast``
(bos/eos/pad tokens and a simple chat template), and a seeded random
``LlamaForCausalLM`` of ~100k parameters is saved next to it with
``save_pretrained``.  Meant for smoke tests and the CPU demo, not for quality.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Optional

BOS, EOS, PAD = "<|bos|>", "<|eos|>", "<|pad|>"
SPECIAL_TOKENS = [PAD, BOS, EOS, "<|user|>", "<|assistant|>", "<|system|>"]

# A minimal chat template: role marker, content, eos.  Works for conversational datasets.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "<|{{ message['role'] }}|>\n{{ message['content'] }}<|eos|>\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)

DEFAULTS: dict[str, Any] = {
    "vocab_size": 512,
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "max_position_embeddings": 512,
}

MARKER = "lsr_tiny_model.json"


def build_tokenizer(vocab_size: int = 512):
    """Train a byte-level BPE tokenizer on the bundled corpus → ``PreTrainedTokenizerFast``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    from lsr_dsl.training._corpus import corpus_lines

    tok = Tokenizer(models.BPE(unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(corpus_lines(), trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=BOS,
        eos_token=EOS,
        pad_token=PAD,
        additional_special_tokens=SPECIAL_TOKENS[3:],
        chat_template=CHAT_TEMPLATE,
        padding_side="left",
        model_max_length=DEFAULTS["max_position_embeddings"],
        clean_up_tokenization_spaces=False,
    )


def make_tiny_model(outdir: str | os.PathLike, *, seed: int = 0, force: bool = False,
                    **overrides: Any) -> dict:
    """Create the tiny model and tokenizer in ``outdir``; returns a small info dict.

    ``overrides`` change the ``LlamaConfig`` sizes (``hidden_size``, ``num_hidden_layers``, …).
    If ``outdir`` already holds a tiny model (and ``force`` is false) it is left alone.
    """
    import torch
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    from lsr_dsl.language.errors import LsrConfigError

    out = Path(outdir)
    if out.exists() and not out.is_dir():
        raise LsrConfigError(f"{out}: exists and is not a directory")
    marker = out / MARKER
    if marker.exists() and not force:
        try:
            info = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise LsrConfigError(f"{marker}: unreadable tiny-model marker ({exc}); rebuild with --force") from None
        if not isinstance(info, dict):
            raise LsrConfigError(f"{marker}: not a tiny-model marker; rebuild with --force")
        info["created"] = False
        return info
    unknown = set(overrides) - set(DEFAULTS)
    if unknown:
        raise TypeError(f"unknown tiny-model option(s): {', '.join(sorted(unknown))}")
    sizes = {**DEFAULTS, **overrides}
    _check_sizes(sizes)

    tokenizer = build_tokenizer(sizes["vocab_size"])
    vocab = len(tokenizer)
    config = LlamaConfig(
        vocab_size=vocab,
        hidden_size=sizes["hidden_size"],
        intermediate_size=sizes["intermediate_size"],
        num_hidden_layers=sizes["num_hidden_layers"],
        num_attention_heads=sizes["num_attention_heads"],
        num_key_value_heads=sizes["num_key_value_heads"],
        max_position_embeddings=sizes["max_position_embeddings"],
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    state = torch.random.get_rng_state()
    try:
        torch.manual_seed(seed)
        model = LlamaForCausalLM(config)
    finally:
        torch.random.set_rng_state(state)
    model.generation_config = GenerationConfig(
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        do_sample=True,
    )
    out.mkdir(parents=True, exist_ok=True)
    from transformers.utils import logging as hf_logging

    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        model.save_pretrained(out)
        tokenizer.save_pretrained(out)
    finally:
        if bars:
            hf_logging.enable_progress_bar()
    n_params = sum(p.numel() for p in model.parameters())
    info = {"path": str(out), "params": n_params, "vocab_size": vocab, "seed": seed,
            "architecture": "LlamaForCausalLM", **{k: sizes[k] for k in DEFAULTS if k != "vocab_size"}}
    marker.write_text(json.dumps(info, indent=2) + "\n")
    info["created"] = True
    return info


def _check_sizes(sizes: dict) -> None:
    from lsr_dsl.language.errors import LsrConfigError

    for key, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise LsrConfigError(f"tiny model: {key} must be a positive integer, not {value!r}")
    heads = sizes["num_attention_heads"]
    if sizes["hidden_size"] % (2 * heads):
        raise LsrConfigError(f"tiny model: hidden_size must be a multiple of {2 * heads} "
                             f"({heads} attention heads, even head size), not {sizes['hidden_size']}")
    if heads % sizes["num_key_value_heads"]:
        raise LsrConfigError("tiny model: num_attention_heads must be a multiple of num_key_value_heads")
    floor = 256 + len(SPECIAL_TOKENS)  # the byte alphabet and the special tokens
    if sizes["vocab_size"] < floor:
        raise LsrConfigError(f"tiny model: vocab_size must be at least {floor} "
                             f"(256 bytes + {len(SPECIAL_TOKENS)} special tokens), not {sizes['vocab_size']}")


def is_tiny_model(path: Optional[str | os.PathLike]) -> bool:
    return bool(path) and (Path(path) / MARKER).exists()
