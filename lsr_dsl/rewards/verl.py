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
      path: /path/to/site-packages/lsr_dsl/rewards/verl.py   # python -c "import lsr_dsl.rewards.verl as m; print(m.__file__)"
      name: compute_score
      reward_kwargs:          # optional
        mode: lsrm            # lsrm | flat | strict
        gamma: 0.5
        strip_think: true

``compute_score`` returns a float; ``compute_score_detailed`` returns a dict
(``score`` plus ``all_pass`` and ``error`` that verl records as extra reward info).

A problem with one completion (a spec that does not compile, a verifier error)
scores ``0.0`` and never raises.  A bad *option* is a config mistake and stops the
run: an invalid ``mode``/``gamma``/``strip_think``/``raif_tiers`` value raises
:class:`RewardKwargsError` (an ``LsrConfigError`` and a ``ValueError``).  An
unknown keyword option is logged once (``logging.warning`` naming it) and
ignored, since verl versions pass extra keyword arguments of their own.
"""
from __future__ import annotations

import json
import logging
import numbers
from typing import Any, Optional

from lsr_dsl.language.errors import LsrConfigError, closest  # absolute: verl loads this file by path
from lsr_dsl.rewards.trl import LsrReward

__all__ = ["compute_score", "compute_score_detailed", "RewardKwargsError"]

_log = logging.getLogger("lsr_dsl.verl")  # the name users filter on, kept from the flat layout

_MODES = ("lsrm", "flat", "strict")
_OPTIONS = ("mode", "gamma", "strip_think", "raif_tiers")
# keyword arguments verl's reward loop itself passes to every custom reward function (not warned about)
_VERL_PASSTHROUGH = frozenset({"reward_router_address", "reward_model_tokenizer"})
_WARNED: set = set()


class RewardKwargsError(LsrConfigError, ValueError):
    """An invalid value in verl's ``custom_reward_function.reward_kwargs``."""


def _bad(message: str) -> RewardKwargsError:
    return RewardKwargsError(f"lsr verl reward_kwargs: {message}")


def _as_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool) or type(value).__name__ == "bool_":  # numpy.bool_ too
        return bool(value)
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise _bad(f"{name} must be true or false, got {value!r}")


def _check_options(mode: Any, gamma: Any, strip_think: Any, raif_tiers: Any) -> tuple:
    if mode is not None and mode not in _MODES:
        hint = closest(str(mode), _MODES)
        raise _bad(f"mode must be one of {', '.join(_MODES)}, got {mode!r}"
                   + (f" (did you mean {hint!r}?)" if hint else ""))
    if gamma is not None:
        if isinstance(gamma, bool) or not isinstance(gamma, numbers.Real):
            raise _bad(f"gamma must be a number in [0, 1], got {gamma!r}")
        if not 0.0 <= float(gamma) <= 1.0:
            raise _bad(f"gamma must be in [0, 1], got {gamma!r}")
        gamma = float(gamma)
    return mode, gamma, _as_bool("strip_think", strip_think), _as_bool("raif_tiers", raif_tiers)


def _warn_unknown(kwargs: dict) -> None:
    names = sorted(k for k in kwargs if k not in _VERL_PASSTHROUGH)
    new = [k for k in names if k not in _WARNED]
    if not new:
        return
    _WARNED.update(new)
    hints = []
    for k in new:
        guess = closest(k, _OPTIONS)
        if guess:
            hints.append(f"{k!r}: did you mean {guess!r}?")
    _log.warning("lsr verl: ignored unknown reward_kwargs option%s %s (known: %s)%s",
                 "s" if len(new) > 1 else "", ", ".join(repr(k) for k in new), ", ".join(_OPTIONS),
                 ("; " + "; ".join(hints)) if hints else "")

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
    mode, gamma, strip_think, raif_tiers = _check_options(mode, gamma, strip_think, raif_tiers)
    if kwargs:
        _warn_unknown(kwargs)
    reward = _reward(mode, gamma, strip_think, raif_tiers, "zero")
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
    A bad spec or verifier error scores 0.0; an invalid option value raises
    :class:`RewardKwargsError`; unknown options are logged once and ignored.
    """
    return compute_score_detailed(data_source, solution_str, ground_truth, extra_info, **kwargs)["score"]
