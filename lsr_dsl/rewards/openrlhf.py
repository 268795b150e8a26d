"""OpenRLHF's reward-function file: ``--remote_rm_url /path/to/lsr_dsl/rewards/openrlhf.py``.

OpenRLHF loads a ``--remote_rm_url`` that ends in ``.py`` as a module and calls
its ``reward_func(queries, prompts, labels)`` (0.11.x: one row per call, in a
thread; 0.8.x: ``--micro_rollout_batch_size`` rows per call, as a Ray task).
Print the path with::

    python -c "import lsr_dsl.rewards.openrlhf as m; print(m.__file__)"

Rows are read as ``lsr serve`` reads them (:mod:`lsr_dsl.rewards.remote`): the
response is the query after its prompt, without trailing end-of-sequence text;
the label is an lsr spec or IFEval/RLVR ground truth. The answer is
``{"rewards", "scores", "extra_logs"}`` as torch tensors (OpenRLHF 0.8.x
concatenates them with ``torch.cat``), or lists where torch is not installed.

A file takes no arguments, so options come from environment variables (set them
where OpenRLHF's Ray workers start, e.g. ``ray start`` or the job's ``runtime_env``):

- ``LSR_REWARD_MODE``: ``lsrm`` | ``flat`` | ``strict`` (default: each spec's own);
- ``LSR_REWARD_GAMMA``: the default THEN decay (the range ``lsr_dsl.compile`` accepts);
- ``LSR_REWARD_ON_ERROR``: ``raise`` (default: a row that cannot be scored raises
  an error naming it, also logged at ERROR level because OpenRLHF 0.11 logs
  reward errors at INFO) or ``zero`` (it scores 0.0 and ``lsr_error`` is 1);
- ``LSR_REWARD_STRIP_THINK``: ``1`` scores only the text after ``</think>``;
- ``LSR_REWARD_EOS_TEXTS``: a JSON array of the end-of-sequence texts to strip
  (default: :data:`lsr_dsl.rewards.remote.DEFAULT_EOS_TEXTS`).
"""
from __future__ import annotations

import json
import logging
import os
import threading
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

from lsr_dsl.language.errors import LsrConfigError
from lsr_dsl.rewards.remote import (
    DEFAULT_EOS_TEXTS,
    ON_ERROR,
    RowsError,
    Scorer,
    ScoringOptions,
    check_errors,
    check_options,
    openrlhf_result,
    score_rows,
)

__all__ = ["reward_func", "options_from_env"]

_log = logging.getLogger("lsr_dsl.openrlhf")
_lock = threading.Lock()
_state: Dict[Tuple[Any, ...], Tuple[Scorer, str]] = {}


def _bad(name: str, value: str, want: str) -> LsrConfigError:
    return LsrConfigError(f"environment variable {name}={value!r}: {want}")


def options_from_env(env: Mapping[str, str] = os.environ) -> Tuple[ScoringOptions, str]:
    """(scoring options, on_error) from ``LSR_REWARD_*`` variables; LsrConfigError for a bad value."""
    mode = env.get("LSR_REWARD_MODE") or None
    if mode is not None and mode not in ("lsrm", "flat", "strict"):
        raise _bad("LSR_REWARD_MODE", mode, "must be lsrm, flat or strict")
    gamma: Optional[float] = None
    raw_gamma = env.get("LSR_REWARD_GAMMA")
    if raw_gamma:
        try:
            gamma = float(raw_gamma)
        except ValueError:
            raise _bad("LSR_REWARD_GAMMA", raw_gamma, "must be a number") from None
    on_error = env.get("LSR_REWARD_ON_ERROR") or "raise"
    if on_error not in ON_ERROR:
        raise _bad("LSR_REWARD_ON_ERROR", on_error, "must be raise or zero")
    think = env.get("LSR_REWARD_STRIP_THINK", "0")
    if think not in ("0", "1", "true", "false", ""):
        raise _bad("LSR_REWARD_STRIP_THINK", think, "must be 0 or 1")
    eos: Sequence[str] = DEFAULT_EOS_TEXTS
    raw_eos = env.get("LSR_REWARD_EOS_TEXTS")
    if raw_eos:
        try:
            eos = json.loads(raw_eos)
        except ValueError:
            raise _bad("LSR_REWARD_EOS_TEXTS", raw_eos, 'must be a JSON array of strings, e.g. ["<|im_end|>"]') from None
        if not isinstance(eos, list) or not all(isinstance(t, str) for t in eos):
            raise _bad("LSR_REWARD_EOS_TEXTS", raw_eos, 'must be a JSON array of strings, e.g. ["<|im_end|>"]')
    options = ScoringOptions(mode=mode, gamma=gamma, strip_think=think in ("1", "true"), eos_texts=tuple(eos))
    try:
        check_options(options)
    except LsrConfigError as e:
        raise _bad("LSR_REWARD_GAMMA", raw_gamma or "", str(e).replace("scoring options: ", "")) from None
    return options, on_error


def _scorer() -> Tuple[Scorer, str]:
    options, on_error = options_from_env()
    key = (options, on_error)
    with _lock:
        got = _state.get(key)
        if got is None:
            got = _state[key] = (Scorer(options), on_error)
    return got


def _as_tensors(result: Dict[str, Any]) -> Dict[str, Any]:
    try:
        import torch
    except ImportError:
        return result
    return {
        "rewards": torch.tensor(result["rewards"], dtype=torch.float32),
        "scores": torch.tensor(result["scores"], dtype=torch.float32),
        "extra_logs": {k: torch.tensor(v, dtype=torch.float32) for k, v in result["extra_logs"].items()},
    }


def reward_func(queries: Sequence[str], prompts: Sequence[str], labels: Sequence[Any], **kwargs: Any) -> Dict[str, Any]:
    """OpenRLHF's reward function: LsRM scores of the responses in ``queries``."""
    queries, prompts, labels = list(queries), list(prompts), list(labels)
    if not (len(queries) == len(prompts) == len(labels)):
        raise LsrConfigError(f"reward_func got {len(queries)} queries, {len(prompts)} prompts and {len(labels)} labels")
    scorer, on_error = _scorer()
    results = score_rows(scorer, [("query", q, p, label) for q, p, label in zip(queries, prompts, labels)])
    try:
        check_errors(results, on_error)
    except RowsError as e:
        _log.error("lsr reward_func: %s (set LSR_REWARD_ON_ERROR=zero to score such rows 0.0)", e)
        raise
    return _as_tensors(openrlhf_result(results))
