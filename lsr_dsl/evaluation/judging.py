"""``lsr eval --judge``: the soft leaves of a chunk of rows judged together before the rows are scored.

Each row's program is found the way :func:`lsr_dsl.evaluation.runner.score_row` finds it (a
``spec``, an lsr ``ground_truth``, or IFEval instructions); its strict and loose evaluations are
planned with :mod:`lsr_dsl.verifier.soft_plan`; the wanted pairs of the whole chunk go to the
judge in batches. A row whose program cannot be found here is still scored: its soft leaves
then ask the judge one by one (counted as ``late`` in the scheduler's stats).
"""
from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator, List, Optional, Sequence

from lsr_dsl.judges.batching import JudgeScheduler, PrefetchedJudge
from lsr_dsl.judges.protocol import use_judge
from lsr_dsl.text import Text
from lsr_dsl.verifier.soft_plan import Row, prefetched_judge


def _plan_rows(row: Any, mode: Optional[str], _body: Callable[[Any], str]) -> List[Row]:
    from lsr_dsl.api import compile as _compile, compile_any
    from lsr_dsl.data import ifeval

    try:
        row = ifeval.parse_row(row)
        response = row.get("response")
        if not isinstance(response, str):
            return []
        prompt = ifeval.row_prompt(row)
        if row.get("spec") is not None:
            prog = compile_any(row["spec"], mode=mode)
        elif "ground_truth" in row and not any(k in row for k in ("instruction_id_list", "instruction_id")):
            gt = ifeval.spec_of_ground_truth(row["ground_truth"])
            if gt.instructions is None:
                prog = compile_any(gt.spec, mode=mode)
                prompt = prompt if prompt is not None else gt.prompt
            else:
                prog = _compile(_body(list(gt.instructions)), mode=mode)
        else:
            prog = _compile(_body(ifeval.instructions_of(row)), mode=mode)
    except Exception:  # noqa: BLE001 - the row is reported when it is scored
        return []
    if not any(getattr(a.constraint, "kind", "hard") == "soft" for a in prog.atoms()):
        return []
    if prompt is None and isinstance(prog.meta.get("prompt"), str):
        prompt = prog.meta["prompt"]
    text, ptext = Text(response), Text(prompt) if isinstance(prompt, str) else None
    return [Row(prog.root, prog.mode, text, ptext, False), Row(prog.root, prog.mode, text, ptext, True)]


@contextlib.contextmanager
def judged_ahead(rows: Sequence[Any], mode: Optional[str], scheduler: JudgeScheduler,
                 body: Callable[[Any], str]) -> Iterator[PrefetchedJudge]:
    """Judge the soft leaves of ``rows`` (raw rows) in batches; inside the block they read the answers.
    ``body`` turns IFEval instructions into spec source (the runner's, so that programs match)."""
    planned: List[Row] = []
    for row in rows:
        planned.extend(_plan_rows(row, mode, body))
    judge = prefetched_judge(planned, scheduler)
    with use_judge(judge):
        yield judge


def has_soft(row: Any, mode: Optional[str], body: Callable[[Any], str]) -> bool:
    """Whether ``row``'s program has a soft constraint (``False`` when it cannot be read: the row is
    then reported as usual when scored)."""
    return bool(_plan_rows(row, mode, body))
