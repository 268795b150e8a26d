"""Your own TRL script with lsr's reward, metrics file, reward plot and summary.

    python examples/train/own_trl_script.py MODEL_DIR DATA.jsonl OUT_DIR [MAX_STEPS]

MODEL_DIR: a local causal LM (``lsr make-tiny-model /tmp/tiny`` builds a tiny one);
DATA.jsonl: rows with ``prompt`` and ``spec`` (examples/train/tiny.jsonl).
"""
import sys
import warnings

# transformers 5 renamed gradient_checkpointing* to activation_checkpointing*; TRL/peft still use the old names
warnings.filterwarnings("ignore", message=r".*gradient_checkpointing\w*`? is deprecated", category=FutureWarning)

from datasets import load_dataset  # noqa: E402
from trl import GRPOConfig, GRPOTrainer  # noqa: E402

from lsr_dsl.rewards.trl import LsrReward  # noqa: E402
from lsr_dsl.training.callbacks import lsr_callbacks  # noqa: E402


def main(model: str, data: str, out: str, max_steps: int = 3) -> None:
    dataset = load_dataset("json", data_files=data, split="train")
    reward = LsrReward(spec_column="spec")
    reward.validate(dataset)  # every spec compiles, or an error naming row, spec and hint: before step 1
    args = GRPOConfig(output_dir=out, max_steps=max_steps, logging_steps=1, save_strategy="no", report_to=[],
                      per_device_train_batch_size=8, num_generations=4, max_completion_length=8,
                      learning_rate=1e-2, beta=0.0, use_cpu=True, seed=0)
    trainer = GRPOTrainer(model=model, reward_funcs=[reward], args=args, train_dataset=dataset,
                          callbacks=lsr_callbacks(out, reward))  # metrics.jsonl, summary.json, reward_curve.png
    trainer.train()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 3)
