"""Old path of the verl adapter, kept for configs that name this file
(``custom_reward_function.path: …/lsr_dsl/verl.py``). The code lives in :mod:`lsr_dsl.rewards.verl`.
"""
from lsr_dsl.rewards.verl import (  # absolute: verl loads this file by path
    RewardDataError,
    RewardKwargsError,
    compute_score,
    compute_score_batch,
    compute_score_detailed,
)

__all__ = ["compute_score", "compute_score_detailed", "compute_score_batch", "RewardKwargsError", "RewardDataError"]
