"""Rewards for trainers, built on compiled programs.

- :mod:`.trl`: :class:`LsrReward`, the reward function for TRL's ``GRPOTrainer``;
- :mod:`.shaping`: RAIF shaping (reasoning blocks, the format reward, accuracy tiers);
- :mod:`.chat`: the text of prompts and completions in the shapes trainers pass them;
- :mod:`.verl`: verl's ``custom_reward_function`` entry points.
"""
from lsr_dsl.rewards.shaping import ThinkFormatReward
from lsr_dsl.rewards.trl import LsrReward

__all__ = ["LsrReward", "ThinkFormatReward"]
