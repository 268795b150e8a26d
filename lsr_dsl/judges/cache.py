"""A cache of judge answers keyed by (judge id, question, SHA-256 of the judged text).

In memory always; on disk too when given a path (an SQLite file, so several runs and
processes can share it). Only the hash of a response is stored, never its text.
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from typing import Dict, Optional, Tuple

CacheKey = Tuple[str, str, str]


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def cache_key(judge_name: str, question: str, text: str) -> CacheKey:
    return (judge_name, question, text_hash(text))


class JudgeCache:
    """Remembered P(YES) answers; ``path`` (optional) keeps them across runs in SQLite."""

    def __init__(self, path: Optional[str] = None) -> None:
        self.path = os.path.expanduser(path) if path else None
        self._mem: Dict[CacheKey, float] = {}
        self._lock = threading.Lock()
        self._db: Optional[sqlite3.Connection] = None
        self.hits = 0
        self.misses = 0
        if self.path:
            parent = os.path.dirname(os.path.abspath(self.path))
            os.makedirs(parent, exist_ok=True)
            self._open()

    def _open(self) -> None:
        assert self.path is not None
        self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        self._db.execute("CREATE TABLE IF NOT EXISTS answers (judge TEXT, question TEXT, text_sha256 TEXT, "
                         "p REAL, PRIMARY KEY (judge, question, text_sha256))")
        self._db.commit()

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_db"] = None
        state["_lock"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()
        if self.path:
            self._open()

    def __len__(self) -> int:
        return len(self._mem)

    def get(self, key: CacheKey) -> Optional[float]:
        with self._lock:
            p = self._mem.get(key)
            if p is None and self._db is not None:
                row = self._db.execute("SELECT p FROM answers WHERE judge=? AND question=? AND text_sha256=?", key).fetchone()
                if row is not None:
                    p = float(row[0])
                    self._mem[key] = p
            if p is None:
                self.misses += 1
            else:
                self.hits += 1
            return p

    def put_many(self, items: Dict[CacheKey, float]) -> None:
        with self._lock:
            self._mem.update(items)
            if self._db is not None and items:
                self._db.executemany("INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?)",
                                     [(*k, float(v)) for k, v in items.items()])
                self._db.commit()
