"""Model judges for soft constraints: the :class:`Judge` protocol and its backends.

- :mod:`.protocol`: the protocol, the current judge (:func:`use_judge`) and :func:`ask`;
- :mod:`.function`: :class:`CallableJudge`, any Python function as a judge;
- :mod:`.causal_lm`: :class:`TransformersJudge`, P(YES) from a local causal LM.

A new backend is a module here exposing a class whose instances are callables
``judge(question, response) -> float`` in [0, 1].
"""
from lsr_dsl.judges.causal_lm import DEFAULT_TEMPLATE, TransformersJudge
from lsr_dsl.judges.function import CallableJudge
from lsr_dsl.judges.protocol import Judge, ask, current_judge, require_judge, use_judge

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
