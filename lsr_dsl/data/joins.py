"""IFEval's two-file layout: ``input_data.jsonl`` (key, prompt, instruction_id_list, kwargs)
and ``input_response_data.jsonl`` (prompt, response), joined on the prompt text as IFEval's
own evaluation does (``lsr eval input_data.jsonl --responses input_response_data.jsonl``)."""
from __future__ import annotations

from typing import Any, Dict, Iterator, List, Tuple

from lsr_dsl.data.rowio import read_rows
from lsr_dsl.language.errors import LsrDataError

__all__ = ["join_responses"]

MAX_LISTED = 20


def join_responses(data_path: str, responses_path: str) -> Iterator[Tuple[int, Dict[str, Any]]]:
    """``(row number, row + its response)`` for each row of ``data_path``. Every response
    row needs a string ``prompt`` and ``response``; a prompt given two different responses,
    or a data row whose prompt has no response, is an error naming both files."""
    responses: Dict[str, str] = {}
    where_of: Dict[str, str] = {}
    for where, r in read_rows(responses_path):
        p, resp = r.get("prompt"), r.get("response")
        if not isinstance(p, str) or not isinstance(resp, str):
            raise LsrDataError(f"{where}: a response row needs a string 'prompt' and 'response' (keys: {', '.join(r) or 'none'})")
        if p in responses and responses[p] != resp:
            raise LsrDataError(f"{where}: this prompt already has a different response at {where_of[p]}")
        responses[p] = resp
        where_of[p] = where
    missing: List[str] = []
    rows: List[Tuple[int, Dict[str, Any]]] = []
    for i, (where, row) in enumerate(read_rows(data_path), 1):
        p = row.get("prompt")
        if not isinstance(p, str):
            raise LsrDataError(f"{where}: the row has no string 'prompt' to join on")
        if p not in responses:
            missing.append(f"{where}: key {row.get('key', '?')}: no response in {responses_path} for this prompt")
            continue
        merged = dict(row)
        merged["response"] = responses[p]
        rows.append((i, merged))
    if missing:
        more = f"\n  … and {len(missing) - MAX_LISTED} more" if len(missing) > MAX_LISTED else ""
        raise LsrDataError(f"{len(missing)} row{'s' if len(missing) != 1 else ''} without a response:\n  " + "\n  ".join(missing[:MAX_LISTED]) + more)
    yield from rows
