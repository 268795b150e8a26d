"""``lsr judge-data``: rows ``{response, constraint, label}`` for training a judge, labelled exactly
by hard constraints.

Every hard constraint on the response in each row's spec becomes one row: ``constraint`` is the
constraint worded as an instruction (the same wording as ``lsr render``), ``label`` is 1 when the
rule check passes and 0 when not, ``name`` the constraint's name. A classifier judge trained on
such rows (``lsr train-judge``) can have its accuracy measured with no human labels.
"""
from __future__ import annotations

import random
from typing import Any, Dict, Iterable, Iterator, Tuple

from lsr_dsl.api import compile_any
from lsr_dsl.data.render import render_atom
from lsr_dsl.language.errors import LsrDataError, LsrError
from lsr_dsl.text import Text


def judge_rows(rows: Iterable[Tuple[str, Dict[str, Any]]], *, seed: int = 0) -> Iterator[Dict[str, Any]]:
    """``(where, row)`` pairs with ``response`` and ``spec`` → one labelled row per hard constraint."""
    rng = random.Random(seed)
    for where, row in rows:
        response, spec = row.get("response"), row.get("spec")
        if not isinstance(response, str):
            raise LsrDataError(f"{where}: 'response' must be a string" + (" (missing)" if response is None else ""))
        if spec is None:
            raise LsrDataError(f"{where}: no 'spec' (judge-data labels responses by the hard constraints of their spec)")
        try:
            prog = compile_any(spec)
        except LsrError as e:
            raise LsrDataError(f"{where}: the spec does not compile: {e}") from None
        text = Text(response)
        for atom in prog.atoms():
            if atom.target != "response" or getattr(atom.constraint, "kind", "hard") != "hard":
                continue
            verdict = atom.check(atom.params, text)
            yield {"response": response, "constraint": render_atom(atom.constraint, atom.params, rng),
                   "label": 1 if verdict.score >= 1.0 else 0, "name": atom.name}
