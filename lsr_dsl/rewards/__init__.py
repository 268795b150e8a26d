"""Rewards for trainers, built on compiled programs.

- :mod:`.trl`: :class:`LsrReward`, the reward function for TRL's ``GRPOTrainer``;
- :mod:`.shaping`: RAIF shaping (reasoning blocks, the format reward, accuracy tiers);
- :mod:`.chat`: the text of prompts and completions in the shapes trainers pass them;
- :mod:`.verl`: verl's ``custom_reward_function`` entry points;
- :mod:`.labels`: a remote trainer's label (lsr spec or IFEval/RLVR ground truth) → a cached program;
- :mod:`.remote`: scoring rows as remote trainers send them (OpenRLHF's query = prompt + response + EOS text);
- :mod:`.server`: ``lsr serve``, the ASGI reward server (needs the ``serve`` extra);
- :mod:`.openrlhf`: OpenRLHF's ``reward_func`` file.
"""
from lsr_dsl.rewards.shaping import ThinkFormatReward
from lsr_dsl.rewards.trl import LsrReward

__all__ = ["LsrReward", "ThinkFormatReward"]
