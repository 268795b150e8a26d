"""LsRM rewards as a plain Python callable (TRL ``GRPOTrainer``-compatible).

``LsrReward`` scores each completion against the lsr spec stored in a dataset
column.  It is built to be handed straight to TRL::

    from lsr_dsl.rewards.trl import LsrReward
    trainer = GRPOTrainer(model=..., reward_funcs=[LsrReward()], train_dataset=ds, ...)

TRL calls reward functions with keyword arguments only: ``prompts``,
``completions``, ``completion_ids``, ``trainer_state``, ``log_metric``,
``log_extra`` and every other dataset column as a list (one entry per
completion).  The callable returns one ``float`` (or ``None`` = "no reward",
which TRL turns into NaN and ignores) per completion.

Guarantees:

* a completion never makes it raise: a verifier or compile error scores
  ``0.0`` (``on_error="zero"``) or ``None`` (``on_error="none"``) and is
  counted (:attr:`LsrReward.stats`) and logged once per distinct message;
* each distinct spec is compiled once (bounded LRU cache keyed by spec text,
  mode and gamma; compile errors are cached too);
* instances pickle (multi-process data loaders, Ray, ``spawn``): the cache is
  dropped on pickling and rebuilt lazily.

This module imports neither torch nor transformers.
"""
from __future__ import annotations

import contextlib
import json
import logging
import math
import re
from collections import OrderedDict, defaultdict
from typing import Any, Callable, Mapping, Optional, Sequence

from lsr_dsl.rewards.chat import completion_text, prompt_text
from lsr_dsl.rewards.shaping import EPS, raif_tier, strip_think, think_format_ok
from lsr_dsl.judges.causal_lm import TransformersJudge
from lsr_dsl.judges.protocol import use_judge

logger = logging.getLogger("lsr_dsl.reward")

__all__ = ["LsrReward", "reward_from_config", "spec_key"]

_VALID_MODES = ("lsrm", "flat", "strict")



# --------------------------------------------------------------------------- text helpers
def spec_key(spec: Any) -> str:
    """A canonical text for a spec value (str as is; dict/list as sorted JSON)."""
    if isinstance(spec, str):
        return spec
    try:
        return json.dumps(spec, sort_keys=True, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(spec)


def _safe_metric_name(name: str) -> str:
    name = re.sub(r"\s+", "_", str(name).strip())
    return name[:80] or "?"


class _VerifierError(Exception):
    """A verifier error recorded in the result (re-raised internally to share the error path)."""


class _CompileFailure:
    """A cached compile error (so a bad spec is not recompiled on every batch)."""

    __slots__ = ("message",)

    def __init__(self, message: str):
        self.message = message


# --------------------------------------------------------------------------- the reward callable
class LsrReward:
    """LsRM reward function for GRPO (TRL) and friends.

    Parameters
    ----------
    spec_column:
        Dataset column holding each row's spec: lsr source text, a path to an
        ``.lsr``/``.json`` file, or AST JSON (dict or JSON string).
    mode:
        ``"lsrm"`` (paper rules: AND = mean, THEN = decayed mean, IF = active
        branch), ``"flat"`` (mean of all atoms) or ``"strict"`` (all-or-nothing);
        ``None`` keeps each spec's own ``set mode`` (default lsrm).
    gamma:
        THEN decay factor (``None`` = the compiler's default).
    on_error:
        ``"zero"``: a verifier/compile error scores 0.0; ``"none"``: it scores
        ``None`` (TRL treats it as a missing reward).
    strip_think:
        Verify only the answer after ``<think>…</think>`` (reasoning models).
    format_reward:
        Add the RAIF format reward (+1 well-formed think/answer, −1 otherwise)
        to each score.  Prefer passing :class:`ThinkFormatReward` as a second
        reward function, which TRL then logs separately.
    raif_tiers:
        RAIF tiered accuracy: +2 when the spec is fully satisfied, −2 when the
        score is 0, the LsRM score otherwise.
    prompt_column:
        Where the prompt for ``IF prompt …`` conditions comes from.  TRL passes
        the ``prompt`` column as ``prompts``; any other name is read from the
        dataset columns (e.g. a raw ``instruction`` column).
    spec:
        A fixed spec for every row (then ``spec_column`` is not needed).
    cache_size:
        Maximum number of compiled specs kept (LRU).
    judge:
        The model that judges soft constraints (``tone``, ``judge``): a
        :class:`lsr_dsl.judge.Judge` callable, or a local model path / hub id for
        a :class:`lsr_dsl.judge.TransformersJudge` (loaded on first use). Without
        one, a spec with a soft constraint scores as a verifier error.
    log_metrics:
        Send per-structure rewards and per-constraint pass rates through TRL's
        ``log_metric`` when it is given.
    name:
        The callable's ``__name__`` (TRL logs ``rewards/<name>/mean``).
    """

    def __init__(
        self,
        spec_column: str = "spec",
        mode: str = "lsrm",
        gamma: Optional[float] = None,
        on_error: str = "zero",
        strip_think: bool = False,
        format_reward: bool = False,
        raif_tiers: bool = False,
        prompt_column: str = "prompt",
        *,
        spec: Any = None,
        cache_size: int = 1024,
        log_metrics: bool = True,
        name: str = "lsr",
        judge: Any = None,
    ):
        if mode is not None and mode not in _VALID_MODES:
            raise ValueError(f"mode must be one of {', '.join(_VALID_MODES)} (or None: the spec's own), got {mode!r}")
        if on_error not in ("zero", "none"):
            raise ValueError(f"on_error must be 'zero' or 'none', got {on_error!r}")
        if gamma is not None and not (0.0 <= float(gamma) <= 1.0):
            raise ValueError(f"gamma must be in [0, 1], got {gamma!r}")
        if cache_size < 1:
            raise ValueError("cache_size must be >= 1")
        self.spec_column = spec_column
        self.mode = mode
        self.gamma = None if gamma is None else float(gamma)
        self.on_error = on_error
        self.strip_think = bool(strip_think)
        self.format_reward = bool(format_reward)
        self.raif_tiers = bool(raif_tiers)
        self.prompt_column = prompt_column
        self.spec = spec
        self.cache_size = int(cache_size)
        self.log_metrics = bool(log_metrics)
        self.__name__ = name
        self.judge = judge
        self._judge_obj: Any = None
        self.stats: dict[str, int] = {"calls": 0, "completions": 0, "errors": 0, "compile_errors": 0,
                                      "compiles": 0, "cache_hits": 0}
        self._cache: "OrderedDict[str, Any]" = OrderedDict()
        self._seen_errors: set[str] = set()

    # ------------------------------------------------------------------ pickling
    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_cache"] = None  # compiled programs are rebuilt lazily in the new process
        state["_seen_errors"] = set()
        state["_judge_obj"] = None  # a judge named by path is reloaded lazily too
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._cache = OrderedDict()

    def __repr__(self) -> str:
        return (f"LsrReward(spec_column={self.spec_column!r}, mode={self.mode!r}, gamma={self.gamma!r}, "
                f"on_error={self.on_error!r}, strip_think={self.strip_think}, format_reward={self.format_reward}, "
                f"raif_tiers={self.raif_tiers})")

    # ------------------------------------------------------------------ compile cache
    @property
    def cache_info(self) -> dict:
        return {"size": len(self._cache), "max_size": self.cache_size,
                "hits": self.stats["cache_hits"], "compiles": self.stats["compiles"]}

    def clear_cache(self) -> None:
        self._cache.clear()

    def program(self, spec: Any):
        """The compiled program for ``spec`` (cached).  Raises ``LsrError`` on a bad spec."""
        got = self._lookup(spec)
        if isinstance(got, _CompileFailure):
            from lsr_dsl.language.errors import LsrError

            raise LsrError(got.message)
        return got

    def _lookup(self, spec: Any):
        key = f"{self.mode}\x00{self.gamma!r}\x00{spec_key(spec)}"
        cache = self._cache
        if key in cache:
            cache.move_to_end(key)
            self.stats["cache_hits"] += 1
            return cache[key]
        self.stats["compiles"] += 1
        try:
            if spec is None or (isinstance(spec, str) and not spec.strip()):
                raise ValueError("empty spec")
            from lsr_dsl.api import compile_any

            value: Any = compile_any(spec, mode=self.mode, gamma=self.gamma)
        except Exception as exc:  # noqa: BLE001 - a bad spec must never crash training
            self.stats["compile_errors"] += 1
            value = _CompileFailure(_error_text(exc))
        cache[key] = value
        while len(cache) > self.cache_size:
            cache.popitem(last=False)
        return value

    # ------------------------------------------------------------------ scoring
    def _error(self, message: str) -> Optional[float]:
        self.stats["errors"] += 1
        if message not in self._seen_errors and len(self._seen_errors) < 100:
            self._seen_errors.add(message)
            logger.warning("lsr reward: %s (scored %s)", message, "None" if self.on_error == "none" else "0.0")
        return None if self.on_error == "none" else 0.0

    def _shape(self, score: float, raw_text: str) -> float:
        if self.raif_tiers:
            score = raif_tier(score)
        if self.format_reward:
            score += 1.0 if think_format_ok(raw_text) else -1.0
        return float(score)

    def score_one(self, completion: Any, spec: Any = None, prompt: Any = None) -> Optional[float]:
        """Score one completion (plain text or messages) against ``spec``; never raises."""
        return self._score_one(completion, self.spec if spec is None else spec, prompt, want_atoms=False)[0]

    def _score_one(self, completion: Any, spec: Any, prompt: Any, want_atoms: bool):
        """→ (reward, raw_score or None, structure or None, atoms or None, error or None)."""
        try:
            raw_text = completion_text(completion)
            text = strip_think(raw_text) if self.strip_think else raw_text
            ptext = prompt_text(prompt)
        except Exception as exc:  # noqa: BLE001
            return self._error(f"unreadable completion: {_error_text(exc)}"), None, None, None, "unreadable"
        prog = self._lookup(spec)
        if isinstance(prog, _CompileFailure):
            return self._error(f"spec does not compile: {prog.message}"), None, None, None, prog.message
        try:
            # evaluate() costs the same as score() and also reports the verifier's
            # recorded errors (a failing atom check is scored 0 there, not raised)
            res = prog.evaluate(text, prompt=ptext)
            score = float(res.score)
            errors = getattr(res, "errors", None)
            if errors:
                first = errors[0]
                label = first.get("label", first.get("name", "?")) if isinstance(first, Mapping) else "?"
                detail = first.get("error", "") if isinstance(first, Mapping) else str(first)
                raise _VerifierError(f"'{label}': {detail}")
            if math.isnan(score):
                raise ValueError("verifier returned NaN")
            score = min(1.0, max(0.0, score))
            atoms = res.atoms() if want_atoms else None
        except Exception as exc:  # noqa: BLE001 - verifier errors are scored, not raised
            msg = str(exc) if isinstance(exc, _VerifierError) else _error_text(exc)
            return self._error(f"verifier error: {msg}"), None, _structure(prog), None, msg
        return self._shape(score, raw_text), score, _structure(prog), atoms, None

    def __call__(self, prompts: Optional[Sequence[Any]] = None, completions: Optional[Sequence[Any]] = None,
                 completion_ids: Any = None, **kwargs: Any) -> list[Optional[float]]:
        if completions is None:
            completions = kwargs.pop("completion", None)
            if completions is None:
                raise TypeError("LsrReward needs completions=[...]")
        completions = list(completions)
        n = len(completions)
        log_metric: Optional[Callable[[str, float], Any]] = kwargs.get("log_metric")
        log_extra: Optional[Callable[[str, list], Any]] = kwargs.get("log_extra")
        specs = self._column_values(self.spec_column, n, kwargs, fixed=self.spec, required=True)
        if self.prompt_column in kwargs:
            plist = self._column_values(self.prompt_column, n, kwargs)
        elif prompts is not None:
            plist = _broadcast(prompts, n)
        else:
            plist = [None] * n

        self.stats["calls"] += 1
        self.stats["completions"] += n
        with use_judge(self._resolved_judge()) if self.judge is not None else contextlib.nullcontext():
            return self._score_batch(completions, specs, plist, n, log_metric, log_extra)

    def _resolved_judge(self) -> Any:
        if self._judge_obj is None:
            if isinstance(self.judge, str):
                self._judge_obj = TransformersJudge(self.judge)
            else:
                self._judge_obj = self.judge
        return self._judge_obj

    def _score_batch(self, completions: list, specs: list, plist: list, n: int,
                     log_metric: Optional[Callable[[str, float], Any]],
                     log_extra: Optional[Callable[[str, list], Any]]) -> list[Optional[float]]:
        want_atoms = bool(self.log_metrics and log_metric is not None) or log_extra is not None
        rewards: list[Optional[float]] = []
        by_structure: dict[str, list[float]] = defaultdict(list)
        atom_pass: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        failed_col: list[str] = []
        n_err = n_all = 0
        for completion, spec, prompt in zip(completions, specs, plist):
            reward, raw, structure, atoms, err = self._score_one(completion, spec, prompt, want_atoms)
            rewards.append(reward)
            if err is not None:
                n_err += 1
                failed_col.append(f"error: {err[:120]}")
                continue
            if raw is not None and raw >= 1.0 - EPS:
                n_all += 1
            if structure:
                by_structure[structure].append(raw)
            failed = []
            for a in atoms or ():
                if not _get(a, "active", True) or _get(a, "condition", False):
                    continue  # inactive branches and IF conditions are not constraints to satisfy
                name = str(_get(a, "name", "?"))
                passed = bool(_get(a, "passed", False))
                stat = atom_pass[name]
                stat[0] += int(passed)
                stat[1] += 1
                if not passed:
                    failed.append(name)
            failed_col.append(", ".join(failed))

        if log_metric is not None and self.log_metrics and n:
            try:
                log_metric("lsr/error_rate", n_err / n)
                log_metric("lsr/all_pass", n_all / n)
                for structure, vals in sorted(by_structure.items()):
                    log_metric(f"lsr/reward/{structure}", sum(vals) / len(vals))
                for name, (ok, tot) in sorted(atom_pass.items()):
                    log_metric(f"lsr/pass/{_safe_metric_name(name)}", ok / tot)
            except Exception as exc:  # noqa: BLE001 - logging must not break training
                logger.debug("log_metric failed: %s", exc)
        if log_extra is not None:
            try:
                log_extra("lsr_failed", failed_col)
            except Exception as exc:  # noqa: BLE001
                logger.debug("log_extra failed: %s", exc)
        return rewards

    def _column_values(self, column: str, n: int, kwargs: Mapping[str, Any], fixed: Any = None,
                       required: bool = False) -> list:
        if fixed is not None:
            return [fixed] * n
        if column not in kwargs:
            if not required:
                return [None] * n
            from lsr_dsl.language.errors import LsrConfigError

            have = sorted(k for k in kwargs if k not in ("trainer_state", "log_metric", "log_extra"))
            raise LsrConfigError(
                f"LsrReward: the dataset has no column {column!r} with the specs "
                f"(columns passed: {', '.join(have) or 'none'}); set spec_column= or spec=")
        return _broadcast(kwargs[column], n)


# --------------------------------------------------------------------------- helpers
def _broadcast(values: Any, n: int) -> list:
    if isinstance(values, (list, tuple)):
        values = list(values)
        if len(values) == n:
            return values
        if len(values) == 1:
            return values * n
        if n and len(values) and n % len(values) == 0:
            # one value per prompt while there are several completions per prompt
            k = n // len(values)
            return [v for v in values for _ in range(k)]
        raise ValueError(f"column has {len(values)} values for {n} completions")
    try:  # numpy arrays, pandas series, …
        if hasattr(values, "tolist") and not isinstance(values, (str, bytes, Mapping)):
            return _broadcast(values.tolist(), n)
    except Exception:  # noqa: BLE001
        pass
    return [values] * n


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(key, default)
    return getattr(obj, key, default)


def _structure(prog: Any) -> Optional[str]:
    try:
        s = prog.structure
        return str(s) if s else None
    except Exception:  # noqa: BLE001
        return None


def _error_text(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()
    first = msg[0] if msg else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def reward_from_config(**kwargs: Any) -> LsrReward:
    """Build an :class:`LsrReward` from keyword arguments (for config files)."""
    return LsrReward(**kwargs)
