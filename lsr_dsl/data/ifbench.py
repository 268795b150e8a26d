"""IFBench's evaluation layout: ``IFBench_test.jsonl`` (or IFEval's ``input_data.jsonl``) + a responses file.

IFBench's ``run_eval.py`` reads the prompts (``key``, ``prompt``, ``instruction_id_list``,
``kwargs``) and, separately, a JSONL of ``{"prompt", "response"}`` rows, and joins them by
prompt text: the last response given for a prompt wins, a prompt also matches with
surrounding whitespace stripped, and a prompt without a response counts every instruction
as not followed. :func:`joined_rows` does the same and yields rows for
:mod:`lsr_dsl.evaluation.runner`.

Instruction ids are resolved with IFBench's semantics: an IFBench id becomes its
``ifbench/<id>`` alias (so an id that another family also claims is still scored as IFBench
scores it); IFEval's 25 ids (IFBench's ``classic_instructions`` are IFEval's) stay as they are.
An unknown id is not an error of the file: the runner counts it as not followed and lists
it with a "did you mean" (:func:`unknown_id_message`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

from lsr_dsl.language.errors import LsrDataError, closest

__all__ = ["IFBENCH_SUITE", "Joined", "read_responses", "joined_rows", "scoring_id", "unknown_id_message"]

#: The ``suite`` value the runner sees on rows made here.
IFBENCH_SUITE = "ifbench"
_PREFIX = "ifbench/"


def _ifbench_ids() -> Dict[str, str]:
    from lsr_dsl.constraints.ifbench import IFBENCH_IDS

    return IFBENCH_IDS


def scoring_id(instruction_id: str) -> str:
    """The registry name that scores ``instruction_id`` as IFBench does."""
    if instruction_id in _ifbench_ids():
        return _PREFIX + instruction_id
    return instruction_id


def display_id(name: str) -> str:
    """The IFBench id as IFBench's reports write it (``ifbench/`` dropped)."""
    return name[len(_PREFIX):] if name.startswith(_PREFIX) else name


def unknown_id_message(instruction_id: str) -> str:
    """'unknown instruction id …' with the closest IFBench id (else IFEval id) as a hint."""
    from lsr_dsl.constraints.ifeval import IFEVAL_IDS

    guess = closest(instruction_id, list(_ifbench_ids())) or closest(instruction_id, list(IFEVAL_IDS))
    hint = f" (did you mean '{guess}'?)" if guess else ""
    return f"unknown instruction id {instruction_id!r}{hint}"


def read_responses(path: str) -> Dict[str, Optional[str]]:
    """``prompt -> response`` as IFBench's ``read_prompt_to_response_dict`` builds it (a null
    response is kept: that prompt then counts as unanswered).

    Raises :class:`LsrDataError` naming ``file:line`` for a line that is not a JSON object
    with string ``prompt`` and ``response`` (IFBench would stop with a traceback).
    """
    from lsr_dsl.language.errors import unreadable

    out: Dict[str, Optional[str]] = {}
    bad: List[str] = []
    try:
        f = open(path, encoding="utf-8")
    except OSError as e:
        raise LsrDataError(unreadable(path, e, "responses file")) from None
    with f:
        try:
            for n, text in enumerate(f, 1):
                if not text.strip():
                    continue
                why = _response_problem(text)
                if why:
                    bad.append(f"{path}:{n}: {why}")
                    continue
                row = json.loads(text)
                out[row["prompt"]] = row["response"]
                stripped = row["prompt"].strip()
                if stripped != row["prompt"]:
                    out[stripped] = row["response"]
        except UnicodeDecodeError as e:
            raise LsrDataError(f"{path}: not UTF-8 text ({e.reason})") from None
    if bad:
        more = f"\n  … and {len(bad) - 50} more" if len(bad) > 50 else ""
        raise LsrDataError(f"{len(bad)} bad line{'s' if len(bad) != 1 else ''} in the responses file:\n  " + "\n  ".join(bad[:50]) + more)
    return out


def _response_problem(text: str) -> Optional[str]:
    try:
        row = json.loads(text)
    except ValueError as e:
        return f"not a JSON object ({e})"
    if not isinstance(row, dict):
        return f"a row must be a JSON object, not {type(row).__name__}"
    if not isinstance(row.get("prompt"), str):
        return "'prompt' must be a string" + (" (missing)" if row.get("prompt") is None else f", not {type(row['prompt']).__name__}")
    if "response" not in row:
        return "no 'response'"
    if row["response"] is not None and not isinstance(row["response"], str):
        return f"'response' must be a string or null, not {type(row['response']).__name__}"
    return None


@dataclass
class Joined:
    """The join of a prompts file and a responses file (see :func:`joined_rows`)."""

    rows: List[Tuple[int, Any]] = field(default_factory=list)
    missing: List[Any] = field(default_factory=list)  # keys of prompts without a response


def joined_rows(prompt_lines: Iterator[Tuple[int, str]], responses: Mapping[str, Optional[str]]) -> Joined:
    """Each prompt row with its response, ids mapped by :func:`scoring_id`.

    A line that is not a JSON object is passed through as is, for the runner to report with
    its line number; so is a row without ``prompt``.
    """
    out = Joined()
    for line, text in prompt_lines:
        try:
            row = json.loads(text)
        except ValueError:
            out.rows.append((line, text))
            continue
        if not isinstance(row, dict) or not isinstance(row.get("prompt"), str):
            out.rows.append((line, row))
            continue
        prompt = row["prompt"]
        # As IFBench: the exact prompt first (even when its response is null), then stripped.
        response = responses[prompt] if prompt in responses else responses.get(prompt.strip())
        if response is None:
            out.missing.append(row.get("key", line))
            response = ""  # IFBench's empty output: every instruction not followed
        joined = dict(row)
        ids = row.get("instruction_id_list")
        if isinstance(ids, list):
            joined["instruction_id_list"] = [scoring_id(i) if isinstance(i, str) else i for i in ids]
        joined["response"] = response
        joined["suite"] = IFBENCH_SUITE
        out.rows.append((line, joined))
    return out
