"""Model judges for soft constraints: the :class:`Judge` protocol and its backends.

- :mod:`.protocol`: the protocol, the current judge (:func:`use_judge`) and :func:`ask`;
- :mod:`.function`: :class:`CallableJudge`, any Python function as a judge;
- :mod:`.causal_lm`: :class:`TransformersJudge`, P(YES) from a local causal LM (batched);
- :mod:`.classifier`: :class:`ClassifierJudge`, a sequence-classification reward model;
- :mod:`.http`: :class:`OpenAIJudge`, an OpenAI-compatible server;
- :mod:`.config`: :func:`make_judge`, one string naming any of them;
- :mod:`.batching` and :mod:`.cache`: de-duplicated batches and the answer cache (docs/judges.md).

A new backend is a module here exposing a class whose instances are callables
``judge(question, response) -> float`` in [0, 1].
"""
from lsr_dsl.judges.batching import JudgeScheduler, PrefetchedJudge
from lsr_dsl.judges.cache import JudgeCache
from lsr_dsl.judges.causal_lm import DEFAULT_TEMPLATE, TransformersJudge
from lsr_dsl.judges.classifier import ClassifierJudge
from lsr_dsl.judges.config import make_judge
from lsr_dsl.judges.function import CallableJudge
from lsr_dsl.judges.http import OpenAIJudge
from lsr_dsl.judges.protocol import BatchJudge, Judge, ask, ask_batch, current_judge, require_judge, use_judge

__all__ = [
    "DEFAULT_TEMPLATE",
    "BatchJudge",
    "CallableJudge",
    "ClassifierJudge",
    "Judge",
    "JudgeCache",
    "JudgeScheduler",
    "OpenAIJudge",
    "PrefetchedJudge",
    "ask_batch",
    "make_judge",
    "TransformersJudge",
    "ask",
    "current_judge",
    "require_judge",
    "use_judge",
]
