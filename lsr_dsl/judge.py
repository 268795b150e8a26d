"""Old import path of the judges, kept for users: ``from lsr_dsl.judge import CallableJudge, use_judge``.

The code lives in :mod:`lsr_dsl.judges`.
"""
from lsr_dsl.judges import (
    DEFAULT_TEMPLATE,
    CallableJudge,
    Judge,
    TransformersJudge,
    ask,
    current_judge,
    require_judge,
    use_judge,
)

__all__ = [
    "DEFAULT_TEMPLATE",
    "CallableJudge",
    "Judge",
    "TransformersJudge",
    "ask",
    "current_judge",
    "require_judge",
    "use_judge",
]
