"""Judge many soft leaves at once: de-duplicate, look up the cache, and send the rest in batches.

:class:`JudgeScheduler` owns a judge, a batch size and a :class:`~lsr_dsl.judges.cache.JudgeCache`.
``scheduler.score(pairs)`` answers every ``(question, text)`` pair; each distinct pair that the
cache does not know costs one slot in a ``judge_batch`` call of at most ``batch_size`` pairs, so
the judge runs ``ceil(distinct misses / batch_size)`` batches.

:class:`PrefetchedJudge` is the judge that verifier leaves see while a batch is scored: it answers
from the scores fetched ahead and asks the scheduler (one pair at a time, counted as ``late``) for
anything the plan did not foresee, so a plan that misses a leaf costs time, never correctness.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from lsr_dsl.judges.cache import CacheKey, JudgeCache, cache_key
from lsr_dsl.judges.protocol import SoftNotNeeded, ask_batch, judge_id

Pair = Tuple[str, str]


@dataclass
class SchedulerStats:
    """What the scheduler did: pairs asked, distinct pairs, cache hits, pairs judged, judge batches, late calls."""

    requested: int = 0
    distinct: int = 0
    cache_hits: int = 0
    judged: int = 0
    batches: int = 0
    late: int = 0

    def as_dict(self) -> Dict[str, int]:
        return dict(self.__dict__)


@dataclass
class JudgeScheduler:
    judge: Any
    batch_size: int = 16
    cache: Optional[JudgeCache] = field(default_factory=JudgeCache)
    stats: SchedulerStats = field(default_factory=SchedulerStats)

    def __post_init__(self) -> None:
        if isinstance(self.batch_size, bool) or not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, not {self.batch_size!r}")
        self._lock = threading.Lock()

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("_lock", None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return judge_id(self.judge)

    def score(self, pairs: Iterable[Pair]) -> Dict[Pair, float]:
        """P(YES) for each distinct pair; unknown pairs are judged in batches of ``batch_size``."""
        pairs = list(pairs)
        distinct = list(dict.fromkeys(pairs))
        name = self.name
        out: Dict[Pair, float] = {}
        todo: List[Pair] = []
        for pair in distinct:
            p = self.cache.get(cache_key(name, *pair)) if self.cache is not None else None
            if p is None:
                todo.append(pair)
            else:
                out[pair] = p
        with self._lock:
            self.stats.requested += len(pairs)
            self.stats.distinct += len(distinct)
            self.stats.cache_hits += len(distinct) - len(todo)
        for start in range(0, len(todo), self.batch_size):
            chunk = todo[start:start + self.batch_size]
            answers = ask_batch(self.judge, chunk)
            got: Dict[CacheKey, float] = {}
            for pair, p in zip(chunk, answers):
                out[pair] = p
                got[cache_key(name, *pair)] = p
            if self.cache is not None:
                self.cache.put_many(got)
            with self._lock:
                self.stats.judged += len(chunk)
                self.stats.batches += 1
        return out


class PrefetchedJudge:
    """A judge answering from scores fetched ahead; pairs in ``not_needed`` (leaves the plan found
    cannot change any score) raise :class:`SoftNotNeeded`; anything else goes to ``scheduler`` one at
    a time."""

    def __init__(self, scores: Dict[Pair, float], scheduler: JudgeScheduler,
                 not_needed: Optional[Iterable[Pair]] = None) -> None:
        self.scores = scores
        self.scheduler = scheduler
        self.not_needed = frozenset(not_needed or ())
        self.judge_id = scheduler.name

    def __call__(self, question: str, response: str) -> float:
        p = self.scores.get((question, response))
        if p is not None:
            return p
        if (question, response) in self.not_needed:
            raise SoftNotNeeded(question)
        with self.scheduler._lock:
            self.scheduler.stats.late += 1
        p = self.scheduler.score([(question, response)])[(question, response)]
        self.scores[(question, response)] = p
        return p

    def judge_batch(self, pairs: Sequence[Pair]) -> List[float]:
        got = self.scheduler.score([p for p in pairs if p not in self.scores])
        self.scores.update(got)
        return [self.scores[p] for p in pairs]

    def __repr__(self) -> str:
        return f"PrefetchedJudge({self.judge_id})"
