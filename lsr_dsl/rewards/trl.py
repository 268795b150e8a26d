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

* a completion never makes it raise (unless ``strict=True``): a verifier or
  compile error scores ``0.0`` (``on_error="zero"``) or ``None``
  (``on_error="none"``) and is counted (:attr:`LsrReward.stats`) and logged
  once per distinct message; a spec that does not compile is reported once,
  with the row, its id and the compiler's hint (:meth:`LsrReward.validate`
  finds them all before training);
* metrics are keyed by leaf (``lsr/pass/words>=3``), THEN position, structure
  and depth, bounded in number (:mod:`lsr_dsl.rewards.details`);
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
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping, Optional, Sequence

from lsr_dsl.language.errors import describe_error
from lsr_dsl.rewards.chat import completion_text, prompt_text
from lsr_dsl.rewards.details import LeafMetrics, RowDetail, leaf_key, row_detail
from lsr_dsl.rewards.shaping import EPS, raif_tier, strip_think, think_format_ok
from lsr_dsl.judges.causal_lm import TransformersJudge
from lsr_dsl.judges.protocol import use_judge

logger = logging.getLogger("lsr_dsl.reward")

__all__ = ["LsrReward", "Scored", "ValidationReport", "reward_from_config", "spec_key"]

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



class _VerifierError(Exception):
    """A verifier error recorded in the result (re-raised internally to share the error path)."""


class _CompileFailure:
    """A cached compile error (so a bad spec is not recompiled on every batch)."""

    __slots__ = ("message",)

    def __init__(self, message: str):
        self.message = message


@dataclass(frozen=True)
class _Compiled:
    program: Any
    prompt: Optional[str]  # from a {"spec": ..., "prompt": ...} ground truth


def _soft_names(program: Any) -> list[str]:
    """The distinct soft constraints of ``program``, in order."""
    return list(dict.fromkeys(a.name for a in program.atoms() if getattr(a.constraint, "kind", "hard") == "soft"))


@dataclass(frozen=True)
class Scored:
    """One completion's outcome: ``reward`` (shaped), ``raw`` (the LsRM score), ``structure``,
    ``detail`` (per leaf and THEN step, when asked for) or ``error`` (why it could not be scored)."""

    reward: Optional[float] = None
    raw: Optional[float] = None
    structure: Optional[str] = None
    detail: Optional[RowDetail] = None
    error: Optional[str] = None
    compile_failed: bool = False  # the error is the spec's, not this completion's


@dataclass(frozen=True)
class ValidationReport:
    """What :meth:`LsrReward.validate` found."""

    rows: int
    distinct_specs: int
    problems: tuple

    @property
    def ok(self) -> bool:
        return not self.problems

    def render(self, limit: int = 50) -> str:
        head = (f"{len(self.problems)} of {self.distinct_specs} distinct spec{'s' if self.distinct_specs != 1 else ''} "
                f"in {self.rows} rows do not compile:")
        listed = list(self.problems[:limit])
        more = [f"… and {len(self.problems) - limit} more"] if len(self.problems) > limit else []
        return "\n  ".join([head] + listed + more)


def _compile_entry(spec: Any, mode: Optional[str], gamma: Optional[float]) -> Any:
    """Read ``spec`` as any ground-truth form (lsr spec or IFEval/RLVR instructions) and compile it."""
    from lsr_dsl.data.ifeval import GroundTruthError, compile_ground_truth

    try:
        return _Compiled(*compile_ground_truth(spec, mode=mode, gamma=gamma))
    except GroundTruthError as exc:
        return _CompileFailure(str(exc))
    except Exception as exc:  # noqa: BLE001 - a bad spec must never crash training by itself
        return _CompileFailure(describe_error(exc))


_SPEC_NAME = re.compile(r"\bspec\s+([A-Za-z_][A-Za-z0-9_]*)")


def _spec_id(spec: Any) -> str:
    """A short id for messages: the spec block's name, else the spec's first characters."""
    if isinstance(spec, Mapping):
        inner = spec.get("spec", spec)
        if "id" in spec:
            return f"spec id {spec['id']!r}"
        spec = inner
    text = spec if isinstance(spec, str) else spec_key(spec)
    if text.lstrip()[:1] in ("[", "{"):
        from lsr_dsl.data.ifeval import GroundTruthError, spec_of_ground_truth

        try:
            gt = spec_of_ground_truth(spec)
        except GroundTruthError:
            gt = None
        if gt is not None and gt.instructions:
            ids = ", ".join(i for i, _ in gt.instructions)
            return "instructions " + (ids if len(ids) <= 60 else ids[:59] + "…")
    m = _SPEC_NAME.search(text)
    if m:
        return f"spec {m.group(1)}"
    flat = " ".join(str(text).split())
    return "spec " + repr(flat if len(flat) <= 48 else flat[:47] + "…")


def _leaves_of(program: Any) -> Iterator[Any]:
    """The atoms of a program that are constraints (IF conditions left out)."""
    from lsr_dsl.verifier.nodes import IfV

    def visit(node: Any) -> Iterator[Any]:
        if isinstance(node, IfV):
            yield from visit(node.then)
            if node.else_ is not None:
                yield from visit(node.else_)
            return
        body = getattr(node, "body", None)
        if body is not None:  # a scope or a for each: the atoms of its body
            yield from visit(body)
            return
        kids = getattr(node, "children", None)
        if kids is None:
            yield node
            return
        for c in kids:
            yield from visit(c)

    return visit(program.root)


def _dataset_column(dataset: Any, column: str, fixed: Any = None) -> list:
    """One column of a Hugging Face Dataset, a list of row dicts or a dict of columns."""
    from lsr_dsl.language.errors import LsrConfigError

    if isinstance(dataset, Mapping):
        rows_n = len(next(iter(dataset.values()))) if dataset else 0
        if fixed is not None:
            return [fixed] * rows_n
        if column not in dataset:
            raise LsrConfigError(f"LsrReward.validate: the dataset has no column {column!r} "
                                 f"(columns: {', '.join(map(str, dataset)) or 'none'}); set spec_column= or spec=")
        return list(dataset[column])
    names = getattr(dataset, "column_names", None)
    if names is not None:  # datasets.Dataset
        if fixed is not None:
            return [fixed] * len(dataset)
        if column not in names:
            raise LsrConfigError(f"LsrReward.validate: the dataset has no column {column!r} "
                                 f"(columns: {', '.join(names)}); set spec_column= or spec=")
        return list(dataset[column])
    out = []
    for i, row in enumerate(dataset):
        if fixed is not None:
            out.append(fixed)
        elif not isinstance(row, Mapping) or column not in row:
            raise LsrConfigError(f"LsrReward.validate: row {i} has no {column!r} field; set spec_column= or spec=")
        else:
            out.append(row[column])
    return out


# --------------------------------------------------------------------------- the reward callable
class LsrReward:
    """LsRM reward function for GRPO (TRL) and friends.

    Parameters
    ----------
    spec_column:
        Dataset column holding each row's spec: lsr source text, a path to an
        ``.lsr``/``.json`` file, AST JSON (dict or JSON string), or any other
        ground-truth form ``lsr eval`` reads (IFEval/RLVR instructions).
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
    judge_batch_size:
        Soft leaves are judged for the whole call before scoring: only those that can still
        change a reward (not an inactive IF branch, not a tree ``strict`` mode has decided),
        de-duplicated, in batches of this size (:mod:`lsr_dsl.verifier.soft_plan`).
    judge_cache:
        Cache judge answers by (judge, question, hash of the text): ``True`` in memory,
        a file path to keep them on disk (SQLite) across runs, ``False`` for none.
    soft:
        With no judge: ``"error"`` (``validate`` rejects specs with soft constraints; at
        scoring time they are verifier errors) or ``"skip"`` (those rows score ``None``, are
        counted in ``stats["soft_skipped"]`` and logged as ``lsr/soft_skipped``, with one warning).
        A judge that fails mid-run gives the rows that need it the ``on_error`` value and logs
        ``lsr/judge_failures``.
    log_metrics:
        Send per-structure rewards and per-constraint pass rates through TRL's
        ``log_metric`` when it is given.
    name:
        The callable's ``__name__`` (TRL logs ``rewards/<name>/mean``).
    strict:
        Raise :class:`~lsr_dsl.language.errors.LsrDataError` instead of scoring
        0.0/None when a spec does not compile or the verifier fails.
    max_leaf_metrics:
        How many leaves (the most frequent) get a ``lsr/pass/<leaf>`` key of
        their own; the rest share ``lsr/pass/other``.
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
        strict: bool = False,
        max_leaf_metrics: int = 32,
        judge_batch_size: int = 16,
        judge_cache: Any = True,
        soft: str = "error",
    ):
        if mode is not None and mode not in _VALID_MODES:
            raise ValueError(f"mode must be one of {', '.join(_VALID_MODES)} (or None: the spec's own), got {mode!r}")
        if on_error not in ("zero", "none"):
            raise ValueError(f"on_error must be 'zero' or 'none', got {on_error!r}")
        if gamma is not None and not (0.0 <= float(gamma) <= 1.0):
            raise ValueError(f"gamma must be in [0, 1], got {gamma!r}")
        if cache_size < 1:
            raise ValueError("cache_size must be >= 1")
        if isinstance(max_leaf_metrics, bool) or not isinstance(max_leaf_metrics, int) or max_leaf_metrics < 0:
            raise ValueError(f"max_leaf_metrics must be an integer >= 0, got {max_leaf_metrics!r}")
        self.spec_column = spec_column
        self.mode = mode
        self.gamma = None if gamma is None else float(gamma)
        self.on_error = on_error
        self.strict = bool(strict)
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
        if isinstance(judge_batch_size, bool) or not isinstance(judge_batch_size, int) or judge_batch_size < 1:
            raise ValueError(f"judge_batch_size must be a positive integer, got {judge_batch_size!r}")
        if soft not in ("error", "skip"):
            raise ValueError(f"soft must be 'error' or 'skip', got {soft!r}")
        self.soft = soft
        self.judge_batch_size = judge_batch_size
        self.judge_cache = judge_cache
        self._scheduler: Any = None
        self.stats: dict[str, int] = {"calls": 0, "completions": 0, "errors": 0, "compile_errors": 0,
                                      "compiles": 0, "cache_hits": 0}
        self._cache: "OrderedDict[str, Any]" = OrderedDict()
        self._seen_errors: set[str] = set()
        self._reported_specs: set[str] = set()
        self._lock = threading.RLock()
        self.leaf_metrics = LeafMetrics(top_k=max_leaf_metrics)

    # ------------------------------------------------------------------ pickling
    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_cache"] = None  # compiled programs are rebuilt lazily in the new process
        state["_seen_errors"] = set()
        state["_reported_specs"] = set()
        state["_judge_obj"] = None  # a judge named by path is reloaded lazily too
        state["_scheduler"] = None
        state["_lock"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._cache = OrderedDict()
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return (f"LsrReward(spec_column={self.spec_column!r}, mode={self.mode!r}, gamma={self.gamma!r}, "
                f"on_error={self.on_error!r}, strict={self.strict}, strip_think={self.strip_think}, "
                f"format_reward={self.format_reward}, raif_tiers={self.raif_tiers})")

    # ------------------------------------------------------------------ compile cache
    @property
    def cache_info(self) -> dict:
        return {"size": len(self._cache), "max_size": self.cache_size,
                "hits": self.stats["cache_hits"], "compiles": self.stats["compiles"]}

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    def program(self, spec: Any):
        """The compiled program for ``spec`` (cached).  Raises ``LsrError`` on a bad spec."""
        got = self._lookup(spec)
        if isinstance(got, _CompileFailure):
            from lsr_dsl.language.errors import LsrError

            raise LsrError(got.message)
        return got.program

    def _lookup(self, spec: Any):
        """→ :class:`_Compiled` or :class:`_CompileFailure` (cached; thread-safe)."""
        key = f"{self.mode}\x00{self.gamma!r}\x00{spec_key(spec)}"
        with self._lock:
            cache = self._cache
            if key in cache:
                cache.move_to_end(key)
                self.stats["cache_hits"] += 1
                return cache[key]
            self.stats["compiles"] += 1
        value = _compile_entry(spec, self.mode, self.gamma)  # outside the lock: compiling may be slow
        with self._lock:
            if isinstance(value, _CompileFailure):
                self.stats["compile_errors"] += 1
            self._cache[key] = value
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return value

    # ------------------------------------------------------------------ validation
    def validate(self, dataset: Any, *, raise_on_error: bool = True) -> "ValidationReport":
        """Compile every distinct spec of ``dataset`` once, before training.

        ``dataset``: a Hugging Face ``Dataset``, a list of row dicts, or a dict of columns.
        Every problem names the first row index that has the spec, the spec's id and the
        compiler's position and hint ("did you mean …?"). Raises
        :class:`~lsr_dsl.language.errors.LsrDataError` listing them (``raise_on_error=False``
        returns them in the report instead). The dataset's constraints also seed which leaves
        get a metric key of their own (the most frequent ones).
        """
        specs = _dataset_column(dataset, self.spec_column, fixed=self.spec)
        problems: list[str] = []
        first_row: dict[str, int] = {}
        counts: dict[str, int] = {}
        for i, spec in enumerate(specs):
            k = spec_key(spec)
            counts[k] = counts.get(k, 0) + 1
            first_row.setdefault(k, i)
        for k, i in first_row.items():
            spec = specs[i]
            got = self._lookup(spec)
            if isinstance(got, _CompileFailure):
                problems.append(f"row {i} ({_spec_id(spec)}): {got.message}")
                self._reported_specs.add(k)
            else:
                self.leaf_metrics.seed([leaf_key(a.label) for a in _leaves_of(got.program)] * counts[k])
                soft = _soft_names(got.program)
                if soft and self.judge is None and self.soft == "error":
                    problems.append(f"row {i} ({_spec_id(spec)}): soft constraint(s) {', '.join(soft)} need a judge and "
                                    "none is configured (reward.judge in a training config, LsrReward(judge=...); "
                                    "or soft='skip' / reward.soft: skip to leave such rows unscored)")
        report = ValidationReport(rows=len(specs), distinct_specs=len(first_row), problems=tuple(problems))
        if problems and raise_on_error:
            from lsr_dsl.language.errors import LsrDataError

            raise LsrDataError(report.render())
        return report

    # ------------------------------------------------------------------ scoring
    def _error(self, message: str, log: bool = True) -> Optional[float]:
        with self._lock:
            self.stats["errors"] += 1
            first = log and message not in self._seen_errors and len(self._seen_errors) < 100
            if first:
                self._seen_errors.add(message)
        if self.strict:
            from lsr_dsl.language.errors import LsrDataError

            raise LsrDataError(f"lsr reward (strict): {message}")
        if first:
            logger.warning("lsr reward: %s (scored %s)", message, "None" if self.on_error == "none" else "0.0")
        return None if self.on_error == "none" else 0.0

    def _shape(self, score: float, raw_text: str) -> float:
        if self.raif_tiers:
            score = raif_tier(score)
        if self.format_reward:
            score += 1.0 if think_format_ok(raw_text) else -1.0
        return float(score)

    def score_one(self, completion: Any, spec: Any = None, prompt: Any = None) -> Optional[float]:
        """Score one completion (plain text or messages) against ``spec``; raises only with ``strict=True``."""
        got = self.evaluate_one(completion, self.spec if spec is None else spec, prompt)
        return self._error(got.error) if got.error is not None else got.reward

    def evaluate_one(self, completion: Any, spec: Any, prompt: Any = None, *, details: bool = False) -> Scored:
        """Score one completion and report what happened; never raises, logs nothing, counts nothing.

        ``error`` is the reason when it could not be scored (then ``reward`` is ``None``). Thread-safe.
        """
        try:
            raw_text = completion_text(completion)
            text = strip_think(raw_text) if self.strip_think else raw_text
            ptext = prompt_text(prompt)
        except Exception as exc:  # noqa: BLE001
            return Scored(error=f"unreadable completion: {_error_text(exc)}")
        entry = self._lookup(spec)
        if isinstance(entry, _CompileFailure):
            return Scored(error=f"spec does not compile: {entry.message}", compile_failed=True)
        prog = entry.program
        if ptext is None and entry.prompt is not None:
            ptext = entry.prompt
        structure = _structure(prog)
        if self.judge is None and self.soft == "skip" and _soft_names(prog):
            with self._lock:
                self.stats["soft_skipped"] = self.stats.get("soft_skipped", 0) + 1
                first = self.stats["soft_skipped"] == 1
            if first:
                logger.warning("lsr reward: soft=skip: rows whose spec has soft constraints (%s) score None: no judge "
                               "is configured (counted in stats['soft_skipped'], logged as lsr/soft_skipped)",
                               ", ".join(_soft_names(prog)))
            return Scored(structure=structure)
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
            row = row_detail(structure, score, res.trace) if details else None
        except Exception as exc:  # noqa: BLE001 - verifier errors are reported, not raised
            msg = str(exc) if isinstance(exc, _VerifierError) else _error_text(exc)
            return Scored(error=f"verifier error: {msg}", structure=structure)
        return Scored(reward=self._shape(score, raw_text), raw=score, structure=structure, detail=row)

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
        skipped_before = self.stats.get("soft_skipped", 0)
        ids = _row_ids(kwargs, n)
        if self.judge is None:
            got = self._score_batch(completions, specs, plist, n, log_metric, log_extra, ids)
            if self.soft == "skip" and log_metric is not None and self.log_metrics and n:
                log_metric("lsr/soft_skipped", (self.stats.get("soft_skipped", 0) - skipped_before) / n)
            return got
        with use_judge(self._judge_ahead(completions, specs, plist, log_metric)):
            return self._score_batch(completions, specs, plist, n, log_metric, log_extra, ids)

    def _judge_ahead(self, completions: list, specs: list, plist: list,
                     log_metric: Optional[Callable[[str, float], Any]]) -> Any:
        """Judge every soft leaf of the batch that can still change a reward, in batches, before
        scoring (:mod:`lsr_dsl.verifier.soft_plan`); → the judge the leaves then read from. A judge
        that fails gives every row that needs it a verifier error (the ``on_error`` value), and
        ``lsr/judge_failures`` is logged: never a crash mid-run, never a silent pass."""
        from lsr_dsl.judges.function import FailedJudge
        from lsr_dsl.language.errors import LsrRuntimeError
        from lsr_dsl.verifier.soft_plan import prefetched_judge

        scheduler = self._judge_scheduler()
        rows = [r for r in (self._plan_row(c, s, p) for c, s, p in zip(completions, specs, plist)) if r is not None]
        before = scheduler.stats.as_dict()
        try:
            judge = prefetched_judge(rows, scheduler)
        except LsrRuntimeError as exc:
            self.stats["judge_failures"] = self.stats.get("judge_failures", 0) + 1
            logger.warning("lsr reward: %s (rows that need the judge score as verifier errors)", exc)
            if log_metric is not None and self.log_metrics:
                log_metric("lsr/judge_failures", 1.0)
            return FailedJudge(str(exc), scheduler.name)
        after = scheduler.stats.as_dict()
        for key in ("judged", "batches", "cache_hits"):
            self.stats[f"judge_{key}"] = self.stats.get(f"judge_{key}", 0) + after[key] - before[key]
        if log_metric is not None and self.log_metrics and rows:
            log_metric("lsr/judge_batches", float(after["batches"] - before["batches"]))
            log_metric("lsr/judge_cache_hits", float(after["cache_hits"] - before["cache_hits"]))
        return judge

    def _plan_row(self, completion: Any, spec: Any, prompt: Any) -> Any:
        from lsr_dsl.text import Text
        from lsr_dsl.verifier.soft_plan import Row

        try:
            raw_text = completion_text(completion)
            text = strip_think(raw_text) if self.strip_think else raw_text
            ptext = prompt_text(prompt)
        except Exception:  # noqa: BLE001 - reported when the row is scored
            return None
        entry = self._lookup(spec)
        if isinstance(entry, _CompileFailure):
            return None
        prog = entry.program
        if ptext is None:
            ptext = entry.prompt if entry.prompt is not None else prog.meta.get("prompt")
        if not any(getattr(a.constraint, "kind", "hard") == "soft" for a in prog.atoms()):
            return None
        return Row(prog.root, prog.mode, Text(text), Text(ptext) if isinstance(ptext, str) else None)

    def _judge_scheduler(self) -> Any:
        if self._scheduler is None:
            from lsr_dsl.judges.batching import JudgeScheduler
            from lsr_dsl.judges.cache import JudgeCache

            cache = None
            if self.judge_cache:
                cache = JudgeCache(self.judge_cache if isinstance(self.judge_cache, str) else None)
            self._scheduler = JudgeScheduler(self._resolved_judge(), self.judge_batch_size, cache)
        return self._scheduler

    def _report_bad_spec(self, spec: Any, message: str, row: int, row_id: Any) -> bool:
        """Validation on first sight: a spec that does not compile is reported once, naming the
        row of the batch, its id (an ``id``/``key``/``index`` column) and the spec, with the
        compiler's hint; with ``strict=True`` it raises. → whether this call reported it."""
        k = spec_key(spec)
        with self._lock:
            if k in self._reported_specs:
                return False
            self._reported_specs.add(k)
        rid = f"id {row_id!r}, " if row_id is not None else ""
        text = f"row {row} of the batch ({rid}{_spec_id(spec)}): {message}"
        if self.strict:
            from lsr_dsl.language.errors import LsrDataError

            raise LsrDataError(f"lsr reward (strict): {text}")
        logger.warning("lsr reward: %s (every row with this spec scores %s; LsrReward.validate(dataset) "
                       "finds these before training)", text, "None" if self.on_error == "none" else "0.0")
        return True

    def _resolved_judge(self) -> Any:
        if self._judge_obj is None:
            if isinstance(self.judge, str):
                from lsr_dsl.judges.config import make_judge

                self._judge_obj = make_judge(self.judge)
            else:
                self._judge_obj = self.judge
        return self._judge_obj

    def _score_batch(self, completions: list, specs: list, plist: list, n: int,
                     log_metric: Optional[Callable[[str, float], Any]],
                     log_extra: Optional[Callable[[str, list], Any]], ids: Optional[list] = None) -> list[Optional[float]]:
        want_details = bool(self.log_metrics and log_metric is not None) or log_extra is not None
        rewards: list[Optional[float]] = []
        rows: list[RowDetail] = []
        failed_col: list[str] = []
        n_err = n_all = 0
        for i, (completion, spec, prompt) in enumerate(zip(completions, specs, plist)):
            got = self.evaluate_one(completion, spec, prompt, details=want_details)
            if got.error is not None:
                if got.compile_failed:
                    self._report_bad_spec(spec, got.error, i, ids[i] if ids else None)
                rewards.append(self._error(got.error, log=not got.compile_failed))
                n_err += 1
                failed_col.append(f"error: {got.error[:120]}")
                continue
            rewards.append(got.reward)
            if got.raw is not None and got.raw >= 1.0 - EPS:
                n_all += 1
            if got.detail is not None:
                rows.append(got.detail)
                failed_col.append(", ".join(leaf.key for leaf in got.detail.leaves if not leaf.passed))
            else:
                failed_col.append("")

        if log_metric is not None and self.log_metrics and n:
            try:
                log_metric("lsr/error_rate", n_err / n)
                log_metric("lsr/all_pass", n_all / n)
                for key, value in self.leaf_metrics.batch(rows).items():
                    log_metric(key, value)
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
def _row_ids(kwargs: Mapping[str, Any], n: int) -> Optional[list]:
    """Row ids for messages, from an ``id``/``key``/``index`` dataset column when there is one."""
    for col in ("id", "key", "index"):
        if col in kwargs:
            try:
                return _broadcast(kwargs[col], n)
            except ValueError:
                return None
    return None


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
