"""The bundled demo dataset and config (the same as examples/train/tiny.{jsonl,yaml}).

Used by ``run_demo`` when the package is installed without the examples folder.
Specs are simple enough for a ~100k-parameter random model to learn in a few
hundred GRPO steps on CPU: lowercase letters (``english=false`` because the
tiny model's output is not English), no commas, lower and upper length bounds,
composed with AND / THEN / IF (one IF tests the prompt).
"""

ROWS = [
    {'prompt': 'write one short line about the sea.', 'spec': '(words >= 2 AND words <= 6) AND lowercase(english=false) AND no_comma'},
    {'prompt': 'Name two fruits, please.', 'spec': 'words >= 2 THEN words <= 3 THEN lowercase(english=false)'},
    {'prompt': 'Describe your day in a few words.', 'spec': 'lowercase(english=false) THEN (words >= 3 AND words < 6)'},
    {'prompt': 'Answer with yes or no.', 'spec': 'no_comma AND words == 1'},
    {'prompt': 'Keep it short: what is the capital of France?', 'spec': 'IF prompt contains("short") THEN words <= 2 ELSE words >= 4'},
    {'prompt': 'Tell me about your favourite food.', 'spec': '(lowercase(english=false) AND no_comma) THEN words >= 4'},
]

TINY_YAML = """\
# lsr train examples/train/tiny.yaml  — GRPO on CPU in well under 5 minutes.
# A ~100k-parameter random Llama model (built on first use, offline) learns to
# satisfy simple lsr specs; the mean reward rises from ~0.4 to ~0.8-0.95 (package versions move it).
model:
  name_or_path: runs/tiny-model      # built by `lsr make-tiny-model` if missing
  create_tiny_if_missing: true
dataset:
  path: tiny.jsonl                   # relative to this file
  prompt_column: prompt
  spec_column: spec
mode: lsrm                           # lsrm | flat | strict
gamma: 0.5                           # THEN decay
seed: 0
precision: auto                      # bf16 on a GPU, fp32 on CPU
output_dir: runs/tiny
save_steps: 50
save_total_limit: 2
logging_steps: 1
grpo:
  num_generations: 8
  per_device_train_batch_size: 16    # 2 prompts x 8 generations per step
  gradient_accumulation_steps: 1
  max_completion_length: 16
  learning_rate: 0.01                # a tiny random model needs a large step size
  beta: 0.0                          # no KL term, no reference model
  temperature: 1.0
  max_steps: 300
  gradient_checkpointing: false
"""
