"""Rows in and out: JSONL (``.jsonl``, ``.jsonl.gz``), Parquet (``.parquet``) and Hugging Face
``datasets`` saved directories (``save_to_disk``), plus the verl parquet layout.

- :func:`read_rows` — ``(where, row)`` pairs, ``where`` being ``file:line`` or ``file[row i]``;
- :func:`write_rows` — by the output's suffix (a path ending in ``/`` or an existing
  directory is a ``datasets`` directory);
- :func:`verl_rows` — rows as verl expects them: ``prompt`` as chat messages,
  ``reward_model.ground_truth`` = the spec, ``extra_info.prompt``.

pyarrow and datasets are imported only when a Parquet file or a dataset directory is used.
"""
from __future__ import annotations

import gzip
import json
import os
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Tuple

from lsr_dsl.language.errors import LsrDataError, LsrError, unreadable

__all__ = ["read_rows", "write_rows", "verl_rows", "row_format"]


def row_format(path: str) -> str:
    """``jsonl``, ``parquet`` or ``hf`` (a dataset directory), from the path."""
    if os.path.isdir(path) or path.endswith(("/", os.sep)):
        return "hf"
    if path.endswith(".parquet"):
        return "parquet"
    return "jsonl"


def _need(module: str, what: str):
    try:
        return __import__(module)
    except ImportError:
        raise LsrError(f"{what} needs the '{module}' package; hint: pip install 'lsr-dsl[data]'") from None


def read_rows(path: str) -> Iterator[Tuple[str, Dict[str, Any]]]:
    """Each row of a JSONL / Parquet file or a saved dataset, with where it came from."""
    fmt = row_format(path)
    if fmt == "jsonl":
        yield from _read_jsonl(path)
        return
    if fmt == "parquet":
        _need("pyarrow", "reading Parquet")
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path)
        except (OSError, Exception) as e:  # pyarrow raises its own ArrowInvalid for a bad file
            raise LsrDataError(f"{path}: not a readable Parquet file ({e})") from None
        for i, row in enumerate(table.to_pylist()):
            yield f"{path}[row {i}]", row
        return
    _need("datasets", "reading a saved dataset")
    from datasets import DatasetDict, load_from_disk

    try:
        ds = load_from_disk(path)
    except (OSError, FileNotFoundError, ValueError) as e:
        raise LsrDataError(f"{path}: not a dataset saved with save_to_disk ({e})") from None
    if isinstance(ds, DatasetDict):
        for split in ds:
            for i, row in enumerate(ds[split]):
                yield f"{path}[{split} row {i}]", dict(row)
        return
    for i, row in enumerate(ds):
        yield f"{path}[row {i}]", dict(row)


def _read_jsonl(path: str) -> Iterator[Tuple[str, Dict[str, Any]]]:
    try:
        f = gzip.open(path, "rt", encoding="utf-8") if path.endswith(".gz") else open(path, encoding="utf-8")
    except OSError as e:
        raise LsrDataError(unreadable(path, e, "JSONL file")) from None
    with f:
        try:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as e:
                    raise LsrDataError(f"{path}:{n}:{e.colno}: not JSON ({e.msg})") from None
                if not isinstance(row, dict):
                    raise LsrDataError(f"{path}:{n}: a row must be a JSON object, not {type(row).__name__}")
                yield f"{path}:{n}", row
        except UnicodeDecodeError as e:
            raise LsrDataError(f"{path}: not UTF-8 text ({e.reason})") from None


def write_rows(rows: Iterable[Mapping[str, Any]], path: str) -> int:
    """Write rows by the path's format; returns how many. JSONL is written to a temporary
    file beside ``path`` and renamed, so a failure leaves no half-written file."""
    rows = list(rows)
    fmt = row_format(path)
    folder = os.path.dirname(os.path.abspath(path.rstrip("/"))) or "."
    if not os.path.isdir(folder):
        raise LsrError(f"{path}: the folder {folder} does not exist")
    if fmt == "jsonl":
        tmp = path + ".tmp"
        try:
            opener = gzip.open(tmp, "wt", encoding="utf-8") if path.endswith(".gz") else open(tmp, "w", encoding="utf-8")
            with opener as f:
                for r in rows:
                    f.write(json.dumps(r, ensure_ascii=False) + "\n")
            os.replace(tmp, path)
        except OSError as e:
            raise LsrError(f"{path}: cannot write: {e.strerror}") from None
        return len(rows)
    if fmt == "parquet":
        _need("pyarrow", "writing Parquet")
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            pq.write_table(pa.Table.from_pylist(rows), path)
        except OSError as e:
            raise LsrError(f"{path}: cannot write: {e}") from None
        return len(rows)
    _need("datasets", "writing a dataset directory")
    from datasets import Dataset

    Dataset.from_list(rows).save_to_disk(path.rstrip("/"))
    return len(rows)


def verl_rows(rows: Iterable[Mapping[str, Any]], *, data_source: str = "lsr", system: str = "") -> Iterator[Dict[str, Any]]:
    """Rows in verl's RL layout. Each input row needs ``prompt`` and ``spec``."""
    for i, r in enumerate(rows):
        if not isinstance(r.get("prompt"), str) or not isinstance(r.get("spec"), str):
            raise LsrDataError(f"row {r.get('id', i)}: a verl row needs a string 'prompt' and 'spec'")
        messages: List[Dict[str, str]] = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": r["prompt"]}]
        yield {
            "data_source": data_source,
            "prompt": messages,
            "ability": "instruction_following",
            "reward_model": {"style": "rule", "ground_truth": r["spec"]},
            "extra_info": {"index": i, "id": str(r.get("id", i)), "prompt": r["prompt"]},
        }
