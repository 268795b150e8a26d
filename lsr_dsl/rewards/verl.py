"""verl adapter: LsRM rewards as a verl ``custom_reward_function``.

verl (0.9.x reward loop) calls, one row at a time and from a thread pool::

    compute_score(data_source=..., solution_str=..., ground_truth=..., extra_info=..., **reward_kwargs)

and its legacy ``BatchRewardManager`` calls, once per batch, with numpy object arrays::

    compute_score(data_sources=[...], solution_strs=[...], ground_truths=[...], extra_infos=[...], **reward_kwargs)

Both shapes are accepted by :func:`compute_score` and :func:`compute_score_detailed`
(a single call returns one value, a batch call a list with one value per row).

``ground_truth`` is read by :func:`lsr_dsl.data.ifeval.spec_of_ground_truth`, the reading
``lsr eval`` uses: IFEval/RLVR instructions (allenai's RLVR-IFeval
``[{"instruction_id": [...], "kwargs": [...]}]`` as JSON or ``str(list)``, the older
``{"func_name": ...}``, ``{"instruction_id_list", "kwargs"}``) or an lsr spec (source, AST
JSON, a ``.lsr``/``.json`` path, ``{"spec": ..., "prompt": ...}``). The prompt for
``IF prompt …`` conditions comes from that wrapper or from ``extra_info["prompt"]``.

A row that cannot be scored (a ground truth in no known form, a spec that does not compile,
a verifier error) **raises** :class:`RewardDataError` naming the row and the spec, with the
compiler's hint — a run must not train on a silent zero. ``reward_kwargs: {on_error: zero}``
scores such rows 0.0 instead, logs each distinct problem once and reports ``error: 1.0`` in
:func:`compute_score_detailed`. A bad *option* raises :class:`RewardKwargsError`; an unknown
option is logged once and ignored (verl passes keyword arguments of its own).

:func:`compute_score_detailed` returns ``score`` plus a fixed set of keys (the same on every
row: verl takes the key set from the first row), see
:func:`lsr_dsl.rewards.details.fixed_key_names`.

Thread-safe: the compile cache is shared between verl's worker threads under a lock.
"""
from __future__ import annotations

import logging
import numbers
import threading
from typing import Any, List, Optional, Sequence, Tuple

from lsr_dsl.language.errors import LsrConfigError, LsrDataError, closest  # absolute: verl loads this file by path
from lsr_dsl.rewards.details import fixed_row_keys
from lsr_dsl.rewards.shaping import EPS
from lsr_dsl.rewards.trl import LsrReward, Scored, _spec_id, spec_key

__all__ = ["compute_score", "compute_score_detailed", "compute_score_batch", "RewardKwargsError", "RewardDataError"]

_log = logging.getLogger("lsr_dsl.verl")  # the name users filter on, kept from the flat layout

_MODES = ("lsrm", "flat", "strict")
_ON_ERROR = ("raise", "zero")
_OPTIONS = ("mode", "gamma", "strip_think", "raif_tiers", "on_error")
# keyword arguments verl's reward loop itself passes to every custom reward function (not warned about)
_VERL_PASSTHROUGH = frozenset({"reward_router_address", "reward_model_tokenizer"})
_SINGLE = ("data_source", "solution_str", "ground_truth", "extra_info")
_BATCH = ("data_sources", "solution_strs", "ground_truths", "extra_infos")
_MAX_LISTED = 10

_LOCK = threading.Lock()
_WARNED: set = set()
# One LsrReward per option set per process: its (thread-safe) compile cache is shared by all calls.
_REWARDS: dict = {}


class RewardKwargsError(LsrConfigError, ValueError):
    """An invalid value in verl's ``custom_reward_function.reward_kwargs`` (or a call verl never makes)."""


class RewardDataError(LsrDataError, ValueError):
    """A row whose ground truth cannot be read or scored (with ``on_error: raise``, the default)."""


def _bad(message: str) -> RewardKwargsError:
    return RewardKwargsError(f"lsr verl reward_kwargs: {message}")


def _as_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool) or type(value).__name__ == "bool_":  # numpy.bool_ too
        return bool(value)
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise _bad(f"{name} must be true or false, got {value!r}")


def _choice(name: str, value: Any, choices: Sequence[str]) -> None:
    if value not in choices:
        hint = closest(str(value), choices)
        raise _bad(f"{name} must be one of {', '.join(choices)}, got {value!r}"
                   + (f" (did you mean {hint!r}?)" if hint else ""))


def _check_options(mode: Any, gamma: Any, strip_think: Any, raif_tiers: Any, on_error: Any) -> tuple:
    if mode is not None:
        _choice("mode", mode, _MODES)
    _choice("on_error", on_error, _ON_ERROR)
    if gamma is not None:
        if isinstance(gamma, bool) or not isinstance(gamma, numbers.Real):
            raise _bad(f"gamma must be a number in [0, 1], got {gamma!r}")
        if not 0.0 <= float(gamma) <= 1.0:
            raise _bad(f"gamma must be in [0, 1], got {gamma!r}")
        gamma = float(gamma)
    return mode, gamma, _as_bool("strip_think", strip_think), _as_bool("raif_tiers", raif_tiers), on_error


def _warn_unknown(kwargs: dict) -> None:
    names = sorted(k for k in kwargs if k not in _VERL_PASSTHROUGH)
    with _LOCK:
        new = [k for k in names if k not in _WARNED]
        _WARNED.update(new)
    if not new:
        return
    hints = []
    for k in new:
        guess = closest(k, _OPTIONS + _SINGLE + _BATCH)
        if guess:
            hints.append(f"{k!r}: did you mean {guess!r}?")
    _log.warning("lsr verl: ignored unknown reward_kwargs option%s %s (known: %s)%s",
                 "s" if len(new) > 1 else "", ", ".join(repr(k) for k in new), ", ".join(_OPTIONS),
                 ("; " + "; ".join(hints)) if hints else "")


def _warn_once(key: str, message: str) -> None:
    """Log a problem once per distinct spec and reason (the first row that had it is named)."""
    with _LOCK:
        if key in _WARNED or len(_WARNED) > 1000:
            return
        _WARNED.add(key)
    _log.warning("%s (scored 0.0: on_error=zero; later rows with this spec are not reported again)", message)


def _reward(mode: Optional[str], gamma: Optional[float], strip_think: bool, raif_tiers: bool) -> LsrReward:
    key = (mode, gamma, strip_think, raif_tiers)
    with _LOCK:
        r = _REWARDS.get(key)
        if r is None:
            r = LsrReward(mode=mode, gamma=gamma, strip_think=strip_think, raif_tiers=raif_tiers,
                          on_error="zero", log_metrics=False, name="lsr")
            _REWARDS[key] = r
    return r


# ---------------------------------------------------------------------------
# one row


def _prompt_of(extra_info: Any) -> Any:
    if isinstance(extra_info, dict):
        return extra_info.get("prompt", extra_info.get("question"))
    return None


def _spec_of(ground_truth: Any, extra_info: Any) -> Any:
    empty = ground_truth is None or (isinstance(ground_truth, str) and not ground_truth.strip())
    if empty and isinstance(extra_info, dict) and extra_info.get("spec") is not None:
        return extra_info["spec"]
    return ground_truth


def _where(position: Optional[int], data_source: Any, extra_info: Any, spec: Any) -> str:
    parts = []
    if isinstance(extra_info, dict) and extra_info.get("index") is not None:
        parts.append(f"extra_info index {extra_info['index']!r}")
    if data_source is not None:
        parts.append(f"data_source {str(data_source)!r}")
    parts.append(_spec_id(spec) if spec is not None else "no ground_truth")
    head = f"row {position}" if position is not None else "row"
    return f"{head} ({', '.join(parts)})"


def _score_row(reward: LsrReward, raif_tiers: bool, data_source: Any, solution_str: Any, ground_truth: Any,
               extra_info: Any, position: Optional[int]) -> Tuple[Scored, Optional[str], str]:
    """→ (what scoring gave, the problem as a message naming the row or None, a key for the problem)."""
    spec = _spec_of(ground_truth, extra_info)
    got = reward.evaluate_one("" if solution_str is None else solution_str, spec, _prompt_of(extra_info), details=True)
    if got.error is None:
        return got, None, ""
    key = f"{spec_key(_plain_spec(spec))}\x00{got.error}"
    return got, f"lsr verl: {_where(position, data_source, extra_info, spec)}: {got.error}", key


def _plain_spec(spec: Any) -> Any:
    return spec.tolist() if hasattr(spec, "tolist") and not isinstance(spec, (str, bytes)) else spec


def _detailed(got: Scored, raif_tiers: bool) -> dict:
    if got.error is not None:
        return fixed_row_keys(0.0, False, True, None)
    top = 2.0 if raif_tiers else 1.0
    return fixed_row_keys(float(got.reward), got.reward >= top - EPS, False, got.detail)


# ---------------------------------------------------------------------------
# calls as verl makes them


def _as_list(name: str, values: Any) -> List[Any]:
    if values is None:
        return []
    if hasattr(values, "tolist") and not isinstance(values, (str, bytes)):
        # numpy object arrays from verl's non_tensor_batch: one element per row (keep dicts as they are)
        return [values[i] for i in range(len(values))]
    if isinstance(values, (list, tuple)):
        return list(values)
    raise RewardKwargsError(f"lsr verl: {name} must be a list or array (one entry per row), not {type(values).__name__}")


def _split_call(args: tuple, kwargs: dict) -> Tuple[Optional[list], dict]:
    """→ (rows for a batch call or None for a single call, the single call's fields)."""
    plural = {k: kwargs.pop(k) for k in _BATCH if k in kwargs}
    single = dict(zip(_SINGLE, args))
    for k in _SINGLE:
        if k in kwargs:
            single[k] = kwargs.pop(k)
    if not plural:
        return None, single
    if single:
        raise RewardKwargsError(f"lsr verl: a call passes either {', '.join(_SINGLE)} (one row) or "
                                f"{', '.join(_BATCH)} (a batch), not both; got {', '.join(sorted(single) + sorted(plural))}")
    if "solution_strs" not in plural or "ground_truths" not in plural:
        raise RewardKwargsError("lsr verl: a batch call needs solution_strs= and ground_truths=")
    cols = {k: _as_list(k, v) for k, v in plural.items()}
    n = len(cols["solution_strs"])
    for k, v in cols.items():
        if v and len(v) != n:
            raise RewardKwargsError(f"lsr verl: {k} has {len(v)} entries for {n} solution_strs")
    full = [cols.get(k) or [None] * n for k in _BATCH]
    rows = [tuple(col[i] for col in full) for i in range(n)]
    return rows, {}


def _run(args: tuple, kwargs: dict, detailed: bool) -> Any:
    mode, gamma, strip_think, raif_tiers, on_error = _check_options(
        kwargs.pop("mode", "lsrm"), kwargs.pop("gamma", None), kwargs.pop("strip_think", False),
        kwargs.pop("raif_tiers", False), kwargs.pop("on_error", "raise"))
    rows, single = _split_call(args, kwargs)
    if kwargs:
        _warn_unknown(kwargs)
    reward = _reward(mode, gamma, strip_think, raif_tiers)
    if rows is None:
        rows, positions = [tuple(single.get(k) for k in _SINGLE)], [None]
    else:
        positions = list(range(len(rows)))
    results, problems = [], []
    for position, (data_source, solution_str, ground_truth, extra_info) in zip(positions, rows):
        got, problem, key = _score_row(reward, raif_tiers, data_source, solution_str, ground_truth, extra_info, position)
        if problem is not None:
            problems.append(problem)
            if on_error == "zero":
                _warn_once(key, problem)
        results.append(_detailed(got, raif_tiers) if detailed else (0.0 if got.error else float(got.reward)))
    if problems and on_error == "raise":
        more = f"\n  … and {len(problems) - _MAX_LISTED} more" if len(problems) > _MAX_LISTED else ""
        head = "" if len(problems) == 1 else f"{len(problems)} of {len(rows)} rows cannot be scored:\n  "
        raise RewardDataError(head + "\n  ".join(problems[:_MAX_LISTED]) + more
                              + "\n(reward_kwargs on_error: zero scores such rows 0.0 and reports error: 1.0)")
    return results if positions[0] is not None else results[0]


def compute_score(*args: Any, **kwargs: Any) -> Any:
    """verl ``custom_reward_function``: the LsRM score of each solution against its ground truth.

    One row (``data_source``, ``solution_str``, ``ground_truth``, ``extra_info``) → a float;
    a batch (``data_sources``, ``solution_strs``, ``ground_truths``, ``extra_infos``, lists or
    numpy arrays) → a list of floats. Options (``reward_kwargs``): ``mode``
    (``lsrm``/``flat``/``strict``), ``gamma`` in [0, 1], ``strip_think``, ``raif_tiers``,
    ``on_error`` (``raise``/``zero``).
    """
    return _run(args, kwargs, detailed=False)


def compute_score_detailed(*args: Any, **kwargs: Any) -> Any:
    """Like :func:`compute_score`, but each row is a dict: ``score`` plus a fixed key set
    (``all_pass``, ``error``, ``lsrm``, ``pass_rate``, ``depth``, ``structure/*``, ``reward/*``,
    ``then_step/*``, ``family/*``), identical on every row."""
    return _run(args, kwargs, detailed=True)


def compute_score_batch(data_sources: Any, solution_strs: Any, ground_truths: Any, extra_infos: Any = None,
                        **kwargs: Any) -> list:
    """The batch call by name (``custom_reward_function.name: compute_score_batch``): a list of floats."""
    return _run((), dict(kwargs, data_sources=data_sources, solution_strs=solution_strs,
                         ground_truths=ground_truths, extra_infos=extra_infos), detailed=False)
