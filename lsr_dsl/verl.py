"""verl adapter: LsRM rewards as a verl ``custom_reward_function``.

verl's reward managers (``NaiveRewardManager`` and friends) call::

    compute_score(data_source=..., solution_str=..., ground_truth=..., extra_info=..., **reward_kwargs)

with ``reward_kwargs`` taken from ``custom_reward_function.reward_kwargs`` in the
verl config.  Put the spec in the parquet's ``reward_model.ground_truth``
(lsr source text, AST JSON as a string or dict, or a path to a ``.lsr``/``.json``
file), or a dict ``{"spec": ..., "prompt": ...}``; the prompt for
``IF prompt …`` conditions may also come from ``extra_info["prompt"]``.

verl config::

    custom_reward_function:
      path: /path/to/site-packages/lsr_dsl/verl.py   # or: python -c "import lsr_dsl.verl as m; print(m.__file__)"
      name: compute_score
      reward_kwargs:          # optional
        mode: lsrm            # lsrm | flat | strict
        gamma: 0.5
        strip_think: true

``compute_score`` returns a float; ``compute_score_detailed`` returns a dict
(``score`` plus ``all_pass`` and ``error`` that verl records as extra reward info).
Errors never raise: they score ``0.0``.
"""
from __future__ import annotations

import json
from typing import Any, Optional

from lsr_dsl.reward import LsrReward  # absolute: verl loads this file by path

__all__ = ["compute_score", "compute_score_detailed"]

# One LsrReward per (mode, gamma, options) per process: its compile cache is shared
# across calls.  Plain dict of picklable objects (no locks, no lambdas).
_REWARDS: dict[tuple, LsrReward] = {}


def _reward(mode: str, gamma: Optional[float], strip_think: bool, raif_tiers: bool, on_error: str) -> LsrReward:
    key = (mode, gamma, bool(strip_think), bool(raif_tiers), on_error)
    r = _REWARDS.get(key)
    if r is None:
        r = LsrReward(mode=mode, gamma=gamma, strip_think=strip_think, raif_tiers=raif_tiers,
                      on_error=on_error, log_metrics=False, name="lsr")
        _REWARDS[key] = r
    return r


def _unpack(ground_truth: Any, extra_info: Any) -> tuple[Any, Any]:
    """→ (spec, prompt) from verl's ground_truth / extra_info."""
    spec = ground_truth
    prompt = None
    if hasattr(spec, "tolist") and not isinstance(spec, (str, bytes)):  # numpy object arrays from parquet
        spec = spec.tolist()
    if isinstance(spec, bytes):
        spec = spec.decode("utf-8")
    if isinstance(spec, str):
        s = spec.strip()
        if s.startswith("{") and '"spec"' in s:
            try:
                obj = json.loads(s)
                if isinstance(obj, dict) and "spec" in obj:
                    spec = obj
            except ValueError:
                pass
    if isinstance(spec, dict) and "spec" in spec:
        prompt = spec.get("prompt")
        spec = spec["spec"]
    if isinstance(extra_info, dict):
        if prompt is None:
            prompt = extra_info.get("prompt", extra_info.get("question"))
        if spec is None or (isinstance(spec, str) and not spec.strip()):
            spec = extra_info.get("spec")
    return spec, prompt


def compute_score_detailed(data_source: Any = None, solution_str: str = "", ground_truth: Any = None,
                           extra_info: Optional[dict] = None, *, mode: str = "lsrm",
                           gamma: Optional[float] = None, strip_think: bool = False,
                           raif_tiers: bool = False, **kwargs: Any) -> dict:
    """Like :func:`compute_score` but returns ``{"score", "all_pass", "error"}``."""
    try:
        reward = _reward(mode, gamma, strip_think, raif_tiers, "zero")
    except ValueError:
        return {"score": 0.0, "all_pass": 0.0, "error": 1.0}
    spec, prompt = _unpack(ground_truth, extra_info)
    errors_before = reward.stats["errors"]
    score = reward.score_one(solution_str if solution_str is not None else "", spec, prompt)
    err = reward.stats["errors"] > errors_before
    score = 0.0 if score is None else float(score)
    top = 2.0 if raif_tiers else 1.0
    return {"score": score, "all_pass": float(not err and score >= top - 1e-9), "error": float(err)}


def compute_score(data_source: Any = None, solution_str: str = "", ground_truth: Any = None,
                  extra_info: Optional[dict] = None, **kwargs: Any) -> float:
    """verl ``custom_reward_function``: the LsRM score of ``solution_str`` for the spec in ``ground_truth``.

    Keyword options (verl ``custom_reward_function.reward_kwargs``): ``mode``
    (``lsrm``/``flat``/``strict``), ``gamma``, ``strip_think``, ``raif_tiers``.
    Never raises; a bad spec or verifier error scores 0.0.
    """
    return compute_score_detailed(data_source, solution_str, ground_truth, extra_info, **kwargs)["score"]
