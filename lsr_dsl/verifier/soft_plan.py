"""Which soft leaves can still change a score, and judging them for a whole batch at once.

Every hard leaf is evaluated first; each soft leaf is then an unknown in [0, 1] (or its judged
value once known). Scores are propagated as intervals: AND is a mean, THEN is increasing in every
child, an IF whose condition's interval lies wholly at 1 (or wholly below 1) is decided, and the
``strict``/``flat`` modes read the active leaves. A soft leaf is asked for only when it sits where
its value reaches the score: not in an inactive IF branch, not under a node whose interval is
already one point (``strict`` with a failed hard leaf), not in a branch whose condition is still
undecided (that branch waits for the next round, once the condition's leaves are judged).

:func:`judge_batch_ahead` runs the rounds for many (program, response) rows and returns the scores
for :class:`~lsr_dsl.judges.batching.PrefetchedJudge`; :func:`prefetched_judge` builds that judge,
telling it which reached leaves cannot change any score (they are recorded as "not judged").
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Set, Tuple

from lsr_dsl.constraints.soft import soft_question
from lsr_dsl.judges.batching import JudgeScheduler, Pair, PrefetchedJudge
from lsr_dsl.text import Text
from lsr_dsl.verifier.nodes import AndV, AtomV, EvalContext, IfV, ThenV, VNode

Interval = Tuple[float, float]
MAX_ROUNDS = 16


@dataclass(frozen=True)
class Row:
    """One response to score: its program's verifier tree, mode, texts and loose flag."""

    root: VNode
    mode: str
    response: Text
    prompt: Optional[Text] = None
    loose: bool = False


def _is_soft(atom: AtomV) -> bool:
    return getattr(atom.constraint, "kind", "hard") == "soft"


class _Planner:
    def __init__(self, row: Row, known: Dict[Pair, float]):
        self.row = row
        self.known = known
        self.ctx = EvalContext(row.response, row.prompt, row.loose)
        self._memo: Dict[int, Interval] = {}
        self._holds: Dict[int, object] = {}

    # -- the texts a soft atom judges, and its interval --------------------
    def texts(self, atom: AtomV) -> List[str]:
        if atom.target == "prompt":
            return [self.row.prompt.text] if self.row.prompt is not None else []
        if self.row.loose:
            return [v.text for v in self.row.response.loose_variants()]
        return [self.row.response.text]

    def pairs(self, atom: AtomV) -> List[Pair]:
        q = soft_question(atom.name, atom.params)
        if q is None:
            return []
        return [(q, t) for t in self.texts(atom)]

    def atom_interval(self, atom: AtomV) -> Interval:
        if not _is_soft(atom):
            s = atom.verdict(self.ctx).score
            return (s, s)
        pairs = self.pairs(atom)
        if not pairs or any(p not in self.known for p in pairs):
            return (0.0, 1.0)
        # known: score it the way the leaf will (threshold, loose best-of) with the known answers
        s = self._score_known(atom)
        return (s, s)

    def _score_known(self, atom: AtomV) -> float:
        """The leaf's score from known answers, as the leaf computes it: thresholded, best loose variant."""
        threshold = getattr(atom.params, "threshold", None)
        scores = [self.known[p] for p in self.pairs(atom)]
        if threshold is not None:
            scores = [1.0 if p >= threshold else 0.0 for p in scores]
        return max(scores)

    # -- intervals ---------------------------------------------------------
    def lsrm(self, node: VNode) -> Interval:
        key = id(node)
        if key in self._memo:
            return self._memo[key]
        if isinstance(node, AtomV):
            out = self.atom_interval(node)
        elif isinstance(node, AndV):
            ivs = [self.lsrm(c) for c in node.children]
            out = (sum(i[0] for i in ivs) / len(ivs), sum(i[1] for i in ivs) / len(ivs))
        elif isinstance(node, ThenV):
            ivs = [self.lsrm(c) for c in node.children]
            out = (ThenV.combine([i[0] for i in ivs], node.gamma), ThenV.combine([i[1] for i in ivs], node.gamma))
        elif isinstance(node, IfV):
            holds = self.holds(node)
            if self._holds[id(node)] == "error":
                out = (0.0, 0.0)
            elif holds is True:
                out = self.lsrm(node.then)
            elif holds is False:
                out = self.lsrm(node.else_) if node.else_ is not None else (1.0, 1.0)
            else:
                a = self.lsrm(node.then)
                b = self.lsrm(node.else_) if node.else_ is not None else (1.0, 1.0)
                out = (min(a[0], b[0]), max(a[1], b[1]))
        else:  # pragma: no cover - a node kind this planner does not know: assume anything
            out = (0.0, 1.0)
        self._memo[key] = out
        return out

    def holds(self, node: IfV) -> Optional[bool]:
        """True/False when the condition is decided whatever the unknown leaves say; None otherwise.
        A condition a verifier error leaves undecided counts as False here: the IF then scores 0
        (or its ELSE side), with nothing in its branches worth judging."""
        key = id(node)
        if key not in self._holds:
            before = len(self.ctx.errors)
            lo, hi = self.lsrm(node.condition)
            if len(self.ctx.errors) > before:
                self._holds[key] = "error"
            else:
                self._holds[key] = True if lo >= 1.0 else False if hi < 1.0 else None
        got = self._holds[key]
        return None if got is None else got is True

    def leaf_intervals(self, node: VNode, out: List[Interval]) -> None:
        """The active leaves' intervals (for ``flat`` and ``strict``); an undecided IF adds (0, 1)."""
        if isinstance(node, AtomV):
            out.append(self.atom_interval(node))
        elif isinstance(node, (AndV, ThenV)):
            for c in node.children:
                self.leaf_intervals(c, out)
        elif isinstance(node, IfV):
            holds = self.holds(node)
            if self._holds[id(node)] == "error":
                out.append((0.0, 0.0))
            elif holds is True:
                self.leaf_intervals(node.then, out)
            elif holds is False:
                if node.else_ is not None:
                    self.leaf_intervals(node.else_, out)
            else:
                out.append((0.0, 1.0))

    def root_interval(self) -> Interval:
        mode = self.row.mode
        if mode == "lsrm":
            return self.lsrm(self.row.root)
        ivs: List[Interval] = []
        self.leaf_intervals(self.row.root, ivs)
        if not ivs:
            return (1.0, 1.0)
        if mode == "flat":
            return (sum(i[0] for i in ivs) / len(ivs), sum(i[1] for i in ivs) / len(ivs))
        return (1.0 if all(i[0] >= 1.0 for i in ivs) else 0.0, 1.0 if all(i[1] >= 1.0 for i in ivs) else 0.0)

    # -- the soft leaves still worth judging -------------------------------
    def needed(self) -> List[Pair]:
        """Soft pairs not yet known whose value can still change the score."""
        return self._split()[0]

    def decided(self) -> List[Pair]:
        """Soft pairs not yet known that the verifier will reach but whose value cannot change the score."""
        return self._split()[1]

    def _split(self) -> Tuple[List[Pair], List[Pair]]:
        need: List[Pair] = []
        moot: List[Pair] = []
        lo, hi = self.root_interval()
        self._walk(self.row.root, lo == hi, need, moot)
        return need, moot

    def _walk(self, node: VNode, decided: bool, need: List[Pair], moot: List[Pair]) -> None:
        """Visit the positions the verifier evaluates; ``decided``: the score no longer depends on them."""
        if self.row.mode == "lsrm":
            lo, hi = self.lsrm(node)
            decided = decided or lo == hi
        if isinstance(node, AtomV):
            if _is_soft(node):
                (moot if decided else need).extend(p for p in self.pairs(node) if p not in self.known)
        elif isinstance(node, (AndV, ThenV)):
            for c in node.children:
                self._walk(c, decided, need, moot)
        elif isinstance(node, IfV):
            holds = self.holds(node)
            undecided = holds is None and self._holds[id(node)] != "error"
            self._walk(node.condition, decided or not undecided, need, moot)
            if undecided:
                return  # the branches wait until the condition is judged
            if self._holds[id(node)] == "error":
                return
            if holds:
                self._walk(node.then, decided, need, moot)
            elif node.else_ is not None:
                self._walk(node.else_, decided, need, moot)


def soft_pairs_needed(row: Row, known: Dict[Pair, float]) -> List[Pair]:
    """The (question, text) pairs of ``row``'s soft leaves that can still change its score."""
    return _Planner(row, known).needed()


def soft_pairs_decided(row: Row, known: Dict[Pair, float]) -> List[Pair]:
    """The (question, text) pairs of ``row``'s reached soft leaves whose value cannot change its score."""
    return _Planner(row, known).decided()


def prefetched_judge(rows: Sequence[Row], scheduler: JudgeScheduler) -> PrefetchedJudge:
    """Judge ``rows``' soft leaves ahead (:func:`judge_batch_ahead`) → the judge to score them with:
    it answers from those results and marks the leaves that cannot change a score as not judged."""
    known = judge_batch_ahead(rows, scheduler)
    moot = {p for row in rows for p in soft_pairs_decided(row, known)}
    return PrefetchedJudge(known, scheduler, moot - set(known))


def judge_batch_ahead(rows: Sequence[Row], scheduler: JudgeScheduler) -> Dict[Pair, float]:
    """Judge, in batches, every soft leaf of ``rows`` that can still change a score; round after
    round while judged IF conditions open further branches. Returns the answers by pair."""
    known: Dict[Pair, float] = {}
    pending: Set[int] = set(range(len(rows)))
    for _ in range(MAX_ROUNDS):
        wanted: List[Pair] = []
        for i in sorted(pending):
            got = soft_pairs_needed(rows[i], known)
            if got:
                wanted.extend(got)
            else:
                pending.discard(i)
        if not wanted:
            break
        known.update(scheduler.score(wanted))
    return known
