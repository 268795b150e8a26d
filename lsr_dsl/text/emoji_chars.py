"""Is one character an emoji, as ``emoji.is_emoji`` answers for a one-character string."""
from __future__ import annotations

import bisect
from functools import lru_cache
from typing import Tuple

from lsr_dsl.text.emoji_table import EMOJI_CODE_POINT_RANGES

_STARTS: Tuple[int, ...] = tuple(a for a, _ in EMOJI_CODE_POINT_RANGES)


@lru_cache(maxsize=4096)
def is_emoji_char(ch: str) -> bool:
    """True when ``ch`` (one character) is an emoji of its own (``emoji`` 2.16's table)."""
    if len(ch) != 1:
        return False
    cp = ord(ch)
    i = bisect.bisect_right(_STARTS, cp) - 1
    return i >= 0 and cp <= EMOJI_CODE_POINT_RANGES[i][1]
