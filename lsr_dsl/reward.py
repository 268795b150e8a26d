"""Old import path of the TRL reward, kept for users: ``from lsr_dsl.reward import LsrReward``.

The code lives in :mod:`lsr_dsl.rewards` (``trl``, ``shaping``, ``chat``).
"""
from lsr_dsl.rewards.chat import completion_text, prompt_text
from lsr_dsl.rewards.shaping import ThinkFormatReward, raif_tier, split_think, strip_think, think_format_ok
from lsr_dsl.rewards.trl import LsrReward, reward_from_config, spec_key

__all__ = [
    "LsrReward",
    "ThinkFormatReward",
    "completion_text",
    "prompt_text",
    "raif_tier",
    "reward_from_config",
    "spec_key",
    "split_think",
    "strip_think",
    "think_format_ok",
]
